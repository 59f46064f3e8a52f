"""Simulate a world order: alignments move, claimants choose crises, the core engine runs them.

The world is one core scenario (:mod:`detente.world.build`). Each month
(the phases of :mod:`detente.world.month`):

1. **Preferences and moves.** A small state's preferred alignment changes
   with a small hazard (domestic politics); a state not at its preference
   considers moving to it with ``shift_rate``. Where spheres are recognised,
   a rival bloc refuses a state inside another's sphere (it can only leave
   for non-alignment). A move that crosses a claim is a choice: the state
   makes it by its expected value, the crises it expects to provoke counted
   (:func:`detente.world.decisions.move_value`).
2. **Onset as a choice.** A move against a claim, or a review of a claim on
   a state outside the claimant's bloc (monthly chance ``pressure``, raised
   by recent wars next door through ``contagion``), or of a rivalry between
   great powers, gives the claimant the choice to press; it presses by its
   expected value (:func:`detente.world.decisions.press_value`), and the
   crisis opens with the stake it demands as the dispute's demand.
3. **The core engine** steps every dispute at once (:func:`detente.model.engine.step`),
   with the blocs as the small states' alignments stand this month and
   great powers' forces grown at their rates.
4. **Feedback.** A crisis settled at half the stake or more for the claimant
   pulls the state into the claimant's bloc and strengthens the claim;
   otherwise the claim weakens. The bloc that backed the state gains or loses
   cohesion with the result.

Draws are keyed by (seed, purpose, month, run, element), so presets compared
with the same seed share their random numbers (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.model.engine import TOP
from detente.model.params import Params, draw_params, draw_quantity
from detente.model.simulate import common_priors, compile_model
from detente.model.state import SETTLED, Modifiers, State, grid, initial_state
from detente.scenario.distributions import Distribution
from detente.world import month
from detente.world.build import World, build_world
from detente.world.choices import Chooser
from detente.world.decisions import brink_path
from detente.world.metrics import METRICS
from detente.world.month import Core, Draws, Slots, Tracks

__all__ = ["METRICS", "World", "build_world", "simulate_world"]

F64 = NDArray[np.float64]
TALLY = ("_crises_allied", "_crises_alone", "_wars_allied", "_wars_alone")


def simulate_world(w: World, seed: int, runs: NDArray[np.int64]) -> dict[str, F64]:
    """Simulate the given global run indices; return per-run metrics (see ``METRICS``)."""
    runs = np.asarray(runs, dtype=np.int64)
    dr, sl = _draws(w, seed, runs), Slots.of(w)
    tr = _tracks(w, seed, runs)
    core = _core(w, seed, runs)
    for t in range(w.steps):
        target, um, wants = month.preferences(w, sl, dr, tr, seed, t, runs)
        if core is None:
            tr.align = np.where(wants, target, tr.align)
        else:
            moved = month.moves(w, sl, dr, tr, core, target, um, wants)
            month.onset(w, sl, dr, tr, core, moved, seed, t, runs)
            if dr.grows:
                month.grow(w, sl, dr, core)
            month.advance(core, tr, seed, runs)
            month.reopen(w, tr, core)
            month.outcomes(w, sl, dr, tr, core)
        tr.held += (tr.align == tr.pref).sum(axis=1)

    R, years = len(runs), w.spec.world.years
    out = {m: np.zeros(R) for m in METRICS}
    out["autonomy"] = tr.held / (w.steps * len(w.states))
    out["crises_per_decade"] = tr.crises / (years / 10.0)
    out["wars"] = tr.wars
    out["great_power_wars"] = tr.gp_wars
    if core is not None:
        _harm(out, core.state, core.p)
    for i, k in enumerate(TALLY):
        out[k] = tr.tally[i]
    return out


def _draws(w: World, seed: int, runs: NDArray[np.int64]) -> Draws:
    """The world's parameters for these runs (keyed ``world.*``)."""
    dyn = w.spec.world
    R, S, K = len(runs), len(w.states), len(w.gp)

    def draw(q: Distribution, path: str) -> F64:
        return draw_quantity(q, seed, "world." + path, runs)

    growth = np.ones((R, K))
    for g, q in dyn.growth.items():
        growth[:, w.gp.index(g)] = (1.0 + draw(q, f"growth.{g}")) ** (1.0 / 12.0)
    g_side = np.ones((R, K + S))
    g_side[:, :K] = growth
    years = np.maximum(draw(dyn.contagion_years, "contagion_years"), 1e-9)
    return Draws(
        shift_rate=draw(dyn.shift_rate, "shift_rate")[:, None],
        pref_change=draw(dyn.preference_change, "preference_change")[:, None],
        pressure=draw(dyn.pressure, "pressure")[:, None],
        neutral=draw(dyn.neutral_shift, "neutral_shift")[:, None],
        extra=draw(dyn.alliance_stake, "alliance_stake")[:, None],
        contagion=draw(dyn.contagion, "contagion")[:, None],
        memory=np.exp(-1.0 / (12.0 * years)),
        claim_gain=draw(dyn.claim_gain, "claim_gain"),
        claim_loss=draw(dyn.claim_loss, "claim_loss"),
        coh_gain=draw(dyn.cohesion_gain, "cohesion_gain"),
        coh_loss=draw(dyn.cohesion_loss, "cohesion_loss"),
        growth=growth,
        g_side=g_side,
        grows=bool(dyn.growth),
    )


