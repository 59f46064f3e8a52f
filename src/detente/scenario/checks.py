"""Checks of a scenario beyond its schema: numbers finite and bounded, names
visible, and every cross-reference (ids, actors, registered policies and
interventions) resolved. Each failure is one line naming file and field."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from pydantic import BaseModel, ValidationError

from detente.scenario.errors import ScenarioError, pydantic_error
from detente.scenario.schema import Intervention, Scenario

__all__ = [
    "MAX_MAGNITUDE",
    "check_name",
    "check_names",
    "check_number",
    "check_numbers",
    "check_references",
    "shown",
]

MAX_MAGNITUDE = 1e12  # as distributions.MAX_MAGNITUDE: no quantity needs more


def check_numbers(data: Any, file: str, prefix: str = "") -> None:
    """One numeric guard for every field and every entry point (files, the web
    form, design points): each number finite and of magnitude at most
    ``MAX_MAGNITUDE``, checked on the raw mapping before any model sees it, so
    a field whose own check is loose (``ge=0`` alone) cannot pass ``.inf``."""
    stack: list[tuple[Any, str]] = [(data, prefix)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        elif isinstance(node, int | float) and not isinstance(node, bool):
            problem = check_number(node)
            if problem:
                raise ScenarioError(file, path, problem)


def check_number(x: float) -> str | None:
    """What is wrong with a number (None if nothing): not finite, or too large."""
    try:
        big = abs(x) > MAX_MAGNITUDE
    except OverflowError:  # an int too large for a float
        big = True
    if isinstance(x, float) and not math.isfinite(x):
        return f"expected a finite number, got {x}"
    if big:
        shown = f"{x:g}" if isinstance(x, float) else f"an integer of {len(str(abs(x)))} digits"
        return f"expected a number of magnitude at most {MAX_MAGNITUDE:g}, got {shown}"
    return None


# Characters a name may not hold: controls, format characters (zero-width
# joiners, right-to-left marks and overrides), separators other than the
# space, private-use, surrogates and unassigned code points. They make two
# different names look the same ("status-quo" and "status\u200b-quo").
_HIDDEN = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def check_name(name: str) -> str | None:
    """What is wrong with a name shown to people (None if nothing)."""
    for i, ch in enumerate(name):
        cat = unicodedata.category(ch)
        if cat in _HIDDEN or (cat == "Zs" and ch != " "):
            return (
                f"expected a name of visible characters, got {name!r} with "
                f"U+{ord(ch):04X} ({unicodedata.name(ch, cat)}) at position {i}"
            )
    if name != name.strip():
        return f"expected a name without leading or trailing spaces, got {name!r}"
    return None


def check_names(sc: Scenario, file: str) -> None:
    """Every name shown to people: visible characters, no outer spaces."""
    named: list[tuple[str, str]] = [("name", sc.name)]
    named += [(f"packages.{n}", n) for n in sc.packages]
    for group in ("actors", "alliances", "disputes"):
        named += [(f"{group}[{i}].name", it.name) for i, it in enumerate(getattr(sc, group))]
    for path, name in named:
        problem = check_name(name)
        if problem:
            raise ScenarioError(file, shown(path), problem)


def shown(text: str) -> str:
    """Text with every character a name may not hold written as ``\\uXXXX``:
    an error message never carries an invisible character."""
    return "".join(
        f"\\u{ord(ch):04x}"
        if unicodedata.category(ch) in _HIDDEN or (unicodedata.category(ch) == "Zs" and ch != " ")
        else ch
        for ch in text
    )


def _validate_params(
    model: type[BaseModel], params: dict[str, Any], file: str, path: str
) -> BaseModel:
    try:
        return model.model_validate(params)
    except ValidationError as e:
        raise pydantic_error(file, e, prefix=path) from None


def check_references(sc: Scenario, file: str) -> None:
    """Every cross-reference of a validated scenario: unique ids, actors named in
    alliances, disputes and history, registered policies and interventions with
    valid parameters, and intervention steps within the horizon."""
    for group in ("actors", "alliances", "disputes"):
        _unique(getattr(sc, group), group, file)
    if len(sc.ladder) != 10:
        raise ScenarioError(
            file,
            "ladder",
            f"expected 10 rungs (0 normal relations to 9 nuclear use), got {len(sc.ladder)}",
        )
    _check_actors(sc, file)
    _check_alliances(sc, file)
    for d, dsp in enumerate(sc.disputes):
        _actor_ref(sc, dsp.challenger, f"disputes[{d}].challenger", file)
        _actor_ref(sc, dsp.defender, f"disputes[{d}].defender", file)
    _check_history(sc, file)
    groups = [("baseline", sc.baseline)] + [(f"packages.{n}", v) for n, v in sc.packages.items()]
    for prefix, items in groups:
        for j, spec in enumerate(items):
            _check_intervention(sc, spec, f"{prefix}[{j}]", file)


def _unique(items: list[Any], path: str, file: str) -> None:
    seen: set[str] = set()
    for i, it in enumerate(items):
        if it.id in seen:
            raise ScenarioError(
                file, f"{path}[{i}].id", f"expected a unique id, got {it.id!r} twice"
            )
        seen.add(it.id)


def _actor_ref(sc: Scenario, value: str, path: str, file: str) -> None:
    if value not in sc.actor_ids:
        known = ", ".join(sc.actor_ids)
        raise ScenarioError(file, path, f"expected one of the actors ({known}), got {value!r}")


def _check_actors(sc: Scenario, file: str) -> None:
    """Deployed forces within the forces; a registered policy with valid parameters."""
    from detente.model.policies import policies

    for i, a in enumerate(sc.actors):
        if a.deployed.support()[0] > a.forces.support()[1]:
            raise ScenarioError(
                file,
                f"actors[{i}].deployed",
                "expected deployed <= forces, got "
                f"at least {a.deployed.support()[0]} deployed of at most "
                f"{a.forces.support()[1]}",
            )
        if a.policy.name not in policies:
            raise ScenarioError(
                file,
                f"actors[{i}].policy.name",
                "expected a registered policy "
                f"({', '.join(policies.names())}), got {a.policy.name!r}",
            )
        _validate_params(
            policies.get(a.policy.name).Params, a.policy.params, file, f"actors[{i}].policy.params"
        )


def _check_alliances(sc: Scenario, file: str) -> None:
    """Members and partners are actors; no partner is also a member."""
    for k, al in enumerate(sc.alliances):
        for j, m in enumerate(al.members):
            _actor_ref(sc, m, f"alliances[{k}].members[{j}]", file)
        for j, m in enumerate(al.partners):
            _actor_ref(sc, m, f"alliances[{k}].partners[{j}]", file)
            if m in al.members:
                raise ScenarioError(
                    file,
                    f"alliances[{k}].partners[{j}]",
                    f"expected a partner that is not also a member, got {m!r}",
                )


def _check_history(sc: Scenario, file: str) -> None:
    """Each past crisis names actors of the scenario, and an alliance only with
    whether its allies fought."""
    alliance_ids = {a.id for a in sc.alliances}
    for h, past in enumerate(sc.history):
        if past.challenger is None and past.defender is None:
            raise ScenarioError(
                file, f"history[{h}]", "expected a challenger or a defender among the actors"
            )
        if past.challenger is not None:
            _actor_ref(sc, past.challenger, f"history[{h}].challenger", file)
        if past.defender is not None:
            _actor_ref(sc, past.defender, f"history[{h}].defender", file)
        if past.alliance is not None and past.alliance not in alliance_ids:
            raise ScenarioError(
                file,
                f"history[{h}].alliance",
                f"expected one of the alliances ({', '.join(sorted(alliance_ids)) or 'none'}), "
                f"got {past.alliance!r}",
            )
        if (past.alliance is None) != (past.allies_fought is None):
            raise ScenarioError(
                file,
                f"history[{h}].allies_fought",
                "expected allies_fought (true or false) exactly when an alliance is named",
            )


def _check_intervention(sc: Scenario, spec: Intervention, path: str, file: str) -> None:
    """A registered intervention, its parameters valid and naming existing
    actors, disputes and alliances, starting and ending within the horizon."""
    from detente.model.interventions import interventions

    if spec.type not in interventions:
        raise ScenarioError(
            file,
            f"{path}.type",
            "expected a registered intervention "
            f"({', '.join(interventions.names())}), got {spec.type!r}",
        )
    cls = interventions.get(spec.type)
    prm = _validate_params(cls.Params, spec.params, file, path)
    ids = {
        "actor": set(sc.actor_ids),
        "dispute": {d.id for d in sc.disputes},
        "alliance": {a.id for a in sc.alliances},
    }
    for field, kind in cls.refs.items():
        value = getattr(prm, field)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        base = kind.rstrip("s")
        for v in values:
            if v not in ids[base]:
                raise ScenarioError(
                    file,
                    f"{path}.{field}",
                    f"expected one of the {base}s ({', '.join(sorted(ids[base]))}), got {v!r}",
                )
    if spec.start >= sc.settings.steps:
        raise ScenarioError(
            file,
            f"{path}.start",
            f"expected a step before settings.steps ({sc.settings.steps}), got {spec.start}",
        )
    if spec.end is not None and spec.end > sc.settings.steps:
        raise ScenarioError(
            file,
            f"{path}.end",
            f"expected a step <= settings.steps ({sc.settings.steps}), got {spec.end}",
        )
