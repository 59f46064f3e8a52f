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

* the step number is traced, and so is the schedule of interventions: one
  step is compiled with every intervention of every package of the
  scenario, each applied under a mask that its start and end (data) set.
  One compilation then serves all the packages of a ``detente run``;
* the random keys of a traced step are looked up in a table hashed on the
  host (:mod:`detente.random`), so the random numbers are exactly those of
  the NumPy backend;
* the phases that NumPy runs on the rows that need them (the decisions of
  the runs in a crisis, the talks where a channel is open) run on blocks of
  a fixed size holding those rows, as many blocks as they fill
  (:meth:`detente.backend.JaxBackend.on_rows_where`): one shape compiled,
  the cost of the live rows paid. Every other operation computes every row
  and masks; row-wise operations make that the same arithmetic.

The two backends differ only where XLA and NumPy evaluate ``exp``, ``log``
or ``pow`` to a different last bit, or where XLA fuses a multiply and an
add into one rounding (which it decides per compiled program, so the
blocks can move such a last bit too), which can tip a rare decision the
other way; the tests bound how rarely (``tests/test_backends.py``).

JAX is an extra: ``pip install 'detente[jax]'``. With a CUDA build of
jaxlib the same code runs on the GPU.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import PRECISIONS, JaxBackend, parse, using
from detente.model.engine import Model, Timing, step
from detente.model.interventions import Intervention
from detente.model.params import Params, draw_params
from detente.model.state import Modifiers, State, initial_state
from detente.scenario.schema import Scenario, scenario_hash

__all__ = ["available", "device", "run_chunk_compiled", "simulation", "to_device"]

_CACHE: dict[tuple[Any, ...], Callable[..., Any]] = {}
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
    config: Any = jax.config  # untyped in JAX's own annotations
    # The random streams are uint64 hashes and the model is float64 (as on NumPy).
    config.update("jax_enable_x64", True)
    _register_pytrees(jax)
    # Compiling a step takes seconds; XLA's persistent cache keeps the result
    # on disk, keyed by the program, so the next run of the same scenario and
    # size starts at once. DETENTE_JAX_CACHE= (empty) turns it off.
    folder = os.environ.get("DETENTE_JAX_CACHE", str(_cache_home() / "detente" / "jax"))
    if folder and getattr(config, "jax_compilation_cache_dir", None) is None:
        config.update("jax_compilation_cache_dir", folder)
        config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return jax


_PYTREES: list[type[Any]] = []


def _register_pytrees(jax: Any) -> None:
    """The state, parameters and modifiers as JAX pytrees, their fields the leaves:
    ``jax.jit``, ``lax.scan`` and ``tree_map`` take them whole (once per process)."""
    for cls in (State, Params, Modifiers):
        if cls not in _PYTREES:
            jax.tree_util.register_dataclass(cls)
            _PYTREES.append(cls)


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def device() -> str:
    """The device the compiled backend runs on, e.g. ``cpu`` or ``NVIDIA H100 80GB HBM3``."""
    d = _jax().devices()[0]
    return d.device_kind if d.platform != "cpu" else "cpu"


def _identity(iv: Intervention) -> tuple[Any, ...]:
    return (type(iv).__name__, iv.params.model_dump_json())


def _union(sc: Scenario) -> tuple[Model, dict[str, tuple[NDArray[Any], NDArray[Any]]]] | None:
    """One model holding every package's interventions, and each package's schedule.

    The union keeps each package's interventions in their own order (the
    order of two changes to the same array can matter); where no single
    order serves every package, None (each package is compiled alone).
    """
    from detente.model.simulate import compile_model

    models = {name: compile_model(sc, name) for name in sc.packages}
    union: list[Intervention] = []
    keys: list[tuple[Any, ...]] = []
    placed: dict[str, list[int]] = {}
    for name, model in models.items():
        seen: dict[tuple[Any, ...], int] = {}
        slots = []
        for iv in model.interventions:
            ident = _identity(iv)
            k = (*ident, seen.get(ident, 0))  # the n-th such intervention of the package
            seen[ident] = k[-1] + 1
            if k not in keys:
                keys.append(k)
                union.append(iv)
            slots.append(keys.index(k))
        if slots != sorted(slots):
            return None
        placed[name] = slots
    steps = models[next(iter(models))].structure.steps
    never = steps + 1
    schedules = {}
    for name, model in models.items():
        starts = np.full(len(union), never, dtype=np.int64)
        ends = np.full(len(union), never, dtype=np.int64)
        for slot, iv in zip(placed[name], model.interventions, strict=True):
            starts[slot] = iv.start
            ends[slot] = never if iv.end is None else iv.end
        schedules[name] = (starts, ends)
    first = models[next(iter(models))]
    return Model(first.structure, first.policies, tuple(union), "*"), schedules


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _build(model: Model, seed: int, steps: int, record: bool, precision: str) -> Callable[..., Any]:
    jax = _jax()
    jnp = jax.numpy
    backend = JaxBackend(steps, PRECISIONS[precision])
    from detente.model.simulate import snapshot

    def simulate(
        carry: dict[str, Any], params: dict[str, Any], runs: Any, starts: Any, ends: Any
    ) -> tuple[Any, Any]:
        prm = Params(**params)

        def body(c: dict[str, Any], _: None) -> tuple[dict[str, Any], Any]:
            state = State(**c)
            with using(backend):
                step(model, state, prm, seed, runs, Timing.scheduled(state.t, starts, ends))
                view = snapshot(state) if record else None
            return _fields(state), view

        first = None
        if record:
            with using(backend):
                first = snapshot(State(**carry))
        carry, ys = jax.lax.scan(body, carry, None, length=steps)
        if first is not None:
            ys = {k: jnp.concatenate([first[k][None], ys[k]], axis=0) for k in ys}
        return carry, ys

    return jax.jit(simulate)


