"""The scenario code's error: one line naming the file, the field and what was expected."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from detente.io import InputError
from detente.scenario.distributions import DIST_TAGS

__all__ = ["ScenarioError", "pydantic_error"]

# One error type for every file the project reads (detente.io), under the
# name the scenario code has always used.
ScenarioError = InputError

_DIST_TAGS = set(DIST_TAGS)


def _loc(loc: tuple[Any, ...]) -> str:
    """Pydantic's location as a field path (``actors[0].forces``), without the
    union tags it inserts (distribution names, function validators)."""
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
    """The first of pydantic's errors as one line: the field's path in the file
    (``prefix`` before it) and what was expected, with how many more there are."""
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
