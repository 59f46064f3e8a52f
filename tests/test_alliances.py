"""One rule for alliances: belief, joining and payoff (issue 21, points 2 and 7c)."""

from __future__ import annotations

import numpy as np

from detente.model.alliances import defended_support, win_probability


def _case():
    """Three actors: challenger 0, defender 1, third member 2; one alliance."""
    strength = np.array([[4.0, 1.0, 2.0]])
    partner = np.zeros((1, 1, 3), dtype=bool)
    aid = np.array([[0.3]])
    believed = np.array([[[0.7], [0.7]]])  # (R, O, A): both disputants believe cohesion 0.7
    slot = np.array([0, 1, 0])
    ch, de = np.array([0]), np.array([1])
    gamma = np.array([1.0])
    return strength, partner, aid, believed, slot, ch, de, gamma


def test_an_alliance_both_disputants_belong_to_counts_for_the_defender_only():
    """(c): the challenger's believed chance against a defender inside an alliance
    equals the value with that alliance counted for the defender only. The old
    accounting, which credited the alliance to both members, fails this."""
    strength, partner, aid, believed, slot, ch, de, gamma = _case()
    both = np.array([[[True, True, True]]])  # challenger, defender and 2 all members
    p = win_probability(strength, both, partner, aid, believed, slot, ch, de, gamma)
    # By hand: the defender gets 0.7 x the third member's strength (2), the
    # challenger nothing from the alliance it shares with its target.
    t_c, t_f = 4.0, 1.0 + 0.7 * 2.0
    np.testing.assert_allclose(p[0, 0, 0], t_c / (t_c + t_f))
    np.testing.assert_allclose(p[0, 0, 1], t_f / (t_c + t_f))
    # The same as an alliance of the defender and the third member alone.
    only_f = np.array([[[False, True, True]]])
    q = win_probability(strength, only_f, partner, aid, believed, slot, ch, de, gamma)
    np.testing.assert_array_equal(p, q)


def test_a_challenger_gets_no_support_from_its_own_alliance_as_no_ally_joins_it():
    """Allies join only the defender (engine._war), so belief counts none for a challenger."""
    strength, partner, aid, believed, slot, ch, de, gamma = _case()
    mine = np.array([[[True, False, True]]])  # the challenger's alliance, not the defender's
    p = win_probability(strength, mine, partner, aid, believed, slot, ch, de, gamma)
    np.testing.assert_allclose(p[0, 0, 0], 4.0 / 5.0)
    assert defended_support(strength, mine, partner, aid, ch, de).sum() == 0.0


def test_a_partner_gets_aid_in_proportion_to_its_own_strength_not_the_members():
    """Partners get aid only (model-spec: 'members get collective defence; partners
    get aid only')."""
    strength, _, aid, _b, _s, ch, de, _g = _case()
    member = np.array([[[False, False, True]]])
    partner = np.array([[[False, True, False]]])
    s = defended_support(strength, member, partner, aid, ch, de)
    np.testing.assert_allclose(s[0, 0, 0], 0.3 * 1.0)


def test_beliefs_join_and_war_agree_in_a_scenario_where_both_disputants_are_members():
    """Both disputants in one alliance: the engine's believed chance matches the
    defender-only accounting (the rule by which allies join, engine._war)."""
    from pathlib import Path

    import yaml

    import detente.scenario as scenario_pkg
    from detente.model.balance import _win_probability
    from detente.model.params import draw_params
    from detente.model.simulate import common_priors, compile_model
    from detente.model.state import Modifiers, grid, initial_state
    from detente.scenario.loading import parse_scenario

    path = Path(scenario_pkg.__file__).parent / "builtin" / "two-state-textbook.yaml"
    data = yaml.safe_load(path.read_text())
    third = dict(data["actors"][1], id="C", name="Third")
    data["actors"].append(third)
    data["alliances"] = [{"id": "pact", "members": ["A", "B", "C"], "cohesion": 0.8}]
    sc = parse_scenario(data, file="members")
    model = compile_model(sc, "status-quo")
    st = model.structure
    runs = np.arange(3)
    p = draw_params(sc, 0, runs)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    centres = grid(st.bins)
    pw = _win_probability(state, p, Modifiers.neutral(3, st), st, centres)
    believed = (state.cohesion_belief * centres).sum(-1)[:, 0, 0]  # A's belief about the pact
    s = p.effectiveness * state.forces
    t_c, t_f = s[:, 0], s[:, 1] + believed * s[:, 2]
    g = p.contest_exponent
    np.testing.assert_allclose(pw[:, 0, 0], t_c**g / (t_c**g + t_f**g), rtol=1e-12)