def _own_schedule(model: Model) -> tuple[NDArray[Any], NDArray[Any]]:
    never = model.structure.steps + 1
    starts = np.array([iv.start for iv in model.interventions], dtype=np.int64)
    ends = np.array([never if iv.end is None else iv.end for iv in model.interventions])
    return starts, ends.astype(np.int64)


def simulation(
    sc: Scenario,
    model: Model,
    seed: int,
    size: int,
    record: bool = False,
    precision: str = "float64",
) -> tuple[Callable[..., Any], NDArray[Any], NDArray[Any]]:
    """The compiled simulation for ``model`` and its schedule (starts, ends).

    Called as ``fn(carry, params, runs, starts, ends)`` with :func:`to_device`'s
    carry and params; returns the final state's fields and, with ``record``,
    the series. One compilation serves every package of the scenario.
    """
    jax = _jax()
    plan = _union(sc) if model.package in sc.packages else None
    if plan is None or model.package not in plan[1]:
        union, (starts, ends) = model, _own_schedule(model)
        key: tuple[Any, ...] = (scenario_hash(sc), model.package)
    else:
        union, (starts, ends) = plan[0], plan[1][model.package]
        key = (scenario_hash(sc), "*")
    key = (*key, seed, size, record, precision, jax.default_backend())
    fn = _CACHE.get(key)
    if fn is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        fn = _CACHE[key] = _build(union, seed, model.structure.steps, record, precision)
    return fn, starts, ends


def to_device(
    state: State, p: Params, precision: str = "float64"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state and parameters as the device arrays a compiled simulation takes,
    real numbers in ``precision``."""
    jnp = _jax().numpy
    real = PRECISIONS[precision]

    def put(v: Any) -> Any:
        v = np.asarray(v)
        return jnp.asarray(v.astype(real) if v.dtype.kind == "f" else v)

    carry = {k: put(v) for k, v in _fields(state).items()}
    carry["t"] = jnp.asarray(0, dtype=jnp.int64)
    return carry, {k: put(v) for k, v in _fields(p).items()}


def _pad(v: NDArray[Any], n: int, size: int) -> NDArray[Any]:
    """A per-run array of length n, padded to ``size`` with its last value."""
    if v.ndim == 0 or len(v) != n:
        return v
    return np.concatenate([v, np.repeat(v[-1:], size - n, axis=0)])


def run_chunk_compiled(
    sc: Scenario,
    model: Model,
    seed: int,
    runs: NDArray[np.int64],
    record: bool = False,
    overrides: dict[str, NDArray[Any]] | None = None,
    pad_to: int | None = None,
    precision: str = "float64",
) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[Any]] | None]:
    """:func:`detente.model.simulate.run_chunk` on the compiled backend (same outputs).

    Parameters are drawn and the initial state is built on the host, as on
    NumPy; the steps run compiled; the outcomes are read off on the host.
    A compiled simulation is kept for the next chunk of the same scenario,
    seed and size; ``pad_to`` pads a smaller chunk with copies of its last
    run (dropped again) so that it too reuses the compilation.

    ``precision="float32"`` computes in single precision: about twice as
    fast on a GPU, but no longer the reference's arithmetic, so runs can
    take other paths; summaries agree within Monte Carlo error (tested).
    """
    parse("jax", precision)  # ValueError naming the precisions
    from detente.model.simulate import common_priors, outcomes

    jax = _jax()
    runs = np.asarray(runs, dtype=np.int64)
    n = len(runs)
    if pad_to is not None and n < pad_to:
        runs = np.concatenate([runs, np.full(pad_to - n, runs[-1])])
        if overrides:
            overrides = {k: _pad(np.asarray(v), n, pad_to) for k, v in overrides.items()}
    st = model.structure
    p = draw_params(sc, seed, runs, overrides)
    resolve_prior, cohesion_prior = common_priors(sc, st.bins)
    state = initial_state(p, st, resolve_prior, cohesion_prior)
    fn, starts, ends = simulation(sc, model, seed, len(runs), record, precision)
    carry, params = to_device(state, p, precision)
    final, series = fn(carry, params, jax.numpy.asarray(runs), starts, ends)
    host: dict[str, Any] = {k: _host(v) for k, v in final.items()}
    host["t"] = int(host["t"])
    out = {k: v[:n] for k, v in outcomes(sc, State(**host), p, runs, model.enforced).items()}
    if series is None:
        return out, None
    return out, {k: np.moveaxis(_host(v), 0, 1)[:n] for k, v in series.items()}


def _host(v: Any) -> NDArray[Any]:
    """A device array on the host, real numbers as float64 (as NumPy's)."""
    v = np.asarray(v)
    return v.astype(np.float64) if v.dtype.kind == "f" else v
