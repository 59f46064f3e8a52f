"""The war: Lanchester attrition, the front, allies joining, call-up and aid, and the
civilians (model-spec section 3.7 and the war of 2022's mechanisms).

Split from :mod:`detente.model.engine` (one module per section of the step).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import Rows, current, real, xp
from detente.model import front
from detente.model.alliances import join_chance, join_value
from detente.model.balance import (
    WEEKS_PER_YEAR,
    _take,
    strength,
    war_cost,
)
from detente.model.beliefs import mean
from detente.model.params import Params, Structure
from detente.model.peace import (
    _settle,
)
from detente.model.rows import view
from detente.model.state import (
    BY_VICTORY,
    CEASEFIRE,
    CRISIS,
    WAR,
    Modifiers,
    State,
    grid,
)
from detente.random import uniform
from detente.scenario.schema import (
    NUCLEAR_ALERT_RUNG,
    NUCLEAR_USE_RUNG,
    REGIONAL_RUNG,
    WAR_RUNG,
)
from detente.theory.lanchester import square_law_losses

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def _war(
    state: State,
    p: Params,
    mods: Modifiers,
    st: Structure,
    seed: int,
    runs: I64,
    dt: float,
    violation: F64,
) -> None:
    """Lanchester square-law attrition between the two sides' deployed forces.

    Each side is its disputant plus the allies who joined; an actor fighting
    several wars splits its forces between them. Under a ceasefire the same
    attrition runs at the violation intensity (the low-level fighting of an
    often-violated ceasefire). Battles move territory toward the stronger
    side; a side whose front collapses loses.
    """
    at_war = state.phase == WAR
    intensity = xp.where(at_war, 1.0, 0.0)
    intensity = xp.where(state.phase == CEASEFIRE, violation, intensity)
    if not current().some(intensity > 0):
        return  # nothing is fought anywhere: the rest would change nothing
    t = state.t
    _escalate(state, p, mods, st, seed, runs, at_war)

    # Attrition. Participation (R, Dn, N): which side each actor fights on.
    fighting_d = intensity > 0
    actors = np.arange(st.n_actors)
    on_c = (actors == st.challenger[:, None]) & fighting_d[..., None]  # (R, Dn, N)
    on_d = ((actors == st.defender[:, None]) | state.joined) & fighting_d[..., None]
    wars_of = (on_c | on_d).sum(axis=1)  # (R, N)
    share = 1.0 / xp.maximum(wars_of, 1).astype(real())
    aid = 1.0 + (
        state.partner.transpose(0, 2, 1) * (p.partner_aid * state.cohesion)[:, None, :]
    ).sum(axis=2)
    power = strength(state, p, mods, state.deployed) * share * aid  # (R, N)
    troops = state.deployed * share
    A = (on_c * troops[:, None, :]).sum(axis=2)
    Bf = (on_d * troops[:, None, :]).sum(axis=2)
    alpha = (on_c * power[:, None, :]).sum(axis=2)  # casualties A inflicts per week
    beta = (on_d * power[:, None, :]).sum(axis=2)
    balance = (alpha - beta) / xp.maximum(alpha + beta, 1e-12)
    # The tempo of a high-intensity war (detente.model.front; 1 by default).
    intensity = intensity * front.tempo(at_war, balance, state.war_steps * dt, p)
    loss_a, loss_b = square_law_losses(
        A,
        Bf,
        intensity * alpha / xp.maximum(A, 1e-12),
        intensity * beta / xp.maximum(Bf, 1e-12),
        dt,
    )
    # Spread each side's losses over its members in proportion to their troops.
    w_c = on_c * troops[:, None, :] / xp.maximum(A, 1e-12)[..., None]
    w_d = on_d * troops[:, None, :] / xp.maximum(Bf, 1e-12)[..., None]
    losses = (w_c * loss_a[..., None] + w_d * loss_b[..., None]).sum(axis=1)  # (R, N)
    losses = xp.minimum(losses, state.deployed)
    state.deployed = state.deployed - losses
    state.forces = xp.maximum(state.forces - losses, state.deployed)
    state.military_deaths = state.military_deaths + p.death_share[:, None] * losses * 1000.0
    # Fronts are kept up wherever there is fighting, in war and along a
    # violated ceasefire line alike (otherwise a ceasefire's front would
    # dwindle to nothing over the years; Donbas's did not).
    engaged = (on_c | on_d).any(axis=1)
    _call_up_and_aid(state, p, on_c, on_d, at_war, dt)
    state.deployed = xp.where(
        engaged,
        state.deployed + p.reinforcement[:, None] * dt * (state.forces - state.deployed),
        state.deployed,
    )
    state.war_steps = state.war_steps + at_war
    # Territory moves toward the stronger side.
    before = state.territory
    state.territory = xp.where(
        at_war,
        xp.clip(state.territory + p.territory_rate[:, None] * dt * balance, 0.0, 1.0),
        state.territory,
    )
    state.front_moved = xp.abs(state.territory - before)
    # Collapse: a front below its share of the forces it began with loses; so
    # does a defender that has lost the whole contested territory.
    c_front = state.deployed[:, st.challenger] / xp.maximum(p.deployed[:, st.challenger], 1e-12)
    d_front = state.deployed[:, st.defender] / xp.maximum(p.deployed[:, st.defender], 1e-12)
    c_lost = at_war & (c_front < p.collapse[:, None])
    d_lost = at_war & ~c_lost & ((d_front < p.collapse[:, None]) | (state.territory >= 1.0))
    _settle(state, c_lost, p.status_quo, BY_VICTORY, t)
    _settle(state, d_lost, p.demand, BY_VICTORY, t)


def _escalate(
    state: State, p: Params, mods: Modifiers, st: Structure, seed: int, runs: I64, at_war: B
) -> None:
    """Escalation inside a war, on the runs at war only (row-wise, with draws keyed
    by run: the same numbers as on every row, for a fraction of the cost when
    few runs are at war and many fight along a violated ceasefire line)."""

    def escalated(rows: Rows) -> Escalation:
        return _escalated(view(rows, state), view(rows, p), view(rows, mods), st, seed,
                          rows.take(runs), rows.take(at_war))

    def unchanged() -> Escalation:
        return state.rung, state.joined, state.nuclear_deaths, state.nuclear_used

    be = current()
    (state.rung, state.joined, state.nuclear_deaths, state.nuclear_used) = be.on_rows_where(
        at_war.any(axis=1), escalated, unchanged
    )


Escalation = tuple[I64, B, F64, B]  # rung, joined, nuclear deaths, nuclear used


def _escalated(
    state: State, p: Params, mods: Modifiers, st: Structure, seed: int, runs: I64, at_war: B
) -> Escalation:
    """Escalation inside a war: rungs climb by hazard, allies join, a nuclear weapon may be used."""
    Dn = at_war.shape[1]
    t = state.t
    # Escalation inside war: 6 -> 7 spreads the war; 7 -> 8 -> 9 need a nuclear power.
    nuclear_side = (
        st.nuclear[st.challenger][None, :]
        | st.nuclear[st.defender][None, :]
        | (state.joined & st.nuclear).any(axis=2)
    )
    # A war becomes regional (7) only where an alliance is tied to a disputant;
    # otherwise a war with a nuclear power can climb straight to the alert (8).
    ties = state.member | state.partner  # (R, A, N)
    tied = ties[:, :, st.challenger].any(axis=1) | ties[:, :, st.defender].any(axis=1)
    at_six = state.rung < REGIONAL_RUNG
    allowed = (at_six & (tied | nuclear_side)) | (
        ~at_six & (state.rung < NUCLEAR_USE_RUNG) & nuclear_side
    )
    climb = at_war & allowed
    if current().some(climb):  # else no draw can make a war climb
        climb = climb & (
            uniform(seed, "hazard.war-rung", t, runs, (Dn,)) < _take(p.hazard, state.rung)
        )
    target = xp.where(at_six & ~tied, NUCLEAR_ALERT_RUNG, state.rung + 1)
    rung = xp.where(climb, target, state.rung)
    # Allies join at the regional rung: each member of an alliance the defender
    # is a member of chooses by its expected value (alliances.join_value); a
    # partner gets aid only. Its draw is one per dispute and member, so a member
    # that stayed out joins later only if its value rises (the defender losing).
    regional = at_war & (rung >= REGIONAL_RUNG)
    joined = state.joined
    if st.member.shape[0] and current().some(regional):
        joined = _join(state, p, mods, st, regional,
                       uniform(seed, "war.join", 0, runs, (Dn, st.n_actors)))
    nuke = climb & (rung == NUCLEAR_USE_RUNG)
    first_use = nuke.any(axis=1) & ~state.nuclear_used
    return (
        rung,
        joined,
        state.nuclear_deaths + xp.where(first_use, p.nuclear_use_deaths, 0.0),
        state.nuclear_used | nuke.any(axis=1),
    )


def _join(
    state: State, p: Params, mods: Modifiers, st: Structure, regional: B, u: F64
) -> B:
    """Who has joined the defender's war after this week's choices (R, Dn, N), by
    their expected values (alliances.join_value)."""
    centres = xp.asarray(grid(st.bins), dtype=real())
    slot = np.zeros(st.n_actors, dtype=np.int64)
    slot[st.observers] = np.arange(len(st.observers))
    believed = mean(state.cohesion_belief, centres)[:, slot[st.defender], :]  # (R, Dn, A)
    value, may = join_value(
        strength(state, p, mods, state.forces),
        state.member,
        state.partner,
        p.partner_aid,
        state.cohesion,
        believed,
        state.joined,
        p.resolve,
        war_cost(state, p, mods),
        p.demand - p.status_quo,
        st.challenger,
        st.defender,
        p.contest_exponent,
    )
    join = regional[..., None] & may & (u < join_chance(p.rationality, value))
    return state.joined | join


def _call_up_and_aid(
    state: State, p: Params, on_c: B, on_d: B, at_war: B, dt: float
) -> None:
    """Each actor at war calls up its reserve and receives its allies' aid
    (detente.model.front); nothing changes where neither is set."""
    if not (current().some(p.recruitment > 0) or current().some(p.aid_flow > 0)):
        return
    warring = ((on_c | on_d) & at_war[..., None]).any(axis=1)  # (R, N)
    state.forces, state.reserve = front.call_up(state.forces, state.reserve, p, warring, dt)
    state.arsenal = state.arsenal + front.aid_delivered(
        state.partner, state.cohesion, p, warring, dt / WEEKS_PER_YEAR
    )


def _civilians(
    state: State,
    p: Params,
    st: Structure,
    runs: I64,
    dt: float,
    military_losses: F64,
    violation: F64,
    mods: Modifiers,
) -> None:
    """Civilian deaths, displacement and return (model-spec steps 8 and 9).

    new displaced = (1 - exp(-delta v dt)) x people in place; a share phi
    crosses a border. People return at rate omega where no dispute of the
    actor is at war, and at the war return rates where one is. A high-intensity
    war adds a wave of flight at its start and flight from a moving front
    (:mod:`detente.model.front`); ``exits`` counts the border crossings out.
    Mobilisation grows with the actor's own deaths and organised campaigns
    and decays otherwise.
    """
    v_rung = _take(p.violence, state.rung)
    v = xp.where(state.phase == WAR, v_rung, 0.0)
    v = xp.where(state.phase == CRISIS, v_rung, v)
    v = xp.where(
        state.phase == CEASEFIRE,
        p.violence[:, [WAR_RUNG]] * violation,
        v,
    )
    # Each actor is exposed to the worst violence of the disputes it is party to.
    R = runs.shape[0]
    at_war = state.phase == WAR
    shape = (R, st.n_actors)
    exposure, war_any = xp.zeros(shape, dtype=v.dtype), xp.zeros(shape, dtype=bool)
    weeks, moved = xp.zeros(shape, dtype=v.dtype), xp.zeros(shape, dtype=v.dtype)
    # Actors with the same number of disputes at once (a sum over the same
    # number of terms is the per-actor sum, to the bit).
    write = current().write
    for actors, ds in _by_dispute_count(st):
        exposure = write(exposure, (slice(None), actors), v[:, ds].max(axis=2))
        war_any = write(war_any, (slice(None), actors), at_war[:, ds].any(axis=2))
        # How long the actor's war has lasted, and how far its fronts moved.
        weeks = write(weeks, (slice(None), actors), state.war_steps[:, ds].max(axis=2) * dt)
        gone = xp.where(at_war[:, ds], state.front_moved[:, ds], 0.0).sum(axis=2)
        moved = write(moved, (slice(None), actors), gone)
    displaced = state.idps + state.refugees
    in_place = xp.maximum(p.population - displaced - state.civilian_deaths, 0.0)
    dead = xp.minimum(in_place, p.civilian_lethality[:, None] * exposure * dt * in_place)
    in_place = in_place - dead
    # Bombardment and fighting at the actor's exposure, with the wave of a
    # war's first weeks and flight from a moving front (detente.model.front).
    hazard = front.flight_hazard(p.displacement_rate[:, None] * exposure * dt, weeks, moved, p)
    fled = in_place * -xp.expm1(-hazard)
    state.civilian_deaths = state.civilian_deaths + dead
    phi = p.refugee_share[:, None]
    ret_idp = front.returns(war_any, p.return_rate, p.war_return_rate, dt)
    ret_ref = front.returns(war_any, p.return_rate, p.refugee_war_return_rate, dt)
    state.idps = state.idps * (1.0 - ret_idp) + (1.0 - phi) * fled
    state.refugees = state.refugees * (1.0 - ret_ref) + phi * fled
    state.exits = state.exits + phi * fled
    state.displaced_peak = xp.maximum(
        state.displaced_peak, (state.idps + state.refugees).sum(axis=1)
    )
    # Mobilisation: each actor's own deaths this step, per 10,000.
    m = state.mobilisation
    growth = (
        p.mobilisation_growth[:, None] * (dead + military_losses) / 1e4 + mods.mobilisation_push
    )
    state.mobilisation = xp.clip(m + dt * (growth - p.mobilisation_decay[:, None] * m), 0.0, 1.0)


def _by_dispute_count(st: Structure) -> list[tuple[I64, I64]]:
    """Actors grouped by how many disputes they are party to, each with its
    disputes in order: [(actors (m,), disputes (m, n))] for each n > 0."""
    a = np.arange(st.n_actors)[:, None]
    party = (st.challenger[None, :] == a) | (st.defender[None, :] == a)  # (N, Dn)
    count = party.sum(axis=1)
    out = []
    for n in np.unique(count[count > 0]):
        actors = np.flatnonzero(count == n)
        out.append((actors, np.nonzero(party[actors])[1].reshape(len(actors), n)))
    return out
