"""Walk a scenario's numbers with their paths and sources (for checks and reports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from pydantic import BaseModel

from detente.scenario.distributions import Dist
from detente.scenario.schema import Scenario

__all__ = ["Number", "count_sources", "quantities"]


class Number(NamedTuple):
    """One number of a scenario: where it is, what it is, and whether the file set it."""

    path: str
    quantity: Dist
    default: bool  # True where the file left it to detente's documented default


def quantities(sc: Scenario) -> Iterator[Number]:
    """Yield every number in the scenario, with its path."""
    yield from _walk(sc, "", False)


def count_sources(sc: Scenario) -> dict[str, int]:
    """How many numbers the file set (``set``), how many of those carry a
    source (``sourced``), and how many it left to documented defaults (``default``)."""
    items = list(quantities(sc))
    explicit = [n for n in items if not n.default]
    return {
        "set": len(explicit),
        "sourced": sum(1 for n in explicit if n.quantity.source),
        "default": len(items) - len(explicit),
    }


def _walk(obj: object, path: str, default: bool) -> Iterator[Number]:
    if isinstance(obj, Dist):
        yield Number(path, obj, default)
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            unset = name not in obj.model_fields_set
            sub = f"{path}.{name}" if path else name
            yield from _walk(getattr(obj, name), sub, default or unset)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            key = getattr(item, "id", None) or str(i)
            yield from _walk(item, f"{path}[{key}]", default)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}", default)
