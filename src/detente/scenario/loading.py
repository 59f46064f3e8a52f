"""Load and check scenario files. Every error names the file, the field path and
what was expected, in one line.

The parts live beside it: safe YAML reading (:mod:`~detente.scenario.reading`),
the error and pydantic's errors as one line (:mod:`~detente.scenario.errors`),
the checks beyond the schema (:mod:`~detente.scenario.checks`) and the shipped
files (:mod:`~detente.scenario.shipped`); their public names are also here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente.io import MAX_BYTES
from detente.scenario.checks import (
    MAX_MAGNITUDE,
    check_name,
    check_names,
    check_number,
    check_numbers,
    check_references,
    shown,
)
from detente.scenario.errors import ScenarioError, pydantic_error
from detente.scenario.reading import MAX_DEPTH, MAX_NODES, parse_yaml_text, read_yaml
from detente.scenario.schema import Scenario
from detente.scenario.shipped import (
    builtin_names,
    builtin_path,
    builtin_posterior,
    resolve_posteriors,
)

__all__ = [
    "HINDCAST",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_MAGNITUDE",
    "MAX_NODES",
    "ScenarioError",
    "builtin_names",
    "builtin_posterior",
    "check_name",
    "check_number",
    "check_numbers",
    "hindcast_label",
    "load_scenario",
    "parse_scenario",
    "parse_yaml_text",
    "pydantic_error",
    "read_yaml",
    "set_path",
    "shown",
    "without_hindcast",
]


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
    data = resolve_posteriors(data, base)
    packages = data.get("packages")
    if isinstance(packages, dict) and "status-quo" not in packages:
        data["packages"] = {"status-quo": [], **packages}
    try:
        sc = Scenario.model_validate(data, context={"base": base})
    except ValidationError as e:
        raise pydantic_error(file, e) from None
    check_references(sc, file)
    check_names(sc, file)
    return sc


def load_scenario(name_or_path: str | Path, hindcast: bool = True) -> Scenario:
    """Load a built-in scenario by name, or a YAML file by path (``hindcast``:
    see :func:`without_hindcast`)."""
    text = str(name_or_path)
    if text in builtin_names():
        path = builtin_path(text)
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
