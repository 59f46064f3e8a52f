"""Unit tests of the pure bargaining and agreement functions, with hand-computed values.

Fast on purpose: these are the tests the mutation run of
``model/bargaining.py`` and ``model/agreements.py`` uses
(``benchmarks/mutation.py``), so each function's every branch is pinned here.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from detente.model.agreements import (
    accepts_ceasefire,
    breakdown_hazard,
    history_likelihoods,
    renege_incentive,
)
from detente.model.bargaining import (
    Coefficients,
    Terms,
    Valuation,
    best_deal_value,
    commitment_bounds,
    credible_shares,
    disagreement,
    negotiate,
    own_share,
    renegotiated,
    reservation,
    unrenegotiated,
)

FAR = 1e9


def plain(s, aud=0.0, top=None, stake=1.0, ceiling=FAR, floor=-FAR, delta=0.9):
    """A Valuation without commitment problem or audience cost unless asked."""
    s = np.asarray(s, dtype=float)
    full = np.ones_like(s)
    return Valuation(s, full * ceiling, full * floor, delta,
                     full if top is None else full * top, full * stake, full * aud)


def a(*v):
    return np.asarray(v, dtype=float)


# Terms and shares ---------------------------------------------------------------------


def test_terms_put_only_the_divisible_part_of_the_stake_on_the_table():
    t = Terms.of(a(0.2), a(0.6), a(0.25))
    assert t.q[0] == 0.2 and t.demand[0] == 0.6
    assert t.hi[0] == pytest.approx(0.2 + 0.75 * 0.4)


def test_own_share_splits_a_challenger_share():
    np.testing.assert_allclose(own_share(a(0.3)), [[0.3, 0.7]])


# Commitment problems -------------------------------------------------------------------


def test_renegotiated_without_a_shift_is_the_share_itself():
    x = a(0.1, 0.5, 0.9)
    np.testing.assert_allclose(renegotiated(x, np.full(3, FAR), np.full(3, -FAR), 0.9), x)


def test_a_declining_side_keeps_a_share_above_its_ceiling_only_before_the_shift():
    # ceiling 0.4, delta 0.75: 0.8 is worth 0.8 - 0.75 * 0.4 = 0.5; 0.3 is kept whole.
    v = renegotiated(a(0.8, 0.3, 0.4), np.full(3, 0.4), np.full(3, -FAR), 0.75)
    np.testing.assert_allclose(v, [0.5, 0.3, 0.4])


def test_a_rising_side_counts_on_gaining_up_to_its_floor():
    # floor 0.6, delta 0.5: 0.2 is worth 0.2 + 0.5 * 0.4 = 0.4; 0.7 stays 0.7.
    v = renegotiated(a(0.2, 0.7, 0.6), np.full(3, FAR), np.full(3, 0.6), 0.5)
    np.testing.assert_allclose(v, [0.4, 0.7, 0.6])


@settings(max_examples=300, deadline=None)
@given(
    x=hs.floats(-2, 3),
    bound=hs.floats(0, 1),
    delta=hs.floats(0, 0.99),
    side=hs.sampled_from(["declining", "rising", "neither"]),
)
def test_unrenegotiated_inverts_renegotiated(x, bound, delta, side):
    ceiling = np.array([bound if side == "declining" else FAR])
    floor = np.array([bound if side == "rising" else -FAR])
    v = renegotiated(np.array([x]), ceiling, floor, delta)
    np.testing.assert_allclose(unrenegotiated(v, ceiling, floor, delta), [x], atol=1e-9)


def test_credible_shares_fall_only_for_the_side_that_loses_power():
    war_share = np.array([[[0.5, 0.5]]])
    opp_cost = np.array([[[0.1, 0.2]]])
    y_now, y_fut = credible_shares(war_share, opp_cost, np.array([[0.3]]), np.array([[0.5]]))
    np.testing.assert_allclose(y_now, [[[0.6, 0.7]]])
    # The challenger gains 0.3 of a 0.5 stake: the defender's promise falls by 0.15.
    np.testing.assert_allclose(y_fut, [[[0.6, 0.55]]])
    ceiling, floor = commitment_bounds(y_now, y_fut)
    np.testing.assert_allclose(ceiling, [[[FAR, 0.55]]])
    np.testing.assert_allclose(floor, [[[0.45, -FAR]]])


def test_no_shift_gives_no_bounds():
    y = np.array([[[0.6, 0.7]]])
    ceiling, floor = commitment_bounds(y, y.copy())
    assert (ceiling == FAR).all() and (floor == -FAR).all()


# Values of going on --------------------------------------------------------------------


def test_coefficients_give_the_best_line_for_each_type():
    # Two options: U0 = 0.5 r - c, U1 = -0.1 (a constant).
    coef = Coefficients(
        a=np.array([[[[0.5, 0.0]]]]), bc=np.array([[[[-1.0, 0.0]]]]), k=np.array([[[[0.0, -0.1]]]])
    )
    r, c = np.array([[[0.8]]]), np.array([[[0.2]]])
    assert disagreement(coef, r, c)[0, 0, 0] == pytest.approx(0.2)
    # Per type: at r = 0.2 the constant wins, at r = 1 the line.
    types = np.array([[[[0.2, 1.0]]]])
    np.testing.assert_allclose(coef.best(types, np.array([[[[0.2, 0.2]]]])), [[[[-0.1, 0.3]]]])


def test_reservation_is_the_share_that_makes_the_offer_worth_going_on():
    # r (x - s) = d: with s 0.5, d -0.1, r 0.5 the need is 0.3.
    need = reservation(a(-0.1), a(0.5), plain(a(0.5)))
    np.testing.assert_allclose(need, [0.3], atol=1e-12)


def test_an_agreement_below_ones_aim_costs_a_share_of_the_audience_cost():
    # Aim 1.0 from 0.0 (stake 1), audience cost 0.2: a settlement at 0.25
    # gives up three quarters of it and costs 0.15.
    val = plain(a(0.0), aud=0.2, top=1.0)
    np.testing.assert_allclose(val.value(a(0.25, 1.0, 0.0), a(1.0)), [0.25 - 0.15, 1.0, -0.2])
    # The need that makes going on (worth 0) as good: x - 0.2 (1 - x) = 0, x = 1/6.
    np.testing.assert_allclose(reservation(a(0.0), a(1.0), val), [1 / 6], atol=1e-12)


def test_reservation_inverts_the_commitment_problem_too():
    val = plain(a(0.0), ceiling=0.4, delta=0.75)
    need = reservation(a(0.5), a(1.0), val)  # K(x) = 0.5 above 0.4: x = 0.8
    np.testing.assert_allclose(need, [0.8], atol=1e-12)


def test_best_deal_value_and_whether_a_deal_exists():
    terms = Terms.of(np.array([[0.0]]), np.array([[1.0]]), np.array([[0.5]]))  # table [0, 0.5]
    r = np.array([[[1.0, 1.0]]])
    val = plain(np.array([[[0.0, 1.0]]]))
    # The defender needs 0.8 (gives at most 0.2); the challenger needs 0.3.
    v, ok = best_deal_value(terms, r, np.array([[[0.8, 0.3]]]), val)
    np.testing.assert_allclose(v, [[[0.2, -0.3]]], atol=1e-12)
    assert ok.all()
    # A challenger needing 0.6 asks beyond the divisible range: no deal for the defender.
    _, ok = best_deal_value(terms, r, np.array([[[0.8, 0.6]]]), val)
    assert ok[0, 0, 0] and not ok[0, 0, 1]
    # A defender needing more than all of it (1 - need < q): no deal for the challenger.
    _, ok = best_deal_value(terms, r, np.array([[[1.2, 0.3]]]), val)
    assert not ok[0, 0, 0]


# One round of offers -----------------------------------------------------------------


def one_round(cp: bool, belief, d_types, d_resp=-0.05, r_resp=1.0, d_prop=0.0, r_prop=1.0,
              indivisible=0.0):
    G = len(belief)
    terms = Terms.of(np.array([[0.0]]), np.array([[1.0]]), np.array([[indivisible]]))
    val = plain(np.array([[[0.0, 1.0]]]))
    return negotiate(
        terms, np.asarray(d_types, float).reshape(1, 1, G), (np.arange(G) + 1.0) / G,
        np.asarray(belief, float).reshape(1, 1, G), np.array([[d_resp]]), np.array([[r_resp]]),
        np.array([[d_prop]]), np.array([[r_prop]]), val, np.array([[cp]]),
    )


def test_a_challenger_offers_what_the_likely_defender_types_accept():
    # Two types (resolve 0.5 and 1): going on is worth -0.2 and -0.05 to them,
    # so they give up to 0.4 and 0.05. Believing the weak type likely (0.9),
    # the challenger asks 0.4 (EV 0.36) rather than 0.05.
    acc, offer = one_round(True, [0.9, 0.1], [-0.2, -0.05], d_resp=-0.3, r_resp=0.6)
    assert offer[0, 0] == pytest.approx(0.4)
    # The true defender (resolve 0.6, going on worth -0.3) accepts 0.4: 0.6 * -0.4 >= -0.3.
    assert acc[0, 0]


def test_a_resolved_responder_rejects_an_offer_worse_than_going_on():
    acc, offer = one_round(True, [0.9, 0.1], [-0.2, -0.05], d_resp=-0.05, r_resp=1.0)
    assert offer[0, 0] == pytest.approx(0.4) and not acc[0, 0]


def test_a_proposer_makes_no_offer_worth_less_than_going_on():
    # Going on is worth 0.5 to the challenger; no type gives it more than 0.4.
    acc, _ = one_round(True, [0.5, 0.5], [-0.2, -0.05], d_resp=-1.0, d_prop=0.5)
    assert not acc[0, 0]


def test_a_defender_proposes_the_least_the_challenger_accepts():
    # Challenger types (resolve 0.5, 1) value going on at 0.1 and 0.3: they need
    # 0.2 and 0.3. Sure of the first type, the defender (going on worth -0.5
    # to it) offers 0.2.
    acc, offer = one_round(False, [1.0, 0.0], [0.1, 0.3], d_resp=0.1, r_resp=0.5, d_prop=-0.5)
    assert offer[0, 0] == pytest.approx(0.2) and acc[0, 0]


def test_offers_stay_on_the_divisible_part_of_the_table():
    # The challenger's types need 0.6 and 0.9, beyond the 0.5 on the table.
    acc, _ = one_round(False, [0.5, 0.5], [0.3, 0.9], d_resp=0.3, r_resp=0.5, indivisible=0.5)
    assert not acc[0, 0]


def test_a_subnormal_chance_of_acceptance_counts_as_none():
    """XLA flushes subnormal numbers to zero and NumPy keeps them: an offer
    whose only chance is subnormal must not be made on either backend (it was
    made on NumPy only, and tests/test_backends.py caught a run that differed).
    The weak type, believed at 1e-310, would take 0.4; the strong one takes
    0.05, worth less to the challenger than going on (0.1)."""
    acc, _ = one_round(True, [1e-310, 1.0], [-0.2, -0.05], d_resp=-0.3, r_resp=0.6, d_prop=0.1)
    assert not acc[0, 0]
    # A small but normal chance is a chance: the same offer is made, and taken.
    acc, offer = one_round(True, [1e-200, 1.0], [-0.2, -0.05], d_resp=-0.3, r_resp=0.6,
                           d_prop=0.1)
    assert acc[0, 0] and offer[0, 0] == pytest.approx(0.4)


# Agreements and ceasefires -----------------------------------------------------------


def test_renege_incentive_is_the_larger_positive_gain_from_breaking():
    war = np.array([[[0.3, -0.5]]])
    peace = np.array([[[0.1, -0.1]]])
    assert renege_incentive(war, peace)[0, 0] == pytest.approx(0.2)
    assert renege_incentive(np.array([[[0.0, -0.2]]]), peace)[0, 0] == 0.0


def test_breakdown_hazard_combines_base_rate_incentive_and_enforcement():
    h = breakdown_hazard(a(0.1), a(2.0), a(0.5), a(0.25))
    assert h[0] == pytest.approx((1 - 0.9 * np.exp(-1.0)) * 0.75)
    assert breakdown_hazard(a(0.1), a(2.0), a(0.0), a(0.0))[0] == pytest.approx(0.1)
    assert breakdown_hazard(a(0.5), a(9.0), a(3.0), a(1.0))[0] == 0.0


def test_a_ceasefire_begins_only_if_both_sides_prefer_it():
    war = np.array([[[-0.2, -0.3], [0.1, -0.3]]])
    cf = np.array([[[-0.1, -0.1], [-0.1, -0.1]]])
    np.testing.assert_array_equal(accepts_ceasefire(war, cf), [[True, False]])


def test_history_likelihoods_favour_resolved_types_for_a_side_that_stood():
    centres = np.array([0.25, 0.75])
    np.testing.assert_allclose(history_likelihoods(True, 1.0, centres), [0.25, 0.75])
    np.testing.assert_allclose(history_likelihoods(False, 1.0, centres), [0.75, 0.25])
    np.testing.assert_allclose(history_likelihoods(True, 0.5, centres), np.sqrt([0.25, 0.75]))


def test_renege_incentive_takes_the_side_axis_only():
    rng = np.random.default_rng(1)
    war, peace = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    expected = np.maximum(war - peace, 0.0).max(axis=2)
    np.testing.assert_allclose(renege_incentive(war, peace), expected)


def test_a_side_indifferent_between_ceasefire_and_war_accepts():
    v = np.array([[[-0.1, -0.2]]])
    assert accepts_ceasefire(v, v.copy())[0, 0]


def distinct_valuation():
    """Every field different on each side, so that a mix-up shows."""
    f = [np.array([[[0.1 + i, 0.2 + i]]]) for i in range(6)]
    return Valuation(f[0], f[1], f[2], 0.5, f[3], f[4], f[5])


def test_swap_puts_the_other_sides_values_in_each_place():
    v = distinct_valuation()
    w = v.swap()
    for name in ("s", "ceiling", "floor", "top", "stake", "aud"):
        np.testing.assert_array_equal(getattr(w, name), getattr(v, name)[:, :, ::-1])
    assert w.delta == v.delta


def test_pick_takes_side_zero_where_asked_and_expand_adds_an_axis():
    v = distinct_valuation()
    first = np.array([[True]])
    a, b = v.pick(first), v.pick(~first)
    for name in ("s", "ceiling", "floor", "top", "stake", "aud"):
        assert getattr(a, name)[0, 0] == getattr(v, name)[0, 0, 0]
        assert getattr(b, name)[0, 0] == getattr(v, name)[0, 0, 1]
        assert getattr(a.expand(), name).shape == (1, 1, 1)
    assert a.delta == b.delta == a.expand().delta == 0.5


def test_value_counts_the_share_given_up_between_none_and_all():
    val = plain(a(0.0, 0.0, 0.0), aud=0.4, top=0.8, stake=0.8, ceiling=FAR, floor=-FAR)
    # Beyond the aim nothing is given up; below nothing at all, all of it.
    np.testing.assert_allclose(val.value(a(1.0, -0.5, 0.4), a(0.5)),
                               [0.5, -0.25 - 0.4, 0.2 - 0.2])


def test_reservation_finds_needs_near_both_ends_of_its_bracket():
    val = plain(a(0.0, 0.0))
    np.testing.assert_allclose(reservation(a(-1.9, 2.9), a(1.0), val), [-1.9, 2.9], atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    s=hs.floats(0.0, 1.0), top=hs.floats(0.0, 1.0), stake=hs.floats(0.0, 1.0),
    aud=hs.floats(0.0, 1.0), r=hs.floats(0.0, 1.0), d=hs.floats(-2.5, 2.5),
    bound=hs.floats(0.0, 1.0), which=hs.sampled_from(["none", "ceiling", "floor"]),
    delta=hs.floats(0.0, 0.95),
)
def test_reservation_is_the_least_share_worth_its_value_of_rejecting(
    s, top, stake, aud, r, d, bound, which, delta
):
    # The exact piecewise-linear inverse against the definition: V at the
    # answer reaches d, and V a little below it does not (a bisection, a
    # grid search or an inverse that misses a kink each fail somewhere here).
    ceiling = bound if which == "ceiling" else FAR
    floor = bound if which == "floor" else -FAR
    val = plain(a(s), aud=aud, top=top, stake=stake, ceiling=ceiling, floor=floor, delta=delta)
    x = reservation(a(d), a(r), val)[0]
    assert -2.0 <= x <= 3.0
    v = lambda z: val.value(a(z), a(r))[0]  # noqa: E731
    if x < 3.0:
        assert v(x) >= d - 1e-9
    else:
        assert v(3.0) < d + 1e-9
    if x > -2.0:
        assert v(x - 1e-6) < d + 1e-9


def test_reservation_of_a_batch_equals_each_element_alone():
    # The engine calls it with a valuation per run and dispute (R, Dn, 1) and
    # a type per bin (G,): every element must come out as it would alone
    # (catches a sort, gather or broadcast along the wrong axis).
    rng = np.random.default_rng(7)
    R, Dn, G = 4, 3, 5
    shape = (R, Dn, 1)
    which = rng.integers(0, 3, shape)
    val = Valuation(
        rng.uniform(0, 1, shape), np.where(which == 1, rng.uniform(0, 1, shape), FAR),
        np.where(which == 2, rng.uniform(0, 1, shape), -FAR), 0.7,
        rng.uniform(0, 1, shape), rng.uniform(0.05, 1, shape), rng.uniform(0, 0.5, shape),
    )
    r = (np.arange(G) + 1.0) / G
    d = rng.uniform(-1.0, 1.0, (R, Dn, G))
    batch = reservation(d, r, val)
    assert batch.shape == (R, Dn, G)
    for i, j, g in itertools.product(range(R), range(Dn), range(G)):
        one = Valuation(*(a(getattr(val, f)[i, j, 0]) for f in ("s", "ceiling", "floor")),
                        0.7, *(a(getattr(val, f)[i, j, 0]) for f in ("top", "stake", "aud")))
        assert batch[i, j, g] == pytest.approx(reservation(a(d[i, j, g]), a(r[g]), one)[0],
                                               abs=1e-12)
