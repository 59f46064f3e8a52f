"""Errors as one line: the file, the field and what was expected.

Every file detente reads reports a bad value as :class:`InputError`, whose
text is ``file: field.path: expected ...``; the command line prints it and
exits with status 2, without a traceback. :func:`pydantic_error` turns the
first of pydantic's validation errors into one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["InputError", "pydantic_error"]


class InputError(ValueError):
    """A file or value that cannot be used, with where and why (one line)."""

    def __init__(self, file: str, path: str, expected: str) -> None:
        expected = " ".join(expected.split())  # always one line
        self.file, self.path, self.expected = file, path, expected
        super().__init__(f"{file}: {path or '(top level)'}: {expected}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.file, self.path, self.expected))


def _loc(loc: tuple[Any, ...], tags: frozenset[str]) -> str:
    """Pydantic's location as a field path (``actors[0].forces``), without the
    union tags it inserts (``tags``, and function validators)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str):
            if part in tags or "[" in part or part.startswith("function-"):
                continue
            out += ("." if out else "") + part
    return out


def pydantic_error(
    file: str,
    err: ValidationError,
    prefix: str = "",
    tags: Iterable[str] = (),
    tag_field: str = "tag",
) -> InputError:
    """The first of pydantic's errors as one line: the field's path in the file
    (``prefix`` before it) and what was expected, with how many more there are.

    ``tags`` are the tags of the file's tagged unions (the scenario's
    distribution kinds): left out of paths, and listed, as the values
    ``tag_field`` may take, when a tag is not one of them."""
    known = frozenset(tags)
    first = err.errors()[0]
    msg = first["msg"]
    msg = msg.removeprefix("Value error, ")
    if first["type"] == "missing":
        msg = "expected this field; it is missing"
    elif first["type"] == "extra_forbidden":
        msg = "expected no such field (unknown name; check its spelling)"
    elif first["type"] == "union_tag_invalid":
        tag = (first.get("ctx") or {}).get("tag", "?")
        msg = f"expected {tag_field} to be one of {', '.join(sorted(known))}, got {tag!r}"
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
    path = _loc(first["loc"], known)
    if prefix:
        path = prefix + ("." + path if path and not path.startswith("[") else path)
    return InputError(file, path, msg)
