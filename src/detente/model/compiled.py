"""The compiled backend: the engine's own step, traced by JAX and compiled by XLA.

Nothing of the model is written here. :func:`detente.model.engine.step` is
traced under :func:`detente.backend.using` with ``jax.numpy`` as its array
namespace, and the steps are chained with ``jax.lax.scan`` inside one
``jax.jit`` (Bradbury et al. 2018, JAX: composable transformations of
Python+NumPy programs; Frostig, Johnson & Leary 2018, "Compiling machine
learning programs via high-level tracing", SysML). XLA fuses the step's
element-wise operations into a few loops over the runs, which is where the
speed comes from; on a GPU the runs are spread over its threads.

What a compiled step cannot do is branch on data, so:

* the step number is traced; the interventions' schedule is not. The horizon
  is cut into segments at every step where an intervention starts or ends
  (and after step 0), and each segment is one ``lax.scan`` of a step
  compiled for its own :class:`~detente.model.engine.Timing`;
* the random keys of a traced step are looked up in a table hashed on the
  host (:mod:`detente.random`), so the random numbers are exactly those of
  the NumPy backend;
* every row is computed and masked, where NumPy works on the rows that need
  it; row-wise operations make that the same arithmetic.

The two backends differ only where XLA and NumPy evaluate ``exp``, ``log``
or ``pow`` to a different last bit, which can tip a rare decision the other
way; the tests bound how rarely (``tests/test_backends.py``).

JAX is an extra: ``pip install 'detente[jax]'``. With a CUDA build of
jaxlib the same code runs on the GPU.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import using
from detente.model.engine import Model, Timing, step
from detente.model.params import Params, draw_params
from detente.model.state import State, initial_state
from detente.scenario.schema import Scenario

__all__ = ["available", "device", "run_chunk_compiled", "segments"]

_CACHE: dict[tuple, Callable] = {}
_CACHE_SIZE = 32


def available() -> bool:
    """True when JAX can be imported."""
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


def _jax() -> Any:
    try:
        import jax
    except ImportError as e:
        raise ModuleNotFoundError("the jax backend needs JAX: pip install 'detente[jax]'") from e
    # The random streams are uint64 hashes and the model is float64 (as on NumPy).
    jax.config.update("jax_enable_x64", True)
    return jax


def device() -> str:
    """The device the compiled backend runs on, e.g. ``cpu`` or ``NVIDIA H100 80GB HBM3``."""
    d = _jax().devices()[0]
    return d.device_kind if d.platform != "cpu" else "cpu"


def segments(model: Model, steps: int) -> list[tuple[int, int]]:
    """Cut ``[0, steps)`` where the timing changes: at step 1 and wherever an
    intervention starts or ends. Within ``[a + 1, b)`` the timing is constant."""
    cuts = {0, 1, steps}
    for iv in model.interventions:
        cuts.add(iv.start)
        if iv.end is not None:
            cuts.add(iv.end)
    edges = sorted(c for c in cuts if 0 <= c <= steps)
    return list(pairwise(edges))


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _build(model: Model, seed: int, steps: int, record: bool) -> Callable:
    jax = _jax()
    jnp = jax.numpy
    from detente.model.simulate import snapshot

    def one(carry: dict, params: dict, runs, timing: Timing) -> dict:
        state = State(**carry)
        with using(jnp, steps):
            step(model, state, Params(**params), seed, runs, timing)
        return _fields(state)

    def view(carry: dict) -> dict:
        with using(jnp, steps):
            return snapshot(State(**carry))

    def simulate(carry: dict, params: dict, runs):
        frames = [jax.tree.map(lambda x: x[None], view(carry))] if record else []
        for a, b in segments(model, steps):
            carry = one(carry, params, runs, Timing.at(model, a))
            if record:
                frames.append(jax.tree.map(lambda x: x[None], view(carry)))
            if b - a > 1:
                rest = Timing.at(model, a + 1)
                assert all(Timing.at(model, t) == rest for t in range(a + 1, b))

                def body(c, _, rest=rest):
                    c = one(c, params, runs, rest)
                    return c, (view(c) if record else None)

                carry, ys = jax.lax.scan(body, carry, None, length=b - a - 1)
                if record:
                    frames.append(ys)
        series = None
        if record:
            series = {k: jnp.concatenate([f[k] for f in frames], axis=0) for k in frames[0]}
        return carry, series

    return jax.jit(simulate)


def _key(sc: Scenario, model: Model, seed: int, runs: int, record: bool) -> tuple:
    text = json.dumps(sc.model_dump(mode="json", by_alias=True), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return (digest, model.package, seed, runs, record, _jax().default_backend())


def run_chunk_compiled(
    sc: Scenario,
    model: Model,
    seed: int,
    runs: NDArray[np.int64],
    record: bool = False,
    overrides: dict[str, NDArray] | None = None,
) -> tuple[dict[str, NDArray], dict[str, NDArray] | None]:
    """:func:`detente.model.simulate.run_chunk` on the compiled backend (same outputs).

    Parameters are drawn and the initial state is built on the host, as on
    NumPy; the steps run compiled; the outcomes are read off on the host.
    A compiled simulation is kept for the next chunk of the same scenario,
    package, seed and size.
    """
    from detente.model.simulate import common_priors, outcomes

    jax = _jax()
    runs = np.asarray(runs, dtype=np.int64)
    st = model.structure
    p = draw_params(sc, seed, runs, overrides)
    resolve_prior, cohesion_prior = common_priors(sc, st.bins)
    state = initial_state(p, st, resolve_prior, cohesion_prior)
    key = _key(sc, model, seed, len(runs), record)
    fn = _CACHE.get(key)
    if fn is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        fn = _CACHE[key] = _build(model, seed, st.steps, record)
    carry = {k: jax.numpy.asarray(v) for k, v in _fields(state).items()}
    carry["t"] = jax.numpy.asarray(0, dtype=jax.numpy.int64)
    params = {k: jax.numpy.asarray(v) for k, v in _fields(p).items()}
    final, series = fn(carry, params, jax.numpy.asarray(runs))
    host = {k: np.asarray(v) for k, v in final.items()}
    host["t"] = int(host["t"])
    out = outcomes(sc, State(**host), p, runs)
    if series is None:
        return out, None
    return out, {k: np.moveaxis(np.asarray(v), 0, 1) for k, v in series.items()}
