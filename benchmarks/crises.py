"""The crisis fit: its cost, the forecast's cost, and what history's priors do to
ukraine-2022 (docs/validation.md, "Many crises").

    python benchmarks/crises.py timing     # predict 100 crises; a small fit
    python benchmarks/crises.py ukraine    # ukraine-2022, hand-set vs fitted priors

Run from the repository root with PYTHONPATH=src. The fitted priors come from
the shipped posterior (src/detente/crises/fit/icb-1918-1989.yaml).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from detente import parse_scenario, simulate
from detente.crises import load_crises, shipped_fit
from detente.crises.fit import FitSettings, fit, read_posterior
from detente.crises.predict import predict
from detente.crises.scenario import scenario_posterior, scenario_with_history

ROOT = Path(__file__).parents[1]
ICB = ROOT / "data" / "icb"
BUILTIN = ROOT / "src" / "detente" / "scenario" / "builtin"


def timing() -> None:
    table, _, _ = load_crises(ICB / "icb1v14-1918-1989.csv", ICB / "icb2v14-1918-1989.csv")
    post = read_posterior(shipped_fit())
    hundred = table.take(np.arange(100))
    t = time.perf_counter()
    predict(hundred, post, draws=50, reps=8, seed=0)
    print(f"predict, 100 crises x 50 draws x 8 runs: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    p = fit(table, FitSettings(particles=20, generations=2, reps=2, max_moves=1))
    print(
        f"fit, 391 crises, 20 particles, 2 generations: {time.perf_counter() - t:.1f} s "
        f"({sum(g['simulations'] for g in p.meta['generations'])} particle simulations)"
    )


def ukraine(runs: int = 2000, seed: int = 0) -> None:
    post = read_posterior(shipped_fit())
    data = yaml.safe_load((BUILTIN / "ukraine-2022.yaml").read_text())
    hand = parse_scenario(data, "ukraine-2022.yaml", base=BUILTIN)
    with tempfile.TemporaryDirectory() as tmp:
        pfile = Path(tmp) / "icb-weekly.yaml"
        pfile.write_text(yaml.safe_dump(scenario_posterior(post, hand.settings.step_weeks)))
        fitted = parse_scenario(
            scenario_with_history(data, str(pfile), post.median()["lookahead"]),
            "ukraine-2022+icb",
            base=BUILTIN,
        )
        rows = []
        for name, sc in (("hand-set", hand), ("fitted", fitted)):
            t = time.perf_counter()
            rows.append(
                (name, simulate(sc, runs=runs, seed=seed).outcomes, time.perf_counter() - t)
            )
    (_, a, _), (_, b, _) = rows
    for name, o, secs in rows:
        print(
            f"{name:9s} P(war) {o['war'].mean():.3f}  P(nuclear use) "
            f"{o['nuclear_use'].mean():.4f}  median deaths {np.median(o['deaths']):,.0f}  "
            f"({secs:.0f} s)"
        )
    d = b["war"].astype(float) - a["war"].astype(float)
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    print(
        f"paired difference in P(war), fitted - hand-set: {d.mean():+.3f} "
        f"[{d.mean() - half:+.3f}, {d.mean() + half:+.3f}] ({runs} runs, seed {seed}, "
        f"same run indices)"
    )
    print(
        f"look-ahead: hand-set {hand.settings.lookahead:g} steps, fitted "
        f"{fitted.settings.lookahead:.1f} steps; rationality: hand-set 200, fitted median "
        f"{post.median()['rationality']:.1f}"
    )


if __name__ == "__main__":
    {"timing": timing, "ukraine": ukraine}[sys.argv[1] if len(sys.argv) > 1 else "timing"]()
