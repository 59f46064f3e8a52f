"""Required properties 8-12 of model-spec version 2: answers the model earns.

Each test names the wrong rule it catches. Where two probabilities are
compared, the runs are paired on common random numbers and the difference
must lie beyond its 95% interval.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as hs
from typer.testing import CliRunner

from conftest import actor, build, ladder, scenario_dict, simulate
from detente.analysis.statistics import paired_difference
from detente.cli import app
from detente.model.bargaining import Terms, Valuation, negotiate
from detente.theory.powell import shift_bound

# 8. Individual rationality ------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    seed=hs.integers(0, 2**32 - 1),
    delta=hs.floats(0.0, 0.99),
    indivisible=hs.floats(0.0, 1.0),
    declining=hs.sampled_from([None, 0, 1]),
)
def test_every_accepted_offer_is_worth_rejecting_to_neither_side(seed, delta, indivisible,
                                                                 declining):
    """Catches a responder that accepts any offer, or a proposer that offers
    more than its own value of going on: both break the inequalities."""
    rng = np.random.default_rng(seed)
    R, Dn, G = 64, 2, 16
    q = rng.uniform(0, 0.5, (R, Dn))
    demand = q + rng.uniform(0, 0.5, (R, Dn))
    terms = Terms.of(q, demand, np.full((R, Dn), indivisible))
    s = np.stack([q, 1 - q], axis=-1)
    far = 1e9
    ceiling = np.full((R, Dn, 2), far)
    floor = np.full((R, Dn, 2), -far)
    if declining is not None:
        y = rng.uniform(0, 1, (R, Dn))
        ceiling[..., declining] = y
        floor[..., 1 - declining] = 1 - y
    top = np.stack([demand, 1 - q], axis=-1)
    stake = np.stack([demand - q, demand - q], axis=-1)
    val = Valuation(s, ceiling, floor, delta, top, stake, rng.uniform(0, 0.1, (R, Dn, 2)))
    belief = rng.dirichlet(np.ones(G), (R, Dn))
    edges = (np.arange(G) + 1.0) / G
    d_types = -rng.uniform(0, 0.3, (R, Dn, G)) * edges
    d_resp = -rng.uniform(0, 0.3, (R, Dn))
    d_prop = rng.uniform(-0.3, 0.2, (R, Dn))
    r_resp = rng.uniform(0.05, 1, (R, Dn))
    r_prop = rng.uniform(0.05, 1, (R, Dn))
    cp = rng.uniform(size=(R, Dn)) < 0.5
    acc, offer = negotiate(terms, d_types, edges, belief, d_resp, r_resp, d_prop, r_prop, val, cp)
    own_c = np.stack([offer, 1 - offer], axis=-1)
    v = val.value(own_c, np.stack([np.where(cp, r_prop, r_resp), np.where(cp, r_resp, r_prop)],
                                  axis=-1))
    v_resp = np.where(cp, v[..., 1], v[..., 0])
    v_prop = np.where(cp, v[..., 0], v[..., 1])
    assert (v_resp[acc] >= d_resp[acc] - 1e-9).all()
    assert (v_prop[acc] >= d_prop[acc] - 1e-9).all()
    # Offers split only the divisible part of the stake in play.
    assert ((offer[acc] >= terms.q[acc] - 1e-12) & (offer[acc] <= terms.hi[acc] + 1e-12)).all()


def talks(challenger_cost: float) -> dict:
    return scenario_dict(
        settings={"steps": 8, "signal_noise": 0.25},
        ladder=ladder(hazard=0.0),
        actors=[actor("A", war_cost=challenger_cost), actor("B")],
        packages={"status-quo": [], "talks": [{"type": "negotiate", "start": 0}]},
    )


def terms_agreed(out) -> np.ndarray:
    agreed = out["settled_by.d"] == 2
    return np.where(agreed, out["settlement.d"], 0.0)  # no agreement: the status quo, 0


def test_a_crisis_is_not_a_war_only_a_credible_threat_buys_concessions():
    """Catches the version-1 rule (the offer judged against war): there the
    defender, whose war is costly, gave a challenger who would never fight as
    much as one who would. Judged against the crisis going on (with the
    other's option of war), it concedes to the threat it believes
    (Schelling 1966: coercion needs a credible threat)."""
    bluff = terms_agreed(simulate(build(talks(0.95)), "talks", runs=2000))
    threat = terms_agreed(simulate(build(talks(0.05)), "talks", runs=2000))
    # No hazards: the crisis costs the defender only posture costs, and a
    # challenger whose war costs more than any stake is no threat.
    assert np.median(bluff) < 0.02, np.median(bluff)
    assert np.median(threat) > 0.2, np.median(threat)


# 9. Commitment problems -------------------------------------------------------------


def powell_bound(p: float, delta: float, c_declining: float, c_rising: float) -> float:
    """Powell (2006), from the reference kernel: war iff p' - p exceeds this, with
    p the rising side's chance of winning now and costs in stake shares."""
    return float(shift_bound(p, delta, c_declining, c_rising))


def commitment(shift: float, delta: float = 0.9, cost: float = 0.1) -> dict:
    """Complete information, equal sides (p = 0.5), resolve 1, no hazards or
    posture costs (no costs of delay), a divisible stake, a channel open, both
    at the top crisis rung; the challenger is forecast to gain ``shift``."""
    still = {"reaction": 0.0, "fatigue": 0.0, "grievance": 0.0}
    rungs = ladder(hazard=0.0)
    for r in rungs:
        r["cost"] = 0.0
    sides = [
        # A small audience cost breaks the tie between holding and conceding
        # at the status quo, which cost nothing else here.
        actor(a, resolve=1.0, war_cost=cost, audience_cost=0.01, rationality=1e9, arms=still)
        for a in ("A", "B")
    ]
    return scenario_dict(
        settings={"steps": 3, "information": "complete", "signal_noise": 0.0,
                  "war_signal_noise": 0.0, "shadow_of_future": delta},
        ladder=rungs,
        actors=sides,
        disputes=[{"id": "d", "challenger": "A", "defender": "B", "status_quo": 0.0,
                   "demand": 1.0, "territory": 0.0, "challenger_posture": 5,
                   "defender_posture": 5, "power_shift": shift}],
        packages={"status-quo": [{"type": "negotiate", "start": 0}]},
    )


@pytest.mark.parametrize("offset", [-0.03, -0.01, 0.01, 0.03])
def test_war_under_complete_information_iff_the_shift_exceeds_powells_bound(offset):
    """Catches a commitment rule that is missing (no war above the bound), or
    that fires below it (war where a credible bargain exists)."""
    bound = powell_bound(0.5, 0.9, 0.1, 0.1)
    out = simulate(build(commitment(bound + offset)), runs=200)
    if offset > 0:
        assert out["war"].all(), f"shift {bound + offset:.3f} above the bound {bound:.3f}"
    else:
        assert not out["war"].any(), f"shift {bound + offset:.3f} below the bound {bound:.3f}"


def test_without_a_shift_the_declining_side_has_no_reason_to_fight():
    out = simulate(build(commitment(0.0)), runs=200)
    assert not out["war"].any()
    assert (out["settled_by.d"] == 2).all()


# 10. Indivisible stakes -------------------------------------------------------------


def indivisible(share: float) -> dict:
    data = scenario_dict(
        settings={"steps": 30, "information": "complete", "signal_noise": 0.0,
                  "war_signal_noise": 0.0},
        ladder=ladder(hazard=0.0),
        actors=[actor("A", rationality=1e9), actor("B", rationality=1e9)],
        packages={"status-quo": [{"type": "negotiate", "start": 0}]},
    )
    data["disputes"][0].update(indivisible=share, challenger_posture=5, defender_posture=5)
    return data


def test_raising_the_indivisible_share_from_zero_raises_the_probability_of_war():
    """Catches offers that split the whole stake regardless (no effect), and an
    indivisible share that causes war at 0."""
    wars = [simulate(build(indivisible(x)), runs=3000)["war"] for x in (0.0, 0.5, 0.7, 0.9)]
    assert wars[0].sum() == 0
    for low, high in itertools.pairwise(wars):
        # Never fewer wars with more of the stake indivisible (same runs).
        assert (high.astype(int) - low.astype(int)).min() >= 0
    delta, (lo, _) = paired_difference(wars[-1].astype(float), wars[0].astype(float))
    assert lo > 0, f"rise {delta:.3f} not beyond noise"


# 11. Durability ---------------------------------------------------------------------


def durable(aid: float, guarantee: float = 0.0, monitoring_cf: bool = False) -> dict:
    data = scenario_dict(
        settings={"steps": 80, "signal_noise": 0.25},
        ladder=ladder(hazard=0.0),
        packages={
            "status-quo": [],
            "deal": [
                # The guarantee lasts while its intervention is in force: to the end.
                {"type": "negotiate", "start": 0, "guarantee": guarantee},
                # A shift in power after the agreement: the challenger is armed, so
                # that its war value comes to exceed what the terms give it.
                {"type": "military_aid", "target": "A", "effectiveness": aid, "start": 25},
            ],
        },
    )
    data["disputes"][0].update(renege_rate=0.05, agreement_breakdown=0.0)
    return data


def breakdowns(out) -> np.ndarray:
    return (out["breakdowns.d"] > 0).astype(float)


def test_agreements_break_down_more_often_after_larger_shifts_in_power():
    """Catches a breakdown hazard that ignores shifts in power since the
    agreement (a constant hazard, or none)."""
    small = simulate(build(durable(aid=0.0)), "deal", runs=3000)
    large = simulate(build(durable(aid=3.0)), "deal", runs=3000)
    assert (small["agreements.d"] > 0).mean() > 0.5
    delta, (lo, _) = paired_difference(breakdowns(large), breakdowns(small))
    assert lo > 0, f"more breakdowns after the shift: {delta:.3f}, lower bound {lo:.3f}"


def test_guarantees_make_agreements_break_down_less_often():
    """Catches a guarantee that does not reach the breakdown hazard."""
    bare = simulate(build(durable(aid=3.0)), "deal", runs=3000)
    kept = simulate(build(durable(aid=3.0, guarantee=0.8)), "deal", runs=3000)
    delta, (_, hi) = paired_difference(breakdowns(kept), breakdowns(bare))
    assert hi < 0, f"guarantee changes breakdowns by {delta:.3f}"


# 12. No effect by construction ------------------------------------------------------


def at_war(monitoring: float, enforced: bool = False, violation: float = 0.05) -> dict:
    data = scenario_dict(
        settings={"steps": 60, "signal_noise": 0.25},
        packages={
            "status-quo": [],
            "ceasefire": [{"type": "ceasefire", "start": 0, "monitoring": monitoring,
                           "enforced": enforced}],
        },
    )
    data["disputes"][0].update(phase="war", territory=0.5, ceasefire_violation=violation,
                               ceasefire_breakdown=0.01, renege_rate=0.05)
    return data


def test_proposed_ceasefires_can_break_and_monitoring_makes_them_break_less():
    """Catches 'ceasefires never break' and a monitoring that does not reach
    the breakdown hazard."""
    weak = simulate(build(at_war(0.0)), "ceasefire", runs=3000)
    watched = simulate(build(at_war(0.9)), "ceasefire", runs=3000)
    began = weak["ceasefires.d"] > 0
    assert began.mean() > 0.2, "some ceasefires are taken up"
    assert (weak["ceasefire_breakdowns.d"] > 0).mean() > 0.05
    delta, (_, hi) = paired_difference(
        (watched["ceasefire_breakdowns.d"] > 0).astype(float),
        (weak["ceasefire_breakdowns.d"] > 0).astype(float),
    )
    assert hi < 0, delta


def test_a_side_that_expects_to_win_refuses_a_ceasefire():
    """Catches an imposed ceasefire: the sides' values decide whether it begins."""
    out = simulate(build(at_war(0.5)), "ceasefire", runs=3000)
    taken = (out["ceasefires.d"] > 0).mean()
    assert 0.0 < taken < 1.0, taken


def test_an_enforced_ceasefire_is_labelled_and_holds_by_fiat():
    out = simulate(build(at_war(0.0, enforced=True)), "ceasefire", runs=500)
    assert out["enforced"].all()
    assert (out["ceasefire_breakdowns.d"] == 0).all()
    plain = simulate(build(at_war(0.0)), "ceasefire", runs=500)
    assert not plain["enforced"].any()


def withdrawal(penalty: float, policy: str = "expected-utility", hazard: float = 0.004) -> dict:
    return scenario_dict(
        settings={"steps": 52, "signal_noise": 0.25},
        ladder=ladder(hazard=hazard),
        actors=[actor("A", policy={"name": policy}), actor("B")],
        packages={
            "status-quo": [],
            "withdrawal": [{"type": "withdraw", "actor": "A", "fraction": 0.5, "cap": 2,
                            "penalty": penalty, "start": 0}],
            "forced": [{"type": "withdraw", "actor": "A", "fraction": 0.5, "cap": 2,
                        "enforced": True, "start": 0}],
        },
    )


def test_withdrawal_is_a_choice_not_a_cap():
    """Catches 'withdrawal is a cap': there every run would comply and none
    would climb above the cap."""
    out = simulate(build(withdrawal(penalty=0.05)), "withdrawal", runs=3000)
    complied = out["complied.A"]
    assert 0.0 < complied.mean() < 1.0, complied.mean()
    forced = simulate(build(withdrawal(penalty=0.05)), "forced", runs=3000)
    assert forced["enforced"].all() and not out["enforced"].any()
    assert (forced["posture.d.challenger"] <= 2).all()
    # Where it did not comply, the actor stands above the cap.
    assert (out["posture.d.challenger"][~complied] > 2).any() or out["war"][~complied].any()


def test_withdrawal_works_through_the_actor_that_complies():
    """Its effect on P(war) comes from the runs in which the actor took the
    commitment up: where it did not, P(war) is within noise of the status quo's."""
    sc = build(withdrawal(penalty=0.05))
    base = simulate(sc, runs=4000)["war"].astype(float)
    out = simulate(sc, "withdrawal", runs=4000)
    wd = out["war"].astype(float)
    kept = out["complied.A"]
    d_kept, (_, hi_kept) = paired_difference(wd[kept], base[kept])
    assert hi_kept < 0, f"complying lowers P(war): {d_kept:.3f}"


def test_the_withdrawal_effect_depends_on_the_withdrawing_sides_rule():
    """Version 1 capped the posture, so the rule of the side asked to
    withdraw changed nothing; now the rule decides what it does after."""
    effects = []
    for policy in ("expected-utility", "hardliner"):
        sc = build(withdrawal(penalty=0.05, policy=policy))
        base = simulate(sc, runs=3000)["war"].astype(float)
        wd = simulate(sc, "withdrawal", runs=3000)["war"].astype(float)
        effects.append(wd - base)
    delta, (lo, hi) = paired_difference(effects[0], effects[1])
    assert lo > 0 or hi < 0, f"same effect under both rules: {delta:.4f}"


# Bad input ---------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.update(history=[{"name": "x", "year": 2000, "challenger": "Z",
                                      "defender": "B", "conceded": "defender",
                                      "source": "s"}]),
         "history[0].challenger", "expected one of the actors"),
        (lambda d: d["disputes"][0].update(indivisible=1.5), "disputes[0].indivisible",
         "expected values in [0.0, 1.0]"),
        (lambda d: d["disputes"][0].update(agreement_breakdown=-0.1),
         "disputes[0].agreement_breakdown", "expected values in [0.0, 1.0]"),
        (lambda d: d["disputes"][0].update(renege_rate=-1.0), "disputes[0].renege_rate",
         "expected values in [0.0, infinity]"),
        (lambda d: d["disputes"][0].update(ceasefire_breakdown=-0.2),
         "disputes[0].ceasefire_breakdown", "expected values in [0.0, 1.0]"),
    ],
)
def test_bad_version_2_input_is_one_line_and_exit_2(tmp_path, change, field, words):
    data = scenario_dict()
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    text = res.output.strip()
    assert len(text.splitlines()) == 1, text
    assert str(path) in text and field in text and words in text, text
    assert "Traceback" not in text


