"""Iterated-game tournaments: detente.theory.games against the axelrod library.

Usage::

    python benchmarks/axelrod_tournament.py            # 200 turns; 10 and 100 repetitions
    python benchmarks/axelrod_tournament.py --quick    # 200 turns; 10 repetitions

The same nine strategies on both sides (Cooperator, Defector, TitForTat,
GTFT, WinStayLoseShift, Grudger, GoByMajority, Random, Gradual), a round
robin with self-play (axelrod's default), the same turns and repetitions,
without and with 5% noise, one process each, best of three each taken in
turn. The named baseline is the axelrod library (4.13.0) measured in the
same run; the figure is matches per second and the ratio. detente plays
every match of the tournament at once (vectorised over pairs and
repetitions); axelrod plays them one by one. No test
asserts these numbers; the agreement of the two libraries' play is tested in
tests/test_theory.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import axelrod as axl
import numpy as np

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    turns = 200
    n = len(OURS)
    rows = []
    for reps, noise in [(r, x) for r in ((10,) if args.quick else (10, 100)) for x in (0.0, 0.05)]:
        matches = (n * (n + 1) // 2) * reps  # pairs with self-play, times repetitions
        t_ours = t_theirs = np.inf
        for _ in range(3):  # best of three each, taken in turn
            start = time.perf_counter()
            ours = games.tournament(
                [c() for c in OURS], turns=turns, repetitions=reps, noise=noise, self_play=True
            )
            t_ours = min(t_ours, time.perf_counter() - start)
            start = time.perf_counter()
            theirs = axl.Tournament(
                [c() for c in THEIRS], turns=turns, repetitions=reps, noise=noise, seed=1
            ).play(progress_bar=False, processes=1)
            t_theirs = min(t_theirs, time.perf_counter() - start)
        rows.append(
            {
                "repetitions": reps,
                "noise": noise,
                "matches": matches,
                "detente_matches_per_s": round(matches / t_ours, 1),
                "axelrod_matches_per_s": round(matches / t_theirs, 1),
                "ratio": round(t_theirs / t_ours, 1),
                "winner_detente": ours.ranking()[0][0],
                "winner_axelrod": theirs.ranked_names[0],
            }
        )
    json.dump(
        {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            "axelrod": axl.__version__,
            "turns": turns,
            "strategies": n,
            "results": rows,
        },
        sys.stdout,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
