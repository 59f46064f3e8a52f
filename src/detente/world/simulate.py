"""Simulate a world order: alignments move, crises start from them, the core engine runs them.

The world is one core scenario: its actors are the great powers and the small
states, its alliances the blocs (and the collective guarantee, if any), and
its disputes one slot per claim (great power, small state), dormant until a
crisis opens it. Each month:

1. **Preferences and moves.** A small state's preferred alignment changes
   with a small hazard (domestic politics); a state not at its preference
   moves to it with ``shift_rate``. Where spheres are recognised, a rival
   bloc refuses a state inside another's sphere (it can only leave for
   non-alignment), and the state forgoes the move with ``acceptance``.
2. **Onset.** A move against a claim (out of the claimant's bloc, or into a
   rival bloc) opens a crisis with probability ``onset`` x claim strength x
   shift size (1 into a rival bloc, ``neutral_shift`` into non-alignment) x
   (1 + ``alliance_stake`` if the move joins a bloc) x (1 + ``contagion`` x
   neighbours at war); a claimed state aligned with a rival bloc draws a
   crisis with the monthly hazard ``pressure`` x claim strength.
3. **The core engine** steps every dispute at once (:func:`detente.model.engine.step`):
   escalation, bargaining, war, deaths and displacement, with the blocs'
   partners as the small states' alignments stand this month.
4. **Feedback.** A crisis settled at half the stake or more for the claimant
   pulls the state into the claimant's bloc and strengthens the claim;
   otherwise the claim weakens. The bloc that backed the state gains or loses
   cohesion with the result.

Draws are keyed by (seed, purpose, month, run, element), so presets compared
with the same seed share their random numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.model.engine import on_rows, quiet_step, step
from detente.model.params import ACTOR_FIELDS, Params, draw_params, draw_quantity
from detente.model.simulate import common_priors, compile_model
from detente.model.state import CRISIS, SETTLED, WAR, State, initial_state
from detente.random import uniform
from detente.scenario.loading import parse_scenario
from detente.scenario.schema import Scenario
from detente.world.schema import WorldScenario

__all__ = ["METRICS", "World", "build_world", "simulate_world"]

F64 = NDArray[np.float64]
NOT_ALIGNED = -1
METRICS = (
    "crises_per_decade",
    "wars",
    "great_power_wars",
    "nuclear_use",
    "deaths",
    "displaced",
    "autonomy",
)


@dataclass(frozen=True)
class World:
    """A world scenario expanded into a core scenario and index arrays."""

    spec: WorldScenario
    core: Scenario | None  # None when no sphere is claimed: no dispute can start
    gp: tuple[str, ...]
    states: tuple[str, ...]
    preference: NDArray[np.int64]  # (S,) bloc index or -1
    initial: NDArray[np.int64]  # (S,) initial alignment
    claimant: NDArray[np.int64]  # (Dn,) great power index of each dispute slot
    claimed: NDArray[np.int64]  # (Dn,) small-state index
    sphere_of: NDArray[np.int64]  # (Dn,) which sphere entry each slot comes from
    neighbours: NDArray[np.bool_]  # (S, S)
    collective: bool

    @property
    def steps(self) -> int:
        return self.spec.world.years * 12


def _assign(shares: dict[str, float], n: int) -> list[str]:
    """Assign n states to preferences in proportion to their shares (largest remainder)."""
    keys = list(shares)
    w = np.array([shares[k] for k in keys], dtype=np.float64)
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    blocks = [k for k, c in zip(keys, counts, strict=True) for _ in range(c)]
    # Spread each preference over the index range (a golden-ratio permutation),
    # so that preferences do not line up with spheres drawn as index ranges.
    order = np.argsort((np.arange(n) * 0.6180339887498949) % 1.0, kind="stable")
    out = [""] * n
    for pos, s in enumerate(order):
        out[s] = blocks[pos]
    return out


def build_world(spec: WorldScenario) -> World:
    """Expand the world into a core scenario with one dormant dispute per claim."""
    ss = spec.small_states
    gp = [a.id for a in spec.great_powers]
    ids = ss.ids()
    n = len(ids)
    bloc = {g: i for i, g in enumerate(gp)}
    prefs = _assign(ss.preferences, n)
    preference = np.array([bloc.get(p, NOT_ALIGNED) for p in prefs], dtype=np.int64)
    slots: list[tuple[int, int, int]] = []
    for k, sp in enumerate(spec.spheres):
        lo, hi = round(sp.first * n), round(sp.last * n)
        for s in range(lo, hi):
            if not any(c == bloc[sp.claimant] and t == s for c, t, _ in slots):
                slots.append((bloc[sp.claimant], s, k))
    if ss.alignment == "preferred":
        initial = preference.copy()
    elif ss.alignment == "none":
        initial = np.full(n, NOT_ALIGNED, dtype=np.int64)
    else:  # the first claimant's bloc, or the preference where unclaimed
        initial = preference.copy()
        for c, s, _ in reversed(slots):
            initial[s] = c
    ring = np.zeros((n, n), dtype=bool)
    for s in range(n):
        for j in range(1, ss.neighbours + 1):
            ring[s, (s + j) % n] = ring[s, (s - j) % n] = True
    np.fill_diagonal(ring, False)
    g = spec.world.guarantee
    collective = g.mean() > 0
    core = None
    if slots:
        core = parse_scenario(_core_dict(spec, ids, initial, slots, collective), file=spec.name)
    return World(
        spec=spec,
        core=core,
        gp=tuple(gp),
        states=tuple(ids),
        preference=preference,
        initial=initial,
        claimant=np.array([c for c, _, _ in slots], dtype=np.int64),
        claimed=np.array([s for _, s, _ in slots], dtype=np.int64),
        sphere_of=np.array([k for _, _, k in slots], dtype=np.int64),
        neighbours=ring,
        collective=bool(collective),
    )


def _dump(q) -> dict:
    return q.model_dump(by_alias=True, exclude_none=True)


def _core_dict(spec: WorldScenario, ids, initial, slots, collective) -> dict:
    ss = spec.small_states
    # The actor fields a small-states description sets (the rest keep their defaults).
    fields = [f for f in ACTOR_FIELDS if f in type(ss).model_fields]
    small = [
        {"id": sid, **{f: _dump(getattr(ss, f)) for f in fields}, "policy": ss.policy.model_dump()}
        for sid in ids
    ]
    gps = [a.model_dump(by_alias=True, exclude_none=True) for a in spec.great_powers]
    gp = [a.id for a in spec.great_powers]
    as_member = spec.blocs.aligned_as == "member"
    aligned = [[ids[s] for s in range(len(ids)) if initial[s] == i] for i in range(len(gp))]
    alliances = [
        {
            "id": f"bloc-{g}",
            "members": [g] + (aligned[i] if as_member else []),
            "partners": [] if as_member else aligned[i],
            "cohesion": _dump(spec.blocs.cohesion),
            "partner_aid": _dump(spec.blocs.partner_aid),
        }
        for i, g in enumerate(gp)
    ]
    if collective:
        # Collective security: every state, great or small, is a member, so each
        # is defended by all the others (the aggressor excepted), not merely aided.
        alliances.append(
            {
                "id": "collective",
                "members": gp + list(ids),
                "partners": [],
                "cohesion": _dump(spec.world.guarantee),
                "partner_aid": _dump(spec.blocs.partner_aid),
            }
        )
    t = spec.world.dispute
    disputes = [
        {
            "id": f"{gp[c]}-{ids[s]}",
            "challenger": gp[c],
            "defender": ids[s],
            "status_quo": _dump(t.status_quo),
            "demand": _dump(t.demand),
            "territory": _dump(t.territory),
            "challenger_posture": t.challenger_posture,
            "defender_posture": t.defender_posture,
        }
        for c, s, _ in slots
    ]
    settings = spec.settings.model_dump(by_alias=True, exclude_none=True)
    settings["steps"] = spec.world.years * 12
    return {
        "name": spec.name,
        "settings": settings,
        "ladder": [r.model_dump(by_alias=True, exclude_none=True) for r in spec.ladder],
        "war": spec.war.model_dump(by_alias=True, exclude_none=True),
        "actors": gps + small,
        "alliances": alliances,
        "disputes": disputes,
        "baseline": [i.model_dump(by_alias=True, exclude_none=True) for i in spec.baseline],
        "packages": {"status-quo": []},
    }


def _strengths(w: World, seed: int, runs: NDArray[np.int64]) -> F64:
    """Claim strength per run and dispute slot (R, Dn), one draw per sphere."""
    out = np.zeros((len(runs), len(w.claimant)))
    for k, sp in enumerate(w.spec.spheres):
        v = draw_quantity(sp.strength, seed, f"spheres.{k}.strength", runs)
        out[:, w.sphere_of == k] = v[:, None]
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
    onset = draw(dyn.onset, "onset")[:, None]
    pressure = draw(dyn.pressure, "pressure")[:, None]
    neutral = draw(dyn.neutral_shift, "neutral_shift")[:, None]
    stake = draw(dyn.alliance_stake, "alliance_stake")[:, None]
    contagion = draw(dyn.contagion, "contagion")[:, None]
    acceptance = draw(dyn.acceptance, "acceptance")[:, None]
    claim_gain, claim_loss = draw(dyn.claim_gain, "claim_gain"), draw(dyn.claim_loss, "claim_loss")
    coh_gain = draw(dyn.cohesion_gain, "cohesion_gain")
    coh_loss = draw(dyn.cohesion_loss, "cohesion_loss")

    align = np.broadcast_to(w.initial, (R, S)).copy()
    pref = np.broadcast_to(w.preference, (R, S)).copy()
    choices = np.array([*range(K), NOT_ALIGNED], dtype=np.int64)
    # Which great powers claim each state (S, K), for recognition.
    claimed_by = np.zeros((S, K), dtype=bool)
    claimed_by[w.claimed, w.claimant] = True

    out = {m: np.zeros(R) for m in METRICS}
    held = np.zeros(R)
    crises = np.zeros(R)
    wars = np.zeros(R)
    gp_wars = np.zeros(R)

    core = w.core
    if core is not None:
        model = compile_model(core, "status-quo")
        st = model.structure
        p = draw_params(core, seed, runs)
        resolve_prior, cohesion_prior = common_priors(core, st.bins)
        state = initial_state(p, st, resolve_prior, cohesion_prior)
        state.phase[:] = SETTLED  # every slot dormant until a crisis opens it
        state.war_onset[:] = -1
        state.rung[:] = 0
        state.max_rung[:] = 0
        strength = _strengths(w, seed, runs)
        active = np.zeros((R, len(w.claimant)), dtype=bool)
        had_war = np.zeros_like(active)
        had_gp = np.zeros_like(active)
        is_gp = np.zeros(st.n_actors, dtype=bool)
        is_gp[:K] = True
        state_actor = K + np.arange(S)  # small state s is actor K + s
        bloc_alliance = np.arange(K)
        as_member = w.spec.blocs.aligned_as == "member"
        posture = np.array(
            [[dyn.dispute.challenger_posture, dyn.dispute.defender_posture]] * len(w.claimant)
        )

    for t in range(T):
        # 1. Preferences change; states move toward them.
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
        if dyn.recognition:
            # Leaving one's recognised sphere is a move some states forgo.
            leaving = claimed_by[np.arange(S)[None, :], np.maximum(align, 0)] & (align >= 0)
            leaving |= (align == NOT_ALIGNED) & (target >= 0)
            wants &= ~(leaving & (um[..., 1] < acceptance))
        before = align
        align = np.where(wants, target, align)

        if core is not None:
            # 2. Onset: moves against a claim, and pressure on states aligned with a rival.
            ca, sa = w.claimant, w.claimed
            frm, to = before[:, sa], align[:, sa]
            moved = wants[:, sa]
            into_rival = (to >= 0) & (to != ca[None, :])
            left_claimant = (frm == ca[None, :]) & (to == NOT_ALIGNED)
            size = np.where(into_rival, 1.0, np.where(left_claimant, neutral, 0.0))
            joins = (to >= 0) & (to != frm)
            at_war_state = np.zeros((R, S))
            np.add.at(at_war_state.T, sa, ((state.phase == WAR) & active).T)
            near = (at_war_state > 0).astype(np.float64) @ w.neighbours.T.astype(np.float64)
            factor = (1.0 + stake * joins) * (1.0 + contagion * near[:, sa])
            h_move = np.clip(onset * strength * size * factor, 0.0, 1.0) * moved
            h_press = np.clip(pressure * strength * into_rival, 0.0, 1.0)
            h = 1.0 - (1.0 - h_move) * (1.0 - h_press)
            uo = uniform(seed, "world.onset", t, runs, (len(ca),))
            start = (uo < h) & ~active
            if start.any():
                _activate(state, p, start, posture)
                active |= start
                had_war &= ~start
                had_gp &= ~start
                crises += start.sum(axis=1)
            # Blocs follow alignments: bloc k takes in (or backs) the states aligned with it.
            ties = state.member if as_member else state.partner
            ties[:, bloc_alliance[:, None], state_actor[None, :]] = (
                align[:, None, :] == np.arange(K)[None, :, None]
            )

            # 3. The core engine, every dispute at once, for the runs with one
            # open; the others only advance their arms and displaced.
            open_rows = active.any(axis=1)
            t0 = state.t
            live, quiet = np.flatnonzero(open_rows), np.flatnonzero(~open_rows)
            if len(live):
                on_rows(live, state, p, runs, lambda s_, p_, r_: step(model, s_, p_, seed, r_))
            if len(quiet):
                on_rows(
                    quiet, state, p, runs, lambda s_, p_, r_: quiet_step(model, s_, p_, seed, r_)
                )
            state.t = t0 + 1

            # 4. Wars, great-power wars, ends and feedback.
            # A war counts from its onset, even if talks end it within the same step.
            war_now = (state.phase == WAR) & active
            new_war = active & (state.war_onset >= 0) & ~had_war
            wars += new_war.sum(axis=1)
            had_war |= new_war
            other_gp = (state.joined & is_gp[None, None, :]).any(axis=2) & war_now
            new_gp = other_gp & ~had_gp
            gp_wars += new_gp.sum(axis=1)
            had_gp |= other_gp
            ended = active & (state.phase == SETTLED)
            if ended.any():
                won = ended & (np.nan_to_num(state.settlement, nan=0.0) >= 0.5)
                lost = ended & ~won
                strength = np.where(won, np.minimum(1.0, strength + claim_gain[:, None]), strength)
                strength = np.where(lost, strength * (1.0 - claim_loss[:, None]), strength)
                for d in np.flatnonzero(ended.any(axis=0)):
                    s, c = sa[d], ca[d]
                    backer = align[:, s]  # the bloc the state was in when it ended
                    backed = (backer >= 0) & (backer != c)
                    k = np.maximum(backer, 0)
                    rows = np.arange(R)
                    delta = np.where(won[:, d], -coh_loss, np.where(lost[:, d], coh_gain, 0.0))
                    delta = np.where(backed, delta, 0.0)
                    state.cohesion[rows, k] = np.clip(state.cohesion[rows, k] + delta, 0.0, 1.0)
                    align[:, s] = np.where(won[:, d], c, align[:, s])
                active &= ~ended
        held += (align == pref).sum(axis=1)

    out["autonomy"] = held / (T * S)
    out["crises_per_decade"] = crises / (years / 10.0)
    out["wars"] = wars
    out["great_power_wars"] = gp_wars
    if core is not None:
        out["nuclear_use"] = state.nuclear_used.astype(np.float64)
        out["deaths"] = (
            state.military_deaths.sum(axis=1)
            + state.civilian_deaths.sum(axis=1)
            + state.nuclear_deaths
        )
        out["displaced"] = state.displaced_peak.copy()
        out["_population"] = p.population.sum(axis=1)
        out["_in_place"] = np.maximum(
            p.population - state.idps - state.refugees - state.civilian_deaths, 0.0
        ).sum(axis=1)
        out["_idps"] = state.idps.sum(axis=1)
        out["_refugees"] = state.refugees.sum(axis=1)
        out["_civilian_deaths"] = state.civilian_deaths.sum(axis=1)
    return out
