"""What the baselines leave out, and the check that the scenario leaves it inactive.

`hand_kernel.py` and `mesa_crisis.py` are written for `two-state-textbook`'s
status quo (and, for Mesa, the same crisis with allies of the defender). They
port the engine's step only as far as that scenario reaches; a mechanism they
leave out must be provably idle in it, or the timings would compare different
models. :func:`left_out` says, for each such mechanism, whether the scenario
keeps it idle; the benchmarks and `tests/test_baselines.py` require every
entry to hold before comparing anything.

This is part of the baselines, not of detente.
"""

from __future__ import annotations

import numpy as np

from detente.theory.richardson import euler_step

WEEKS_PER_YEAR = 52.1775


def _all(a, value) -> bool:
    return bool(np.all(np.asarray(a) == value))


def left_out(sc, model, p, allies: bool = False, commitment: bool = False) -> dict[str, bool]:
    """Each mechanism the baselines leave out -> whether this scenario keeps it idle.

    ``sc`` the scenario, ``model`` its compiled package, ``p`` the drawn
    parameters (detente's Params); ``allies`` allows one alliance backing the
    defender (the Mesa series), else none; ``commitment`` says the baseline
    ports the commitment problem (the Mesa model does, the hand kernel does
    not: it needs the arsenals to stand still).
    """
    st = model.structure
    d = sc.disputes[0]
    # Richardson's step maps the starting arsenals onto themselves exactly, so
    # no arsenal ever moves: the forecast shift in power is zero up to
    # rounding (far below the 1e-12 a commitment problem needs), K(x) = x.
    arms = np.minimum(
        euler_step(p.arsenal, p.arms_reaction, p.arms_fatigue, p.arms_grievance, st.hostile,
                   st.step_weeks / WEEKS_PER_YEAR),
        1e12,
    )
    one_alliance = len(sc.alliances) == (1 if allies else 0)
    if allies and one_alliance:
        one_alliance = sc.alliances[0].members[0] == d.defender and not sc.alliances[0].partners
    still = {
        "arsenals at their Richardson fixed point and no declared power shift "
        "(no commitment problem)": bool(np.array_equal(arms, p.arsenal))
        and _all(p.power_shift, 0.0),
    }
    return {
        **({} if commitment else still),
        "no intervention in the package (no talks, ceasefires, caps, commitments, "
        "guarantees or multipliers)": model.interventions == (),
        "one dispute, two disputants, opened in crisis at postures (3, 2)": (
            len(sc.disputes) == 1 and d.phase == "crisis"
            and (d.challenger_posture, d.defender_posture) == (3, 2)
        ),
        "alliances: " + ("one, of the defender, no partners" if allies else "none"): one_alliance,
        "expected-utility rule for every actor": all(
            a.policy.name == "expected-utility" and not a.policy.params for a in sc.actors
        ),
        "no nuclear power (no war climbs past the regional rung)": not st.nuclear.any(),
        "weekly steps, incomplete information": st.step_weeks == 1 and not st.complete_information,
        "no allied aid flowing into arsenals": p.aid_flow.size == 0 or _all(p.aid_flow, 0.0),
        "no optimism (every odds multiplier 1)": _all(p.optimism_lift, 1.0),
        "no call-up, tempo, opening wave, front flight or war-time return": (
            _all(p.recruitment, 0.0) and _all(p.tempo, 1.0) and _all(p.tempo_surge, 0.0)
            and _all(p.tempo_opening, 0.0) and _all(p.displacement_wave, 0.0)
            and _all(p.front_displacement, 0.0) and _all(p.war_return_rate, 0.0)
            and _all(p.refugee_war_return_rate, 0.0)
        ),
    }