# Joining as each member's choice (issue 21, point 2): chain-ganging and buck-passing.


def _join_case(believed: float, kappa: float, strong: float = 3.0, joined=(False,) * 4):
    """Challenger 0 (strength 4), defender 1 (1), members 2 (1) and 3 (``strong``)."""
    from detente.model.alliances import join_value

    strength = np.array([[4.0, 1.0, 1.0, strong]])
    member = np.array([[[False, True, True, True]]])
    partner = np.zeros_like(member)
    value, may = join_value(
        strength,
        member,
        partner,
        np.array([[0.0]]),
        np.array([[kappa]]),
        np.array([[[believed]]]),
        np.array([[list(joined)]]),
        np.full((1, 4), 0.5),  # resolve
        np.full((1, 4), 0.3),  # cost of war
        np.array([[1.0]]),  # stake
        np.array([0]),
        np.array([1]),
        np.array([1.0]),
    )
    return value[0, 0], may[0, 0]


def test_a_member_passes_the_buck_when_others_are_believed_to_carry_the_burden():
    """Buck-passing (Christensen & Snyder 1990): member 2's value of joining falls as
    the strong member 3 is believed more cohesive, and falls further once 3 is
    fighting. A value blind to what the others are expected to do fails."""
    low, _ = _join_case(believed=0.1, kappa=0.5)
    high, _ = _join_case(believed=0.9, kappa=0.5)
    fighting, may = _join_case(believed=0.1, kappa=0.5, joined=(False, False, False, True))
    assert high[2] < low[2] and fighting[2] < low[2]
    assert not may[3]  # a member already fighting does not choose again
    # By hand at belief 0.1: T = 1 + 0.1 x 3 = 1.3 without member 2, 2.3 with it.
    p = lambda t: t / (t + 4.0)  # noqa: E731
    np.testing.assert_allclose(low[2], 0.5 * ((p(2.3) - p(1.3)) + 0.5) - 0.3)


def test_a_member_is_chained_to_its_ally_by_the_commitment_not_by_what_it_adds():
    """Chain-ganging: with the same contribution to the defender's chance, a tighter
    commitment (cohesion) turns a war not worth joining for what the member adds
    (r dP < c) into one it joins. A value without the commitment term fails."""
    loose, _ = _join_case(believed=0.5, kappa=0.1)
    tight, _ = _join_case(believed=0.5, kappa=0.9)
    contribution = loose[2] + 0.3 - 0.5 * 0.1  # r (v - q) dP
    assert contribution < 0.3  # what it adds is not worth its cost of war
    assert loose[2] < 0 < tight[2]


def test_only_the_members_of_a_defenders_alliance_other_than_the_disputants_may_join():
    _value, may = _join_case(believed=0.5, kappa=0.5)
    np.testing.assert_array_equal(may, [False, False, True, True])