# What the referee's review caught (docs/model.md, change 13) ------------------------


def test_a_commitment_not_taken_up_changes_nothing():
    """Catches a withdrawal penalty charged to an actor that never agreed to
    withdraw (a soft cap): in the runs where it did not comply, every outcome
    is the status quo's, run by run."""
    sc = build(withdrawal(penalty=0.2))
    base = simulate(sc, runs=2000)
    out = simulate(sc, "withdrawal", runs=2000)
    never = ~out["complied.A"]
    assert never.any()
    for key in ("war", "deaths", "max_rung", "settled_by.d"):
        np.testing.assert_array_equal(out[key][never], base[key][never])


def test_full_monitoring_does_not_make_a_ceasefire_unbreakable():
    """Catches monitoring that removes every breakdown (an unlabelled
    enforced ceasefire): a side that gains by fighting on still breaks it."""
    data = at_war(1.0)
    # Once the ceasefire holds, the challenger is armed: fighting on comes to pay.
    data["packages"]["ceasefire"].append(
        {"type": "military_aid", "target": "A", "effectiveness": 5.0, "start": 10}
    )
    out = simulate(build(data), "ceasefire", runs=2000)
    began = out["ceasefires.d"] > 0
    assert began.any()
    assert (out["ceasefire_breakdowns.d"][began] > 0).any()


