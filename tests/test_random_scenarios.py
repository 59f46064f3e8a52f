"""Property tests over random valid scenarios (hypothesis): probabilities stay in
[0, 1], the conservation rules hold, and no NaN appears."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build, ladder
from detente.model.simulate import compile_model, run_chunk
from detente.run.ensemble import compare

POLICIES = [
    "expected-utility",
    "brinkmanship",
    "tit-for-tat",
    "generous-tit-for-tat",
    "grit",
    "hardliner",
    "dove",
]


def prob() -> st.SearchStrategy[float]:
    return st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def quantity(draw, lo: float, hi: float):
    """A number or a distribution within [lo, hi]."""
    kind = draw(st.sampled_from(["fixed", "uniform", "beta", "triangular", "truncnormal"]))
    a = draw(st.floats(lo, hi, allow_nan=False))
    b = draw(st.floats(lo, hi, allow_nan=False))
    low, high = min(a, b), max(a, b)
    if kind == "fixed" or high - low < 1e-6:
        return a
    if kind == "uniform":
        return {"dist": "uniform", "low": low, "high": high}
    if kind == "beta":
        return {
            "dist": "beta",
            "a": draw(st.floats(0.5, 8)),
            "b": draw(st.floats(0.5, 8)),
            "low": low,
            "high": high,
        }
    if kind == "triangular":
        return {"dist": "triangular", "low": low, "mode": draw(st.floats(low, high)), "high": high}
    return {
        "dist": "truncnormal",
        "mean": (low + high) / 2,
        "sd": (high - low) / 2 + 1e-3,
        "low": low,
        "high": high,
    }


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 4))
    ids = [f"S{i}" for i in range(n)]
    actors = []
    for aid in ids:
        forces = draw(st.floats(1, 500))
        actors.append(
            {
                "id": aid,
                "forces": forces,
                "deployed": draw(st.floats(0, 1)) * forces,
                "arsenal": draw(quantity(0, 100)),
                "nuclear": draw(st.booleans()),
                "population_at_risk": draw(quantity(0, 5e6)),
                "resolve": draw(quantity(0, 1)),
                "war_cost": draw(quantity(0.01, 1)),
                "audience_cost": draw(quantity(0, 0.3)),
                "rationality": draw(st.sampled_from([1.0, 20.0, 200.0, 1e6])),
                "effectiveness": draw(quantity(0.001, 0.05)),
                "mobilisation": draw(prob()),
                "cohesion_bias": draw(st.floats(-0.5, 0.5)),
                "arms": {
                    "reaction": draw(st.floats(0, 0.3)),
                    "fatigue": draw(st.floats(0, 0.5)),
                    "grievance": draw(st.floats(-2, 5)),
                },
                "policy": {"name": draw(st.sampled_from(POLICIES))},
            }
        )
    disputes = []
    for k in range(draw(st.integers(1, 3))):
        c, d = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        q = draw(st.floats(0, 1))
        disputes.append(
            {
                "id": f"d{k}",
                "challenger": c,
                "defender": d,
                "status_quo": q,
                "demand": draw(st.floats(q, 1)),
                "territory": draw(prob()),
                "phase": draw(st.sampled_from(["crisis", "war", "ceasefire"])),
                "challenger_posture": draw(st.integers(0, 5)),
                "defender_posture": draw(st.integers(0, 5)),
                "ceasefire_violation": draw(prob()),
                "ceasefire_breakdown": draw(st.floats(0, 0.2)),
            }
        )
    alliances = []
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n, unique=True))
        rest = [a for a in ids if a not in members]
        partners = (
            draw(st.lists(st.sampled_from(rest), max_size=len(rest), unique=True)) if rest else []
        )
        alliances.append(
            {
                "id": "al",
                "members": members,
                "partners": partners,
                "cohesion": draw(quantity(0, 1)),
                "partner_aid": draw(st.floats(0, 1)),
            }
        )
    package = draw(
        st.lists(
            st.sampled_from(
                [
                    {"type": "withdraw", "actor": ids[0], "fraction": 0.5, "cap": 2, "start": 3},
                    {"type": "ceasefire", "start": 2, "end": 10, "monitoring": 0.7},
                    {"type": "negotiate", "start": 1, "mediation": 0.5},
                    {"type": "arms_reduction", "parties": ids[:2], "fraction": 0.3},
                    {"type": "sanctions", "target": ids[0]},
                    {"type": "military_aid", "target": ids[1], "forces": 5},
                    {"type": "information_campaign", "source": ids[0], "bias": 0.2},
                    {"type": "public_mobilisation", "actor": ids[1], "rate": 0.05},
                ]
            ),
            max_size=4,
        )
    )
    if alliances:
        package.append({"type": "alliance_assurance", "alliance": "al", "change": -0.3})
    return {
        "name": "random",
        "settings": {
            "steps": draw(st.integers(10, 25)),
            "belief_bins": draw(st.integers(2, 20)),
            "information": draw(st.sampled_from(["incomplete", "complete"])),
            "signal_noise": draw(st.floats(0, 1)),
            "lookahead": draw(st.floats(1, 52)),
        },
        "ladder": ladder(hazard=draw(st.floats(0, 0.3))),
        "war": {
            "displacement_rate": draw(st.floats(0, 1)),
            "return_rate": draw(prob()),
            "civilian_lethality": draw(st.floats(0, 0.1)),
            "nuclear_use_deaths": draw(st.floats(0, 1e6)),
            "mobilisation_growth": draw(st.floats(0, 1)),
        },
        "actors": actors,
        "alliances": alliances,
        "disputes": disputes,
        "packages": {"status-quo": [], "p": package},
    }


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(scenarios(), st.integers(0, 2**31))
def test_random_valid_scenarios_keep_probabilities_conservation_and_numbers_sane(data, seed):
    sc = build(data)
    pops = np.array([a.population_at_risk.support()[1] for a in sc.actors]).sum()
    for package in sc.packages:
        out, series = run_chunk(sc, compile_model(sc, package), seed, np.arange(40), record=True)
        for key, col in out.items():
            if key.startswith("settlement."):
                continue  # NaN by design until a dispute is settled
            assert not np.isnan(np.asarray(col, dtype=float)).any(), key
        assert (np.diff(series["deaths"], axis=1) >= -1e-9).all()
        assert (series["displaced"] <= pops * (1 + 1e-9) + 1e-6).all()
        assert ((series["territory"] >= 0) & (series["territory"] <= 1)).all()
        assert ((series["posture"] >= 0) & (series["posture"] <= 5)).all()
        settled = out[next(k for k in out if k.startswith("settlement."))]
        finite = settled[~np.isnan(settled)]
        assert ((finite >= 0) & (finite <= 1)).all()
    summary = compare(sc, runs=40, seed=seed).rows()
    for row in summary:
        for key in ("p_war", "p_settlement", "p_nuclear"):
            assert 0.0 <= row[key] <= 1.0
        lo, hi = row["p_war_ci"]
        assert 0.0 <= lo <= row["p_war"] <= hi <= 1.0
