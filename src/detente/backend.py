"""Array backends: one model source, run by NumPy or compiled by JAX.

The engine is written once, against the array namespace ``xp``. By default
``xp`` is NumPy and every call runs eagerly. Inside :func:`using` it is
another namespace with NumPy's API (``jax.numpy``): the same functions are
then traced by ``jax.jit`` and compiled by XLA for the CPU or a GPU. This is
the approach of the Python array API standard (Data API Consortium, "Python
array API standard", 2023), narrowed to the two namespaces detente runs on.

What the two namespaces do not share is kept here, in a few helpers:

* :func:`put`: ``x[index] = value``. NumPy writes in place (the caller owns
  ``x``); JAX arrays are immutable, so it returns ``x.at[index].set(value)``.
* :func:`eager`: True on NumPy. The engine skips work that is provably a
  no-op (``if not mask.any(): return``) or restricts a step to the runs
  that need it only when eager; a compiled step cannot branch on data, and
  computes every row under a mask instead, which gives the same numbers.
* :func:`horizon`: how many steps a compiled simulation spans, so that the
  random streams can tabulate their per-step keys (see :mod:`detente.random`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
from scipy.special import ndtri as _scipy_ndtri

__all__ = ["branch", "eager", "errstate", "horizon", "ndtri", "put", "real", "using", "xp"]

_namespace: contextvars.ContextVar[Any] = contextvars.ContextVar("detente_xp", default=np)
_horizon: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "detente_horizon", default=None
)
_real: contextvars.ContextVar[Any] = contextvars.ContextVar("detente_real", default=np.float64)


class _Namespace:
    """``xp.where`` is ``numpy.where``, or ``jax.numpy.where`` inside :func:`using`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_namespace.get(), name)

    def __repr__(self) -> str:
        return f"<array namespace {_namespace.get().__name__}>"


xp: Any = _Namespace()


def eager() -> bool:
    """True when the arrays are NumPy's, which can be inspected and written in place."""
    return _namespace.get() is np


@contextlib.contextmanager
def using(
    namespace: ModuleType, steps: int | None = None, real: Any = np.float64
) -> Iterator[None]:
    """Run the model against ``namespace`` (e.g. ``jax.numpy``) for ``steps`` steps,
    its real numbers of dtype ``real`` (float64; float32 for speed on a GPU)."""
    tokens = (_namespace.set(namespace), _horizon.set(steps), _real.set(real))
    try:
        yield
    finally:
        _namespace.reset(tokens[0])
        _horizon.reset(tokens[1])
        _real.reset(tokens[2])


def real() -> Any:
    """The dtype of the model's real numbers: float64 unless a compiled run asks for float32."""
    return _real.get()


def horizon() -> int:
    """Steps of the compiled simulation being traced."""
    steps = _horizon.get()
    if steps is None:
        raise RuntimeError("a traced step number needs the horizon: use backend.using(ns, steps)")
    return steps


def put(x: Any, index: Any, value: Any) -> Any:
    """``x`` with ``x[index] = value``; in place on NumPy, a new array on JAX."""
    if eager():
        x[index] = value
        return x
    return x.at[index].set(value)


def branch(pred: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true()`` if ``pred`` else ``if_false()``; both return arrays of the same shapes.

    A compiled step cannot skip a computation for some rows, but it can skip
    it for all of them: ``jax.lax.cond`` runs one branch only.
    """
    if eager():
        return if_true() if pred else if_false()
    import jax

    return jax.lax.cond(pred, if_true, if_false)


def errstate(**kwargs: Any) -> contextlib.AbstractContextManager[Any]:
    """``numpy.errstate`` when eager; XLA raises no floating-point warnings."""
    return np.errstate(**kwargs) if eager() else contextlib.nullcontext()


def ndtri(u: Any) -> Any:
    """Inverse of the standard normal CDF, from the active namespace's SciPy."""
    if eager():
        return _scipy_ndtri(u)
    from jax.scipy.special import ndtri as f

    return f(u)
