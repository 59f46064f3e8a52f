"""Array backends: one model source, run by NumPy or compiled by JAX.

The engine is written once, against the array namespace ``xp``. By default
``xp`` is NumPy and every call runs eagerly. Inside :func:`using` it is
another namespace with NumPy's API (``jax.numpy``): the same functions are
then traced by ``jax.jit`` and compiled by XLA for the CPU or a GPU. This is
the approach of the Python array API standard (Data API Consortium, "Python
array API standard", 2023), narrowed to the two namespaces detente runs on.

What the two namespaces do not share is one small protocol, :class:`Backend`,
with an eager implementation (:class:`NumPyBackend`) and a traced one
(:class:`JaxBackend`); the engine asks the active one (:func:`current`) and
never which one it is:

* :meth:`Backend.put`: ``x`` with ``x[index] = value``, a new array (``x``
  unchanged) on both: what a plugin uses. :meth:`Backend.write` is the
  engine's own form, in place on NumPy for an array the caller made.
* :meth:`Backend.some`: whether a mask may hold anywhere. NumPy looks; a
  traced mask is never known, so the engine's skips of provably idle work
  (``if not be.some(mask): return``) happen only eagerly, and a compiled step
  computes every row under the mask instead, which gives the same numbers.
* :meth:`Backend.on_rows_where`: run a row-wise function on the rows where a
  mask holds: the gathered rows alone on NumPy; when traced, the same rows
  packed into blocks of a fixed size, as many blocks as they fill
  (:func:`detente.blocks.in_blocks`), so a compiled step decides only for the runs in a
  crisis while compiling a single shape.
* :meth:`Backend.select` (one of two branches) and :meth:`Backend.when` (a
  change kept only where a flag holds), for values that are arrays or
  dataclasses of arrays (the state, parameters and modifiers).

Backend names are parsed in one place, :func:`parse`: ``numpy``, ``jax`` or
``jax/float32`` into a :class:`Spec` of (backend, real dtype).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
from scipy.special import ndtri as _scipy_ndtri

from detente.blocks import (
    Nested,
    Rows,
    block_size,
    flatten,
    in_blocks,
    scatter,
    take_rows,
    tree_map,
)

__all__ = [
    "BACKENDS",
    "PRECISIONS",
    "Backend",
    "JaxBackend",
    "NumPyBackend",
    "Rows",
    "Spec",
    "current",
    "errstate",
    "horizon",
    "ndtri",
    "parse",
    "put",
    "real",
    "take_rows",
    "using",
    "xp",
]

T = TypeVar("T")

BACKENDS = ("numpy", "jax")
PRECISIONS: dict[str, type[np.floating[Any]]] = {"float64": np.float64, "float32": np.float32}


@dataclasses.dataclass(frozen=True)
class Spec:
    """A backend name parsed: which backend, and the dtype of its real numbers."""

    backend: str  # one of BACKENDS
    precision: str = "float64"  # a key of PRECISIONS

    dtype = property(lambda self: PRECISIONS[self.precision], doc="the real numbers' dtype")

    def __str__(self) -> str:
        """The name :func:`parse` reads back: ``numpy``, ``jax``, ``jax/float32``."""
        return self.backend if self.precision == "float64" else f"{self.backend}/{self.precision}"


def parse(name: str, precision: str | None = None) -> Spec:
    """The backend named ``name`` (``numpy``, ``jax``, ``jax/float32``), with ``precision``
    (``float64`` or ``float32``) given apart or after a slash; ValueError with one line
    naming what is expected.

    The one place backend names are checked: NumPy is the reference and
    computes in float64 only; JAX in either.
    """
    backend, _, packed = str(name).partition("/")
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {name!r}")
    if packed and precision is not None and packed != precision:
        raise ValueError(f"backend {name!r} and precision {precision!r} disagree")
    chosen = packed or precision or "float64"
    if chosen not in PRECISIONS:
        raise ValueError(f"precision: expected float64 or float32, got {chosen!r}")
    if chosen != "float64" and backend != "jax":
        raise ValueError(f"precision {chosen}: only the jax backend computes in {chosen}")
    return Spec(backend, chosen)


@runtime_checkable
class Backend(Protocol):
    """What the engine needs of an array backend (see the module's docstring)."""

    name: str
    xp: Any  # the array namespace: numpy or jax.numpy
    real: type[np.floating[Any]]  # the dtype of real numbers
    eager: bool  # arrays are concrete (NumPy), not traced
    steps: int | None  # the horizon of a traced simulation

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        """Elementwise ``a`` where ``cond`` holds, else ``b``."""

    def put(self, x: Any, index: Any, value: Any) -> Any:
        """A new array: ``x`` with ``x[index] = value``; ``x`` itself unchanged."""

    def write(self, x: Any, index: Any, value: Any) -> Any:
        """``x`` with ``x[index] = value``, in place where the backend allows: only on an
        array the caller made, and only the returned value is to be used."""

    def some(self, mask: Any) -> bool:
        """Whether ``mask`` may hold anywhere: False only when known to hold nowhere."""

    def select(self, pred: Any, if_true: Callable[[], T], if_false: Callable[[], T]) -> T:
        """``if_true()`` if ``pred`` else ``if_false()``, same shapes: one branch is run."""

    def when(self, flag: Any, change: Callable[[T], T], value: T) -> T:
        """``change(value)`` where ``flag`` holds, else ``value`` (a scalar flag)."""

    def on_rows_where(
        self, rows: Any, compute: Callable[[Rows], T], empty: Callable[[], T]
    ) -> T:
        """``compute``'s values on the rows where ``rows`` (R,) holds.

        ``compute`` is row-wise: given a :class:`Rows`, it reads only those rows
        (``Rows.take``) and returns arrays with one row for each. NumPy runs it
        on the gathered rows alone (none: not at all) and fills the others
        with ``empty()``'s; a traced backend runs it on blocks of the gathered
        rows (:func:`detente.blocks.in_blocks`), or on every row where the rows are too few
        to split or where ``compute`` itself calls ``on_rows_where`` (then the
        inner call is run in blocks: one level of blocks, the innermost). So
        the rows outside the mask are the caller's to mask, never to read.
        Wrap it in :meth:`select` to skip it whole when no row needs it.
        """

    def errstate(self, **kwargs: Any) -> contextlib.AbstractContextManager[Any]:
        """``numpy.errstate`` when eager; XLA raises no floating-point warnings."""

    def ndtri(self, u: Any) -> Any:
        """Inverse of the standard normal CDF, from the namespace's SciPy."""


class NumPyBackend:
    """The reference: NumPy, eager, float64 (or float32 where a test asks for it)."""

    name = "numpy"
    eager = True
    steps: int | None = None
    # The share of live rows from which :meth:`on_rows_where` computes every row
    # rather than gathering. In ukraine-2022 the shares are about 0.1 (crisis
    # decisions), 0.9 (talks) and 0.01 (war): computing the talks densely made
    # the status quo 5% faster (interleaved A/B, docs/performance.md); 0.6 is
    # a point between, not tuned (any value in 0.15-0.85 chooses the same).
    dense_share = 0.6

    def __init__(self, real: type[np.floating[Any]] = np.float64) -> None:
        self.xp: Any = np
        self.real = real

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    def put(self, x: Any, index: Any, value: Any) -> Any:
        y = np.array(x, copy=True)
        y[index] = value
        return y

    def write(self, x: Any, index: Any, value: Any) -> Any:
        x[index] = value
        return x

    def some(self, mask: Any) -> bool:
        return bool(np.any(mask))

    def select(self, pred: Any, if_true: Callable[[], T], if_false: Callable[[], T]) -> T:
        return if_true() if pred else if_false()

    def when(self, flag: Any, change: Callable[[T], T], value: T) -> T:
        return change(value) if flag else value

    def on_rows_where(
        self, rows: Any, compute: Callable[[Rows], T], empty: Callable[[], T]
    ) -> T:
        index = np.flatnonzero(rows)
        count = rows.shape[0]
        if len(index) == count:
            return compute(Rows(None, count))
        if len(index) >= self.dense_share * count:
            # Most rows live: computing every row (row-wise, the same numbers on
            # the live ones, as the compiled step does) and writing ``empty()``
            # over the rest costs less than gathering the live rows' inputs. The
            # values are written into what ``compute`` returned: a row-wise
            # function must return new arrays, or the very arrays ``empty()`` does.
            out = compute(Rows(None, count))
            rest = np.flatnonzero(~np.asarray(rows, dtype=bool))
            scatter(out, rest, Rows(rest, count).take(empty()))
            return out
        out = empty()
        if len(index):
            scatter(out, index, compute(Rows(index, count)))
        return out

    def errstate(self, **kwargs: Any) -> contextlib.AbstractContextManager[Any]:
        return np.errstate(**kwargs)

    def ndtri(self, u: Any) -> Any:
        return _scipy_ndtri(u)


class JaxBackend:
    """``jax.numpy``, traced under ``jax.jit`` for a simulation of ``steps`` steps."""

    name = "jax"
    eager = False

    def __init__(self, steps: int | None = None, real: type[np.floating[Any]] = np.float64) -> None:
        import jax
        import jax.numpy as jnp

        self._jax = jax
        self.xp: Any = jnp
        self.steps = steps
        self.real = real
        self._blocked = False  # tracing a block of on_rows_where's rows

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.xp.where(cond, a, b)

    def put(self, x: Any, index: Any, value: Any) -> Any:
        return self.xp.asarray(x).at[index].set(value)

    write = put  # immutable arrays: always a new one

    def some(self, mask: Any) -> bool:
        return True

    def select(self, pred: Any, if_true: Callable[[], T], if_false: Callable[[], T]) -> T:
        # lax.cond takes JAX pytrees: the branches' dataclasses travel as their leaves.
        shape: list[Callable[[list[Any]], T]] = []

        def leaves(branch: Callable[[], T]) -> Callable[[], list[Any]]:
            def run() -> list[Any]:
                flat, rebuild = flatten(branch())
                shape.append(rebuild)
                return flat

            return run

        out = self._jax.lax.cond(pred, leaves(if_true), leaves(if_false))
        return shape[0](list(out))

    def when(self, flag: Any, change: Callable[[T], T], value: T) -> T:
        return tree_map(lambda new, old: self.xp.where(flag, new, old), change(value), value)

    def on_rows_where(
        self, rows: Any, compute: Callable[[Rows], T], empty: Callable[[], T]
    ) -> T:
        count = rows.shape[0]
        if not isinstance(rows, self._jax.core.Tracer):  # concrete (outside jit): as NumPy
            index = np.flatnonzero(np.asarray(rows))
            if len(index) == count:
                return compute(Rows(None, count))
            out = empty()
            if not len(index):
                return out
            part = compute(Rows(index, count))
            return tree_map(lambda o, v: self.xp.asarray(o).at[index].set(v), out, part)
        if self._blocked:
            # Called from a function being traced for an outer call's blocks:
            # the innermost calls are the ones run in blocks (their rows are
            # the fewer: the decisions and the crisis lines, not every talk).
            raise Nested
        block = block_size(count)
        if block < count:
            self._blocked = True
            try:
                return in_blocks(self._jax, rows, block, compute, empty)
            except Nested:
                pass  # ``compute`` calls on_rows_where itself: every row, inner calls in blocks
            finally:
                self._blocked = False
        return compute(Rows(None, count))

    def errstate(self, **kwargs: Any) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def ndtri(self, u: Any) -> Any:
        from jax.scipy.special import ndtri as f

        return f(u)


_NUMPY = NumPyBackend()
_active: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "detente_backend", default=None
)


