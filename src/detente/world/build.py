"""Expand a world scenario into one core scenario and the index arrays the world loop needs.

The world's actors are the great powers and the small states; its alliances
the blocs (and the collective guarantee, if any); its disputes one dormant
slot per claim (great power, small state) and per great-power rivalry
(great power, great power), opened when a claimant decides to press
(:mod:`detente.world.decisions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from detente.model.params import ACTOR_FIELDS
from detente.scenario.loading import parse_scenario
from detente.scenario.schema import Scenario
from detente.world.schema import WorldScenario

__all__ = ["NOT_ALIGNED", "World", "build_world"]

NOT_ALIGNED = -1


@dataclass(frozen=True)
class World:
    """A world scenario expanded into a core scenario and index arrays."""

    spec: WorldScenario
    core: Scenario | None  # None when nothing is claimed: no dispute can start
    gp: tuple[str, ...]
    states: tuple[str, ...]
    preference: NDArray[np.int64]  # (S,) bloc index or -1
    initial: NDArray[np.int64]  # (S,) initial alignment
    claimant: NDArray[np.int64]  # (Dn,) great power index of each dispute slot
    claimed: NDArray[np.int64]  # (Dn,) small-state index, -1 for a rivalry slot
    target: NDArray[np.int64]  # (Dn,) actor index of each slot's defender
    sphere_of: NDArray[np.int64]  # (Dn,) sphere entry of the slot, -1 for a rivalry
    rivalry_of: NDArray[np.int64]  # (Dn,) rivalry entry of the slot, -1 for a claim
    neighbours: NDArray[np.bool_]  # (S, S)
    collective: bool

    @property
    def steps(self) -> int:
        return self.spec.world.years * 12

    @property
    def over_states(self) -> NDArray[np.bool_]:
        """(Dn,) slots that are claims over small states (not rivalries)."""
        return self.claimed >= 0


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


def _ring(n: int, k: int) -> NDArray[np.bool_]:
    ring = np.zeros((n, n), dtype=bool)
    for s in range(n):
        for j in range(1, k + 1):
            ring[s, (s + j) % n] = ring[s, (s - j) % n] = True
    np.fill_diagonal(ring, False)
    return ring


def build_world(spec: WorldScenario) -> World:
    """Expand the world into a core scenario with one dormant dispute per claim and rivalry."""
    ss = spec.small_states
    gp = [a.id for a in spec.great_powers]
    ids = ss.ids()
    n, K = len(ids), len(gp)
    bloc = {g: i for i, g in enumerate(gp)}
    prefs = _assign(ss.preferences, n)
    preference = np.array([bloc.get(p, NOT_ALIGNED) for p in prefs], dtype=np.int64)
    # (claimant, small state, sphere entry, rivalry entry); a state's index s is actor K + s.
    slots: list[tuple[int, int, int, int]] = []
    for k, sp in enumerate(spec.spheres):
        lo, hi = round(sp.first * n), round(sp.last * n)
        for s in range(lo, hi):
            if not any(c == bloc[sp.claimant] and t == s for c, t, _, _ in slots):
                slots.append((bloc[sp.claimant], s, k, -1))
    claims = list(slots)
    for j, rv in enumerate(spec.rivalries):
        slots.append((bloc[rv.challenger], -1, -1, j))
    target = [K + s if s >= 0 else bloc[spec.rivalries[j].defender] for _, s, _, j in slots]
    if ss.alignment == "preferred":
        initial = preference.copy()
    elif ss.alignment == "none":
        initial = np.full(n, NOT_ALIGNED, dtype=np.int64)
    else:  # the first claimant's bloc, or the preference where unclaimed
        initial = preference.copy()
        for c, s, _, _ in reversed(claims):
            initial[s] = c
    collective = spec.world.guarantee.mean() > 0
    core = None
    if slots:
        data = _core_dict(spec, ids, initial, slots, target, collective)
        core = parse_scenario(data, file=spec.name)
    return World(
        spec=spec,
        core=core,
        gp=tuple(gp),
        states=tuple(ids),
        preference=preference,
        initial=initial,
        claimant=np.array([c for c, _, _, _ in slots], dtype=np.int64),
        claimed=np.array([s for _, s, _, _ in slots], dtype=np.int64),
        target=np.array(target, dtype=np.int64),
        sphere_of=np.array([k for _, _, k, _ in slots], dtype=np.int64),
        rivalry_of=np.array([j for _, _, _, j in slots], dtype=np.int64),
        neighbours=_ring(n, ss.neighbours),
        collective=bool(collective),
    )


def _dump(q: BaseModel) -> dict[str, Any]:
    return q.model_dump(by_alias=True, exclude_none=True)


def _core_dict(
    spec: WorldScenario,
    ids: list[str],
    initial: NDArray[np.int64],
    slots: list[tuple[int, int, int, int]],
    target: list[int],
    collective: bool,
) -> dict[str, Any]:
    ss = spec.small_states
    # The actor fields a small-states description sets (the rest keep their defaults).
    fields = [f for f in ACTOR_FIELDS if f in type(ss).model_fields]
    small = [
        {"id": sid, **{f: _dump(getattr(ss, f)) for f in fields}, "policy": ss.policy.model_dump()}
        for sid in ids
    ]
    gps = [a.model_dump(by_alias=True, exclude_none=True) for a in spec.great_powers]
    gp = [a.id for a in spec.great_powers]
    actors = gp + list(ids)
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
                "members": actors,
                "partners": [],
                "cohesion": _dump(spec.world.guarantee),
                "partner_aid": _dump(spec.blocs.partner_aid),
            }
        )
    t = spec.world.dispute
    disputes = [
        {
            "id": f"{gp[c]}-{actors[f]}",
            "challenger": gp[c],
            "defender": actors[f],
            "status_quo": _dump(t.status_quo),
            "demand": _dump(t.demand),
            "territory": _dump(t.territory),
            "challenger_posture": t.challenger_posture,
            "defender_posture": t.defender_posture,
        }
        for (c, _, _, _), f in zip(slots, target, strict=True)
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
