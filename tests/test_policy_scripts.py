"""Every crisis policy against scripted opponents, in the manner of the Axelrod
library's strategy tests: a hand-built :class:`Observation` each turn, the
opponent's moves written out, the policy's memory carried from turn to turn,
and the exact responses asserted.

The driver below keeps the engine's bookkeeping for one (run, role): both
sides move at once; a move is the sign of the posture change, so a climb at
the top rung or a step down at rung 0 is recorded as no move; ``memory`` is
handed back as the policy returned it. No engine, no random numbers: the
uniform draw ``u``, the utilities and the believed chance of a concession are
part of the script.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from detente.model import policies as policies_module
from detente.model.engine import TOP
from detente.model.policies import (
    CONCEDE,
    DOWN,
    HOLD,
    UP,
    Brinkmanship,
    Dove,
    ExpectedUtility,
    GenerousTitForTat,
    Grit,
    Hardliner,
    Observation,
    Policy,
    TitForTat,
)

D, H, U, C = DOWN, HOLD, UP, CONCEDE
STEP = {DOWN: -1, HOLD: 0, UP: 1}
FLAT = (0.0, 0.0, 0.0, 0.0)


def make(cls: type[Policy], **params) -> Policy:
    return cls(cls.Params(**params))


def observe(
    *,
    posture: int,
    opponent_posture: int,
    last: int = 0,
    opponent_last: int = 0,
    memory: int = 0,
    utility: Sequence[float] = FLAT,
    p_concede_up: float = 0.0,
    rationality: float = math.inf,
    u: float = 0.5,
) -> Observation:
    """One (run, role): every field a (1, 1) array, utility (1, 1, 4)."""

    def one(v, dtype):
        return np.full((1, 1), v, dtype=dtype)

    return Observation(
        utility=np.asarray(utility, dtype=np.float64).reshape(1, 1, 4),
        p_concede_up=one(p_concede_up, np.float64),
        posture=one(posture, np.int64),
        opponent_posture=one(opponent_posture, np.int64),
        last_move=one(last, np.int64),
        opponent_last_move=one(opponent_last, np.int64),
        memory=one(memory, np.int64),
        rationality=one(rationality, np.float64),
        u=one(u, np.float64),
        top=TOP,
    )


@dataclass
class Record:
    choices: list[int]
    memories: list[int]  # the memory each turn's decision returned
    postures: list[int]  # own posture after each turn


def play(
    policy: Policy,
    opponent: Sequence[int],
    *,
    start: tuple[int, int] = (3, 3),
    memory: int = 0,
    utility: Sequence[Sequence[float]] | None = None,
    p_concede_up: Sequence[float] | None = None,
    u: Sequence[float] | None = None,
) -> Record:
    """Play ``policy`` against the scripted moves ``opponent`` (-1, 0, +1 per turn).

    Per-turn ``utility``, ``p_concede_up`` and ``u`` are scripted too. A
    concession ends the crisis, and the record with it.
    """
    own, opp = start
    last = opp_last = 0
    rec = Record([], [], [])
    for t, move in enumerate(opponent):
        obs = observe(
            posture=own,
            opponent_posture=opp,
            last=last,
            opponent_last=opp_last,
            memory=memory,
            utility=FLAT if utility is None else utility[t],
            p_concede_up=0.0 if p_concede_up is None else p_concede_up[t],
            u=0.5 if u is None else u[t],
        )
        choice, mem = policy.decide(obs)
        assert choice.shape == (1, 1) and mem.shape == (1, 1)
        assert choice.dtype == np.int64 and mem.dtype == np.int64  # the engine's int state
        c, memory = int(choice[0, 0]), int(mem[0, 0])
        rec.choices.append(c)
        rec.memories.append(memory)
        if c == CONCEDE:
            rec.postures.append(own)
            break
        new_own = min(max(own + STEP[c], 0), TOP)
        new_opp = min(max(opp + move, 0), TOP)
        last, opp_last = int(np.sign(new_own - own)), int(np.sign(new_opp - opp))
        own, opp = new_own, new_opp
        rec.postures.append(own)
    return rec


# Coverage ---------------------------------------------------------------------------

SCRIPTED = {
    "expected-utility",
    "brinkmanship",
    "tit-for-tat",
    "generous-tit-for-tat",
    "grit",
    "hardliner",
    "dove",
}


def test_every_built_in_policy_has_a_scripted_test():
    # The classes defined in detente.model.policies, not the registry, which
    # plugins from other tests or packages may have extended.
    built_in = {
        obj.name
        for obj in vars(policies_module).values()
        if isinstance(obj, type) and issubclass(obj, Policy) and obj is not Policy
    }
    assert built_in == SCRIPTED
    assert all(name in policies_module.policies for name in SCRIPTED)


# Tit-for-tat ------------------------------------------------------------------------

OPPONENT = [+1, 0, -1, +1, +1, -1, 0, 0]


def test_tit_for_tat_echoes_the_opponents_last_move_and_never_concedes():
    rec = play(make(TitForTat), OPPONENT, start=(2, 2))
    # Turn 0 has no history: hold. Then the opponent's previous move, exactly.
    assert rec.choices == [H, U, H, D, U, U, D, H]
    assert rec.memories == [0] * 8
    assert rec.postures == [2, 3, 3, 2, 3, 4, 3, 3]


def test_tit_for_tat_echoes_the_move_made_not_the_move_tried():
    # The opponent tries to climb at the top rung: no move is recorded, so no echo.
    rec = play(make(TitForTat), [+1, +1, +1, 0], start=(1, TOP - 1))
    assert rec.choices == [H, U, H, H]


def test_tit_for_tat_never_concedes_against_an_opponent_at_the_top():
    rec = play(make(TitForTat), [0] * 5, start=(0, TOP))
    assert rec.choices == [H] * 5


# Generous tit-for-tat ---------------------------------------------------------------


def test_generous_tit_for_tat_forgives_a_climb_when_its_draw_falls_below_one_third():
    policy = make(GenerousTitForTat)
    q = policy.params.generosity  # 1/3, as computed from the game's payoffs
    u = [0.9, 0.2, 0.9, 0.9, 0.5, q, 0.0, 0.9]
    rec = play(policy, OPPONENT, start=(2, 2), u=u)
    # Turns 1 and 4 answer a climb: forgiven at u = 0.2 (< 1/3), not at u = 0.5.
    # Turn 5 answers a climb with u exactly at the generosity: not forgiven (strict).
    # Steps down and holds are echoed whatever the draw (turns 3, 6 with u 0.9, 0.0).
    assert rec.choices == [H, H, H, D, U, U, D, H]
    assert rec.memories == [0] * 8


def test_generous_tit_for_tat_at_the_extremes_is_tit_for_tat_or_never_climbs():
    u = [0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 0.99]
    tft = play(make(TitForTat), OPPONENT, start=(2, 2)).choices
    assert play(make(GenerousTitForTat, generosity=0.0), OPPONENT, start=(2, 2), u=u).choices == tft
    saint = play(make(GenerousTitForTat, generosity=1.0), OPPONENT, start=(2, 2), u=u).choices
    assert saint == [H, H, H, D, H, H, D, H]


def test_generous_tit_for_tat_defaults_to_nowak_and_sigmunds_one_third():
    assert make(GenerousTitForTat).params.generosity == pytest.approx(1 / 3)


# Grit ------------------------------------------------------------------------------


def test_grit_takes_its_announced_steps_then_withdraws_against_a_stone_wall():
    rec = play(make(Grit, steps=3), [0] * 7, start=(5, 5))
    # Three announced steps down (memory counts them), no answer: the
    # initiative is withdrawn (memory -1) and it plays tit-for-tat: holds.
    assert rec.choices == [D, D, D, H, H, H, H]
    assert rec.memories == [1, 2, 3, -1, -1, -1, -1]
    assert rec.postures == [4, 3, 2, 2, 2, 2, 2]


def test_grit_goes_on_stepping_down_while_the_opponent_reciprocates():
    # The opponent answers each step with a step down from turn 1 on. Two
    # announced steps (turns 0, 1), three more while answered (2-4, to rung 0);
    # at rung 0 it echoes the opponent like tit-for-tat (a step down, then a hold).
    rec = play(make(Grit, steps=2), [0, -1, -1, -1, -1, -1, 0, 0], start=(5, 5))
    assert rec.choices == [D, D, D, D, D, D, D, H]
    assert rec.memories == [1, 2, 2, 2, 2, 2, 2, 2]
    assert rec.postures == [4, 3, 2, 1, 0, 0, 0, 0]


def test_grit_answers_a_climb_with_a_climb_and_then_resumes_its_steps():
    rec = play(make(Grit, steps=3), [+1, 0, 0, 0, 0, 0], start=(3, 2))
    # Turn 0 is the first announced step; turn 1 answers the climb (no step,
    # not counted); turns 2-3 take the other two; turn 4 finds them
    # unanswered and withdraws (memory -1), holding like tit-for-tat.
    assert rec.choices == [D, U, D, D, H, H]
    assert rec.memories == [1, 1, 2, 3, -1, -1]


def test_grit_after_withdrawing_is_tit_for_tat():
    rec = play(make(Grit, steps=1), [0, 0, +1, 0, -1, 0], start=(3, 3))
    assert rec.memories[1:] == [-1] * 5
    assert rec.choices == [D, H, H, U, H, D]


def test_grit_at_rung_zero_keeps_its_initiative_open():
    # Its two steps take it to rung 0, unanswered. With nothing left to give it
    # neither steps on nor withdraws: the initiative stays open (memory 2), so
    # a later step down by the opponent is still met as reciprocation.
    rec = play(make(Grit, steps=2), [0, 0, 0, 0], start=(2, 3))
    assert rec.choices == [D, D, H, H]
    assert rec.memories == [1, 2, 2, 2]


def test_grit_with_an_opponent_at_rung_zero_counts_as_reciprocated():
    rec = play(make(Grit, steps=1), [0, 0, 0, 0], start=(3, 0))
    assert rec.choices == [D, D, D, H]  # stops only at rung 0
    assert rec.memories == [1, 1, 1, 1]


# Hardliner -------------------------------------------------------------------------


def test_hardliner_answers_climbs_and_ignores_steps_down():
    rec = play(make(Hardliner), OPPONENT, start=(2, 2))
    assert rec.choices == [H, U, H, H, U, U, H, H]
    assert rec.memories == [0] * 8


def test_hardliner_never_steps_down_or_concedes_even_at_the_top():
    rec = play(make(Hardliner), [0, 0, 0], start=(0, TOP))
    assert rec.choices == [H, H, H]


# Dove ------------------------------------------------------------------------------


def test_dove_steps_down_each_turn_and_concedes_when_the_opponent_reaches_its_rung():
    rec = play(make(Dove), [+1, +1, +1, +1, +1], start=(2, 1))
    # The opponent stands at 1, 2, 3, 4: the dove steps down to 0, holds
    # there, and concedes when it sees the opponent at rung 4.
    assert rec.choices == [D, D, H, C]
    assert rec.postures == [1, 0, 0, 0]
    assert rec.memories == [0, 0, 0, 0]


def test_dove_concede_at_is_a_parameter():
    assert play(make(Dove, concede_at=0), [0, 0], start=(3, 0)).choices == [C]
    rec = play(make(Dove, concede_at=5), [+1] * 6, start=(4, 1))
    assert rec.choices == [D, D, D, D, C]  # sees the opponent at 1, 2, 3, 4, then 5


def test_dove_ignores_what_the_opponent_just_did():
    a = play(make(Dove), [-1, -1, -1], start=(3, 3)).choices
    b = play(make(Dove), [+1, 0, 0], start=(3, 3)).choices
    assert a == [D, D, D]
    assert b == [D, C]  # the climb put the opponent at rung 4


# Brinkmanship ----------------------------------------------------------------------

# Utilities whose best response is HOLD; logit with infinite rationality takes it.
HOLD_BEST = (0.0, 1.0, 0.5, -1.0)
DOWN_BEST = (1.0, 0.0, 0.5, -1.0)


def test_brinkmanship_climbs_while_a_concession_looks_likely_enough():
    pc = [0.9, 0.5, 0.2, 0.21, 0.1, 0.9]
    rec = play(make(Brinkmanship), [0] * 6, start=(1, 3), utility=[HOLD_BEST] * 6, p_concede_up=pc)
    # Above the 0.2 threshold: climb; at or below it: the expected-utility choice.
    assert rec.choices == [U, U, H, U, H, U]
    assert rec.postures == [2, 3, 3, 4, 4, 5]
    assert rec.memories == [0] * 6


def test_brinkmanship_cannot_climb_past_the_top_or_a_closed_rung():
    capped = (0.0, 1.0, -math.inf, -1.0)  # UP unavailable (a posture cap)
    rec = play(
        make(Brinkmanship),
        [0, 0, 0],
        start=(TOP, 3),
        utility=[DOWN_BEST, DOWN_BEST, DOWN_BEST],
        p_concede_up=[0.9, 0.9, 0.9],
    )
    # At the top it falls back on the best response (down); one below it
    # climbs again; back at the top it falls back again.
    assert rec.choices == [D, U, D]
    rec = play(make(Brinkmanship), [0, 0], start=(1, 3), utility=[capped] * 2, p_concede_up=[1, 1])
    assert rec.choices == [H, H]


def test_brinkmanship_threshold_is_a_parameter():
    pc = [0.5, 0.5, 0.5]
    bold = play(make(Brinkmanship, threshold=0.0), [0] * 3, start=(0, 0), p_concede_up=pc)
    timid = play(
        make(Brinkmanship, threshold=0.5),
        [0] * 3,
        start=(0, 0),
        utility=[HOLD_BEST] * 3,
        p_concede_up=pc,
    )
    assert bold.choices == [U, U, U] and timid.choices == [H, H, H]


# Expected utility -------------------------------------------------------------------


def test_expected_utility_with_infinite_rationality_is_a_best_response():
    util = [DOWN_BEST, HOLD_BEST, (0.0, 0.0, 2.0, 1.0), (0.0, 0.0, 0.0, 3.0)]
    rec = play(make(ExpectedUtility), [0] * 4, start=(3, 3), utility=util)
    assert rec.choices == [D, H, U, C]
    assert rec.memories == [0, 0, 0, 0]


def test_expected_utility_logit_draws_follow_the_cumulative_weights():
    # beta = 1, utilities (0, ln 2, -inf, 0): weights 1, 2, 0, 1 of 4, so the
    # cumulative shares are 0.25, 0.75, 0.75, 1. The draw picks the option
    # whose band contains it; UP (unavailable) is never chosen.
    policy = make(ExpectedUtility)
    util = (0.0, math.log(2.0), -math.inf, 0.0)
    got = []
    for u in (0.0, 0.2, 0.25, 0.3, 0.74, 0.76, 0.999):
        obs = observe(posture=2, opponent_posture=2, utility=util, rationality=1.0, u=u)
        got.append(int(policy.decide(obs)[0][0, 0]))
    assert got == [D, D, D, H, H, C, C]


@pytest.mark.filterwarnings("error")
def test_logit_choice_warns_of_nothing_at_the_extremes_of_rationality():
    # Infinite beta times a zero gap, and a huge beta times a large gap, are
    # handled (errstate), not warned about once per step of every run.
    policy = make(ExpectedUtility)
    util = (0.0, 1e3, -math.inf, -1e3)
    for beta in (math.inf, 1e308, 0.0):
        obs = observe(posture=2, opponent_posture=2, utility=util, rationality=beta, u=0.5)
        choice, _ = policy.decide(obs)
        assert int(choice[0, 0]) == HOLD  # the best; and a third of the mass at u = 0.5 for beta 0


def test_the_base_policy_says_that_a_rule_must_define_decide():
    class Nameless(Policy):
        name = "nameless"
        citation = "none"

    with pytest.raises(TypeError, match=r"^Nameless does not define decide\(\)$"):
        Nameless(Policy.Params()).decide(observe(posture=0, opponent_posture=0))


def test_expected_utility_with_zero_rationality_is_uniform_over_available_options():
    policy = make(ExpectedUtility)
    util = (5.0, -math.inf, -3.0, 0.0)  # three options, each a third
    got = [
        int(
            policy.decide(
                observe(posture=2, opponent_posture=2, utility=util, rationality=0.0, u=u)
            )[0][0, 0]
        )
        for u in (0.1, 0.32, 0.34, 0.65, 0.67, 0.99)
    ]
    assert got == [D, D, U, U, C, C]


# Row-wise ---------------------------------------------------------------------------

ALL = [
    make(ExpectedUtility),
    make(Brinkmanship),
    make(TitForTat),
    make(GenerousTitForTat),
    make(Grit, steps=2),
    make(Hardliner),
    make(Dove),
]


@pytest.mark.parametrize("policy", ALL, ids=lambda p: p.name)
def test_a_policy_decides_each_run_and_role_on_its_own_observation(policy):
    # Many (run, role) pairs at once give what each gives alone: no row sees another's.
    rng = np.random.default_rng(14)
    r, m = 40, 3
    util = rng.normal(size=(r, m, 4))
    util[rng.random((r, m, 4)) < 0.2] = -np.inf
    util[..., HOLD] = np.where(np.isfinite(util[..., HOLD]), util[..., HOLD], 0.0)
    obs = Observation(
        utility=util,
        p_concede_up=rng.random((r, m)),
        posture=rng.integers(0, TOP + 1, (r, m)),
        opponent_posture=rng.integers(0, TOP + 1, (r, m)),
        last_move=rng.integers(-1, 2, (r, m)),
        opponent_last_move=rng.integers(-1, 2, (r, m)),
        memory=rng.integers(-1, 4, (r, m)),
        rationality=rng.choice([0.0, 1.0, 10.0, np.inf], (r, m)),
        u=rng.random((r, m)),
        top=TOP,
    )
    choice, memory = policy.decide(obs)
    assert choice.shape == memory.shape == (r, m)
    assert choice.dtype == memory.dtype == np.int64
    assert set(np.unique(choice)) <= {DOWN, HOLD, UP, CONCEDE}
    for i in range(0, r, 7):
        for j in range(m):
            one = Observation(
                **{
                    k: (v[i : i + 1, j : j + 1] if isinstance(v, np.ndarray) else v)
                    for k, v in vars(obs).items()
                }
            )
            c1, m1 = policy.decide(one)
            assert (int(c1[0, 0]), int(m1[0, 0])) == (int(choice[i, j]), int(memory[i, j]))
