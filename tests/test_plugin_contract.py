"""Every registered plugin keeps the contract of docs/plugins.md on both backends.

Each intervention's hooks and each policy's ``decide`` run on NumPy with
read-only inputs (a write into what a hook is given raises there), then
traced by ``jax.jit`` on JAX arrays (a branch on a per-run value, or a NumPy
call on a traced array, raises there), and the two results must agree:
integers and booleans exactly, real numbers to 1e-12 relative (XLA may round
``pow`` to another last bit). What it catches: a hook that writes in place,
returns nothing, calls ``numpy`` where ``xp`` is needed, or branches on data.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Any

import numpy as np
import pytest

from detente.backend import JaxBackend, using
from detente.model.interventions import Context, Intervention, interventions
from detente.model.params import draw_params
from detente.model.policies import Observation, policies
from detente.model.simulate import common_priors, compile_model
from detente.model.state import Modifiers, State, initial_state
from detente.scenario.loading import load_scenario

needs_jax = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="the jax extra is not installed"
)

SCENARIO = "ukraine-2022"  # six actors, an alliance, two disputes
RUNS = np.arange(40, 88)


def _frozen(obj: Any) -> Any:
    """A copy of a dataclass of arrays whose arrays cannot be written."""

    def lock(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            v = v.copy()
            v.flags.writeable = False
        return v

    return dataclasses.replace(
        obj, **{f.name: lock(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    )


def _world():
    sc = load_scenario(SCENARIO)
    model = compile_model(sc, "status-quo")
    st = model.structure
    p = draw_params(sc, 0, RUNS)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    # Some variety in what the hooks read (a state at t = 0 has zeros).
    state = dataclasses.replace(state, t=3, arsenal=state.arsenal * 1.5 + 1.0)
    return sc, st, p, state


def _settings(cls: type[Intervention], sc) -> list[dict[str, Any]]:
    """Parameters for ``cls``: its references filled from the scenario, with and
    without ``enforced`` where it has it."""
    c, d = sc.disputes[0].challenger, sc.disputes[0].defender
    fill = {"actor": c, "actors": [c, d], "alliance": sc.alliances[0].id, "disputes": None}
    base: dict[str, Any] = {}
    for name, field in cls.Params.model_fields.items():
        if name in cls.refs and field.is_required():
            base[name] = fill[cls.refs[name]]
        elif field.is_required():
            pytest.fail(f"{cls.name}: no value for its required parameter {name!r}")
    if "enforced" in cls.Params.model_fields:
        return [base, {**base, "enforced": True}]
    return [base]


def _interventions(sc) -> list[tuple[str, Intervention]]:
    return [
        (f"{name}{'-enforced' if s.get('enforced') else ''}", cls(cls.Params(**s), 1, None))
        for name in interventions.names()
        for cls in [interventions.get(name)]
        for s in _settings(cls, sc)
    ]


def _assert_agree(eager: Any, traced: Any, what: str) -> None:
    for f in dataclasses.fields(eager):
        a, b = np.asarray(getattr(eager, f.name)), np.asarray(getattr(traced, f.name))
        assert a.shape == b.shape and a.dtype.kind == b.dtype.kind, f"{what}.{f.name}"
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=0, err_msg=f"{what}.{f.name}")
        else:
            assert np.array_equal(a, b), f"{what}.{f.name}"


def test_every_intervention_returns_new_values_and_writes_into_nothing():
    sc, st, p, state = _world()
    ctx = Context(st, 5, RUNS)
    for name, iv in _interventions(sc):
        s0, p0 = _frozen(state), _frozen(p)
        m0 = _frozen(Modifiers.neutral(len(RUNS), st))
        started = iv.on_start(s0, p0, ctx)
        mods = iv.while_active(m0, started, p0, ctx)
        assert isinstance(started, State) and isinstance(mods, Modifiers), name
        # The inputs are untouched (read-only: a write raised above) and the
        # neutral modifiers still neutral.
        _assert_agree(Modifiers.neutral(len(RUNS), st), m0, f"{name} input")


def test_the_interventions_change_something():
    """Not a comparison of no-ops: every built-in moves the state or a modifier."""
    sc, st, p, state = _world()
    ctx = Context(st, 5, RUNS)
    neutral = Modifiers.neutral(len(RUNS), st)
    for name, iv in _interventions(sc):
        started = iv.on_start(state, p, ctx)
        mods = iv.while_active(neutral, started, p, ctx)
        moved = [
            f.name for obj, ref in ((started, state), (mods, neutral))
            for f in dataclasses.fields(obj)
            if not np.array_equal(np.asarray(getattr(obj, f.name)),
                                  np.asarray(getattr(ref, f.name)), equal_nan=True)
        ]
        assert moved, f"{name} changed nothing"


def test_the_interventions_leave_no_number_undefined():
    """Catches a hook that writes None (NaN in a float array) or an infinity
    into the state or a modifier: a NaN noise or penalty would silently turn
    learning or a choice off (mutation survivors, docs/model.md)."""
    sc, st, p, state = _world()
    ctx = Context(st, 5, RUNS)
    neutral = Modifiers.neutral(len(RUNS), st)
    for name, iv in _interventions(sc):
        started = iv.on_start(state, p, ctx)
        mods = iv.while_active(neutral, started, p, ctx)
        for obj, ref in ((started, state), (mods, neutral)):
            for f in dataclasses.fields(obj):
                v, r = np.asarray(getattr(obj, f.name)), np.asarray(getattr(ref, f.name))
                if v.dtype.kind == "f":  # undefined where it was defined (NaN: unsettled)
                    bad = ~np.isfinite(v) & np.isfinite(r)
                    assert not bad.any(), f"{name}: {type(obj).__name__}.{f.name}"


def _to_device(obj: Any) -> Any:
    import jax.numpy as jnp

    return dataclasses.replace(obj, **{
        f.name: jnp.asarray(getattr(obj, f.name)) for f in dataclasses.fields(obj)
        if isinstance(getattr(obj, f.name), np.ndarray)
    })


@needs_jax
def test_every_intervention_gives_the_same_values_traced_by_jax():
    import jax

    from detente.model.compiled import _jax

    _jax()  # float64, and the state, parameters and modifiers as pytrees
    sc, st, p, state = _world()
    ctx = Context(st, 5, RUNS)
    neutral = Modifiers.neutral(len(RUNS), st)
    for name, iv in _interventions(sc):
        started = iv.on_start(state, p, ctx)
        eager = (started, iv.while_active(neutral, started, p, ctx))

        def hooks(s: State, q: Any, m: Modifiers, iv: Intervention = iv) -> tuple:
            s = iv.on_start(s, q, ctx)
            return s, iv.while_active(m, s, q, ctx)

        with using(JaxBackend(sc.settings.steps)) as be:
            assert not be.eager
            traced = jax.jit(hooks)(_to_device(state), _to_device(p), _to_device(neutral))
        _assert_agree(eager[0], traced[0], f"{name} on_start")
        _assert_agree(eager[1], traced[1], f"{name} while_active")


def _observation(rng: np.random.Generator, n: int = 200, m: int = 4) -> dict[str, Any]:
    utility = rng.normal(0.0, 1.0, (n, m, 4))
    utility[rng.random((n, m, 4)) < 0.15] = -np.inf  # unavailable options
    utility[..., 1] = rng.normal(0.0, 1.0, (n, m))  # holding is always possible
    return {
        "utility": utility,
        "p_concede_up": rng.random((n, m)),
        "posture": rng.integers(0, 6, (n, m)),
        "opponent_posture": rng.integers(0, 6, (n, m)),
        "last_move": rng.integers(-1, 2, (n, m)),
        "opponent_last_move": rng.integers(-1, 2, (n, m)),
        "memory": rng.integers(-1, 5, (n, m)),
        "rationality": np.exp(rng.normal(1.0, 1.5, (n, m))),
        "u": rng.random((n, m)),
    }


def _policies() -> list[tuple[str, Any]]:
    return [(name, policies.get(name)(policies.get(name).Params())) for name in policies.names()]


def test_every_policy_decides_from_read_only_observations():
    arrays = _observation(np.random.default_rng(0))
    for name, rule in _policies():
        locked = {k: v.copy() for k, v in arrays.items()}
        for v in locked.values():
            v.flags.writeable = False
        choice, memory = rule.decide(Observation(**locked, top=5))
        assert choice.shape == memory.shape == arrays["posture"].shape, name
        assert set(np.unique(choice)) <= {0, 1, 2, 3}, name


@needs_jax
def test_every_policy_gives_the_same_choices_traced_by_jax():
    import jax
    import jax.numpy as jnp

    from detente.model.compiled import _jax

    _jax()
    arrays = _observation(np.random.default_rng(1))
    kinds = set()
    for name, rule in _policies():
        eager = rule.decide(Observation(**arrays, top=5))

        def decide(a: dict[str, Any], rule: Any = rule) -> tuple:
            return rule.decide(Observation(**a, top=5))

        with using(JaxBackend()):
            traced = jax.jit(decide)({k: jnp.asarray(v) for k, v in arrays.items()})
        for e, t, what in zip(eager, traced, ("choice", "memory"), strict=True):
            assert np.array_equal(np.asarray(e), np.asarray(t)), f"{name} {what}"
        kinds.add(np.asarray(eager[0]).tobytes())
    # Not a comparison of one rule with itself: the rules choose differently.
    assert len(kinds) == len(_policies())


def test_a_hook_that_writes_in_place_and_returns_nothing_is_a_clear_error():
    """The old contract (set attributes, return None) is refused by name, not
    run with its change lost on one backend."""
    from conftest import build, scenario_dict, simulate

    class Mutates(Intervention):
        name = "test-mutates"
        citation = "test fixture"

        def while_active(self, mods, state, p, ctx):  # type: ignore[override]
            mods.posture_cap = mods.posture_cap * 0

    with interventions.scope():
        interventions.register(Mutates)
        sc = build(scenario_dict(packages={"status-quo": [], "old": [{"type": "test-mutates"}]}))
        with pytest.raises(TypeError, match=r"'test-mutates': while_active must return the new"):
            simulate(sc, "old", runs=4)
    assert "test-mutates" not in interventions
