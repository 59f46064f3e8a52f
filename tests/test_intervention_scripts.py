"""Every intervention against a scripted crisis, in the manner of the Axelrod
library's tests of each strategy against fixed opponents (issue "The house
re-laid", item 5).

Each test plays one intervention in a small two-state crisis written as data
(tests/conftest.py) against the same crisis without it, on the same seed and
run indices (common random numbers), and checks the mechanism its docstring
in ``detente.model.interventions`` claims: what it acts on, in which
direction, and on whom only. Exact checks (the same runs, bit for bit) say
what an intervention must not touch; paired differences with a 95% interval
say which way it moves what it does touch. The withdrawal, the ceasefire,
talks and arms reduction have their own tests of the same kind
(tests/test_earned_answers.py, tests/test_required_properties.py).

Each test names the wrong code it catches; each was seen failing with that
code in place (and the mutation run of the module, docs/model.md, kills the
rest).
"""

from __future__ import annotations

import numpy as np

from conftest import actor, build, ladder, scenario_dict, simulate
from detente.analysis.statistics import paired_difference

RUNS = 800


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of a - b, run by run, and its 95% interval (the project's paired difference)."""
    mean, (lo, hi) = paired_difference(a, b)
    return mean, lo, hi


def crisis(package: list[dict], **over) -> dict:
    """The conftest crisis (A challenges B), with ``package`` beside the status quo."""
    data = scenario_dict(**over)
    data["packages"] = {"status-quo": [], "scripted": package}
    return data


def both(data: dict, runs: int = RUNS, record: bool = False):
    sc = build(data)
    return (simulate(sc, "status-quo", runs, record=record),
            simulate(sc, "scripted", runs, record=record))


def same_runs(a: dict, b: dict, keys: list[str]) -> None:
    for k in keys:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# sanctions ---------------------------------------------------------------------------


def test_sanctions_raise_the_targets_cost_of_war_and_it_chooses_war_less():
    """Catches a cost increase that does not reach the target's decisions, or
    reaches the wrong actor; and, with no arms cut, any change to armament."""
    base, hit = both(crisis([{"type": "sanctions", "target": "A", "cost_increase": 3.0,
                              "arms_cut": 0.0, "start": 0}]))
    assert base["war"].mean() > 0.3  # there are wars for sanctions to deter
    delta, _, hi = paired(hit["war"], base["war"])
    assert hi < -0.1, f"sanctions on the challenger change P(war) by {delta:.3f}"
    same_runs(base, hit, ["arsenal.A", "arsenal.B"])  # no arms cut: arsenals untouched


def test_sanctions_slow_the_targets_armament_only_through_its_grievance():
    """Catches an arms cut on the wrong actor, one that does not reach the
    Richardson step, or one that raises armament."""
    base, hit = both(crisis([{"type": "sanctions", "target": "A", "cost_increase": 0.0,
                              "arms_cut": 0.5, "start": 0}]))
    assert (hit["arsenal.A"] < base["arsenal.A"]).all()
    # B arms in reaction to A (Richardson): less, never more.
    assert (hit["arsenal.B"] <= base["arsenal.B"]).all()
    assert (hit["arsenal.B"] < base["arsenal.B"]).any()


# military aid ------------------------------------------------------------------------


def _war(package: list[dict]) -> dict:
    data = crisis(package, settings={"steps": 12, "signal_noise": 0.25})
    data["disputes"][0].update(phase="war", territory=0.5)
    return data


def test_military_aid_moves_the_front_toward_the_side_it_arms():
    """Catches aid given to the wrong side, or effectiveness that does not reach
    the attrition: in an even war the front stays put without it."""
    for target, sign in (("B", -1.0), ("A", 1.0)):
        (_, s0), (_, s1) = both(_war([{"type": "military_aid", "target": target,
                                       "effectiveness": 1.0, "start": 0}]), runs=300,
                                record=True)
        moved = s1["territory"][:, 6, 0] - s0["territory"][:, 6, 0]
        assert (sign * moved > 0).mean() > 0.9, (target, moved.mean())


def test_military_aid_in_troops_alone_also_moves_the_front():
    """Catches troops delivered to neither the forces nor the front (the
    intervention's start hook dropped): effectiveness 0, troops only."""
    (_, s0), (_, s1) = both(_war([{"type": "military_aid", "target": "B",
                                   "effectiveness": 0.0, "forces": 100.0, "start": 0}]),
                            runs=300, record=True)
    moved = s1["territory"][:, 6, 0] - s0["territory"][:, 6, 0]
    assert (moved < 0).mean() > 0.9, moved.mean()


# alliance assurance --------------------------------------------------------------------


def _pact(change: float) -> dict:
    return crisis(
        [{"type": "alliance_assurance", "alliance": "pact", "change": change, "start": 0}],
        # Cohesion is seen clearly enough to be learnt within the 30 weeks.
        settings={"steps": 30, "signal_noise": 0.25, "cohesion_signal_noise": 0.05},
        actors=[actor("A"), actor("B"), actor("C")],
        alliances=[{"id": "pact", "members": ["B", "C"], "cohesion": 0.3}],
    )


def test_alliance_assurance_deters_the_challenger_as_cohesion_is_learnt():
    """Catches a cohesion change that does not reach the alliance, that others
    never learn of, or that works the wrong way: a tighter alliance of the
    defender makes the challenger choose war less, a looser one more."""
    base, tighter = both(_pact(+0.6))
    delta, _, hi = paired(tighter["war"], base["war"])
    assert hi < 0, f"a tighter alliance changes P(war) by {delta:.3f}"
    _, looser = both(_pact(-0.3))
    delta, lo, _ = paired(looser["war"], base["war"])
    assert lo > 0, f"a looser alliance changes P(war) by {delta:.3f}"


# information campaign ------------------------------------------------------------------


def _campaign(bias: float, targets: list[str]) -> dict:
    return crisis(
        [{"type": "information_campaign", "source": "A", "targets": targets, "bias": bias,
          "noise": 0.0, "start": 0}],
        actors=[actor("A"), actor("B"), actor("C")],
    )


def test_an_information_campaign_moves_what_its_target_believes_of_the_source():
    """Catches a bias that does not reach the target's signals, or has the
    wrong sign: made to see the challenger as more resolved, the defender
    stands lower; as less resolved, higher."""
    base, up = both(_campaign(+1.0, ["B"]))
    delta, _, hi = paired(up["posture.d.defender"], base["posture.d.defender"])
    assert hi < 0, f"the defender's posture moves by {delta:.3f}"
    _, down = both(_campaign(-1.0, ["B"]))
    delta, lo, _ = paired(down["posture.d.defender"], base["posture.d.defender"])
    assert lo > 0, f"the defender's posture moves by {delta:.3f}"


def test_an_information_campaign_reaches_only_the_observers_it_targets():
    """Catches a campaign that reaches every observer of the source: aimed at
    C, which has no stake in the dispute and no ally in it, it changes no run
    of the crisis between A and B."""
    base, aimed_at_c = both(_campaign(+1.0, ["C"]))
    same_runs(base, aimed_at_c, ["war", "war_onset", "conceded_by.d", "posture.d.defender",
                                 "posture.d.challenger", "deaths"])


# monitoring mission --------------------------------------------------------------------


def _two_crises(package: list[dict]) -> dict:
    data = crisis(package, actors=[actor("A"), actor("B"), actor("C"), actor("D")])
    second = dict(data["disputes"][0], id="e", challenger="C", defender="D")
    data["disputes"].append(second)
    return data


def test_a_monitoring_mission_acts_on_the_dispute_it_watches_only():
    """Catches a mission that cuts the noise between the wrong pairs (or all),
    one that does nothing, and one that acts with transparency 0."""
    base, watched = both(_two_crises([{"type": "monitoring_mission", "disputes": ["e"],
                                       "transparency": 1.0, "start": 0}]))
    # war_onset and war are per run (any dispute): the dispute's own outcomes instead.
    same_runs(base, watched, ["conceded_by.d", "posture.d.defender", "posture.d.challenger",
                              "phase.d", "settled_by.d"])
    changed = ((base["posture.e.challenger"] != watched["posture.e.challenger"])
               | (base["conceded_by.e"] != watched["conceded_by.e"]))
    assert changed.mean() > 0.02, changed.mean()
    _, idle = both(_two_crises([{"type": "monitoring_mission", "transparency": 0.0,
                                 "start": 0}]))
    same_runs(base, idle, ["war", "conceded_by.d", "conceded_by.e", "posture.e.challenger"])


# public mobilisation -------------------------------------------------------------------


def test_public_mobilisation_raises_the_actors_cost_of_war_and_it_backs_down_more():
    """Catches mobilisation pressure on the wrong actor, or pressure that never
    reaches the cost of war (1 + eta m): the challenger under it chooses war
    less and concedes more."""
    data = crisis([{"type": "public_mobilisation", "actor": "A", "rate": 0.05, "start": 0}],
                  war={"mobilisation_cost": 2.0})
    base, pushed = both(data)
    delta, _, hi = paired(pushed["war"], base["war"])
    assert hi < -0.05, f"P(war) moves by {delta:.3f}"
    delta, lo, _ = paired(pushed["conceded_by.d"] == 0, base["conceded_by.d"] == 0)
    assert lo > 0.05, f"the challenger's concessions move by {delta:.3f}"


def test_public_mobilisation_without_a_cost_of_mobilisation_changes_no_decision():
    """Catches pressure that acts on decisions by another channel than the
    cost of war: with ``mobilisation_cost`` 0 the runs are the same."""
    data = crisis([{"type": "public_mobilisation", "actor": "A", "rate": 0.05, "start": 0}],
                  war={"mobilisation_cost": 0.0})
    base, pushed = both(data)
    same_runs(base, pushed, ["war", "war_onset", "conceded_by.d", "posture.d.challenger"])


# arms reduction ------------------------------------------------------------------------


def _arms(**prm) -> dict:
    data = crisis([{"type": "arms_reduction", "start": 0, "fraction": 0.5, **prm}],
                  actors=[actor("A"), actor("B"), actor("C")])
    return data


def test_an_arms_cut_that_cannot_pay_to_cheat_on_is_kept_by_both_sides():
    """Catches a cut that is never made, made by one side only, or that leaves
    the arms race's grievance untouched: caught for sure at a penalty above
    any gain, both parties cut their arsenals, and keep them lower."""
    base, cut = both(_arms(parties=["A", "B"], verification=1.0, penalty=1.0))
    for a in ("A", "B"):
        assert (cut[f"arsenal.{a}"] < base[f"arsenal.{a}"]).all(), a
    same_runs(base, cut, ["arsenal.C"])  # not a party


def test_an_arms_cut_nobody_can_verify_is_cheated_on_and_changes_nothing():
    """Catches cheating that is a coin flip or never happens when not enforced:
    never caught, each disputant gains by keeping its arms while the other cuts
    (a higher chance of winning), so both keep them and every run is as
    without the agreement (Downs, Rocke & Siverson 1985)."""
    base, cheated = both(_arms(parties=["A", "B"], verification=0.0, penalty=1.0))
    same_runs(base, cheated, ["arsenal.A", "arsenal.B", "war", "war_onset", "conceded_by.d",
                              "posture.d.challenger", "deaths"])


def test_a_party_to_no_dispute_with_the_others_has_nothing_to_gain_and_keeps_the_cut():
    """Catches a cheating gain counted over disputes with non-parties: A and C
    share no dispute, so even unverified neither gains by cheating."""
    base, cut = both(_arms(parties=["A", "C"], verification=0.0, penalty=0.0))
    for a in ("A", "C"):
        assert (cut[f"arsenal.{a}"] < base[f"arsenal.{a}"]).all(), a


def test_an_enforced_arms_cut_cheats_by_draw_not_by_choice():
    """Catches the enforced form deciding by expected values, or its draw
    ignoring verification: unverified and always cheating, nobody cuts; fully
    verified, everybody does, whatever cheating pays."""
    base, none_cut = both(_arms(parties=["A", "B"], verification=0.0, cheating=1.0,
                                enforced=True))
    same_runs(base, none_cut, ["arsenal.A", "arsenal.B", "war"])
    _, all_cut = both(_arms(parties=["A", "B"], verification=1.0, cheating=1.0, penalty=0.0,
                            enforced=True))
    assert (all_cut["arsenal.A"] < base["arsenal.A"]).all()
    assert all_cut["enforced"].all() and not base["enforced"].any()


# where each acts, and how its settings compose (mutation survivors, docs/model.md) --------


def _two_at_war(package: list[dict]) -> dict:
    """Two wars at once, A against B (d) and C against D (e), with talks open on both."""
    data = _two_crises(package)
    for dispute in data["disputes"]:
        dispute.update(phase="war", territory=0.5, ceasefire_violation=0.05,
                       ceasefire_breakdown=0.01, renege_rate=0.05)
    data["settings"] = {"steps": 30, "signal_noise": 0.25}
    return data


E_KEYS = ["phase.e", "settled_by.e", "territory_change.e", "ceasefires.e",
          "ceasefire_breakdowns.e", "agreements.e", "conceded_by.e", "posture.e.challenger",
          "posture.e.defender"]


def test_a_ceasefire_or_talks_on_one_dispute_leave_the_other_as_it_was():
    """Catches a ceasefire or a negotiation that reaches every dispute (its
    disputes ignored, or written over the whole array)."""
    for package in (
        [{"type": "ceasefire", "disputes": ["d"], "monitoring": 0.5, "guarantee": 1.0,
          "start": 0}],
        [{"type": "ceasefire", "disputes": ["d"], "enforced": True, "start": 0}],
        [{"type": "negotiate", "disputes": ["d"], "mediation": 0.5, "guarantee": 0.5,
          "start": 0}],
    ):
        base, acted = both(_two_at_war(package), runs=400)
        same_runs(base, acted, E_KEYS)
        moved = (base["phase.d"] != acted["phase.d"]) | (base["settled_by.d"] != acted[
            "settled_by.d"]) | (base["ceasefires.d"] != acted["ceasefires.d"])
        assert moved.mean() > 0.05, (package[0]["type"], moved.mean())


def test_a_ceasefire_on_one_dispute_leaves_another_ceasefire_as_it_was():
    """Catches a ceasefire whose violations, breakdown hazard or guarantee are
    written over every dispute: e, already under a ceasefire of its own, is
    not touched by one proposed on d."""
    data = _two_at_war([{"type": "ceasefire", "disputes": ["d"], "monitoring": 0.5,
                         "guarantee": 1.0, "start": 0}])
    data["disputes"][1].update(phase="ceasefire", ceasefire_violation=0.3,
                               ceasefire_breakdown=0.05)
    base, acted = both(data, runs=400)
    same_runs(base, acted, E_KEYS)


def test_talks_mediated_on_one_crisis_leave_the_other_as_it_was():
    """Catches mediation or a guarantee reaching the belief pairs or the
    agreements of another dispute: e has talks of its own, unmediated and
    unguaranteed, whose agreements can break; talks on d change nothing there."""
    on_e = {"type": "negotiate", "disputes": ["e"], "start": 0}
    data = _two_crises([on_e, {"type": "negotiate", "disputes": ["d"], "mediation": 0.9,
                               "guarantee": 0.9, "start": 0}])
    data["packages"]["status-quo"] = [on_e]
    data["disputes"][1].update(renege_rate=0.05, agreement_breakdown=0.02)
    base, acted = both(data)
    assert (base["breakdowns.e"] > 0).any()
    same_runs(base, acted, [*E_KEYS, "breakdowns.e"])
    assert (base["agreements.d"] != acted["agreements.d"]).any()


def test_an_enforced_ceasefire_stops_every_war_it_covers_at_once():
    """Catches an enforced ceasefire that is only offered (or not imposed)."""
    _, imposed = both(_two_at_war([{"type": "ceasefire", "disputes": ["d"], "enforced": True,
                                    "start": 0}]), runs=300)
    assert (imposed["ceasefires.d"] > 0).all()
    assert not (imposed["ceasefire_breakdowns.d"] > 0).any()


def test_a_fully_monitored_ceasefire_has_no_violence_and_a_partly_monitored_one_some():
    """Catches monitoring that does not scale the violations (keep = 1 - m)."""
    data = _war([{"type": "ceasefire", "monitoring": 1.0, "enforced": True, "start": 0}])
    data["disputes"][0].update(ceasefire_violation=0.2)
    (_, s_full), = [simulate(build(data), "scripted", 200, record=True)]
    data["packages"]["scripted"][0]["monitoring"] = 0.5
    _, s_half = simulate(build(data), "scripted", 200, record=True)
    # Deaths stop with the first week under a fully monitored ceasefire.
    assert (np.diff(s_full["deaths"][:, 1:], axis=1) == 0).all()
    assert (np.diff(s_half["deaths"][:, 1:], axis=1) > 0).any()


def test_noise_cuts_and_rises_compose_by_multiplication():
    """Catches a wrong factor in any of the three noise modifiers: information
    campaigns doubling the noise both ways (noise 1), with a monitoring mission
    halving it (transparency 0.5), give exactly the runs of none of them; and
    talks mediated at 0.5 give exactly the runs of unmediated talks with that
    mission (the factors are exact in binary)."""
    campaigns = [
        {"type": "information_campaign", "source": "A", "targets": ["B"], "bias": 0.0,
         "noise": 1.0, "start": 0},
        {"type": "information_campaign", "source": "B", "targets": ["A"], "bias": 0.0,
         "noise": 1.0, "start": 0},
        {"type": "monitoring_mission", "transparency": 0.5, "start": 0},
    ]
    keys = ["war", "war_onset", "conceded_by.d", "posture.d.challenger", "posture.d.defender",
            "deaths"]
    base, composed = both(crisis(campaigns), runs=400)
    same_runs(base, composed, keys)
    data = crisis([{"type": "negotiate", "mediation": 0.5, "start": 0}])
    data["packages"]["unmediated"] = [{"type": "negotiate", "start": 0},
                                      {"type": "monitoring_mission", "transparency": 0.5,
                                       "start": 0}]
    sc = build(data)
    same_runs(simulate(sc, "scripted", 400), simulate(sc, "unmediated", 400),
              [*keys, "agreements.d", "settlement.d"])


def test_two_guarantees_compose_as_independent_shares_of_the_hazard_removed():
    """Catches a wrong guarantee formula: guarantees removing half the hazard
    each, twice, remove three quarters, exactly as one of 0.75."""
    shift = {"type": "military_aid", "target": "A", "effectiveness": 3.0, "start": 25}
    data = crisis([{"type": "negotiate", "guarantee": 0.5, "start": 0},
                   {"type": "negotiate", "guarantee": 0.5, "start": 0}, shift])
    data["packages"]["one"] = [{"type": "negotiate", "guarantee": 0.75, "start": 0}, shift]
    data["disputes"][0].update(renege_rate=0.05, agreement_breakdown=0.01)
    sc = build(data)
    two, one = simulate(sc, "scripted", 1000), simulate(sc, "one", 1000)
    assert (one["agreements.d"] > 0).mean() > 0.3
    same_runs(one, two, ["agreements.d", "breakdowns.d", "war", "settlement.d"])


def test_a_ceasefire_guarantee_makes_breaking_it_costlier():
    """Catches a guarantee that lowers the cost of breaking (a sign error) or
    never reaches the ceasefire: of the ceasefires that begin, fewer break.
    (A guarantee also makes more begin, so the share of all runs with a
    breakdown is not the measure; two independent samples, not paired.)"""
    def per_ceasefire(guarantee: float) -> np.ndarray:
        data = _war([{"type": "ceasefire", "monitoring": 0.0, "guarantee": guarantee,
                      "start": 0},
                     {"type": "military_aid", "target": "A", "effectiveness": 5.0,
                      "start": 6}])
        data["settings"] = {"steps": 40, "signal_noise": 0.25}
        data["disputes"][0].update(ceasefire_violation=0.05, ceasefire_breakdown=0.01,
                                   renege_rate=0.05)
        out = simulate(build(data), "scripted", 1500)
        return out["ceasefire_breakdowns.d"][out["ceasefires.d"] > 0] > 0
    bare, guaranteed = per_ceasefire(0.0), per_ceasefire(2.0)
    assert len(bare) > 200 and bare.mean() > 0.2
    se = np.sqrt(bare.var() / len(bare) + guaranteed.var() / len(guaranteed))
    assert guaranteed.mean() + 4 * se < bare.mean(), (guaranteed.mean(), bare.mean(), se)


def test_settings_of_zero_change_nothing_and_bystanders_are_untouched():
    """Catches modifiers with a wrong neutral factor (2 + x for 1 + x) and
    interventions written over every actor: at zero size each is the status
    quo exactly; aimed at C, a party to no dispute, none changes the crisis."""
    keys = ["war", "war_onset", "conceded_by.d", "posture.d.challenger", "posture.d.defender",
            "arsenal.A", "arsenal.B"]
    zero = [
        {"type": "sanctions", "target": "A", "cost_increase": 0.0, "arms_cut": 0.0, "start": 0},
        {"type": "military_aid", "target": "A", "effectiveness": 0.0, "forces": 0.0,
         "start": 0},
        {"type": "public_mobilisation", "actor": "A", "rate": 0.0, "start": 0},
    ]
    bystander = [
        {"type": "sanctions", "target": "C", "cost_increase": 3.0, "arms_cut": 0.5, "start": 0},
        {"type": "military_aid", "target": "C", "effectiveness": 1.0, "forces": 50.0,
         "start": 0},
        {"type": "public_mobilisation", "actor": "C", "rate": 0.05, "start": 0},
        {"type": "withdraw", "actor": "C", "fraction": 0.5, "cap": 1, "enforced": True,
         "start": 0},
    ]
    for package in (zero, bystander):
        data = crisis(package, actors=[actor("A"), actor("B"), actor("C")],
                      war={"mobilisation_cost": 2.0})
        base, acted = both(data, runs=400)
        same_runs(base, acted, keys)


def test_troops_sent_to_the_defender_deter_the_challenger():
    """Catches troops subtracted, or delivered to no one: with more troops on
    the defender's side the challenger chooses war less."""
    base, aided = both(crisis([{"type": "military_aid", "target": "B", "effectiveness": 0.0,
                                "forces": 200.0, "start": 0}]))
    delta, _, hi = paired(aided["war"], base["war"])
    assert hi < 0, f"P(war) moves by {delta:.3f}"


def test_an_enforced_pull_back_moves_the_front_against_the_side_that_pulls_back():
    """Catches an imposed withdrawal that does not take troops from the front,
    adds troops, or takes them from both sides."""
    data = _war([{"type": "withdraw", "actor": "A", "fraction": 0.5, "cap": 5,
                  "enforced": True, "start": 0}])
    (_, s0), (_, s1) = both(data, runs=300, record=True)
    moved = s1["territory"][:, 6, 0] - s0["territory"][:, 6, 0]
    assert (moved < 0).mean() > 0.9, moved.mean()


def test_alliance_assurance_keeps_cohesion_a_probability_and_moves_only_its_alliance():
    """Catches a cohesion pushed outside [0, 1] (past 1 a stronger deterrent
    than an alliance certain to fight) and a change written over every
    alliance: from 0.3, +0.7 and +1.0 both reach 1, -0.3 and -1.0 both 0; and
    assurance of an alliance that does not include the defender changes nothing."""
    keys = ["war", "war_onset", "conceded_by.d", "posture.d.challenger", "posture.d.defender"]
    for a, b in ((0.7, 1.0), (-0.3, -1.0)):
        data = _pact(a)
        data["packages"]["further"] = [{"type": "alliance_assurance", "alliance": "pact",
                                        "change": b, "start": 0}]
        sc = build(data)
        same_runs(simulate(sc, "scripted", 400), simulate(sc, "further", 400), keys)
    data = _pact(0.0)
    data["actors"].append(actor("D"))
    data["alliances"].append({"id": "other", "members": ["C", "D"], "cohesion": 0.3})
    data["packages"]["scripted"] = [{"type": "alliance_assurance", "alliance": "other",
                                     "change": 0.6, "start": 0}]
    base, acted = both(data, runs=400)
    same_runs(base, acted, keys)


def test_an_intervention_is_in_force_from_its_start_until_before_its_end():
    """Catches an end dropped or counted inclusively, in the eager timing and
    the compiled schedule alike (steps 2, 3 and 4 of an intervention from 2 to 5)."""
    from detente.model.package import Timing
    from detente.model.simulate import compile_model

    data = crisis([{"type": "sanctions", "target": "A", "start": 2, "end": 5}])
    model = compile_model(build(data), "scripted")
    iv = model.interventions[0]
    eager = [bool(Timing.at(model, t).active[0]) for t in range(8)]
    starts, ends = np.array([iv.start]), np.array([iv.end])
    scheduled = [bool(Timing.scheduled(t, starts, ends).active[0]) for t in range(8)]
    expected = [False, False, True, True, True, False, False, False]
    assert eager == expected and scheduled == expected
    assert [bool(s) for s in Timing.at(model, 2).starting] == [True]


def _gain(forces_i, forces_j, f, resolve, stake, gamma=1.5, e=0.5) -> float:
    """The cheating gain of the docstring of ``ArmsReduction``, by hand: resolve
    x the rise in a Tullock chance of winning (strength: troops x
    effectiveness, the effectiveness equal here) when the other cuts its troops
    and arsenal's factor by f, x the stake in play (Downs, Rocke & Siverson 1985)."""
    s_i, s_j = forces_i**gamma, forces_j**gamma
    shrink = (1.0 - f) ** ((1.0 + e) * gamma)
    return resolve * (s_i / (s_i + s_j * shrink) - s_i / (s_i + s_j)) * stake


def test_the_side_that_gains_more_by_cheating_cheats_and_the_other_keeps_the_cut():
    """Catches a wrong cheating gain (the Tullock terms, the exponent, the
    other side's cut, the stake) or one summed over the wrong disputes: with
    the penalty of being caught set between the two sides' gains, computed by
    hand, the side that gains more (here the weaker, B: the other's cut
    moves its odds further) keeps its arms and the other cuts."""
    g_a = _gain(300.0, 100.0, 0.5, 0.6, 0.8)
    g_b = _gain(100.0, 300.0, 0.5, 0.6, 0.8)
    assert g_b > 1.2 * g_a > 0
    def play(parties: list[str], penalty: float) -> dict:
        data = _arms(parties=parties, verification=1.0, penalty=penalty)
        data["actors"][0].update(forces=300, resolve=0.6)
        data["actors"][1].update(forces=100, resolve=0.6)
        data["disputes"][0].update(status_quo=0.1, demand=0.9)
        data["war"] = {"contest_exponent": 1.5, "arms_elasticity": 0.5}
        return both(data, runs=50)

    base, _ = play(["A", "B"], 0.0)
    # A cuts and B keeps its arms: the runs of a cut by A alone (C, a party to
    # no dispute, cuts beside it and touches nothing of A's and B's).
    _, mid = play(["A", "B"], (g_a + g_b) / 2.0)
    _, a_alone = play(["A", "C"], 0.0)
    same_runs(a_alone, mid, ["arsenal.A", "arsenal.B", "war", "posture.d.challenger"])
    assert (mid["arsenal.A"] < base["arsenal.A"]).all()
    # Just above the larger gain both cut; just below the smaller neither does.
    _, high = play(["A", "B"], g_b * 1.01)
    assert (high["arsenal.B"] < a_alone["arsenal.B"]).all()
    _, low = play(["A", "B"], g_a * 0.99)
    same_runs(base, low, ["arsenal.A", "arsenal.B", "war"])


def test_a_kept_arms_cut_lowers_the_arms_race_for_as_long_as_it_is_in_force():
    """Catches a cut that is only a one-off (the Richardson grievance left
    alone while the agreement is in force) or one that raises the grievance:
    kept to the end, the arsenals end lower than under the same cut ended
    after its first week."""
    data = _arms(parties=["A", "B"], verification=1.0, penalty=1.0)
    data["packages"]["one-off"] = [dict(data["packages"]["scripted"][0], end=1)]
    sc = build(data)
    kept, once = simulate(sc, "scripted", 50), simulate(sc, "one-off", 50)
    for a in ("A", "B"):
        assert (kept[f"arsenal.{a}"] < once[f"arsenal.{a}"]).all(), a


def test_an_arms_cut_takes_troops_from_the_front():
    """Catches a cut of arsenals alone, or one that adds troops: at war, the
    side that cuts (A, with C, a party to no dispute) loses ground, though its
    arsenal no longer counts in its strength (arms elasticity 0)."""
    data = _war([{"type": "arms_reduction", "parties": ["A", "C"], "fraction": 0.5,
                  "verification": 1.0, "penalty": 1.0, "start": 0}])
    data["actors"].append(actor("C"))
    data["war"] = {"arms_elasticity": 0.0}
    (_, s0), (_, s1) = both(data, runs=300, record=True)
    moved = s1["territory"][:, 6, 0] - s0["territory"][:, 6, 0]
    assert (moved < 0).mean() > 0.9, moved.mean()


def _withdrawal(fraction: float) -> dict:
    return crisis([{"type": "withdraw", "actor": "A", "fraction": fraction, "cap": 2,
                    "penalty": 0.05, "start": 0}], ladder=ladder(hazard=0.004))


def test_a_complier_stays_at_or_below_the_cap_or_is_seen_to_break_it():
    """Catches a withdrawal whose cap is not the commitment (every climb then
    free of the breach's penalty and record)."""
    _, out = both(_withdrawal(0.5), runs=1500)
    took = out["complied.A"]
    assert took.mean() > 0.05
    above = out["posture.d.challenger"] > 2
    assert not (took & above & ~out["broke_commitment.A"]).any()


def test_the_pull_back_is_part_of_what_the_actor_weighs():
    """Catches a withdrawal without its pull-back (the troops' lower hazards
    and the front's thinning not in the choice): pulling back half the troops
    or none is taken up at different rates."""
    sc = build(_withdrawal(0.5))
    half = simulate(sc, "scripted", 1500)
    sc = build(_withdrawal(0.0))
    none = simulate(sc, "scripted", 1500)
    assert (half["complied.A"] != none["complied.A"]).mean() > 0.01
