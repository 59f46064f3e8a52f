"""The state of an ensemble of runs, and the modifiers interventions set.

Every array has a leading run axis R. N actors, Dn disputes, A alliances,
P belief pairs (observer, target), G belief bins.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from detente.backend import real, xp
from detente.model.params import Params, Structure

__all__ = ["CEASEFIRE", "CRISIS", "SETTLED", "WAR", "Modifiers", "State", "initial_state"]

# Phases of a dispute.
CRISIS, WAR, CEASEFIRE, SETTLED = 0, 1, 2, 3
# How a dispute was settled.
NOT_SETTLED, BY_CONCESSION, BY_AGREEMENT, BY_VICTORY = 0, 1, 2, 3

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass
class Modifiers:
    """What active interventions change. Reset each step, then set by them.

    Shapes broadcast against the state: per actor (R, N), per dispute (R, Dn).
    """

    posture_cap: I64  # (R, N) highest rung an actor may hold
    hazard_mult: F64  # (R, Dn)
    violation_mult: F64  # (R, Dn) violence of a ceasefire
    breakdown_mult: F64  # (R, Dn)
    channel_open: B  # (R, Dn)
    noise_mult: F64  # (R, P) signal noise of a belief pair
    bias: F64  # (R, P) what a campaign adds to a resolve signal
    war_cost_mult: F64  # (R, N)
    effectiveness_mult: F64  # (R, N)
    grievance_mult: F64  # (R, N)
    mobilisation_push: F64  # (R, N) weekly rise from organised campaigns
    ceasefire: B  # (R, Dn) a ceasefire is enforced: war becomes ceasefire, whatever the sides want
    ceasefire_offer: B  # (R, Dn) a ceasefire is proposed: it begins if both sides accept it
    ceasefire_guarantee: F64  # (R, Dn) extra war cost a guarantor imposes on a violator
    enforcement: F64  # (R, Dn) share of breakdown hazard removed by guarantees of a settlement
    commit_cap: I64  # (R, N) highest rung under a withdrawal commitment the actor may break
    commit_penalty: F64  # (R, N) cost (stake units) of being seen to break it
    commit_pullback: F64  # (R, N) share of deployed forces pulled back when it complies

    @classmethod
    def neutral(cls, runs: int, st: Structure) -> Modifiers:
        n, d, p = st.n_actors, st.n_disputes, len(st.pair_observer)
        f = real()
        return cls(
            posture_cap=xp.full((runs, n), 5, dtype=xp.int64),
            hazard_mult=xp.ones((runs, d), dtype=f),
            violation_mult=xp.ones((runs, d), dtype=f),
            breakdown_mult=xp.ones((runs, d), dtype=f),
            channel_open=xp.zeros((runs, d), dtype=bool),
            noise_mult=xp.ones((runs, p), dtype=f),
            bias=xp.zeros((runs, p), dtype=f),
            war_cost_mult=xp.ones((runs, n), dtype=f),
            effectiveness_mult=xp.ones((runs, n), dtype=f),
            grievance_mult=xp.ones((runs, n), dtype=f),
            mobilisation_push=xp.zeros((runs, n), dtype=f),
            ceasefire=xp.zeros((runs, d), dtype=bool),
            ceasefire_offer=xp.zeros((runs, d), dtype=bool),
            ceasefire_guarantee=xp.zeros((runs, d), dtype=f),
            enforcement=xp.zeros((runs, d), dtype=f),
            commit_cap=xp.full((runs, n), 5, dtype=xp.int64),
            commit_penalty=xp.zeros((runs, n), dtype=f),
            commit_pullback=xp.zeros((runs, n), dtype=f),
        )


@dataclass
class State:
    """Everything that evolves, for R runs at once."""

    t: int
    forces: F64  # (R, N)
    deployed: F64  # (R, N)
    arsenal: F64  # (R, N)
    cohesion: F64  # (R, A) true cohesion (assurance moves it)
    member: B  # (R, A, N) each alliance's members (alignment can change: the world layer)
    partner: B  # (R, A, N) which actors each alliance backs as partners
    posture: I64  # (R, Dn, 2) challenger, defender
    last_move: I64  # (R, Dn, 2) -1 down, 0 hold, +1 up
    memory: I64  # (R, Dn, 2) a policy's private counter (GRIT's steps)
    phase: I64  # (R, Dn)
    rung: I64  # (R, Dn) crisis level, or war rung in war
    max_rung: I64  # (R, Dn)
    territory: F64  # (R, Dn)
    settlement: F64  # (R, Dn) challenger's share at settlement, NaN until then
    settled_by: I64  # (R, Dn)
    war_onset: I64  # (R, Dn) first step of war, -1 if none
    war_steps: I64  # (R, Dn)
    rounds: I64  # (R, Dn) negotiation rounds held
    ceasefire_age: I64  # (R, Dn) steps since the current ceasefire began
    joined: B  # (R, Dn, N) allies in the war
    belief: F64  # (R, P, G) observer's belief about target's resolve
    cohesion_belief: F64  # (R, O, A, G): each disputant's belief about each alliance
    military_deaths: F64  # (R, N)
    civilian_deaths: F64  # (R, N)
    nuclear_deaths: F64  # (R,)
    idps: F64  # (R, N) current stock
    refugees: F64  # (R, N) current stock
    displaced_peak: F64  # (R,) peak of the total stock
    mobilisation: F64  # (R, N)
    nuclear_used: B  # (R,)
    agreement_step: I64  # (R, Dn) step of the first agreement, -1 if none
    agreements: I64  # (R, Dn) settlements reached by agreement
    breakdowns: I64  # (R, Dn) settlements that came apart
    ceasefires: I64  # (R, Dn) ceasefires begun
    ceasefire_breakdowns: I64  # (R, Dn) ceasefires that collapsed into war
    conceded_by: I64  # (R, Dn) side that last gave way (0 challenger, 1 defender), -1 none
    complying: B  # (R, N) the actor keeps a withdrawal commitment
    broke_commitment: B  # (R, N) it kept one, then broke it
    # The high-intensity war (detente.model.front).
    reserve: F64  # (R, N) thousands still to be called up
    exits: F64  # (R, N) cumulative border crossings out (a flow, not a stock)
    front_moved: F64  # (R, Dn) contested territory that changed hands this step

    def assign(self, other: State) -> None:
        """Take every field of ``other`` (the step owns its state and updates it in place)."""
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))


def grid(bins: int) -> F64:
    """Centres of the G type bins on [0, 1]."""
    return (np.arange(bins) + 0.5) / bins


def discretise(values: F64, bins: int) -> NDArray[np.int64]:
    """Bin index of values in [0, 1]."""
    return np.clip((values * bins).astype(np.int64), 0, bins - 1)


def prior_from_samples(samples: F64, bins: int) -> F64:
    """A histogram prior over the type grid from draws of the prior distribution.

    A common prior: every observer starts from the distribution the scenario
    gives, never from the true draw (that is private).
    """
    counts = np.bincount(discretise(samples, bins), minlength=bins).astype(np.float64)
    counts += 1e-9  # no type is ruled out before any evidence
    return counts / counts.sum()


def initial_state(p: Params, st: Structure, resolve_prior: F64, cohesion_prior: F64) -> State:
    """The state at t = 0.

    ``resolve_prior`` is (N, G): the common prior about each actor's resolve;
    ``cohesion_prior`` is (A, G).
    """
    r = p.forces.shape[0]
    n, d, g = st.n_actors, st.n_disputes, st.bins
    a = p.cohesion.shape[1]
    centres = grid(g)
    if st.complete_information:
        belief = np.zeros((r, len(st.pair_target), g))
        idx = discretise(p.resolve[:, st.pair_target], g)
        np.put_along_axis(belief, idx[..., None], 1.0, axis=2)
        o = len(st.observers)
        cb = np.zeros((r, o, a, g))
        cidx = discretise(p.cohesion, g)
        np.put_along_axis(cb, np.broadcast_to(cidx[:, None, :, None], (r, o, a, 1)), 1.0, axis=3)
    else:
        belief = np.broadcast_to(resolve_prior[st.pair_target][None], (r, len(st.pair_target), g))
        belief = belief.copy()
        # An observer outside an alliance may misjudge its cohesion: shift the
        # prior by its bias (model-spec section 6: "assumed the West divided").
        obs = st.observers
        # An outsider's prior is the alliance's prior shifted by its bias,
        # belief(c) = prior(c - bias): a negative bias moves mass toward lower
        # cohesion (model-spec section 6: "assumed the West divided").
        src = discretise(np.clip(centres[None, None, :] - p.cohesion_bias[:, obs, None], 0, 1), g)
        outsider = ~st.member.T[obs]  # (O, A)
        cb = np.empty((r, len(obs), a, g))
        for k in range(a):
            pk = cohesion_prior[k]
            moved = pk[src]
            moved = moved / moved.sum(axis=-1, keepdims=True)
            cb[:, :, k, :] = np.where(outsider[None, :, k, None], moved, pk[None, None, :])
    phase = np.broadcast_to(st.initial_phase, (r, d)).astype(np.int64)
    posture = np.broadcast_to(st.initial_posture, (r, d, 2)).astype(np.int64).copy()
    rung = np.where(phase == WAR, 6, posture.max(axis=2))
    return State(
        t=0,
        forces=p.forces.copy(),
        deployed=p.deployed.copy(),
        arsenal=p.arsenal.copy(),
        cohesion=p.cohesion.copy(),
        member=np.broadcast_to(st.member[None], (r, a, n)).copy(),
        partner=np.broadcast_to(st.partner[None], (r, a, n)).copy(),
        posture=posture,
        last_move=np.zeros((r, d, 2), dtype=np.int64),
        memory=np.zeros((r, d, 2), dtype=np.int64),
        phase=phase.copy(),
        rung=rung,
        max_rung=rung.copy(),
        territory=p.territory.copy(),
        settlement=np.full((r, d), np.nan),
        settled_by=np.zeros((r, d), dtype=np.int64),
        war_onset=np.where(phase == WAR, 0, -1).astype(np.int64),
        war_steps=np.zeros((r, d), dtype=np.int64),
        rounds=np.zeros((r, d), dtype=np.int64),
        ceasefire_age=np.zeros((r, d), dtype=np.int64),
        joined=np.zeros((r, d, n), dtype=bool),
        belief=belief,
        cohesion_belief=cb,
        military_deaths=np.zeros((r, n)),
        civilian_deaths=np.zeros((r, n)),
        nuclear_deaths=np.zeros(r),
        idps=np.zeros((r, n)),
        refugees=np.zeros((r, n)),
        displaced_peak=np.zeros(r),
        mobilisation=p.mobilisation.copy(),
        nuclear_used=np.zeros(r, dtype=bool),
        agreement_step=np.full((r, d), -1, dtype=np.int64),
        agreements=np.zeros((r, d), dtype=np.int64),
        breakdowns=np.zeros((r, d), dtype=np.int64),
        # A ceasefire in force at the start counts as one begun (it can break).
        ceasefires=(phase == CEASEFIRE).astype(np.int64),
        ceasefire_breakdowns=np.zeros((r, d), dtype=np.int64),
        conceded_by=np.full((r, d), -1, dtype=np.int64),
        complying=np.zeros((r, n), dtype=bool),
        broke_commitment=np.zeros((r, n), dtype=bool),
        reserve=p.reserve.copy(),
        exits=np.zeros((r, n)),
        front_moved=np.zeros((r, d)),
    )
