"""Structure: what does not vary between runs of a scenario (who is who, who is tied to whom,
who believes what about whom, the settings the step reads), built once per scenario.

Split from :mod:`detente.model.params` (which re-exports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.scenario.schema import Scenario

__all__ = ["Structure", "structure_of"]


@dataclass(frozen=True)
class Structure:
    """What does not vary between runs: who is who, and who is tied to whom."""

    actor_ids: tuple[str, ...]
    alliance_ids: tuple[str, ...]
    dispute_ids: tuple[str, ...]
    challenger: NDArray[np.int64]  # (Dn,)
    defender: NDArray[np.int64]  # (Dn,)
    member: NDArray[np.bool_]  # (A, N)
    partner: NDArray[np.bool_]  # (A, N)
    hostile: NDArray[np.bool_]  # (N, N), symmetric
    nuclear: NDArray[np.bool_]  # (N,)
    initial_phase: NDArray[np.int8]  # (Dn,)
    initial_posture: NDArray[np.int64]  # (Dn, 2)
    observers: NDArray[np.int64]  # (O,) actors that are party to a dispute
    pair_observer: NDArray[np.int64]  # (P,) belief pairs: observer
    pair_target: NDArray[np.int64]  # (P,) and the actor it is about
    role_pair: NDArray[np.int64]  # (Dn, 2): belief pair of side s about the other side
    policies: tuple[tuple[str, dict[str, Any]], ...]  # per actor
    steps: int
    step_weeks: float
    bins: int
    lookahead: float
    complete_information: bool
    shadow_of_future: float

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def n_disputes(self) -> int:
        return len(self.dispute_ids)

    @cached_property
    def sides(self) -> NDArray[np.int64]:
        """(Dn, 2): each dispute's challenger and defender, the actor on each side.

        Computed once per structure (a frozen dataclass: ``dataclasses.replace``
        makes a new one, which computes its own). Read-only: indexing with it
        never writes through.
        """
        sides = np.stack([self.challenger, self.defender], axis=1)
        sides.flags.writeable = False
        return sides


def structure_of(sc: Scenario) -> Structure:
    ids = sc.actor_ids
    idx = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    member = np.zeros((len(sc.alliances), n), dtype=bool)
    partner = np.zeros((len(sc.alliances), n), dtype=bool)
    for k, al in enumerate(sc.alliances):
        member[k, [idx[m] for m in al.members]] = True
        partner[k, [idx[p] for p in al.partners]] = True
    ch = np.array([idx[d.challenger] for d in sc.disputes], dtype=np.int64)
    de = np.array([idx[d.defender] for d in sc.disputes], dtype=np.int64)
    hostile = np.zeros((n, n), dtype=bool)
    for c, d in zip(ch, de, strict=True):
        hostile[c, d] = hostile[d, c] = True
        # The alliance that backs the defender arms against the challenger.
        for k in range(len(sc.alliances)):
            if member[k, d] or partner[k, d]:
                for m in np.flatnonzero(member[k]):
                    if m != c:
                        hostile[c, m] = hostile[m, c] = True
    np.fill_diagonal(hostile, False)
    pairs: list[tuple[int, int]] = []
    role_pair = np.zeros((len(sc.disputes), 2), dtype=np.int64)
    for di, (c, d) in enumerate(zip(ch, de, strict=True)):
        for s, (o, t) in enumerate(((c, d), (d, c))):
            if (o, t) not in pairs:
                pairs.append((int(o), int(t)))
            role_pair[di, s] = pairs.index((int(o), int(t)))
    phase_code = {"crisis": 0, "war": 1, "ceasefire": 2}
    return Structure(
        actor_ids=tuple(ids),
        alliance_ids=tuple(a.id for a in sc.alliances),
        dispute_ids=tuple(d.id for d in sc.disputes),
        challenger=ch,
        defender=de,
        member=member,
        partner=partner,
        hostile=hostile,
        nuclear=np.array([a.nuclear for a in sc.actors], dtype=bool),
        initial_phase=np.array([phase_code[d.phase] for d in sc.disputes], dtype=np.int8),
        initial_posture=np.array(
            [[d.challenger_posture, d.defender_posture] for d in sc.disputes], dtype=np.int64
        ),
        observers=np.unique(np.concatenate([ch, de])),
        pair_observer=np.array([p[0] for p in pairs], dtype=np.int64),
        pair_target=np.array([p[1] for p in pairs], dtype=np.int64),
        role_pair=role_pair,
        policies=tuple((a.policy.name, dict(a.policy.params)) for a in sc.actors),
        steps=sc.settings.steps,
        step_weeks=sc.settings.step_weeks,
        bins=sc.settings.belief_bins,
        lookahead=sc.settings.lookahead,
        complete_information=sc.settings.information == "complete",
        shadow_of_future=sc.settings.shadow_of_future,
    )
