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
