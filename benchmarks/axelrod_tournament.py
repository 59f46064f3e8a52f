"""Iterated-game tournaments: detente.theory.games against the axelrod library.

Usage::

    python benchmarks/axelrod_tournament.py            # 200 turns; 10 and 100 repetitions
    python benchmarks/axelrod_tournament.py --quick    # 200 turns; 10 repetitions

The same nine strategies on both sides (Cooperator, Defector, TitForTat,
GTFT, WinStayLoseShift, Grudger, GoByMajority, Random, Gradual), a round
robin with self-play (axelrod's default), the same turns and repetitions,
without and with 5% noise, one process each, best of three each taken in
turn (interleaved). The named baseline is the axelrod library (4.13.0) measured in the
same run; the figure is matches per second and the ratio. detente plays
every match of the tournament at once (vectorised over pairs and
repetitions); axelrod plays them one by one. Checked before timing: without
noise, every match between the seven deterministic strategies scores the same
in both libraries (GTFT and Random draw from different generators on purpose;
tests/test_theory.py checks their play within Monte Carlo error). Timed
interleaved, best of N (benchmarks/harness.py); writes
``benchmarks/results/axelrod_tournament.json``. No test asserts these
numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import axelrod as axl
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Report, arguments, interleave, rounds_of

from detente.theory import games

OURS = [
    games.Cooperator,
    games.Defector,
    games.TitForTat,
    games.GenerousTitForTat,
    games.WinStayLoseShift,
    games.Grudger,
    games.GoByMajority,
    games.Random,
    games.Gradual,
]
THEIRS = [
    axl.Cooperator,
    axl.Defector,
    axl.TitForTat,
    axl.GTFT,
    axl.WinStayLoseShift,
    axl.Grudger,
    axl.GoByMajority,
    axl.Random,
    axl.Gradual,
]


DETERMINISTIC = [i for i, c in enumerate(OURS) if c not in (games.GenerousTitForTat, games.Random)]


def check_same_play(report: Report, turns: int) -> None:
    """Before timing: the deterministic strategies score the same in both libraries."""
    ours = games.tournament([c() for c in OURS], turns=turns, repetitions=1, self_play=True)
    theirs = axl.Tournament([c() for c in THEIRS], turns=turns, repetitions=1, seed=1).play(
        progress_bar=False, processes=1
    )
    idx = np.ix_(DETERMINISTIC, DETERMINISTIC)
    a = ours.payoff_matrix[idx]
    b = np.asarray(theirs.payoff_matrix)[idx] * turns  # axelrod's is per turn
    report.check(
        "without noise, every match between the 7 deterministic strategies scores the same "
        "in detente and axelrod (GTFT and Random draw from different generators on purpose; "
        "the timed tournaments are the same job: strategies, turns, repetitions, noise)",
        bool(np.allclose(a, b, rtol=1e-12, atol=0.0)),
        largest_difference=float(np.max(np.abs(a - b))),
    )


def main() -> None:
    ap = arguments(__doc__, rounds=3)
    args = ap.parse_args()
    rounds = rounds_of(args)
    report = Report("axelrod_tournament", args)
    turns = 200
    n = len(OURS)
    report.put("axelrod", axl.__version__)
    report.put("turns", turns)
    report.put("strategies", n)
    check_same_play(report, turns)
    rows = []
    for reps, noise in [(r, x) for r in ((10,) if args.quick else (10, 100)) for x in (0.0, 0.05)]:
        matches = (n * (n + 1) // 2) * reps  # pairs with self-play, times repetitions
        t = interleave(
            {
                "detente": lambda r=reps, x=noise: games.tournament(
                    [c() for c in OURS], turns=turns, repetitions=r, noise=x, self_play=True
                ),
                "axelrod (baseline)": lambda r=reps, x=noise: axl.Tournament(
                    [c() for c in THEIRS], turns=turns, repetitions=r, noise=x, seed=1
                ).play(progress_bar=False, processes=1),
            },
            rounds,
        )
        report.timed(f"repetitions={reps}, noise={noise}", t, matches=matches)
        ours, theirs = t["detente"].best, t["axelrod (baseline)"].best
        rows.append(
            {
                "repetitions": reps,
                "noise": noise,
                "matches": matches,
                "detente_matches_per_s": round(matches / ours, 1),
                "axelrod_matches_per_s": round(matches / theirs, 1),
                "ratio": round(theirs / ours, 1),
            }
        )
    report.put("results", rows)
    report.table(
        f"round robin of {n} strategies with self-play, {turns} turns, best of {rounds} "
        "interleaved (baseline: axelrod)",
        ["repetitions", "noise", "matches", "detente matches/s", "axelrod matches/s", "ratio"],
        [list(r.values()) for r in rows],
    )
    report.write()


if __name__ == "__main__":
    main()
