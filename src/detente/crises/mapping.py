"""From an ICB crisis to the model: features, free coefficients and the links.

This module is the one place where ICB codes meet model parameters. A crisis
becomes two sides (coalitions of crisis actors, each acting as one bloc) in
one dispute over a stake the challenger wants whole:

* sides: the crisis actor with the lowest case number (``cracno``) is the
  defender, its source of threat (``southv``) the challenger. Every other
  crisis actor that is that source, or whose own source of threat is the
  defender, joins the challenger's side; the rest join the defender's.
* power: ``powdis`` (actor less adversary, allies' support included) averaged
  over the defender's side, with the sign turned for challenger-side actors,
  in tens of codebook units: the defender's strength relative to the
  challenger's is exp(``power`` x balance) (Tullock contest, so this is the
  odds of winning a war). Blank everywhere: parity, said in ``notes``.
* nuclear: ``nuclear`` >= 3 on a side makes that bloc nuclear (it may climb
  the nuclear rungs); any code >= 2 puts the crisis under a nuclear shadow,
  which multiplies both sides' war cost by exp(``cost_nuclear``)
  (Jervis 1989, the nuclear revolution).
* great powers, alliances: ``gpinv`` > 1 multiplies both war costs by
  exp(``cost_great_power``); the defender's best ``allycap`` (0 to 1)
  multiplies the challenger's war cost by exp(``cost_alliance`` x ally)
  (extended deterrence, Huth 1988).
* gravity as stake and resolve: a side's resolve is Beta with mean
  logistic(``resolve_base`` + ``resolve_gravity`` x (2 gravity - 1) +
  ``resolve_protracted`` x protracted) and concentration 4, gravity
  = ``gravty`` / 6 (the side's gravest threat; "other", 7, counts as the
  middle, 3); a side without crisis actors takes the other side's gravity.
* trigger as the starting rung: ``triggr`` 1-6 (verbal, political,
  economic, external, other non-violent, internal challenge) start the
  challenger at rung 1 (protest), 3 (economic) at rung 2 (sanctions),
  7 (non-violent military act) at 3 (posturing), 8 (indirect violence) at 4,
  9 (violent act) at 5 (limited use of force); the defender starts a rung
  lower, at least at 0.
* protracted conflict: ``protrac`` 1/2/3 as 0, 1/2, 1 in the resolve link.
* mediation: ``globorg`` or ``regorg`` >= 2 (an organisation involved) puts a
  ``negotiate`` intervention in force from the start with mediation
  ``mediation`` (the share by which it cuts the noise of resolve signals).
* direct talks (model version 2, bargaining against the crisis going on):
  in a crisis no organisation mediates, the sides bargain directly (the
  channel open, no noise cut) in a share ``talks`` of the runs.
* indivisible stakes (model version 2): when a side's gravest threat is to
  its existence or of grave damage (``gravty`` 6 or 5), a share
  ``indivisible_grave`` of the stake cannot be split (Fearon 1995; Toft
  2003); economic, limited military, political, territorial and influence
  threats (0-4) are taken as divisible.

Not mapped, and why: commitment problems and agreement breakdown would be
read from ``powch`` (change in power during the crisis) and ``outesr``
(tension after the outcome), but both are coded from what happened during or
after the crisis, so a forecast may not use them; and a settlement that
comes apart is, in ICB, a new crisis, so a crisis's violence and duration
end at its first termination (:mod:`~detente.crises.simulate`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from detente.crises.reader import ActorRow, CrisisRow

__all__ = [
    "COEFFICIENTS",
    "OUTCOMES",
    "Coefficient",
    "FeatureTable",
    "Features",
    "crisis_features",
    "feature_table",
    "links",
]

F64 = NDArray[np.float64]

# ICB1 forout, grouped into the outcome forms the model produces.
OUTCOMES = ("agreement", "tacit or faded", "unilateral", "imposed")
_FOROUT = {1: 0, 2: 0, 3: 1, 6: 1, 4: 2, 5: 3}  # 7 "other": no target
_TRIGGER_RUNG = {1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 6: 1, 7: 3, 8: 4, 9: 5}
RESOLVE_CONCENTRATION = 4.0  # assumption: a Beta with a + b = 4, as broad as Beta(2, 2)


@dataclass(frozen=True)
class Coefficient:
    """A free coefficient of the mapping and its prior, uniform on [lo, hi] (log10 if log)."""

    name: str
    lo: float
    hi: float
    log: bool
    meaning: str


COEFFICIENTS: tuple[Coefficient, ...] = (
    Coefficient("hazard_scale", 0.03, 30.0, True, "multiplies every hazard of the default ladder"),
    Coefficient("lookahead", 2.0, 52.0, True, "weeks an actor weighs when comparing options"),
    Coefficient("rationality", 3.0, 1000.0, True, "logit precision of the actors' choices"),
    Coefficient("resolve_base", -2.0, 2.0, False, "logit of the mean resolve at middle gravity"),
    Coefficient("resolve_gravity", -2.0, 3.0, False, "resolve logit per unit of gravity"),
    Coefficient("resolve_protracted", -2.0, 2.0, False, "resolve logit in a protracted conflict"),
    Coefficient("war_cost", 0.03, 1.0, True, "war cost relative to the stake, base"),
    Coefficient("cost_nuclear", -1.0, 3.0, False, "log war-cost multiplier, nuclear shadow"),
    Coefficient("cost_great_power", -1.0, 2.0, False, "log war-cost multiplier, great powers"),
    Coefficient("cost_alliance", -1.0, 2.0, False, "log challenger war-cost multiplier, allies"),
    Coefficient("power", 0.0, 1.5, False, "log strength odds per 10 units of powdis"),
    Coefficient("mediation", 0.0, 1.0, False, "noise cut of an organisation's mediation"),
    Coefficient("days_per_step", 1.0, 90.0, True, "calendar days one round of moves takes"),
    Coefficient("indivisible_grave", 0.0, 1.0, False, "indivisible share, gravty 5-6"),
    Coefficient("talks", 0.0, 1.0, False, "share of unmediated crises with direct talks"),
)


@dataclass(frozen=True)
class Features:
    """What the mapping reads of one crisis (and the targets a fit compares with)."""

    crisno: int
    name: str
    year: int
    viol: int  # 1-4
    days: float  # ICB1 brexit
    outcome: int  # index into OUTCOMES, -1 when "other"
    balance: float  # defender's power advantage, tens of powdis units
    nuclear_c: bool
    nuclear_d: bool
    shadow: bool  # any nuclear code >= 2
    great_power: bool
    ally: float  # defender side's best allycap, 0-1
    gravity_d: float  # 0-1
    gravity_c: float
    protracted: float  # 0, 0.5, 1
    rung_c: int  # challenger's starting rung
    rung_d: int
    mediated: bool
    grave: bool  # a side's gravest threat is to existence or of grave damage (gravty 5-6)
    notes: str = ""


def _side_of(actors: tuple[ActorRow, ...], first: ActorRow) -> list[int]:
    """0 for the defender's side, 1 for the challenger's, per actor row."""
    foe = int(first.num("southv"))
    sides = []
    for a in actors:
        if a is first:
            sides.append(0)
        elif int(a.num("cracid")) == foe or int(a.num("southv")) == int(first.num("cracid")):
            sides.append(1)
        else:
            sides.append(0)
    return sides


def crisis_features(c: CrisisRow) -> Features | str:
    """The mapped features of a crisis, or the reason it cannot be mapped."""
    if not c.actors:
        return "no crisis actor rows for this crisis in the actor file"
    first = min(c.actors, key=lambda a: a.num("cracno"))
    sides = _side_of(c.actors, first)
    bal = [
        (p if s == 0 else -p)
        for a, s in zip(c.actors, sides, strict=True)
        if (p := a.num_or_none("powdis")) is not None
    ]
    notes = "" if bal else "powdis blank for every actor: parity assumed"

    def gravity(side: int) -> float | None:
        g = [a.num("gravty") for a, s in zip(c.actors, sides, strict=True) if s == side]
        g = [3.0 if x == 7 else x for x in g]
        return max(g) / 6.0 if g else None

    g_d = gravity(0)
    g_c = gravity(1)
    nuc = [(a.num("nuclear"), s) for a, s in zip(c.actors, sides, strict=True)]
    rung = _TRIGGER_RUNG[int(first.num("triggr"))]
    return Features(
        crisno=c.crisno,
        name=str(c.codes["crisname"]),
        year=int(c.num("yrtrig")),
        viol=int(c.num("viol")),
        days=max(c.num("brexit"), 1.0),
        outcome=_FOROUT.get(int(c.num("forout")), -1),
        balance=float(np.mean(bal)) / 10.0 if bal else 0.0,
        nuclear_c=any(n >= 3 and s == 1 for n, s in nuc),
        nuclear_d=any(n >= 3 and s == 0 for n, s in nuc),
        shadow=any(n >= 2 for n, _ in nuc),
        great_power=c.num("gpinv") > 1,
        ally=(max(a.num("allycap") for a, s in zip(c.actors, sides, strict=True) if s == 0) - 1)
        / 3.0,
        gravity_d=g_d if g_d is not None else 0.5,
        gravity_c=g_c if g_c is not None else (g_d if g_d is not None else 0.5),
        protracted=(c.num("protrac") - 1) / 2.0,
        rung_c=rung,
        rung_d=max(rung - 1, 0),
        mediated=c.num("globorg") >= 2 or c.num("regorg") >= 2,
        grave=any(a.num("gravty") in (5, 6) for a in c.actors),
        notes=notes,
    )


@dataclass(frozen=True)
class FeatureTable:
    """Features of C crises as arrays (C,), in the order of ``crisno``."""

    crisno: NDArray[np.int64]
    year: NDArray[np.int64]
    viol: NDArray[np.int64]
    days: F64
    outcome: NDArray[np.int64]
    balance: F64
    nuclear_c: NDArray[np.bool_]
    nuclear_d: NDArray[np.bool_]
    shadow: F64
    great_power: F64
    ally: F64
    gravity_d: F64
    gravity_c: F64
    protracted: F64
    rung_c: NDArray[np.int64]
    rung_d: NDArray[np.int64]
    mediated: NDArray[np.bool_]
    grave: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.crisno)

    def take(self, idx: NDArray[np.int64]) -> FeatureTable:
        return FeatureTable(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def design(self) -> F64:
        """The mapped features as a design matrix (C, 11), for the logistic reference."""
        return np.stack(
            [
                self.balance,
                self.shadow,
                self.great_power,
                self.ally,
                self.gravity_d,
                self.gravity_c,
                self.protracted,
                self.rung_c.astype(float),
                self.mediated.astype(float),
                (self.nuclear_c | self.nuclear_d).astype(float),
                self.grave.astype(float),
            ],
            axis=1,
        )


def feature_table(items: list[Features]) -> FeatureTable:
    """Stack features into arrays."""
    cols = {}
    for f in fields(FeatureTable):
        vals = [getattr(x, f.name) for x in items]
        cols[f.name] = np.asarray(vals, dtype=float if f.name in _FLOAT else None)
    return FeatureTable(**cols)


_FLOAT = {
    "days",
    "balance",
    "shadow",
    "great_power",
    "ally",
    "gravity_d",
    "gravity_c",
    "protracted",
}


def _logistic(x: F64) -> F64:
    return 1.0 / (1.0 + np.exp(-x))


def links(t: FeatureTable, k: dict[str, F64]) -> dict[str, F64]:
    """Model quantities of each (coefficient draw, crisis) pair, shape (P, C).

    ``k`` maps each coefficient name to a (P, 1) array (or a scalar).
    Returns the defender's strength odds, each side's mean resolve and war
    cost, the rationality, hazard scale, look-ahead and mediation, the share
    of runs with direct talks and the stake's indivisible share.
    """
    ones = np.ones((1, len(t)))
    res_d = _logistic(
        k["resolve_base"]
        + k["resolve_gravity"] * (2 * t.gravity_d - 1)
        + k["resolve_protracted"] * t.protracted
    )
    res_c = _logistic(
        k["resolve_base"]
        + k["resolve_gravity"] * (2 * t.gravity_c - 1)
        + k["resolve_protracted"] * t.protracted
    )
    shared = k["war_cost"] * np.exp(
        k["cost_nuclear"] * t.shadow + k["cost_great_power"] * t.great_power
    )
    return {
        "odds_d": np.exp(k["power"] * t.balance) * ones,
        "resolve_c": res_c * ones,
        "resolve_d": res_d * ones,
        "war_cost_c": shared * np.exp(k["cost_alliance"] * t.ally) * ones,
        "war_cost_d": shared * ones,
        "rationality": k["rationality"] * ones,
        "hazard_scale": k["hazard_scale"] * ones,
        "lookahead": k["lookahead"] * ones,
        "mediation": k["mediation"] * ones,
        "days_per_step": k["days_per_step"] * ones,
        "talks": k["talks"] * ones,
        "indivisible": k["indivisible_grave"] * t.grave * ones,
    }


def from_unit(z: F64) -> dict[str, F64]:
    """Coefficients from points of the unit cube (P, K): each prior's quantile."""
    out = {}
    for i, c in enumerate(COEFFICIENTS):
        u = z[:, i : i + 1]
        if c.log:
            out[c.name] = 10 ** (np.log10(c.lo) + u * (np.log10(c.hi) - np.log10(c.lo)))
        else:
            out[c.name] = c.lo + u * (c.hi - c.lo)
    return out


def to_unit(values: dict[str, F64]) -> F64:
    """Inverse of :func:`from_unit`."""
    cols = []
    for c in COEFFICIENTS:
        v = np.asarray(values[c.name], dtype=float).reshape(-1)
        if c.log:
            cols.append((np.log10(v) - np.log10(c.lo)) / (np.log10(c.hi) - np.log10(c.lo)))
        else:
            cols.append((v - c.lo) / (c.hi - c.lo))
    return np.stack(cols, axis=1)
