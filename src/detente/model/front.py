"""The high-intensity war: tempo at the front, call-up, aid as a flow, flight and return.

The engine's war step (:func:`detente.model.war._war`) and its civilian
step (``_civilians``) call these small functions. Each is written against
the array namespace ``xp`` so that it traces under JAX, and each reduces to
the identity (the same bits) at its parameters' defaults, so scenarios that
do not set them run exactly as before:

- :func:`tempo`: the intensity of fighting at war, times ``tempo`` and rising
  with superiority (a side with the upper hand attacks; Biddle 2004 on the
  offensive, Lanchester's coefficients for the attrition itself);
- :func:`call_up`: a mobilisation reserve called up at a weekly share while
  the actor is at war (Ukraine's general mobilisation of 24 February 2022,
  Russia's partial mobilisation of September 2022);
- :func:`aid_delivered`: allied military aid as a flow into a partner's
  arsenal while it is at war, scaled by the alliance's cohesion, not only as
  allies joining at the regional rung;
- :func:`flight_hazard`: displacement as a wave that follows the start of a
  war and the moving front, on top of the base hazard of bombardment, the
  pattern of the flight from Ukraine in 2022 (the fastest in Europe since
  1945, UNHCR) and of displacement models that key flight to conflict onset
  near a location (Suleimenova, Bell & Groen 2017, the Flee model);
- :func:`returns`: the weekly share of the displaced returning, in peace and,
  at separate rates for internally displaced and refugees, while a war goes
  on (people returned to Kyiv from April 2022).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.backend import xp
from detente.model.params import Params

__all__ = ["aid_delivered", "call_up", "flight_hazard", "returns", "tempo"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_] | np.bool_  # a mask, or NumPy's stubs' scalar-or-array of a reduction
Real = NDArray[np.floating[Any]]  # float64, or float32 where a compiled run asks for it


def tempo(at_war: B, balance: F64, weeks: Real, p: Params) -> F64:
    """Multiplier of the attrition intensity at war, (R, Dn); 1 elsewhere.

    ``tempo x (1 + tempo_surge x |balance|) x (1 + tempo_opening x
    exp(-weeks / wave_weeks))``: ``balance`` is the Lanchester superiority
    (alpha - beta) / (alpha + beta) that also moves territory (the side with
    the upper hand attacks and the front burns faster), and ``weeks`` the
    weeks the war has lasted (an invasion opens on every axis at once, and
    its first weeks are the most intense, as the flight is). At the defaults
    (tempo 1, surge 0, opening 0) it is exactly 1.
    """
    factor = p.tempo[:, None] * (1.0 + p.tempo_surge[:, None] * xp.abs(balance))
    opening = 1.0 + p.tempo_opening[:, None] * xp.exp(-weeks / p.wave_weeks[:, None])
    return xp.where(at_war, factor * opening, 1.0)


def call_up(forces: F64, reserve: F64, p: Params, at_war: B, dt: float) -> tuple[F64, F64]:
    """Forces and remaining reserve after a week's call-up, (R, N) each.

    Each week at war a share ``recruitment`` of the remaining reserve joins
    the forces: an exponential call-up that can never exceed the reserve.
    """
    called = xp.where(at_war, xp.minimum(p.recruitment * dt, 1.0) * reserve, 0.0)
    return forces + called, reserve - called


def aid_delivered(partner: B, cohesion: F64, p: Params, at_war: B, years: float) -> F64:
    """Arsenal (USD bn a year of spending) each actor receives as aid this step, (R, N).

    Each alliance delivers ``aid_flow x cohesion`` a year to every partner
    that is at war; the arsenal's Richardson fatigue wears the aid off as it
    does the actor's own spending.
    """
    per_alliance = (p.aid_flow * cohesion)[:, :, None] * partner  # (R, A, N)
    return xp.where(at_war, per_alliance.sum(axis=1) * years, 0.0)


def flight_hazard(base: F64, war_weeks: F64, moved: F64, p: Params) -> F64:
    """Weekly hazard of flight, (R, N).

    ``base`` is the hazard of the bombardment and fighting at the actor's
    exposure (displacement rate x violence x weeks). A war's first weeks add a
    wave, ``displacement_wave x exp(-weeks at war / wave_weeks)`` times the
    base; a moving front adds ``front_displacement x`` the contested
    territory that changed hands. At the defaults both are exactly 0.
    """
    wave = 1.0 + p.displacement_wave[:, None] * xp.exp(-war_weeks / p.wave_weeks[:, None])
    return base * wave + p.front_displacement[:, None] * moved


def returns(war_any: B, peace_rate: F64, war_rate: F64, dt: float) -> F64:
    """Share of the displaced returning this step, (R, N): the peace rate where
    the actor has no war, the war rate where it has."""
    at_peace = -xp.expm1(-peace_rate[:, None] * dt)
    in_war = -xp.expm1(-war_rate[:, None] * dt)
    return xp.where(war_any, in_war, at_peace)
