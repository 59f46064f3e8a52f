"""Simulate a world order: alignments move, claimants choose crises, the core engine runs them.

The world is one core scenario (:mod:`detente.world.build`). Each month:

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

from detente.model.engine import TOP, on_rows, quiet_step, step
from detente.model.params import Params, draw_params, draw_quantity
from detente.model.simulate import common_priors, compile_model
from detente.model.state import CRISIS, SETTLED, WAR, Modifiers, State, grid, initial_state
from detente.random import uniform
from detente.world.build import NOT_ALIGNED, World, build_world
from detente.world.choices import Chooser, RowView, growth_shift, stake_of
from detente.world.decisions import brink_path, logit

__all__ = ["METRICS", "World", "build_world", "simulate_world"]

F64 = NDArray[np.float64]
METRICS = (
    "crises_per_decade",
    "wars",
    "great_power_wars",
    "nuclear_use",
    "deaths",
    "displaced",
    "autonomy",
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


def _activate(state: State, p: Params, mask: NDArray[np.bool_], posture: NDArray[np.int64]):
    """Open the crises in ``mask`` (R, Dn): a fresh dispute in its opening postures."""
    m2 = mask[..., None]
    state.phase = np.where(mask, CRISIS, state.phase)
    state.posture = np.where(m2, posture[None], state.posture)
    state.rung = np.where(mask, posture.max(axis=1)[None], state.rung)
    state.last_move = np.where(m2, 0, state.last_move)
    state.memory = np.where(m2, 0, state.memory)
    state.settlement = np.where(mask, np.nan, state.settlement)
    state.settled_by = np.where(mask, 0, state.settled_by)
    state.rounds = np.where(mask, 0, state.rounds)
    state.war_onset = np.where(mask, -1, state.war_onset)
    state.ceasefire_age = np.where(mask, 0, state.ceasefire_age)
    state.territory = np.where(mask, p.territory, state.territory)
    state.joined = np.where(m2, False, state.joined)


def _ties(state: State, align: NDArray[np.int64], K: int, as_member: bool) -> None:
    """Blocs follow alignments: bloc k takes in (or backs) the states aligned with it."""
    ties = state.member if as_member else state.partner
    S = align.shape[1]
    ties[:, np.arange(K)[:, None], K + np.arange(S)[None, :]] = (
        align[:, None, :] == np.arange(K)[None, :, None]
    )


def simulate_world(w: World, seed: int, runs: NDArray[np.int64]) -> dict[str, F64]:
    """Simulate the given global run indices; return per-run metrics (see ``METRICS``)."""
    runs = np.asarray(runs, dtype=np.int64)
    R, S, K = len(runs), len(w.states), len(w.gp)
    dyn = w.spec.world
    T = w.steps
    years = dyn.years

    def draw(q, path: str) -> F64:
        return draw_quantity(q, seed, "world." + path, runs)

    shift_rate = draw(dyn.shift_rate, "shift_rate")[:, None]
    pref_change = draw(dyn.preference_change, "preference_change")[:, None]
    pressure = draw(dyn.pressure, "pressure")[:, None]
    neutral = draw(dyn.neutral_shift, "neutral_shift")[:, None]
    extra = draw(dyn.alliance_stake, "alliance_stake")[:, None]
    contagion = draw(dyn.contagion, "contagion")[:, None]
    memory = np.exp(-1.0 / (12.0 * np.maximum(draw(dyn.contagion_years, "contagion_years"), 1e-9)))
    claim_gain, claim_loss = draw(dyn.claim_gain, "claim_gain"), draw(dyn.claim_loss, "claim_loss")
    coh_gain = draw(dyn.cohesion_gain, "cohesion_gain")
    coh_loss = draw(dyn.cohesion_loss, "cohesion_loss")
    growth = np.ones((R, K))
    for g, q in dyn.growth.items():
        growth[:, w.gp.index(g)] = (1.0 + draw(q, f"growth.{g}")) ** (1.0 / 12.0)
    grows = bool(dyn.growth)
    g_side = np.ones((R, K + S))  # every actor's monthly growth factor
    g_side[:, :K] = growth

    align = np.broadcast_to(w.initial, (R, S)).copy()
    pref = np.broadcast_to(w.preference, (R, S)).copy()
    choices = np.array([*range(K), NOT_ALIGNED], dtype=np.int64)
    # Which great powers claim each state (S, K), for recognition.
    claimed_by = np.zeros((S, K), dtype=bool)
    sa_all = w.claimed[w.over_states]
    claimed_by[sa_all, w.claimant[w.over_states]] = True

    out = {m: np.zeros(R) for m in METRICS}
    held = np.zeros(R)
    crises = np.zeros(R)
    wars = np.zeros(R)
    gp_wars = np.zeros(R)
    recent = np.zeros((R, S))  # a war in each state, remembered with decay (contagion)

    core = w.core
    if core is not None:
        model = compile_model(core, "status-quo")
        st = model.structure
        p = draw_params(core, seed, runs)
        resolve_prior, cohesion_prior = common_priors(core, st.bins)
        state = initial_state(p, st, resolve_prior, cohesion_prior)
        state.phase[:] = SETTLED  # every slot dormant until a claimant presses
        state.war_onset[:] = -1
        state.rung[:] = 0
        state.max_rung[:] = 0
        strength = _strengths(w, seed, runs)
        Dn = len(w.claimant)
        active = np.zeros((R, Dn), dtype=bool)
        had_war = np.zeros_like(active)
        had_gp = np.zeros_like(active)
        as_member = w.spec.blocs.aligned_as == "member"
        t0 = dyn.dispute
        posture = np.array([[t0.challenger_posture, t0.defender_posture]] * Dn)
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
        over = w.over_states
        sa, ca = np.maximum(w.claimed, 0), w.claimant
        rivalry = ~over
        opened_allied = np.zeros((R, Dn), dtype=bool)
        neighbours = w.neighbours.T.astype(np.float64)
    tally = np.zeros((4, R))  # crises and wars over states with and without a great-power ally

    for t in range(T):
        # 1. Preferences change; states consider moving toward them.
        u = uniform(seed, "world.preference", t, runs, (S, 2))
        change = u[..., 0] < pref_change
        new_pref = choices[np.minimum((u[..., 1] * (K + 1)).astype(np.int64), K)]
        pref = np.where(change, new_pref, pref)
        target = pref.copy()
        if dyn.recognition:
            # A rival bloc refuses a state inside another's sphere: only non-alignment is open.
            rival = (target >= 0) & claimed_by.any(axis=1)[None, :]
            rival &= ~claimed_by[np.arange(S)[None, :], np.maximum(target, 0)]
            target = np.where(rival, NOT_ALIGNED, target)
        um = uniform(seed, "world.move", t, runs, (S, 2))
        wants = (target != align) & (um[..., 0] < shift_rate)
        before = align

        if core is not None:
            # A move that crosses a claim is weighed against the crises it provokes.
            cand = np.where(wants, target, align)
            frm, to = before[:, sa], cand[:, sa]
            crosses = (
                over[None, :]
                & wants[:, sa]
                & (((to >= 0) & (to != ca[None, :])) | ((frm == ca[None, :]) & (to < 0)))
            )
            if crosses.any():
                _ties(state, cand, K, as_member)
                stake = stake_of(w, strength, cand, neutral, extra)
                gain = stake - p.status_quo  # the share at stake, as at onset below
                # Only the runs where a move crosses a claim (row-wise: the same numbers).
                rows = np.flatnonzero(crosses.any(axis=1))
                sub, s_ = chooser.on(rows), RowView(state, rows, R)
                risk = np.zeros((R, Dn))
                risk[rows] = np.where(
                    crosses[rows], sub.expected_loss(s_, sub.views(s_), gain[rows]), 0
                )
                fear = np.zeros((R, S))
                np.add.at(fear.T, sa[over], risk[:, over].T)
                r_s = p.resolve[:, K:]
                go = um[..., 1] < logit(p.rationality[:, K:], r_s - fear)
                wants &= go | ~_any_by_state(crosses, sa, S)
        align = np.where(wants, target, align)

        if core is not None:
            _ties(state, align, K, as_member)
            # 2. Onset as a choice: moves against a claim, and reviews of claims.
            moved = crosses & wants[:, sa]
            near = recent @ neighbours
            outside = over[None, :] & (align[:, sa] != ca[None, :])
            review = pressure * np.where(over[None, :], 1.0 + contagion * near[:, sa], 1.0)
            uo = uniform(seed, "world.onset", t, runs, (Dn, 2))
            chance = moved | ((outside | rivalry[None, :]) & (uo[..., 0] < review))
            chance &= ~active
            if chance.any():
                stake = stake_of(w, strength, align, neutral, extra)
                q = p.status_quo
                rows = np.flatnonzero(chance.any(axis=1))
                sub, s_ = chooser.on(rows), RowView(state, rows, R)
                press = np.zeros((R, Dn))
                pw = sub.views(s_)
                press[rows] = sub.press(s_, pw, (stake - q)[rows], p.resolve[rows][:, ca])
                start = chance & (uo[..., 1] < press) & (stake > q)
                if start.any():
                    # For the record check: was the target under a great power's
                    # protection (a rival bloc or the collective guarantee)?
                    allied = start & over[None, :] & (_protected(w, align) | w.collective)
                    tally[0] += allied.sum(axis=1)
                    tally[1] += (start & over[None, :] & ~allied).sum(axis=1)
                    opened_allied = np.where(start, allied, opened_allied)
                    p.demand[start] = stake[start]
                    _activate(state, p, start, posture)
                    active |= start
                    had_war &= ~start
                    had_gp &= ~start
                    crises += start.sum(axis=1)
            if grows:
                state.forces[:, :K] *= growth
                state.deployed[:, :K] *= growth
                # The growth ahead is a shift in power the core's bargains must
                # survive (its commitment problem, model-spec V2.2).
                p.power_shift[:] = growth_shift(
                    chooser.views(state)[..., 0],
                    g_side[:, ca],
                    g_side[:, w.target],
                    st.lookahead,
                    p.contest_exponent,
                )

            # 3. The core engine, every dispute at once, for the runs with one
            # open; the others only advance their arms and displaced.
            open_rows = active.any(axis=1)
            tt = state.t
            live, quiet = np.flatnonzero(open_rows), np.flatnonzero(~open_rows)
            if len(live):
                on_rows(live, state, p, runs, lambda s_, p_, r_: step(model, s_, p_, seed, r_))
            if len(quiet):
                on_rows(
                    quiet, state, p, runs, lambda s_, p_, r_: quiet_step(model, s_, p_, seed, r_)
                )
            state.t = tt + 1

            # A settlement that came apart in the core (V2's agreements break:
            # Werner 1999) reopens its crisis: it counts as one, as a press does.
            reopened = ~active & (state.phase != SETTLED)
            if reopened.any():
                allied = reopened & over[None, :] & (_protected(w, align) | w.collective)
                tally[0] += allied.sum(axis=1)
                tally[1] += (reopened & over[None, :] & ~allied).sum(axis=1)
                opened_allied = np.where(reopened, allied, opened_allied)
                active |= reopened
                had_war &= ~reopened
                had_gp &= ~reopened
                crises += reopened.sum(axis=1)

            # 4. Wars, great-power wars, ends and feedback.
            war_now = (state.phase == WAR) & active
            new_war = active & (state.war_onset >= 0) & ~had_war
            wars += new_war.sum(axis=1)
            tally[2] += (new_war & opened_allied & over[None, :]).sum(axis=1)
            tally[3] += (new_war & ~opened_allied & over[None, :]).sum(axis=1)
            had_war |= new_war
            joined_gp = state.joined[:, :, :K].any(axis=2)  # the great powers are actors 0..K-1
            gp_war = (joined_gp | rivalry[None, :]) & war_now
            gp_wars += (gp_war & ~had_gp).sum(axis=1)
            had_gp |= gp_war
            recent = np.maximum(recent * memory[:, None], _any_by_state(war_now & over, sa, S))
            ended = active & (state.phase == SETTLED)
            if ended.any():
                strength, align = _feedback(
                    w, state, p, ended, strength, align, claim_gain, claim_loss, coh_gain, coh_loss
                )
                active &= ~ended
        held += (align == pref).sum(axis=1)

    out["autonomy"] = held / (T * S)
    out["crises_per_decade"] = crises / (years / 10.0)
    out["wars"] = wars
    out["great_power_wars"] = gp_wars
    if core is not None:
        _harm(out, state, p)
    for i, k in enumerate(TALLY):
        out[k] = tally[i]
    return out


TALLY = ("_crises_allied", "_crises_alone", "_wars_allied", "_wars_alone")


def _protected(w: World, align: NDArray[np.int64]) -> NDArray[np.bool_]:
    """(R, Dn): the slot's state sits in the bloc of a great power other than its claimant."""
    to = align[:, np.maximum(w.claimed, 0)]
    return w.over_states[None, :] & (to >= 0) & (to != w.claimant[None, :])