def test_holding_a_ceasefire_line_above_the_cap_is_no_breach():
    """Catches the spurious breach: an actor that takes up a withdrawal while
    a second dispute of its stands under a ceasefire at rung 3 has not broken
    it by standing there."""
    data = withdrawal(penalty=0.05)
    data["disputes"].append({"id": "e", "challenger": "A", "defender": "B", "status_quo": 0.2,
                             "demand": 0.5, "territory": 0.2, "phase": "ceasefire",
                             "challenger_posture": 3, "defender_posture": 3})
    out = simulate(build(data), "withdrawal", runs=2000)
    complied = out["complied.A"]
    assert complied.any()
    climbed = (out["posture.d.challenger"] > 2) | (out["posture.e.challenger"] > 3) | out["war"]
    assert not (out["broke_commitment.A"] & ~climbed).any()


def test_screening_only_where_a_bargaining_range_exists_changes_no_number(monkeypatch):
    """Catches an unsound shortcut in the talks: the engine skips the
    screening offer where the sides' true bargaining range is empty
    (``_range_open``); screening every row must give the same runs, bit for bit."""
    import detente
    from detente.model import talks as talks_module

    sc = detente.load_scenario("ukraine-2022")
    fast = detente.compare(sc, packages=["negotiations"], runs=150, seed=3).to_json()
    monkeypatch.setattr(talks_module, "_range_open", lambda terms, d, r, val: np.ones(
        terms.q.shape, dtype=bool))
    every = detente.compare(sc, packages=["negotiations"], runs=150, seed=3).to_json()
    assert fast == every