def _tracks(w: World, seed: int, runs: NDArray[np.int64]) -> Tracks:
    """Every run at the start: states at their initial alignments, no dispute open."""
    R, S, Dn = len(runs), len(w.states), len(w.claimant)
    return Tracks(
        align=np.broadcast_to(w.initial, (R, S)).copy(),
        pref=np.broadcast_to(w.preference, (R, S)).copy(),
        strength=_strengths(w, seed, runs),
        recent=np.zeros((R, S)),
        active=np.zeros((R, Dn), dtype=bool),
        had_war=np.zeros((R, Dn), dtype=bool),
        had_gp=np.zeros((R, Dn), dtype=bool),
        opened_allied=np.zeros((R, Dn), dtype=bool),
        held=np.zeros(R),
        crises=np.zeros(R),
        wars=np.zeros(R),
        gp_wars=np.zeros(R),
        tally=np.zeros((4, R)),
    )


def _core(w: World, seed: int, runs: NDArray[np.int64]) -> Core | None:
    """The core model of the world's disputes, every slot dormant; None without claims."""
    core = w.core
    if core is None:
        return None
    R, Dn = len(runs), len(w.claimant)
    model = compile_model(core, "status-quo")
    st = model.structure
    p = draw_params(core, seed, runs)
    resolve_prior, cohesion_prior = common_priors(core, st.bins)
    state = initial_state(p, st, resolve_prior, cohesion_prior)
    state.phase[:] = SETTLED  # every slot dormant until a claimant presses
    state.war_onset[:] = -1
    state.rung[:] = 0
    state.max_rung[:] = 0
    t0 = w.spec.world.dispute
    start_rung = max(t0.challenger_posture, t0.defender_posture)
    path_war, path_cost = brink_path(p.hazard, p.posture_cost, start_rung, st.lookahead)
    slot = np.zeros(st.n_actors, dtype=np.int64)
    slot[st.observers] = np.arange(len(st.observers))
    chooser = Chooser(
        w,
        st,
        p,
        Modifiers.neutral(R, st),
        grid(st.bins),
        slot,
        path_war,
        path_cost,
        p.posture_cost[:, TOP],
    )
    return Core(
        model=model,
        st=st,
        p=p,
        state=state,
        chooser=chooser,
        posture=np.array([[t0.challenger_posture, t0.defender_posture]] * Dn),
        as_member=w.spec.blocs.aligned_as == "member",
        neighbours=w.neighbours.T.astype(np.float64),
    )


def _strengths(w: World, seed: int, runs: NDArray[np.int64]) -> F64:
    """Claim strength per run and dispute slot (R, Dn), one draw per sphere or rivalry."""
    out = np.zeros((len(runs), len(w.claimant)))
    for k, sp in enumerate(w.spec.spheres):
        v = draw_quantity(sp.strength, seed, f"spheres.{k}.strength", runs)
        out[:, w.sphere_of == k] = v[:, None]
    for j, rv in enumerate(w.spec.rivalries):
        v = draw_quantity(rv.strength, seed, f"rivalries.{j}.strength", runs)
        out[:, w.rivalry_of == j] = v[:, None]
    return out


def _harm(out: dict[str, F64], state: State, p: Params) -> None:
    out["nuclear_use"] = state.nuclear_used.astype(np.float64)
    out["deaths"] = (
        state.military_deaths.sum(axis=1) + state.civilian_deaths.sum(axis=1) + state.nuclear_deaths
    )
    out["displaced"] = state.displaced_peak.copy()
    out["_population"] = p.population.sum(axis=1)
    out["_in_place"] = np.maximum(
        p.population - state.idps - state.refugees - state.civilian_deaths, 0.0
    ).sum(axis=1)
    out["_idps"] = state.idps.sum(axis=1)
    out["_refugees"] = state.refugees.sum(axis=1)
    out["_civilian_deaths"] = state.civilian_deaths.sum(axis=1)
