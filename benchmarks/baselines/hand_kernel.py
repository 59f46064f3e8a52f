"""A hand-written kernel of the `two-state-textbook` crisis (status quo), for
measuring what detente's generality costs.

The engine handles any number of actors, disputes, alliances, policies and
interventions through a compiled :class:`~detente.model.engine.Model`,
dataclasses of state and parameters, and loops over disputes and sides.
This kernel is what one would write for this one crisis alone: two actors,
one dispute, the expected-utility rule for both, every array (runs,) or
(runs, 2). It is model version 2's step (docs/model.md) as far as the
scenario reaches it: Richardson's arms step, signals and costly moves read by
Bayes on a grid, the one-step look-ahead utilities with a logit choice, the
hazard of unintended war, the square law, settlements that come apart by
either side's choice in its gain from fighting now (model-spec V2.4: the
crisis reopens at the top rung for the breaker and the other side takes the
breach as a sign of resolve), displacement and mobilisation.

Left out, because the scenario keeps it idle (`inactive.left_out` checks each
before the benchmark compares anything): talks and offers (no channel open),
ceasefires and their breakdown, commitments, caps and guarantees (no
intervention in the package); the commitment problem's erosion K(x) of a
peaceful share (the arsenals sit at their Richardson fixed point, so no
shift in power is forecast and K(x) = x); mutual optimism (every odds
multiplier is 1); alliances, war beyond rung 6 and nuclear use; the
high-intensity war's tempo, call-up, flight waves and war-time returns
(their parameters at the values that leave the step unchanged).

It calls the same numerical primitives (Bayes on a grid, the logit choice,
the square law, Richardson's step, the counter-based random streams), so it
computes the same numbers; `benchmarks/overhead.py` checks that run by run,
bit for bit, before it times anything.

This is a baseline, not part of detente: a second copy of the rules that
only the benchmark uses.
"""

from __future__ import annotations

import numpy as np

from detente.model.beliefs import gaussian_update, likelihood_update
from detente.model.policies import logit_choice
from detente.random import normal, uniform
from detente.theory.lanchester import square_law_losses
from detente.theory.richardson import euler_step

TOP, WAR_RUNG = 5, 6
CRISIS, WAR, SETTLED = 0, 1, 3
NOT_SETTLED, BY_CONCESSION, BY_VICTORY = 0, 1, 3
HOSTILE = np.array([[False, True], [True, False]])