def current() -> Backend:
    """The backend the model runs against now: NumPy unless inside :func:`using`."""
    return _active.get() or _NUMPY


class _Namespace:
    """``xp.where`` is ``numpy.where``, or ``jax.numpy.where`` inside :func:`using`."""

    def __getattr__(self, name: str) -> Any:
        # current() inlined: the engine reads xp hundreds of times a step.
        return getattr((_active.get() or _NUMPY).xp, name)

    def __repr__(self) -> str:
        return f"<array namespace {current().xp.__name__}>"


xp: Any = _Namespace()


@contextlib.contextmanager
def using(
    backend: Backend | ModuleType, steps: int | None = None, real: Any = np.float64
) -> Iterator[Backend]:
    """Run the model against ``backend`` inside the block.

    ``backend`` is a :class:`Backend`, or a namespace (``numpy``,
    ``jax.numpy``) for which one is made with ``steps`` (the horizon of a
    traced simulation) and real numbers of dtype ``real`` (float64; float32
    for speed on a GPU).
    """
    if not isinstance(backend, ModuleType):
        chosen: Backend = backend
    elif backend is np:
        chosen = NumPyBackend(real)
    else:
        chosen = JaxBackend(steps, real)
    token = _active.set(chosen)
    try:
        yield chosen
    finally:
        _active.reset(token)


def real() -> Any:
    """The dtype of the model's real numbers: float64 unless a compiled run asks for float32."""
    return current().real


def horizon() -> int:
    """Steps of the compiled simulation being traced."""
    steps = current().steps
    if steps is None:
        raise RuntimeError("a traced step number needs the horizon: use backend.using(ns, steps)")
    return steps


def put(x: Any, index: Any, value: Any) -> Any:
    """A new array, ``x`` with ``x[index] = value``, on the active backend (``x`` unchanged)."""
    return current().put(x, index, value)


def errstate(**kwargs: Any) -> contextlib.AbstractContextManager[Any]:
    """``numpy.errstate`` when eager; XLA raises no floating-point warnings."""
    return current().errstate(**kwargs)


def ndtri(u: Any) -> Any:
    """Inverse of the standard normal CDF, from the active namespace's SciPy."""
    return current().ndtri(u)
