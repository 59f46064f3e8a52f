"""What the world's choices read from the state: believed chances, stakes, expected losses.

:class:`Chooser` evaluates, for one chunk of runs, the terms of
:mod:`detente.world.decisions` from the core's state: each side's believed
chance of winning by the one alliance rule (:mod:`detente.model.alliances`),
the claimant's belief about the small state's resolve, war and audience
costs. :func:`stake_of` is what a claim is worth to its claimant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from detente.model.alliances import win_probability
from detente.model.balance import strength, war_cost
from detente.model.beliefs import mean
from detente.model.params import Params, Structure
from detente.model.rows import RowView
from detente.model.state import Modifiers, State
from detente.world.build import NOT_ALIGNED, World
from detente.world.decisions import concede_chance, logit, move_value, press_value

__all__ = ["Chooser", "growth_shift", "stake_of"]

F64 = NDArray[np.float64]


@dataclass
class Chooser:
    """What the claimants' and small states' choices read, for one chunk of runs."""

    w: World
    st: Structure
    p: Params
    mods: Modifiers
    centres: F64
    slot: NDArray[np.int64]  # (N,) observer slot of each actor
    path_war: F64  # (R,) chance the climb to the brink slides into war
    path_cost: F64  # (R,) posture costs on the way
    k_top: F64  # (R,)

    def on(self, rows: NDArray[np.int64]) -> Chooser:
        """The same chooser for the runs ``rows`` of its chunk only."""
        runs = len(self.path_war)
        return replace(
            self,
            p=RowView(self.p, rows, runs),  # type: ignore[arg-type]
            mods=RowView(self.mods, rows, runs),  # type: ignore[arg-type]
            path_war=self.path_war[rows],
            path_cost=self.path_cost[rows],
            k_top=self.k_top[rows],
        )

    def views(self, state: State) -> F64:
        """Believed chances of winning (R, Dn, 2), by the one alliance rule."""
        st, p = self.st, self.p
        return win_probability(
            strength(state, p, self.mods, state.forces),
            state.member,
            state.partner,
            p.partner_aid,
            mean(state.cohesion_belief, self.centres),
            self.slot,
            st.challenger,
            st.defender,
            p.contest_exponent,
        )

    def press(
        self, state: State, pw: F64, stake: F64, resolve_c: F64, cost: F64 | None = None
    ) -> F64:
        """Chance each claimant presses (R, Dn), at claimant resolve ``resolve_c``
        (``cost``: every actor's war cost, when the caller has it)."""
        st, p = self.st, self.p
        if cost is None:
            cost = war_cost(state, p, self.mods)
        c, f = st.challenger, st.defender
        pc = concede_chance(
            state.belief[:, st.role_pair[:, 0]],
            self.centres,
            1.0 - pw[..., 0],
            stake,
            cost[:, f],
            p.audience_cost[:, f],
            self.k_top,
        )
        gain = press_value(
            resolve_c,
            cost[:, c],
            p.audience_cost[:, c],
            pw[..., 0],
            pc,
            stake,
            self.path_war,
            self.path_cost,
        )
        return logit(p.rationality[:, c], gain)

    def expected_loss(self, state: State, pw: F64, stake: F64) -> F64:
        """Each slot's defender's expected loss if pressed, times the chance it is (R, Dn)."""
        st, p = self.st, self.p
        cost = war_cost(state, p, self.mods)
        f = st.defender
        guess = mean(state.belief[:, st.role_pair[:, 1]], self.centres)  # its view of r_c
        # The state judges the claimant's choice from the claimant's side (its
        # chance of winning, its belief about the state): beliefs formed from
        # public signals are common knowledge here; the resolve is a guess.
        pressed = self.press(state, pw, stake, guess, cost)
        loss = move_value(
            p.resolve[:, f],
            cost[:, f],
            p.audience_cost[:, f],
            pw[..., 1],
            stake,
            self.path_war,
            self.path_cost,
        )
        return pressed * loss


def stake_of(w: World, strength: F64, align: NDArray[np.int64], neutral: F64, extra: F64) -> F64:
    """The share of its claim a claimant demands (R, Dn): strength x what the state's
    alignment costs it (1 in a rival bloc, ``neutral_shift`` unaligned, 0 in its own
    bloc) x (1 + ``alliance_stake`` in a rival bloc), at most 1; a rivalry's is its
    strength."""
    s = np.maximum(w.claimed, 0)
    to = align[:, s]
    rival = (to >= 0) & (to != w.claimant[None, :])
    size = np.where(rival, 1.0 + extra, np.where(to == NOT_ALIGNED, neutral, 0.0))
    return np.where(w.over_states[None, :], np.minimum(1.0, strength * size), strength)


def growth_shift(pc: F64, g_c: F64, g_f: F64, steps: float, gamma: F64) -> F64:
    """The challenger's forecast change in its chance of winning from uneven growth (R, Dn).

    Each side's forces grow by the monthly factors ``g_c`` and ``g_f`` over the
    core's look-ahead of ``steps``; in the Tullock contest its chance ``pc``
    then becomes pc m / (pc m + 1 - pc), m = (g_c / g_f)^(steps gamma), the
    projection the core makes of an arms race (engine ``_projected_shift``),
    here for the growth the core does not see (Organski & Kugler 1980;
    Powell 2006: a shift in power the bargain cannot promise away).
    """
    m = np.power(g_c / g_f, steps * gamma[:, None])
    return pc * m / np.maximum(pc * m + 1.0 - pc, 1e-12) - pc
