"""The crisis fit: its cost, the forecast's cost, and what history's priors do to
ukraine-2022 (docs/validation.md, "Many crises").

    python benchmarks/crises.py timing     # predict 100 crises; a small fit
    python benchmarks/crises.py ukraine    # ukraine-2022, hand-set vs fitted priors
    python benchmarks/crises.py scan       # best in-sample RPS over 300 prior draws

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


def ukraine(runs: int = 4000, seed: int = 0) -> None:
    post = read_posterior(shipped_fit())
    data = yaml.safe_load((BUILTIN / "ukraine-2022.yaml").read_text())
    hand = parse_scenario(data, "ukraine-2022.yaml", base=BUILTIN)
    base = simulate(hand, runs=runs, seed=seed).outcomes
    print(f"{'priors':24s} {'P(war)':>7} {'paired change [95%]':>26} {'median deaths':>14}")
    print(f"{'hand-set':24s} {base['war'].mean():7.3f} {'':>26} {np.median(base['deaths']):14,.0f}")
    med = post.median()
    with tempfile.TemporaryDirectory() as tmp:
        pfile = Path(tmp) / "icb-weekly.yaml"
        pfile.write_text(yaml.safe_dump(scenario_posterior(post, hand.settings.step_weeks)))
        for parts in (
            ("hazards",),
            ("rationality",),
            ("lookahead",),
            ("hazards", "rationality", "lookahead"),
        ):
            sc = parse_scenario(
                scenario_with_history(data, str(pfile), med["lookahead"], parts),
                "ukraine-2022+icb",
                base=BUILTIN,
            )
            o = simulate(sc, runs=runs, seed=seed).outcomes
            # Paired on common random numbers: the same seed and run indices, so a
            # run differs only through the parameters the fit replaced.
            d = o["war"].astype(float) - base["war"].astype(float)
            half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
            label = "fitted: " + " + ".join(parts) if len(parts) < 3 else "fitted: all three"
            ci = f"{d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]"
            print(f"{label:24s} {o['war'].mean():7.3f} {ci:>26} {np.median(o['deaths']):14,.0f}")
    print(
        f"({runs} runs, seed {seed}; look-ahead hand-set {hand.settings.lookahead:g} weeks, "
        f"fitted median {med['lookahead']:.1f}; rationality hand-set 200, fitted median "
        f"{med['rationality']:.1f}; hazard scale median {med['hazard_scale']:.2f})"
    )


def scan(n: int = 300, seed: int = 5) -> None:
    """Can any coefficient draw beat the base rate in-sample? The fair RPS of viol
    (Ferro 2014: what an unlimited ensemble would score) of n prior draws."""
    from detente.crises.fit import fair_rps
    from detente.crises.mapping import COEFFICIENTS, from_unit
    from detente.crises.simulate import simulate_crises
    from detente.random import uniform

    table, _, _ = load_crises(ICB / "icb1v14-1918-1989.csv", ICB / "icb2v14-1918-1989.csv")
    u = np.stack([uniform(seed, f"scan.{c.name}", -1, np.arange(n)) for c in COEFFICIENTS], 1)
    sim = simulate_crises(table, from_unit(u), np.arange(n) + 10**7, 4, 0)
    r = fair_rps(sim["viol"], table.viol[None, :]).mean(axis=1)
    base = np.bincount(table.viol, minlength=5)[1:] / len(table)
    F = np.cumsum(base)[:3]
    O = (table.viol[:, None] <= np.arange(1, 4)).astype(float)
    print(
        f"{n} prior draws, in-sample fair RPS of viol: best {r.min():.3f}, 5th percentile "
        f"{np.quantile(r, 0.05):.3f}, median {np.median(r):.3f}; base rate in-sample "
        f"{((F - O) ** 2).sum(axis=1).mean():.3f}"
    )
    best = from_unit(u[[int(np.argmin(r))]])
    print("best draw:", {k: round(float(v[0, 0]), 3) for k, v in best.items()})


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "timing"
    {"timing": timing, "ukraine": ukraine, "scan": scan}[mode]()
