"""Load and check scenario files. Every error names the file, the field path and
what was expected, in one line."""

from __future__ import annotations

import math
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from detente.io import MAX_BYTES, InputError, read_text
from detente.scenario.distributions import DIST_TAGS
from detente.scenario.schema import Scenario

__all__ = [
    "ScenarioError",
    "builtin_names",
    "builtin_posterior",
    "load_scenario",
    "parse_scenario",
    "read_yaml",
    "set_path",
]

_DIST_TAGS = set(DIST_TAGS)


# One error type for every file the project reads (detente.io), under the
# name the scenario code has always used.
ScenarioError = InputError


MAX_NODES = 200_000  # YAML nodes after aliases are expanded
MAX_DEPTH = 64  # nesting of mappings and lists


class _StrictLoader(yaml.SafeLoader):
    """Safe loading (no object construction) that also refuses duplicate keys,
    documents that aliases expand beyond ``MAX_NODES`` nodes ("billion laughs")
    and nesting deeper than ``MAX_DEPTH``."""

    def get_single_node(self):  # type: ignore[no-untyped-def]
        node = super().get_single_node()
        if node is not None:
            _check_size(node)
        return node


class _TooBig(yaml.YAMLError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_size(root: yaml.Node) -> None:
    """Expanded size and depth of a composed document, without expanding it.

    An alias is the same node object reached twice, so sizes are memoised by
    node identity: the walk costs the number of distinct nodes, while the
    total counts every place a node would be copied to.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:  # iterative: a deep document must not exhaust Python's stack
        node, d = stack.pop()
        if d > MAX_DEPTH:
            raise _TooBig(f"expected nesting at most {MAX_DEPTH} levels deep")
        if id(node) in size:
            continue
        size[id(node)] = -1
        order.append(node)
        for child in _children(node):
            stack.append((child, d + 1))
    for node in reversed(order):
        kids = _children(node)
        size[id(node)] = 1 + sum(size.get(id(k), 1) for k in kids)
        depth[id(node)] = 1 + max((depth.get(id(k), 1) for k in kids), default=0)
        if size[id(node)] > MAX_NODES:
            raise _TooBig(
                f"expected at most {MAX_NODES:,} values once aliases are expanded (an alias bomb?)"
            )
        if depth[id(node)] > MAX_DEPTH:
            raise _TooBig(f"expected nesting at most {MAX_DEPTH} levels deep")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    return []


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool) and key is not None:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"expected a plain key, got a {type(key).__name__} (line {mark.line + 1})",
                mark,
            )
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Path, what: str = "scenario") -> Any:
    """Read a YAML file safely; raise :class:`ScenarioError` on any problem."""
    name = str(path)
    text = read_text(path, what, MAX_BYTES)
    if not text.strip():
        raise ScenarioError(
            name, "", f"expected a YAML mapping of {what} fields, got an empty file"
        )
    data = parse_yaml_text(text, name)
    if not isinstance(data, dict):
        raise ScenarioError(
            name, "", f"expected a YAML mapping of {what} fields, got {type(data).__name__}"
        )
    return data


def _nesting_estimate(text: str) -> int:
    """A fast upper-bound-ish estimate of a document's nesting, before parsing.

    Flow brackets outside quotes, and per line the indentation (in steps of
    two) plus any "- " that open nested block sequences. Deep documents are
    refused here in linear time, rather than by the parser's recursion.
    """
    depth = deepest = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        dashes = 0
        while stripped.startswith("- "):
            dashes += 1
            stripped = stripped[2:].lstrip(" ")
        deepest = max(deepest, (len(line) - len(line.lstrip(" "))) // 2 + dashes)
    return deepest


def parse_yaml_text(text: str, name: str) -> Any:
    """Parse YAML text safely and within bounds; raise :class:`ScenarioError`."""
    if _nesting_estimate(text) > MAX_DEPTH:
        raise ScenarioError(name, "", f"expected nesting at most {MAX_DEPTH} levels deep")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _TooBig as e:
        raise ScenarioError(name, "", e.message) from None
    except RecursionError:
        raise ScenarioError(name, "", f"expected nesting at most {MAX_DEPTH} levels deep") from None
    except ValueError as e:
        # Python refuses to read an integer of more than 4,300 digits (its
        # integer-string limit); no field takes one.
        raise ScenarioError(name, "", f"expected numbers of at most 4300 digits ({e})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = (e.problem or e.context or "invalid YAML").strip()
        raise ScenarioError(name, "", f"expected valid YAML, {problem} at {where}") from None
    except yaml.YAMLError as e:
        raise ScenarioError(name, "", f"expected valid YAML ({e})") from None


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str):
            if part in _DIST_TAGS or "[" in part or part.startswith("function-"):
                continue
            out += ("." if out else "") + part
    return out


def pydantic_error(file: str, err: ValidationError, prefix: str = "") -> ScenarioError:
    first = err.errors()[0]
    msg = first["msg"]
    msg = msg.removeprefix("Value error, ")
    if first["type"] == "missing":
        msg = "expected this field; it is missing"
    elif first["type"] == "extra_forbidden":
        msg = "expected no such field (unknown name; check its spelling)"
    elif first["type"] == "union_tag_invalid":
        tag = (first.get("ctx") or {}).get("tag", "?")
        msg = f"expected dist to be one of {', '.join(sorted(_DIST_TAGS))}, got {tag!r}"
    elif not msg.startswith("expected"):
        got = first.get("input")
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        if len(shown) > 60:
            shown = shown[:57] + "..."
        if msg.startswith("Input should be "):
            msg = msg.removeprefix("Input should be ")
            if msg.startswith(("less", "greater")):
                msg = "a value " + msg
        msg = f"expected {msg[0].lower()}{msg[1:]}, got {shown}"
    more = len(err.errors()) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    path = _loc(first["loc"])
    if prefix:
        path = prefix + ("." + path if path and not path.startswith("[") else path)
    return ScenarioError(file, path, msg)


HINDCAST = "HINDCAST"  # the sources key that labels a hindcast's parameters


def without_hindcast(data: Any, hindcast: bool) -> Any:
    """The scenario mapping with or without its hindcast parameters.

    A number may carry ``prewar:``, the assumption it had before it was
    calibrated on a later record (ukraine-2022's war parameters, drawn from
    the posterior of the war of 2022). With ``hindcast`` the calibrated value
    stays and ``prewar`` is dropped; without, the ``prewar`` value replaces
    it, and the ``HINDCAST`` label leaves the sources.
    """
    if isinstance(data, dict):
        if "prewar" in data:
            if not hindcast:
                return without_hindcast(data["prewar"], hindcast)
            data = {k: v for k, v in data.items() if k != "prewar"}
        out = {k: without_hindcast(v, hindcast) for k, v in data.items()}
        if not hindcast and isinstance(out.get("sources"), dict):
            out["sources"] = {k: v for k, v in out["sources"].items() if k != HINDCAST}
        return out
    if isinstance(data, list):
        return [without_hindcast(v, hindcast) for v in data]
    return data


def hindcast_label(sc: Scenario) -> str | None:
    """What a scenario says of its hindcast parameters, if it has any in use."""
    return sc.sources.get(HINDCAST)


def parse_scenario(
    data: dict[str, Any], file: str = "<scenario>", base: Path | None = None, hindcast: bool = True
) -> Scenario:
    """Validate a mapping into a :class:`Scenario`, checking every cross-reference.

    ``base`` is the folder that files the scenario names (posterior files) are
    relative to; by default the current directory. ``hindcast=False`` keeps
    the pre-war assumptions of numbers that carry them (:func:`without_hindcast`).
    """
    data = without_hindcast(data, hindcast)
    if not isinstance(data, dict):
        raise ScenarioError(file, "prewar", "expected a scenario mapping, not a bare prewar value")
    check_numbers(data, file)
    data = dict(data)
    data = _resolve_posteriors(data, base)
    packages = data.get("packages")
    if isinstance(packages, dict) and "status-quo" not in packages:
        data["packages"] = {"status-quo": [], **packages}
    try:
        sc = Scenario.model_validate(data, context={"base": base})
    except ValidationError as e:
        raise pydantic_error(file, e) from None
    _check_references(sc, file)
    _check_names(sc, file)
    return sc


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


def _check_names(sc: Scenario, file: str) -> None:
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


def _validate_params(model: type[BaseModel], params: dict, file: str, path: str) -> BaseModel:
    try:
        return model.model_validate(params)
    except ValidationError as e:
        raise pydantic_error(file, e, prefix=path) from None


def _check_references(sc: Scenario, file: str) -> None:
    from detente.model.interventions import interventions
    from detente.model.policies import policies

    def unique(items: list, path: str) -> None:
        seen: set[str] = set()
        for i, it in enumerate(items):
            if it.id in seen:
                raise ScenarioError(
                    file, f"{path}[{i}].id", f"expected a unique id, got {it.id!r} twice"
                )
            seen.add(it.id)

    unique(sc.actors, "actors")
    unique(sc.alliances, "alliances")
    unique(sc.disputes, "disputes")
    actors = set(sc.actor_ids)
    known = ", ".join(sc.actor_ids)

    def actor_ref(value: str, path: str) -> None:
        if value not in actors:
            raise ScenarioError(file, path, f"expected one of the actors ({known}), got {value!r}")

    if len(sc.ladder) != 10:
        raise ScenarioError(
            file,
            "ladder",
            f"expected 10 rungs (0 normal relations to 9 nuclear use), got {len(sc.ladder)}",
        )
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
    for k, al in enumerate(sc.alliances):
        for j, m in enumerate(al.members):
            actor_ref(m, f"alliances[{k}].members[{j}]")
        for j, m in enumerate(al.partners):
            actor_ref(m, f"alliances[{k}].partners[{j}]")
            if m in al.members:
                raise ScenarioError(
                    file,
                    f"alliances[{k}].partners[{j}]",
                    f"expected a partner that is not also a member, got {m!r}",
                )
    for d, dsp in enumerate(sc.disputes):
        actor_ref(dsp.challenger, f"disputes[{d}].challenger")
        actor_ref(dsp.defender, f"disputes[{d}].defender")
    alliance_ids = {a.id for a in sc.alliances}
    for h, past in enumerate(sc.history):
        if past.challenger is None and past.defender is None:
            raise ScenarioError(
                file, f"history[{h}]", "expected a challenger or a defender among the actors"
            )
        if past.challenger is not None:
            actor_ref(past.challenger, f"history[{h}].challenger")
        if past.defender is not None:
            actor_ref(past.defender, f"history[{h}].defender")
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
    ids = {
        "actor": actors,
        "dispute": {d.id for d in sc.disputes},
        "alliance": {a.id for a in sc.alliances},
    }
    groups = [("baseline", sc.baseline)] + [(f"packages.{n}", v) for n, v in sc.packages.items()]
    for prefix, items in groups:
        for j, spec in enumerate(items):
            path = f"{prefix}[{j}]"
            if spec.type not in interventions:
                raise ScenarioError(
                    file,
                    f"{path}.type",
                    "expected a registered intervention "
                    f"({', '.join(interventions.names())}), got {spec.type!r}",
                )
            cls = interventions.get(spec.type)
            prm = _validate_params(cls.Params, spec.params, file, path)
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
                            f"expected one of the {base}s "
                            f"({', '.join(sorted(ids[base]))}), got {v!r}",
                        )
            if spec.start >= sc.settings.steps:
                raise ScenarioError(
                    file,
                    f"{path}.start",
                    f"expected a step before settings.steps ({sc.settings.steps}), "
                    f"got {spec.start}",
                )
            if spec.end is not None and spec.end > sc.settings.steps:
                raise ScenarioError(
                    file,
                    f"{path}.end",
                    f"expected a step <= settings.steps ({sc.settings.steps}), got {spec.end}",
                )


def builtin_posterior(ref: str) -> Path | None:
    """The posterior file shipped with detente that ``ref`` names, or None.

    ``ref`` is a built-in posterior's name (``donbas-2014``), its file name
    (``donbas-2014.yaml``) or its path in the built-in folder
    (``posteriors/donbas-2014.yaml``, as the built-in scenarios and their
    dumps write it).
    """
    folder = Path(str(resources.files("detente.scenario") / "builtin" / "posteriors"))
    parts = Path(ref).parts
    if len(parts) == 2 and parts[0] == "posteriors":
        parts = parts[1:]
    if len(parts) != 1:
        return None
    name = parts[0].removesuffix(".yaml")
    path = folder / f"{name}.yaml"
    # Only a plain file name of the folder: no "..", no separators.
    if name in {p.name.removesuffix(".yaml") for p in folder.glob("*.yaml")}:
        return path
    return None


def _resolve_posteriors(data: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """A copy of ``data`` whose posterior references point at built-in files
    where they name one and no file of that name sits beside the scenario.

    So a built-in scenario copied to any folder (or ``run --out``'s
    ``scenario.yaml``) still finds ``posteriors/donbas-2014.yaml``, and a
    scenario may write ``file: donbas-2014``. A file beside the scenario wins.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            ref = out.get("file")
            if out.get("dist") == "posterior" and isinstance(ref, str) and ref:
                local = None if base is None else Path(base) / ref
                if local is None or not local.exists():
                    shipped = builtin_posterior(ref)
                    if shipped is not None:
                        out["file"] = str(shipped)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with detente."""
    folder = resources.files("detente.scenario") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_scenario(name_or_path: str | Path, hindcast: bool = True) -> Scenario:
    """Load a built-in scenario by name, or a YAML file by path (``hindcast``:
    see :func:`without_hindcast`)."""
    text = str(name_or_path)
    if text in builtin_names():
        res = resources.files("detente.scenario") / "builtin" / f"{text}.yaml"
        with resources.as_file(res) as path:
            return parse_scenario(
                read_yaml(path), file=f"{text}.yaml (built-in)", base=path.parent, hindcast=hindcast
            )
    path = Path(name_or_path)
    if not path.exists():
        raise ScenarioError(
            text,
            "",
            "expected a built-in scenario name "
            f"({', '.join(builtin_names())}) or a path to a YAML file",
        )
    return parse_scenario(read_yaml(path), file=str(path), base=path.parent, hindcast=hindcast)


_PATH_PART = re.compile(r"^(?P<key>[^\[\]]+)(\[(?P<i>\d+)\])?$")


def set_path(data: dict, path: str, value: Any, file: str) -> None:
    """Set a value in a scenario mapping by path: ``packages.withdrawal[0].fraction``."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        m = _PATH_PART.match(part)
        if not m:
            raise ScenarioError(file, path, "expected a path of names and [index]")
        key, idx = m["key"], m["i"]
        last = depth == len(parts) - 1
        if isinstance(node, list):  # a list addressed by id
            match = [it for it in node if isinstance(it, dict) and it.get("id") == key]
            if not match:
                raise ScenarioError(file, path, f"expected an item with id {key!r}")
            node = match[0]
            continue
        if not isinstance(node, dict) or key not in node:
            raise ScenarioError(file, path, f"expected {key!r} to exist in the scenario")
        if idx is not None:
            seq = node[key]
            if not isinstance(seq, list) or int(idx) >= len(seq):
                raise ScenarioError(file, path, f"expected an index below {len(seq)}")
            if last:
                seq[int(idx)] = value
                return
            node = seq[int(idx)]
        elif last:
            node[key] = value
            return
        else:
            node = node[key]
