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
  (:func:`_in_blocks`), so a compiled step decides only for the runs in a
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
from numpy.typing import NDArray
from scipy.special import ndtri as _scipy_ndtri

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


@dataclasses.dataclass(frozen=True)
class Rows:
    """The rows of the runs' arrays a row-wise function is given: all ``count`` of them
    (``index`` None), or those at ``index``: a NumPy array eagerly, a JAX array of
    a fixed size when traced (a block of the rows where a mask holds, padded
    with a repeat of one of them)."""

    index: Any  # NDArray[np.int64] | jax.Array | None
    count: int

    def take(self, x: T) -> T:
        """``x`` restricted to the rows: an array with a leading run axis, or a tuple or
        dataclass of such arrays (numbers pass unchanged)."""
        if self.index is None:
            return x
        index = self.index
        return _map(lambda v: take_rows(v, index), x)


def take_rows(v: Any, index: Any) -> Any:
    """Rows ``index`` of ``v`` if it is an array (NumPy or JAX) with a leading axis, else ``v``.

    A NumPy array indexed by a JAX index (a traced block of rows) becomes a JAX
    array; numbers and 0-d arrays pass unchanged.
    """
    if not getattr(v, "ndim", 0):
        return v
    if isinstance(index, np.ndarray):
        return v[index]
    import jax.numpy as jnp

    return jnp.asarray(v)[index]


def _map(fn: Callable[..., Any], tree: T, *rest: Any) -> T:
    """``fn`` applied leaf by leaf to a tree of tuples and dataclasses (the same shape)."""
    if isinstance(tree, tuple):
        return type(tree)(_map(fn, *parts) for parts in zip(tree, *rest, strict=True))
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        changes = {
            f.name: _map(fn, getattr(tree, f.name), *(getattr(r, f.name) for r in rest))
            for f in dataclasses.fields(tree)
        }
        return dataclasses.replace(tree, **changes)
    return fn(tree, *rest)  # type: ignore[no-any-return]


def _flatten(tree: T) -> tuple[list[Any], Callable[[list[Any]], T]]:
    """The leaves of a tree of tuples and dataclasses, and a function rebuilding it."""
    leaves: list[Any] = []

    def collect(v: Any) -> Any:
        leaves.append(v)
        return v

    _map(collect, tree)

    def rebuild(new: list[Any]) -> T:
        it = iter(new)
        return _map(lambda _: next(it), tree)

    return leaves, rebuild


def _scatter(out: Any, index: NDArray[np.int64], part: Any) -> None:
    """``out[index] = part`` leaf by leaf, in place (``out``'s arrays belong to the caller)."""

    def write(o: Any, p: Any) -> Any:
        o[index] = p
        return o

    _map(write, out, part)


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
        rows (:func:`_in_blocks`), or on every row where the rows are too few
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
        out = empty()
        if len(index):
            _scatter(out, index, compute(Rows(index, count)))
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
                flat, rebuild = _flatten(branch())
                shape.append(rebuild)
                return flat

            return run

        out = self._jax.lax.cond(pred, leaves(if_true), leaves(if_false))
        return shape[0](list(out))

    def when(self, flag: Any, change: Callable[[T], T], value: T) -> T:
        return _map(lambda new, old: self.xp.where(flag, new, old), change(value), value)

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
            return _map(lambda o, v: self.xp.asarray(o).at[index].set(v), out, part)
        if self._blocked:
            # Called from a function being traced for an outer call's blocks:
            # the innermost calls are the ones run in blocks (their rows are
            # the fewer: the talks' screen and crisis lines, not every talk).
            raise _Nested
        block = block_size(count)
        if block < count:
            self._blocked = True
            try:
                return _in_blocks(self._jax, rows, block, compute, empty)
            except _Nested:
                pass  # ``compute`` calls on_rows_where itself: every row, inner calls in blocks
            finally:
                self._blocked = False
        return compute(Rows(None, count))

    def errstate(self, **kwargs: Any) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def ndtri(self, u: Any) -> Any:
        from jax.scipy.special import ndtri as f

        return f(u)


class _Nested(Exception):
    """A traced on_rows_where called inside another's block (abandons the outer's blocks)."""


BLOCKS = 8  # a traced on_rows_where works through its rows in blocks of 1/BLOCKS of them
_MIN_BLOCK = 64  # below this many rows a block's dispatch costs more than it saves


def block_size(count: int, blocks: int | None = None) -> int:
    """Rows in each block of a traced :meth:`JaxBackend.on_rows_where` over ``count`` rows:
    ``count / BLOCKS`` rounded up to a multiple of 8 (a vector's width), at least
    ``_MIN_BLOCK``; ``count`` itself (one pass over every row) when that is not fewer."""
    per = -(-count // (blocks or BLOCKS))
    return min(count, max(_MIN_BLOCK, -(-per // 8) * 8))


def _in_blocks(
    jax: Any, rows: Any, block: int, compute: Callable[[Rows], T], empty: Callable[[], T]
) -> T:
    """``compute`` on the rows where the traced mask ``rows`` holds, ``block`` rows at a time.

    The live rows' indices are packed to the front (``nonzero`` with a static
    size), and a ``while_loop`` runs ``compute`` on as many blocks of them as
    needed: ``ceil(live / block)``, none when no row holds. A block's tail past
    the live rows repeats its first row (a valid row, so the function sees
    ordinary numbers) and its results are dropped by the scatter. Only one
    shape is traced and compiled, ``block`` rows, whatever the count; every
    operation being row-wise, each row's numbers are those of the whole
    (this is stream compaction, Billeter, Olsson & Assarsson 2009, "Efficient
    stream compaction on wide SIMD many-core architectures", HPG, in its
    simplest sequential form, with a bounded number of shapes as in
    "bucketing" of variable-length batches).
    """
    jnp, lax = jax.numpy, jax.lax
    count = rows.shape[0]
    live = jnp.sum(rows, dtype=jnp.int32)
    order = jnp.nonzero(rows, size=count, fill_value=count)[0].astype(jnp.int32)
    order = jnp.concatenate([order, jnp.full(block, count, dtype=jnp.int32)])  # whole blocks
    leaves, rebuild = _flatten(empty())
    leaves = [jnp.asarray(v) for v in leaves]

    def body(carry: tuple[Any, list[Any]]) -> tuple[Any, list[Any]]:
        k, out = carry
        at = lax.dynamic_slice(order, (k * block,), (block,))
        valid = at < count
        index = jnp.where(valid, at, at[0])  # at[0] is live: k < blocks needed
        part, _ = _flatten(compute(Rows(index, count)))
        target = jnp.where(valid, at, count)  # out of bounds: dropped
        new = [o.at[target].set(jnp.asarray(v).astype(o.dtype), mode="drop")
               for o, v in zip(out, part, strict=True)]
        return k + 1, new

    def more(carry: tuple[Any, list[Any]]) -> Any:
        return carry[0] * block < live

    _, out = lax.while_loop(more, body, (jnp.int32(0), leaves))
    return rebuild(list(out))


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
        return getattr(current().xp, name)

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
