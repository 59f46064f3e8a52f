"""The backend object (detente.backend): names parsed in one place, and the
operations whose NumPy and JAX forms must agree."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from detente.backend import JaxBackend, NumPyBackend, Rows, Spec, current, parse, using

needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the jax extra is not installed"
)


def test_backend_names_are_read_in_one_place():
    assert parse("numpy") == Spec("numpy", "float64")
    assert parse("jax") == Spec("jax", "float64")
    assert parse("jax/float32") == Spec("jax", "float32") == parse("jax", "float32")
    assert parse("jax/float32").dtype is np.float32
    assert str(parse("jax", "float32")) == "jax/float32" and str(parse("numpy")) == "numpy"
    with pytest.raises(ValueError, match="backend: expected one of numpy, jax, got 'torch'"):
        parse("torch")
    with pytest.raises(ValueError, match="only the jax backend computes in float32"):
        parse("numpy/float32")
    with pytest.raises(ValueError, match="precision: expected float64 or float32"):
        parse("jax", "float16")
    with pytest.raises(ValueError, match="disagree"):
        parse("jax/float32", "float64")


def test_numpy_is_the_backend_outside_using():
    assert isinstance(current(), NumPyBackend) and current().eager
    with using(NumPyBackend(np.float32)) as be:
        assert current() is be and current().real is np.float32
    assert current().real is np.float64


def test_put_is_a_new_array_and_write_is_in_place_on_numpy():
    be = NumPyBackend()
    x = np.zeros(4)
    y = be.put(x, 1, 5.0)
    assert y.tolist() == [0, 5, 0, 0] and x.tolist() == [0, 0, 0, 0]
    z = be.write(x, 2, 7.0)
    assert z is x and x.tolist() == [0, 0, 7, 0]


def _row_work(rows: Rows, x: np.ndarray, calls: list) -> tuple:
    calls.append(None if rows.index is None else rows.index.tolist())
    part = rows.take(x)
    return part * 2.0, part > 0


def _check_rows(be, xp, x, mask):
    calls: list = []
    out = be.on_rows_where(
        xp.asarray(mask), lambda rows: _row_work(rows, xp.asarray(x), calls),
        lambda: (xp.full(x.shape, -1.0), xp.zeros(x.shape, dtype=bool)),
    )
    return tuple(np.asarray(o) for o in out), calls


def test_on_rows_where_runs_on_the_gathered_rows_alone_on_numpy():
    x = np.arange(12.0).reshape(4, 3) - 2.0
    mask = np.array([False, True, False, True])
    (doubled, pos), calls = _check_rows(NumPyBackend(), np, x, mask)
    assert calls == [[1, 3]]  # the function saw the two rows only
    assert doubled.tolist() == [[-1] * 3, (x[1] * 2).tolist(), [-1] * 3, (x[3] * 2).tolist()]
    assert pos[mask].all() and not pos[~mask].any()
    _, calls = _check_rows(NumPyBackend(), np, x, np.zeros(4, dtype=bool))
    assert calls == []  # no row needs it: not run
    _, calls = _check_rows(NumPyBackend(), np, x, np.ones(4, dtype=bool))
    assert calls == [None]  # every row: run on the arrays themselves


@needs_jax
def test_on_rows_where_select_and_when_agree_on_both_backends():
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3))
    for mask in (rng.random(6) < 0.5, np.zeros(6, dtype=bool), np.ones(6, dtype=bool)):
        want, _ = _check_rows(NumPyBackend(), np, x, mask)
        got, _ = _check_rows(JaxBackend(), jnp, x, mask)
        for w, g in zip(want, got, strict=True):
            # The same under the mask; outside it the caller's to mask.
            assert np.array_equal(w[mask], g[mask]), mask
    for be, xp in ((NumPyBackend(), np), (JaxBackend(), jnp)):
        for flag in (True, False):
            kept = be.when(xp.asarray(flag), lambda v, xp=xp: (v[0] + 1.0, v[1]), (xp.ones(2), 3))
            assert np.asarray(kept[0]).tolist() == ([2.0, 2.0] if flag else [1.0, 1.0])
            chosen = be.select(
                xp.asarray(flag), lambda xp=xp: xp.ones(2), lambda xp=xp: xp.zeros(2)
            )
            assert np.asarray(chosen).tolist() == ([1.0, 1.0] if flag else [0.0, 0.0])
    assert JaxBackend().some(np.zeros(3, dtype=bool))  # a traced mask is never known empty
    assert not NumPyBackend().some(np.zeros(3, dtype=bool))
