"""theory.powell: Powell's commitment-problem condition, closed form against brute force.

Each test names the wrong code it catches. The brute force
(:func:`powell.backward_induction`) solves the game by value iteration and
backward induction, comparing discounted sums, without eqs. (2)-(6). The JAX
check is in test_backends.py, which runs last.
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.theory import powell
from detente.validation.reproduce import targets

# The closed forms run on every row of every step: they must not warn.
pytestmark = pytest.mark.filterwarnings("error")

DELTA, P, C_D, C_R = 0.9, 0.3, 0.05, 0.05


def test_the_bound_is_the_published_form_where_shares_are_interior():
    # Eq. (5) by hand: [(1 - delta)(p + c_D) + delta s (c_D + c_R)] / delta.
    # Catches a dropped discount, a swapped cost, or a wrong surplus share.
    assert powell.shift_bound(P, DELTA, C_D, C_R, 1.0) == pytest.approx(0.125 / 0.9, abs=1e-12)
    assert powell.shift_bound(P, DELTA, C_D, C_R, 0.0) == pytest.approx(0.035 / 0.9, abs=1e-12)
    assert powell.shift_bound(0.2, 0.8, 0.1, 0.02, 1.0) == pytest.approx(
        (0.2 * 0.3 + 0.8 * 0.12) / 0.8, abs=1e-12
    )
    # Eq. (4) in margin form: delta p' - p - (1 - delta) c_D - delta s (c_D + c_R).
    for s in (0.0, 1.0):
        expect = DELTA * 0.5 - P - (1 - DELTA) * C_D - DELTA * s * (C_D + C_R)
        got = powell.war_margin(P, 0.5, DELTA, C_D, C_R, s)
        assert got == pytest.approx(expect, abs=1e-12)


def test_war_just_above_the_bound_and_peace_just_below():
    # Catches a flipped inequality (war below the bound, peace above).
    for s in (0.0, 0.5, 1.0):
        b = float(powell.shift_bound(P, DELTA, C_D, C_R, s))
        assert powell.prefers_war(P, P + b + 1e-7, DELTA, C_D, C_R, s)
        assert not powell.prefers_war(P, P + b - 1e-7, DELTA, C_D, C_R, s)


def test_at_the_bound_the_declining_side_keeps_the_peace():
    # Dyadic numbers make the margin exactly 0 at the bound; catches `>=` for `>`.
    p, delta, c = 0.25, 0.5, 0.0625
    b = float(powell.shift_bound(p, delta, c, c, 1.0))
    assert b == 0.4375
    assert float(powell.war_margin(p, p + b, delta, c, c, 1.0)) == 0.0
    assert not powell.prefers_war(p, p + b, delta, c, c, 1.0)


def test_the_continuation_is_the_war_value_plus_a_share_of_the_surplus():
    # Eq. (2); catches a continuation without the surplus, or with s on the wrong side.
    for s in (0.0, 1.0):
        v = powell.continuation_value(0.6, DELTA, C_D, C_R, s)
        assert v == pytest.approx(1 - 0.6 - C_D + s * (C_D + C_R), abs=1e-12)
    # s strictly inside (0, 1) with costs large against a period's flow: a
    # proposer cannot take more than the whole flow, the interior formula is
    # wrong, and the fixed point of eq. (2') is what the brute force finds.
    v = float(powell.continuation_value(0.4, DELTA, C_D, C_R, 0.5))
    assert v == pytest.approx(
        powell.backward_induction([0.4], DELTA, C_D, C_R, 0.5).declining_value
    )
    assert v != pytest.approx(1 - 0.4 - C_D + 0.5 * (C_D + C_R))


def test_closed_form_agrees_with_brute_force_on_random_games():
    # The whole mapping, both directions of shift, every regime of eq. (2').
    rng = np.random.default_rng(20060101)
    n = 250
    p, q = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    delta = rng.uniform(0.5, 0.99, n)
    c_d, c_r = rng.uniform(0, 0.3, n), rng.uniform(0, 0.3, n)
    s = rng.choice([0.0, 0.3, 0.5, 1.0], n)
    margin = powell.war_margin(p, q, delta, c_d, c_r, s)
    lo, hi = powell.bargaining_range(p, q, delta, c_d, c_r, s)
    bound = powell.shift_bound(p, delta, c_d, c_r, s)
    wars = 0
    for i in range(n):
        sol = powell.backward_induction([p[i], q[i]], delta[i], c_d[i], c_r[i], s[i])
        assert sol.margin == pytest.approx(margin[i], abs=1e-9)
        if abs(margin[i]) > 1e-9:
            # The range is empty exactly when someone fights (either side can decline).
            assert (lo[i] > hi[i]) == (sol.war_probability == 1.0)
            assert ((q[i] - p[i]) > bound[i]) == (margin[i] > 0)
            wars += int(margin[i] > 0)
    assert 10 < wars < n - 10  # both outcomes are exercised


def test_no_shift_no_war_and_war_needs_a_shift():
    # Complete information and a constant balance: peace (Fearon 1995). Catches
    # a margin that ignores the shift.
    rng = np.random.default_rng(1)
    n = 1000
    p, delta = rng.uniform(0, 1, n), rng.uniform(0.05, 0.999, n)
    c_d, c_r, s = rng.uniform(0, 0.5, n), rng.uniform(0, 0.5, n), rng.uniform(0, 1, n)
    assert not powell.prefers_war(p, p, delta, c_d, c_r, s).any()
    lo, hi = powell.bargaining_range(p, p, delta, c_d, c_r, s)
    assert (lo <= hi).all()


def test_the_bound_grows_with_the_costs_of_war_and_shrinks_with_patience():
    # Powell (2006): war when the shift is large relative to the costs of war;
    # more patient states (delta up) weigh tomorrow's loss more.
    costs = np.array([0.0, 0.02, 0.05, 0.1])
    b = powell.shift_bound(P, DELTA, costs, costs, 1.0)
    assert (np.diff(b) > 0).all()
    deltas = np.array([0.5, 0.8, 0.9, 0.99])
    b = powell.shift_bound(P, deltas, C_D, C_R, 0.0)
    assert (np.diff(b) < 0).all()
    # Without costs and with s = 0 the bound is the pure discounting term.
    assert powell.shift_bound(P, DELTA, 0.0, 0.0, 0.0) == pytest.approx(0.1 * 0.3 / 0.9)


def test_the_range_has_fearons_width_and_collapses_to_fearons_range_without_a_shift():
    # Width (c_D + c_R) / (1 - delta) before clipping; catches a range built from
    # the wrong side's war value.
    p, q = 0.4, 0.41
    delta = 0.95
    lo, hi = powell.bargaining_range(p, q, delta, 0.001, 0.002, 1.0)
    assert 0 < lo < hi < 1
    assert hi - lo == pytest.approx(0.003 / 0.05)
    # Constant power, s = 0: D's share of today's flow must be at least 1 - p - c_D,
    # the rising side's at least p - c_R.
    lo, hi = powell.bargaining_range(0.4, 0.4, delta, 0.001, 0.002, 0.0)
    assert lo == pytest.approx(1 - 0.4 - 0.001)
    assert hi == pytest.approx(1 - 0.4 + 0.002 + 0.95 * 0.003 / 0.05)


def test_vectorised_over_runs_with_scalar_parameters():
    p = np.linspace(0.1, 0.5, 5)
    q = p + np.array([0.0, 0.05, 0.1, 0.2, 0.4])
    out = powell.prefers_war(p, q, DELTA, C_D, C_R)
    assert out.shape == (5,)
    one = [bool(powell.prefers_war(p[i], q[i], DELTA, C_D, C_R)) for i in range(5)]
    assert out.tolist() == one
    assert powell.shift_bound(p, DELTA, C_D, C_R).shape == (5,)


def test_slow_shifts_can_add_up_to_war():
    # Brute force over a path: a shift spread over two periods, each step below
    # the one-period bound, can still make the declining side fight (Krainin
    # 2017). The closed form is for one-period shifts; the brute force is general.
    # With s = 1 the rising side can promise nothing beyond its minmax payoff
    # two periods on, so both steps count at period 0.
    b = float(powell.shift_bound(P, DELTA, C_D, C_R, 1.0))
    step = 0.9 * b
    first = powell.backward_induction([P, P + step], DELTA, C_D, C_R, 1.0)
    assert first.war_probability == 0.0
    # The second step alone, seen from period 1, is below its own bound too.
    assert step < powell.shift_bound(P + step, DELTA, C_D, C_R, 1.0)
    path = powell.backward_induction([P, P + step, P + 2 * step], DELTA, C_D, C_R, 1.0)
    assert path.war_probability == 1.0


def test_backward_induction_rejects_a_bad_discount():
    for delta in (1.0, 0.0):
        with pytest.raises(ValueError, match="delta"):
            powell.backward_induction([0.3, 0.5], delta, 0.1, 0.1)
    with pytest.raises(ValueError, match="surplus_share"):
        powell.backward_induction([0.3, 0.5], 0.9, 0.1, 0.1, 1.5)


def test_reproduce_has_the_powell_rows_and_they_pass():
    rows = [t for t in targets() if t.model == "powell"]
    assert len(rows) == 12
    assert all(t.passed for t in rows)
    above = [t for t in rows if "just above" in t.target]
    below = [t for t in rows if "just below" in t.target]
    assert {t.published for t in above} == {1.0} and {t.ours for t in above} == {1.0}
    assert {t.published for t in below} == {0.0} and {t.ours for t in below} == {0.0}


def test_the_default_surplus_share_is_the_best_credible_promise():
    # s = 1 by default everywhere (Powell's bound); catches a changed default.
    args = (P, 0.5, DELTA, C_D, C_R)
    for f in (powell.war_margin, powell.prefers_war, powell.bargaining_range):
        assert np.array_equal(f(*args), f(*args, 1.0))
        assert not np.array_equal(f(*args), f(*args, 0.0)) or f is powell.prefers_war
    assert powell.continuation_value(0.5, DELTA, C_D, C_R) == powell.continuation_value(
        0.5, DELTA, C_D, C_R, 1.0
    )
    assert powell.peace_ceiling(0.5, DELTA, C_D, C_R) == powell.peace_ceiling(
        0.5, DELTA, C_D, C_R, 1.0
    )
    assert powell.shift_bound(P, DELTA, C_D, C_R) == powell.shift_bound(P, DELTA, C_D, C_R, 1.0)
    just_above = P + float(powell.shift_bound(P, DELTA, C_D, C_R, 1.0)) + 1e-9
    assert powell.prefers_war(P, just_above, DELTA, C_D, C_R)
    assert powell.backward_induction([P, 0.5], DELTA, C_D, C_R) == powell.backward_induction(
        [P, 0.5], DELTA, C_D, C_R, 1.0
    )


def test_the_closed_forms_compute_in_the_models_real_dtype():
    # float32 where a compiled run asks for it (detente.backend.real); catches
    # arrays built without the model's dtype.
    from detente.backend import using

    with using(np, real=np.float32):
        v = powell.continuation_value(np.float32(0.5), 0.9, 0.05, 0.05, 0.5)
        b = powell.shift_bound(0.3, 0.9, 0.05, 0.05, 0.5)
    assert v.dtype == np.float32 and b.dtype == np.float32


def test_at_the_bound_the_margin_is_zero_on_a_hundred_thousand_games():
    # Eq. (5) against eq. (4), exactly, in every regime of eq. (2'): the bound
    # is where the margin changes sign, and where it is +inf even the largest
    # shift leaves the declining side at peace.
    rng = np.random.default_rng(2004)
    n = 100_000
    p, delta = rng.uniform(0, 1, n), rng.uniform(0.05, 0.999, n)
    c_d, c_r, s = rng.uniform(0, 0.6, n), rng.uniform(0, 0.6, n), rng.uniform(0, 1, n)
    s[::3], s[1::3] = 0.0, 1.0
    b = powell.shift_bound(p, delta, c_d, c_r, s)
    assert (b > 0).all()
    assert (p + b <= 1.0 + 1e-12)[np.isfinite(b)].all()  # a shift to p' <= 1, or +inf
    on = np.isfinite(b) & (p + b < 1 - 1e-6)
    assert 0.1 < on.mean() < 0.9
    args = (delta[on], c_d[on], c_r[on], s[on])
    at = powell.war_margin(p[on], p[on] + b[on], *args)
    np.testing.assert_allclose(at, 0.0, atol=1e-12)
    assert (powell.war_margin(p[on], p[on] + b[on] + 1e-6, *args) > 0).all()
    assert (powell.war_margin(p[on], p[on] + b[on] - 1e-6, *args) < 0).all()
    off = ~np.isfinite(b)
    assert (powell.war_margin(p[off], 1.0, delta[off], c_d[off], c_r[off], s[off]) <= 0).all()


def test_the_continuation_is_the_brute_force_fixed_point_in_every_regime():
    rng = np.random.default_rng(1989)
    n = 60
    q, delta = rng.uniform(0, 1, n), rng.uniform(0.3, 0.95, n)
    c_d, c_r, s = rng.uniform(0, 0.5, n), rng.uniform(0, 0.5, n), rng.uniform(0, 1, n)
    v = powell.continuation_value(q, delta, c_d, c_r, s)
    for i in range(n):
        sol = powell.backward_induction([q[i]], delta[i], c_d[i], c_r[i], s[i])
        assert sol.declining_value == pytest.approx(v[i], abs=1e-9)
        assert sol.declining_value + sol.rising_value == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("s", [0.0, 1.0])
def test_the_brute_force_keeps_the_peace_at_exact_indifference(s):
    # Dyadic numbers: the brute force meets the bound with no rounding, the
    # declining side (or, mirrored, the rising side) exactly indifferent.
    # Catches ">=" for ">" in the responder's or the proposer's choice.
    p, delta, c = 0.25, 0.5, 0.0625
    b = float(powell.shift_bound(p, delta, c, c, s))
    at = powell.backward_induction([p, p + b], delta, c, c, s)
    assert at.margin == 0.0 and at.war_probability == 0.0
    assert powell.backward_induction([p, p + b + 2**-20], delta, c, c, s).war_probability == 1.0
    # The mirror: the "rising" side loses power by as much and is indifferent.
    mirror = powell.backward_induction([1 - p, 1 - p - b], delta, c, c, 1.0 - s)
    assert mirror.war_probability == 0.0
    assert (
        powell.backward_induction([1 - p, 1 - p - b - 2**-20], delta, c, c, 1.0 - s).war_probability
        == 1.0
    )


def test_war_comes_when_the_shift_comes_not_before():
    # Each period of a path counts: a jump two periods ahead is fought when it
    # is one period ahead (catches a path solved without its middle periods).
    jump = powell.backward_induction([0.3, 0.9], DELTA, C_D, C_R)
    assert jump.war_probability == 1.0
    # War values then: D gets 1 - p - c_D, R gets p - c_R.
    assert (jump.declining_value, jump.rising_value) == pytest.approx((0.65, 0.25))
    for k, path in ((1, [0.3, 0.3, 0.9]), (2, [0.3, 0.3, 0.3, 0.9])):
        later = powell.backward_induction(path, DELTA, C_D, C_R)
        assert later.war_probability == 0.0
        # s = 1: D proposes and holds R to its war value each period; war k
        # periods on destroys delta^k (c_D + c_R) of the stake.
        assert later.rising_value == pytest.approx(0.25)
        total = later.declining_value + later.rising_value
        assert total == pytest.approx(1 - DELTA**k * (C_D + C_R))