def _any_by_state(crosses: NDArray[np.bool_], sa: NDArray[np.int64], S: int) -> NDArray[np.bool_]:
    """(R, S): the state's move crosses at least one claim."""
    hit = np.zeros((crosses.shape[0], S), dtype=np.int64)
    np.add.at(hit.T, sa, crosses.T.astype(np.int64))
    return hit > 0


def _feedback(w, state, p, ended, strength, align, claim_gain, claim_loss, coh_gain, coh_loss):
    """Claims strengthen when pressed with success, weaken otherwise; a state whose
    claimant won moves into its bloc; the bloc that backed it gains or loses cohesion."""
    R = ended.shape[0]
    q = p.status_quo
    won = ended & (np.nan_to_num(state.settlement, nan=-1.0) >= q + 0.5 * (p.demand - q))
    lost = ended & ~won
    strength = np.where(won, np.minimum(1.0, strength + claim_gain[:, None]), strength)
    strength = np.where(lost, strength * (1.0 - claim_loss[:, None]), strength)
    rows = np.arange(R)
    for d in np.flatnonzero(ended.any(axis=0) & w.over_states):
        s, c = w.claimed[d], w.claimant[d]
        backer = align[:, s]  # the bloc the state was in when it ended
        backed = (backer >= 0) & (backer != c)
        k = np.maximum(backer, 0)
        delta = np.where(won[:, d], -coh_loss, np.where(lost[:, d], coh_gain, 0.0))
        delta = np.where(backed, delta, 0.0)
        state.cohesion[rows, k] = np.clip(state.cohesion[rows, k] + delta, 0.0, 1.0)
        align[:, s] = np.where(won[:, d], c, align[:, s])
    return strength, align


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
