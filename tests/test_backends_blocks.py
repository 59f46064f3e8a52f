"""The compiled backend's on_rows_where works on the live rows only, in blocks
(detente.blocks.in_blocks), and gives NumPy's numbers on every row.

Each row's result depends on the row's own numbers and on its index, so a
block that stops short of the live rows, a scatter that puts a row's result
on another row, or a padded slot that is not dropped all show as a wrong row.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from detente import blocks
from detente.backend import JaxBackend, NumPyBackend, Rows
from detente.blocks import block_size

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the jax extra is not installed"
)

R = 200  # with blocks of 16 rows (below): 13 blocks, the last one part padding


@pytest.fixture()
def jnp(monkeypatch):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    monkeypatch.setattr(blocks, "MIN_BLOCK", 8)
    monkeypatch.setattr(blocks, "BLOCKS", 12)  # 200 / 12 -> blocks of 24 rows
    return jnp


def _work(rows: Rows, x, ids, seen: list):
    """Row-wise: each row's value from its own x and id (ids play the runs' keys)."""
    seen.append(None if rows.index is None else tuple(rows.index.shape))
    xs, i = rows.take((x, ids))
    # No multiply-add: XLA may fuse one into an FMA (one rounding), NumPy never.
    return (xs + i[:, None]) * 2.0, (i % 3 == 0), xs[:, :2] - i[:, None]


def _empty(xp, x):
    return (xp.full(x.shape, -7.0), xp.ones(x.shape[0], dtype=bool),
            xp.full((x.shape[0], 2), 5.0))


def _on_both(mask: np.ndarray):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(int(mask.sum()))
    x = rng.normal(size=(R, 3))
    ids = np.arange(1000, 1000 + R, dtype=np.float64)
    want = NumPyBackend().on_rows_where(mask, lambda rows: _work(rows, x, ids, []),
                                        lambda: _empty(np, x))
    seen: list = []

    @jax.jit
    def traced(m, xj, ij):
        return JaxBackend().on_rows_where(m, lambda rows: _work(rows, xj, ij, seen),
                                          lambda: _empty(jnp, xj))

    got = traced(jnp.asarray(mask), jnp.asarray(x), jnp.asarray(ids))
    return want, tuple(np.asarray(g) for g in got), seen


@pytest.mark.parametrize("live", [0, 1, 23, 24, 25, 48, 49, 117, 199, 200])
def test_traced_rows_equal_numpys_on_every_row(jnp, live):
    block = block_size(R)
    assert block == 24
    rng = np.random.default_rng(live)
    mask = np.zeros(R, dtype=bool)
    mask[rng.choice(R, live, replace=False)] = True
    want, got, seen = _on_both(mask)
    # One shape traced, a block of the rows (never all R of them).
    assert seen == [(block,)]
    for w, g in zip(want, got, strict=True):
        # Every row: the live ones computed, the others empty()'s, as on NumPy.
        assert np.array_equal(w, g), (live, np.flatnonzero((w != g).reshape(R, -1).any(axis=1)))


def test_live_rows_at_the_ends_and_in_one_run(jnp):
    for mask in (np.arange(R) < 24, np.arange(R) >= R - 25, np.arange(R) % 24 == 23):
        want, got, _ = _on_both(mask)
        for w, g in zip(want, got, strict=True):
            assert np.array_equal(w, g)


def test_the_innermost_call_runs_in_blocks(jnp):
    # The talks call the screen: the talks run on every row, the screen (the
    # fewer rows) in blocks; one level of blocks, never a loop in a loop.
    import jax

    seen: list = []
    outer_seen: list = []
    x = np.linspace(-1.0, 1.0, R)
    outer = np.arange(R) % 4 != 0
    inner = np.arange(R) % 3 == 0

    def run(be, xp, x, outer, inner):
        def body(rows: Rows):
            outer_seen.append(None if rows.index is None else tuple(rows.index.shape))
            xs, keep = rows.take((x, inner))

            def deep(r2: Rows):
                seen.append(None if r2.index is None else tuple(r2.index.shape))
                return (r2.take(xs) * 10.0,)

            (d,) = be.on_rows_where(keep, deep, lambda: (xp.zeros(xs.shape[0]),))
            return (xp.where(keep, d, -1.0),)

        return be.on_rows_where(outer, body, lambda: (xp.full(x.shape[0], 99.0),))[0]

    want = run(NumPyBackend(), np, x, outer, inner)
    seen.clear()
    outer_seen.clear()
    import jax.numpy as jnp2

    got = jax.jit(lambda a, b, c: run(JaxBackend(), jnp2, a, b, c))(x, outer, inner)
    # Under the outer mask NumPy's numbers; outside it the caller's to mask
    # (the outer call ran on every row).
    assert np.array_equal(want[outer], np.asarray(got)[outer])
    # The outer call's block trace is abandoned at the inner call, then it runs
    # on every row and the inner call in blocks.
    assert outer_seen == [(block_size(R),), None]
    assert seen == [(block_size(R),)]


def test_rows_take_indexes_numpy_and_jax_arrays_alike(jnp):
    idx = np.array([3, 0, 3])
    x = np.arange(12.0).reshape(4, 3)
    both = Rows(idx, 4).take((x, jnp.asarray(x), 2.5, np.float64(1.0)))
    traced = Rows(jnp.asarray(idx), 4).take((x, jnp.asarray(x), 2.5))
    for part in (*both[:2], *traced[:2]):
        assert np.array_equal(np.asarray(part), x[idx])
    assert both[2] == 2.5 and traced[2] == 2.5 and both[3] == 1.0


def test_block_sizes():
    assert block_size(100_000) == 12_504  # 1/8, rounded up to a multiple of 8
    assert block_size(10_000) == 1_256
    assert block_size(300) == 64  # at least MIN_BLOCK
    assert block_size(40) == 40  # fewer rows than a block: one pass over them