def _pact(partner_defender: bool, cost=(0.1, 0.3)):
    """two-state-textbook at war from the start, with C (strength 100) and D (300)
    allied to B: as members with B, or with B only the pact's partner; C's and
    D's cost of war uniform on ``cost``."""
    from pathlib import Path

    import yaml

    import detente.scenario as scenario_pkg
    from detente.scenario.loading import parse_scenario

    path = Path(scenario_pkg.__file__).parent / "builtin" / "two-state-textbook.yaml"
    data = yaml.safe_load(path.read_text())
    data["actors"] += [
        dict(data["actors"][1], id="C", name="C"),
        dict(data["actors"][1], id="D", name="D", forces={"value": 300}),
    ]
    for a in data["actors"][2:]:
        a["war_cost"] = {"dist": "uniform", "low": cost[0], "high": cost[1]}
    pact = {"id": "pact", "members": ["C", "D"], "cohesion": {"dist": "beta", "a": 4, "b": 2}}
    if partner_defender:
        pact.update(partners=["B"], partner_aid=0.3)
    else:
        pact["members"] = ["B", "C", "D"]
    data["alliances"] = [pact]
    data["disputes"][0]["phase"] = "war"
    data["settings"]["steps"] = 40
    return parse_scenario(data, file="pact")


def _war_world(partner_defender: bool, cost=(0.1, 0.3)):
    """The state after 40 weeks of :func:`_pact`, 300 runs."""
    from detente.model.engine import step
    from detente.model.params import draw_params
    from detente.model.simulate import common_priors, compile_model
    from detente.model.state import initial_state

    sc = _pact(partner_defender, cost)
    runs = np.arange(300)
    model = compile_model(sc, "status-quo")
    st = model.structure
    p = draw_params(sc, 3, runs)
    state = initial_state(p, st, *common_priors(sc, st.bins))
    for _ in range(st.steps):
        step(model, state, p, 3, runs)
    return state, p


def test_no_member_joins_the_war_of_a_defender_that_is_only_a_partner():
    """Partners get aid only (model-spec section 2), in war as in belief: with B the
    pact's partner no member ever joins; with B a member, some do. The war step's
    old rule (members join a partner's war too) fails the first assertion."""
    from detente.model.state import WAR

    partner, _ = _war_world(partner_defender=True)
    member, _ = _war_world(partner_defender=False)
    assert (partner.max_rung >= 7).any()  # the regional rung was reached
    assert not partner.joined.any()
    assert member.joined[:, 0, 2:].any()
    assert (member.phase == WAR).any() or (member.max_rung >= 7).any()


def test_members_join_by_choice_so_the_cohesion_others_believe_in_can_be_wrong():
    """Realised joining is each member's choice, not a draw at the cohesion: where
    joining costs the members more (war cost 0.5-0.7 instead of 0.1-0.3) fewer
    of them join at the same cohesion, so the believed cohesion overstates what
    they do. The old draw at the cohesion gives the same share in both, near the
    cohesion (fails)."""
    shares = []
    for cost in ((0.1, 0.3), (0.5, 0.7)):
        state, p = _war_world(partner_defender=False, cost=cost)
        reached = state.max_rung[:, 0] >= 7
        assert reached.sum() > 30
        shares.append((state.joined[reached, 0, 2:].mean(), p.cohesion[reached, 0].mean()))
    (cheap, _kappa), (dear, kappa) = shares
    assert dear < kappa - 0.3 and cheap > dear + 0.3, shares


def test_members_choices_give_the_same_runs_on_both_backends():
    """The joining choice is written once for NumPy and JAX (tests/test_backends.py
    compares scenarios where no member defends a member)."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("jax") is None:
        pytest.skip("the jax extra is not installed")
    from detente.model.simulate import compile_model, run_chunk

    sc = _pact(partner_defender=False, cost=(0.3, 0.5))
    model = compile_model(sc, "status-quo")
    runs = np.arange(200)
    reference, _ = run_chunk(sc, model, 5, runs)
    compiled, _ = run_chunk(sc, model, 5, runs, backend="jax")
    assert (np.asarray(reference["max_rung"]) >= 7).sum() > 20  # members choose in many runs
    for key in reference:
        x, y = np.asarray(reference[key]), np.asarray(compiled[key])
        if x.dtype.kind in "biu":
            np.testing.assert_array_equal(x, y, err_msg=key)
        else:
            np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=key)
