"""Agreements and ceasefires that can come apart (model-spec V2.4), and history (V2.6).

Pure functions over arrays with a leading run axis. A settlement or a
ceasefire is a state with a breakdown hazard each step, not an end: the
hazard rises with each side's incentive to renege (how far its war value,
as power has shifted since, exceeds what the agreement gives it; Werner
1999) and falls with enforcement (monitoring, guarantees; Fortna 2003,
2004; Walter 2002).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.backend import xp

__all__ = [
    "accepts_ceasefire",
    "breakdown_hazard",
    "history_likelihoods",
    "renege_incentive",
]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


def renege_incentive(war_value: F64, peace_value: F64 | float) -> F64:
    """The larger of the two sides' gains from breaking, in stake units, (R, Dn, 2) -> (R, Dn).

    ``war_value`` is each side's value of fighting now, W = r g - c (with
    whatever a guarantor adds to the cost of breaking); ``peace_value`` its
    value of the agreement or ceasefire as it stands.
    """
    return xp.maximum(war_value - peace_value, 0.0).max(axis=-1)


def breakdown_hazard(base: F64, rate: F64, incentive: F64, protection: F64 | float) -> F64:
    """Per-step chance that an agreement or ceasefire comes apart, (R, Dn).

    h = [1 - (1 - h0) exp(-lambda x)] (1 - e): a base hazard h0 of breakdowns
    nobody chose (incidents, spoilers), a hazard rate lambda per stake unit of
    incentive x to renege, and the share e of it that enforcement removes
    (monitoring for a ceasefire, guarantees for a settlement). With e = 0 and
    x = 0 this is h0; with e = 1 it is 0.
    """
    h = 1.0 - (1.0 - base) * xp.exp(-rate * incentive)
    return xp.clip(h * (1.0 - protection), 0.0, 1.0)


def accepts_ceasefire(war_value: F64, ceasefire_value: F64) -> B:
    """Whether both sides prefer a proposed ceasefire to the war going on, (R, Dn, 2) -> (R, Dn).

    A side whose expected gain from fighting on exceeds its cost refuses: a
    ceasefire begins only by both sides' choice (model-spec V2.5).
    """
    return xp.asarray((ceasefire_value >= war_value).all(axis=-1))


def history_likelihoods(stood: bool, weight: float, centres: F64) -> F64:
    """Likelihood over type bins of a side's conduct in a past crisis (G,).

    A side that stood (did not give way) is likelier a resolved type: the
    likelihood is r^w for the type r; one that gave way, (1 - r)^w. The same
    form serves an alliance's cohesion (its members fought, or not). The
    weight w in (0, 1] discounts an episode that says less about today; this
    is a Beta-Bernoulli update (one observation counted w times), the
    conjugate reading of "past conduct as evidence of type" (Sartori 2005,
    Deterrence by Diplomacy, ch. 3; Press 2005, Calculating Credibility,
    argues the evidence is weaker than leaders think: hence the weight).
    """
    base = centres if stood else 1.0 - centres
    return np.power(np.clip(base, 1e-12, 1.0), weight)
