"""Working on the rows that need it: views of the state, parameters and modifiers for a
subset of runs (every operation of the step is row-wise, so a subset gives the same numbers).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from detente.backend import Rows, take_rows
from detente.model.params import Params
from detente.model.state import State

T = TypeVar("T")

F64 = NDArray[np.float64]


def on_rows(
    live: NDArray[np.int64],
    state: State,
    p: Params,
    runs: NDArray[np.int64],
    advance: Callable[..., None],  # (sub_state, sub_params, sub_runs)
) -> None:
    """Apply ``advance(sub_state, sub_params, sub_runs)`` to rows ``live``; write them back.

    Every operation of the engine is row-wise, so advancing a subset of runs
    gives the same numbers as advancing them with the rest.
    """
    R = state.phase.shape[0]
    if len(live) == R:
        advance(state, p, runs)
        return
    sub = _rows(state, live, R)
    advance(sub, _rows(p, live, R), runs[live])
    for f in fields(state):
        v = getattr(state, f.name)
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == R:
            v[live] = getattr(sub, f.name)


def view(rows: Rows, obj: T) -> T:
    """``obj`` (the state, parameters or modifiers) restricted to ``rows``, read-only.

    Each array is indexed when first read (a decision reads a third of the
    parameters), so the subset costs what is used of it; every row: ``obj``.
    """
    if rows.index is None:
        return obj
    return RowView(obj, rows.index, rows.count)  # type: ignore[return-value]


class RowView:
    """Rows ``idx`` of a dataclass of per-run arrays, each indexed when first read.

    Every operation of the step is row-wise (elementwise, or a reduction over a
    trailing axis), so terms computed on the rows alone are the same numbers
    as computed with the rest; a decision or a world choice that is open in
    a few runs reads only those. Read-only: a view made before the state
    changes must not be read after.
    """

    def __init__(self, obj: object, idx: NDArray[np.int64], runs: int) -> None:
        self.__dict__["_of"] = (obj, idx, runs)

    def __getattr__(self, name: str) -> Any:
        obj, idx, runs = self.__dict__["_of"]
        v = getattr(obj, name)
        if getattr(v, "ndim", 0) and v.shape[0] == runs:  # NumPy's or JAX's (a traced block)
            v = take_rows(v, idx)
        if isinstance(idx, np.ndarray):  # a traced read may be inside a nested loop's trace
            self.__dict__[name] = v  # found there next time, without __getattr__
        return v


def _rows(obj: T, idx: NDArray[np.int64], runs: int) -> T:
    """The same dataclass with every per-run array restricted to rows ``idx``."""
    changes: dict[str, Any] = {}
    for f in fields(obj):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == runs:
            changes[f.name] = v[idx]
    return replace(obj, **changes)  # type: ignore[type-var]
