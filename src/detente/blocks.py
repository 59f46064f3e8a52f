"""The rows a row-wise function is given, and the compiled backend's blocks of live rows.

:class:`Rows` names the rows of the runs' arrays that a function of
:meth:`detente.backend.Backend.on_rows_where` works on: all of them, or
those at an index. Eagerly (NumPy) the index holds the rows where a mask
holds; traced (JAX) it is a block of a fixed size of those rows
(:func:`in_blocks`), so a compiled step pays for the live rows while
compiling one shape. The small tree helpers (tuples and dataclasses of
arrays) are shared with :mod:`detente.backend`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BLOCKS",
    "MIN_BLOCK",
    "Nested",
    "Rows",
    "block_size",
    "flatten",
    "in_blocks",
    "scatter",
    "take_rows",
    "tree_map",
]

T = TypeVar("T")


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
        return tree_map(lambda v: take_rows(v, index), x)


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


def tree_map(fn: Callable[..., Any], tree: T, *rest: Any) -> T:
    """``fn`` applied leaf by leaf to a tree of tuples and dataclasses (the same shape)."""
    if isinstance(tree, tuple):
        return type(tree)(tree_map(fn, *parts) for parts in zip(tree, *rest, strict=True))
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        changes = {
            f.name: tree_map(fn, getattr(tree, f.name), *(getattr(r, f.name) for r in rest))
            for f in dataclasses.fields(tree)
        }
        return dataclasses.replace(tree, **changes)
    return fn(tree, *rest)  # type: ignore[no-any-return]


def flatten(tree: T) -> tuple[list[Any], Callable[[list[Any]], T]]:
    """The leaves of a tree of tuples and dataclasses, and a function rebuilding it."""
    leaves: list[Any] = []

    def collect(v: Any) -> Any:
        leaves.append(v)
        return v

    tree_map(collect, tree)

    def rebuild(new: list[Any]) -> T:
        it = iter(new)
        return tree_map(lambda _: next(it), tree)

    return leaves, rebuild


def scatter(out: Any, index: NDArray[np.int64], part: Any) -> None:
    """``out[index] = part`` leaf by leaf, in place (``out``'s arrays belong to the caller)."""

    def write(o: Any, p: Any) -> Any:
        o[index] = p
        return o

    tree_map(write, out, part)


class Nested(Exception):
    """A traced on_rows_where called inside another's block (abandons the outer's blocks)."""


BLOCKS = 8  # a traced on_rows_where works through its rows in blocks of 1/BLOCKS of them
MIN_BLOCK = 64  # below this many rows a block's dispatch costs more than it saves


def block_size(count: int, blocks: int | None = None) -> int:
    """Rows in each block of a traced ``JaxBackend.on_rows_where`` over ``count`` rows:
    ``count / BLOCKS`` rounded up to a multiple of 8 (a vector's width), at least
    ``MIN_BLOCK``; ``count`` itself (one pass over every row) when that is not fewer."""
    per = -(-count // (blocks or BLOCKS))
    return min(count, max(MIN_BLOCK, -(-per // 8) * 8))


def in_blocks(
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
    leaves, rebuild = flatten(empty())
    leaves = [jnp.asarray(v) for v in leaves]

    def body(carry: tuple[Any, list[Any]]) -> tuple[Any, list[Any]]:
        k, out = carry
        at = lax.dynamic_slice(order, (k * block,), (block,))
        valid = at < count
        index = jnp.where(valid, at, at[0])  # at[0] is live: k < blocks needed
        part, _ = flatten(compute(Rows(index, count)))
        target = jnp.where(valid, at, count)  # out of bounds: dropped
        new = [o.at[target].set(jnp.asarray(v).astype(o.dtype), mode="drop")
               for o, v in zip(out, part, strict=True)]
        return k + 1, new

    def more(carry: tuple[Any, list[Any]]) -> Any:
        return carry[0] * block < live

    _, out = lax.while_loop(more, body, (jnp.int32(0), leaves))
    return rebuild(list(out))