# One fused function by design (a hand kernel): the step is not split into calls.
def simulate(  # noqa: C901
    p, belief0, seed: int, runs, steps: int, bins: int, lookahead: float
) -> dict:
    """Run the crisis for ``runs``; ``p`` holds the drawn parameters (detente's Params)."""
    R = len(runs)
    dt, dt_y = 1.0, 1.0 / 52.1775
    G = (np.arange(bins) + 0.5) / bins
    forces, deployed, arsenal = p.forces.copy(), p.deployed.copy(), p.arsenal.copy()
    posture = np.tile(np.array([3, 2]), (R, 1))
    last_move = np.zeros((R, 2), dtype=np.int64)
    phase = np.full(R, CRISIS)
    rung = posture.max(axis=1)
    max_rung = rung.copy()
    territory = p.territory[:, 0].copy()
    settled_by = np.zeros(R, dtype=np.int64)
    settlement = np.full(R, np.nan)  # the challenger's share under the terms in force
    war_onset = np.full(R, -1)
    belief = belief0.copy()  # (R, 2, G): side s's belief about the other side
    mil = np.zeros((R, 2))
    civ = np.zeros((R, 2))
    idps = np.zeros((R, 2))
    refugees = np.zeros((R, 2))
    peak = np.zeros(R)
    mob = p.mobilisation.copy()
    q, dem = p.status_quo[:, 0], p.demand[:, 0]
    s = np.stack([q, 1 - q], 1)
    s_concede = np.stack([q, 1 - dem], 1)
    s_win = np.stack([dem, 1 - q], 1)
    base = np.where(p.arsenal > 1e-6, p.arsenal, 1.0)
    front0 = p.deployed[:, 0] + p.deployed[:, 1]

    def strength(troops, arsenal, rows):
        has = p.arsenal[rows] > 1e-6
        ratio = np.where(has, np.clip(arsenal / base[rows], 1e-9, 1e6), 1.0)
        return troops * p.effectiveness[rows] * np.power(ratio, p.arms_elasticity[rows, None])

    def hazard(level, rows):
        h = p.hazard[rows, level]
        front = deployed[rows, 0] + deployed[rows, 1]
        scale = np.power(
            np.where(front0[rows] > 0, front / np.where(front0[rows] > 0, front0[rows], 1.0), 1.0),
            p.hazard_elasticity[rows],
        )
        return np.clip(h * scale, 0.0, 1.0)

    def war_risk(level, rows):
        return 1.0 - np.power(1.0 - hazard(level, rows), lookahead)

    def gain(pw, s_, sc, sw):
        return pw * sw + (1.0 - pw) * sc - s_

    def threshold(pw, c, a, post, s_, sc, sw, risk, k):
        return (s_ - sc) + risk * gain(pw, s_, sc, sw), risk * c + k - a * post / TOP

    for t in range(steps):
        # What each side of a settled run makes of breaking the terms in force,
        # judged at the start of the week (before the arms step).
        held = np.flatnonzero(phase == SETTLED)
        if len(held):
            S = strength(forces[held], arsenal[held], held)
            gamma = p.contest_exponent[held]
            tc = np.power(np.maximum(S[:, 0], 1e-12), gamma)
            tf = np.power(np.maximum(S[:, 1], 1e-12), gamma)
            pwin = np.stack([tc / (tc + tf), tf / (tc + tf)], 1)
            cost = p.war_cost[held] * (1.0 + p.mobilisation_cost[held, None] * mob[held])
            r_own, sh = p.resolve[held], s[held]
            war_payoff = r_own * gain(pwin, sh, s_concede[held], s_win[held]) - cost
            x = settlement[held]
            kept = r_own * (np.stack([x, 1.0 - x], 1) - sh)
            renege = war_payoff - kept - p.audience_cost[held]
        arsenal = np.minimum(
            euler_step(arsenal, p.arms_reaction, p.arms_fatigue, p.arms_grievance, HOSTILE, dt_y),
            1e12,
        )
        at_war = phase == WAR
        sd = np.where(at_war[:, None], p.war_signal_noise[:, None], p.signal_noise[:, None])
        signal = p.resolve[:, ::-1] + sd * normal(seed, "signal.resolve", t, runs, (2,))
        belief = gaussian_update(belief, G, signal, sd)

        # Decisions, on the runs still in crisis.
        rows = np.flatnonzero(phase == CRISIS)
        choice = np.full((R, 2), 1)  # HOLD
        if len(rows):
            S = strength(forces[rows], arsenal[rows], rows)
            gamma = p.contest_exponent[rows]
            tc = np.power(np.maximum(S[:, 0], 1e-12), gamma)
            tf = np.power(np.maximum(S[:, 1], 1e-12), gamma)
            pwin = np.stack([tc / (tc + tf), tf / (tc + tf)], 1)
            cost = p.war_cost[rows] * (1.0 + p.mobilisation_cost[rows, None] * mob[rows])
            r_own, a_own = p.resolve[rows], p.audience_cost[rows]
            post, lm = posture[rows], last_move[rows]
            b = belief[rows]
            sr, scr, swr = s[rows], s_concede[rows], s_win[rows]
            beta = p.rationality[rows]
            if t > 0:
                for side in (0, 1):
                    # The rival's view of this side: its chance of standing at a posture.
                    view = (1.0 - pwin[:, 1 - side], cost[:, side], a_own[:, side])
                    shares = (sr[:, side], scr[:, side], swr[:, side])

                    def stands(at, side=side, view=view, shares=shares, rows=rows, post=post):
                        level = np.maximum(at, post[:, 1 - side])
                        risk = war_risk(level, rows)
                        k = p.posture_cost[rows, level]
                        den, num = threshold(*view, at, *shares, risk, k)
                        gap = G * den[:, None] - num[:, None]
                        z = np.clip(p.rationality[rows, side, None] * gap, -50, 50)
                        return 1.0 / (1.0 + np.exp(-z))

                    now = post[:, side]
                    stand = stands(now)
                    down = lm[:, side] < 0
                    lik = np.where(
                        down[:, None],
                        stand * (1.0 - stands(np.clip(now - lm[:, side], 0, TOP))),
                        stand,
                    )
                    b[:, 1 - side] = likelihood_update(b[:, 1 - side], 0.02 + 0.98 * lik)
                belief[rows] = b
            war_payoff = r_own * gain(pwin, sr, scr, swr) - cost
            gain_now = r_own * (swr - sr)
            opp = post[:, ::-1]
            U = np.empty((len(rows), 2, 4))
            for opt, delta in ((0, -1), (1, 0), (2, 1)):
                new = post + delta
                level = np.maximum(np.clip(new, 0, TOP), opp)
                risk = np.stack([war_risk(level[:, i], rows) for i in (0, 1)], 1)
                k = np.take_along_axis(p.posture_cost[rows], level, axis=1)
                den, num = threshold(
                    1.0 - pwin,
                    cost[:, ::-1],
                    a_own[:, ::-1],
                    opp,
                    sr[:, ::-1],
                    scr[:, ::-1],
                    swr[:, ::-1],
                    risk,
                    k,
                )
                pc = (b * (G * den[..., None] < num[..., None])).sum(axis=-1)
                u = pc * gain_now + (1.0 - pc) * (risk * war_payoff + (1.0 - risk) * 0.0) - k
                if opt == 0:
                    u = u - a_own / TOP
                U[..., opt] = np.where((new >= 0) & (new <= TOP), u, -np.inf)
            U[..., 2] = np.where(post >= TOP, war_payoff, U[..., 2])
            U[..., 3] = r_own * (scr - sr) - a_own * post / TOP
            ud = uniform(seed, "decision", t, runs[rows], (1, 2))[:, 0]
            choice[rows] = logit_choice(U, beta, ud)

        # Resolution.
        crisis = phase == CRISIS
        move = np.where(choice == 2, 1, np.where(choice == 0, -1, 0))
        new_post = np.clip(posture + move, 0, None)
        chose_war = (new_post > TOP).any(axis=1) & crisis
        new_post = np.minimum(new_post, TOP)
        last_move = np.where(crisis[:, None], np.sign(new_post - posture), 0)
        posture = np.where(crisis[:, None], new_post, posture)
        conceded = (choice == 3) & crisis[:, None]
        settle = conceded.any(axis=1)
        # The challenger backing down keeps the status quo; else it gets its demand.
        settlement = np.where(settle, np.where(conceded[:, 0], q, dem), settlement)
        settled_by = np.where(settle, BY_CONCESSION, settled_by)
        phase = np.where(settle, SETTLED, phase)
        crisis = phase == CRISIS
        rung = np.where(crisis, posture.max(axis=1), rung)
        everyone = np.arange(R)
        slide = uniform(seed, "hazard.war", t, runs, (1,))[:, 0] < hazard(rung, everyone)
        start = crisis & (chose_war | slide)
        war_onset = np.where(start & (war_onset < 0), t, war_onset)
        phase = np.where(start, WAR, phase)
        rung = np.where(start, WAR_RUNG, rung)

        # Settlements come apart (model-spec V2.4): each side breaks the terms
        # by a logit choice in its gain from fighting now, besides a hazard
        # nobody chose that rises with the larger incentive.
        if len(held):
            z = np.clip(p.rationality[held] * renege, -50.0, 50.0)
            by_choice = 1.0 / (1.0 + np.exp(-z))
            incentive = np.maximum(renege, 0.0).max(axis=1)
            base_h, rate = p.agreement_breakdown[held, 0], p.renege_rate[held, 0]
            accident = np.clip(1.0 - (1.0 - base_h) * np.exp(-rate * incentive), 0.0, 1.0)
            chosen = 1.0 - (1.0 - by_choice[:, 0]) * (1.0 - by_choice[:, 1])
            h = 1.0 - (1.0 - accident) * (1.0 - chosen)
            u = uniform(seed, "hazard.agreement", t, runs[held], (1,))[:, 0]
            hit = u < h
            if hit.any():
                rows = held[hit]
                breaker = (renege[hit, 1] > renege[hit, 0]).astype(np.int64)
                # The breaker presses its claim again from the top crisis rung.
                posture[rows, breaker] = TOP
                phase[rows] = CRISIS
                settled_by[rows] = NOT_SETTLED
                settlement[rows] = np.nan
                rung[rows] = posture[rows].max(axis=1)
                # The other side takes the breach as a sign of a resolved type.
                b = belief[rows, 1 - breaker]
                belief[rows, 1 - breaker] = likelihood_update(b, 0.02 + 0.98 * G)

        # War: the square law between the two fronts.
        at_war = phase == WAR
        mil_before = mil
        if at_war.any():
            power = strength(deployed, arsenal, slice(None))
            A, B = np.where(at_war, deployed[:, 0], 0.0), np.where(at_war, deployed[:, 1], 0.0)
            alpha = np.where(at_war, power[:, 0], 0.0)
            beta_ = np.where(at_war, power[:, 1], 0.0)
            loss_a, loss_b = square_law_losses(
                A, B, alpha / np.maximum(A, 1e-12), beta_ / np.maximum(B, 1e-12), dt
            )
            losses = np.stack(
                [A / np.maximum(A, 1e-12) * loss_a, B / np.maximum(B, 1e-12) * loss_b], 1
            )
            losses = np.minimum(losses, deployed)
            deployed = deployed - losses
            forces = np.maximum(forces - losses, deployed)
            mil = mil + p.death_share[:, None] * losses * 1000.0
            deployed = np.where(
                at_war[:, None],
                deployed + p.reinforcement[:, None] * dt * (forces - deployed),
                deployed,
            )
            balance = (alpha - beta_) / np.maximum(alpha + beta_, 1e-12)
            territory = np.where(
                at_war, np.clip(territory + p.territory_rate * dt * balance, 0.0, 1.0), territory
            )
            c_lost = at_war & (deployed[:, 0] / np.maximum(p.deployed[:, 0], 1e-12) < p.collapse)
            d_lost = (
                at_war
                & ~c_lost
                & (
                    (deployed[:, 1] / np.maximum(p.deployed[:, 1], 1e-12) < p.collapse)
                    | (territory >= 1.0)
                )
            )
            ends = c_lost | d_lost
            settlement = np.where(c_lost, q, np.where(d_lost, dem, settlement))
            settled_by = np.where(ends, BY_VICTORY, settled_by)
            phase = np.where(ends, SETTLED, phase)

        # Civilians and mobilisation.
        v_rung = p.violence[np.arange(R), rung]
        v = np.where((phase == WAR) | (phase == CRISIS), v_rung, 0.0)[:, None]
        in_place = np.maximum(p.population - (idps + refugees) - civ, 0.0)
        dead = np.minimum(in_place, p.civilian_lethality[:, None] * v * dt * in_place)
        in_place = in_place - dead
        fled = in_place * -np.expm1(-p.displacement_rate[:, None] * v * dt)
        civ = civ + dead
        ret = np.where((phase == WAR)[:, None], 0.0, -np.expm1(-p.return_rate[:, None] * dt))
        phi = p.refugee_share[:, None]
        idps = idps * (1.0 - ret) + (1.0 - phi) * fled
        refugees = refugees * (1.0 - ret) + phi * fled
        peak = np.maximum(peak, (idps + refugees).sum(axis=1))
        growth = p.mobilisation_growth[:, None] * (dead + (mil - mil_before)) / 1e4
        mob = np.clip(mob + dt * (growth - p.mobilisation_decay[:, None] * mob), 0.0, 1.0)
        max_rung = np.maximum(max_rung, rung)

    return {
        "war": war_onset >= 0,
        "settled": settled_by > 0,
        "max_rung": max_rung,
        "deaths": mil.sum(axis=1) + civ.sum(axis=1),
        "displaced": peak,
    }
