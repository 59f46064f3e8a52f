"""The crisis fit: its cost, the forecast's cost, and what history's priors do to
ukraine-2022 (docs/validation.md, "Many crises").

    python benchmarks/crises.py timing [--quick] [--rounds N]   # predict 100 crises; a fit
    python benchmarks/crises.py ukraine [RUNS]   # ukraine-2022, hand-set vs fitted priors
    python benchmarks/crises.py scan       # best in-sample RPS over 300 prior draws
    python benchmarks/crises.py diagnose [POSTERIOR]   # calibration, trigger, features

Run from the repository root with PYTHONPATH=src. The fitted priors come from
the shipped posterior (src/detente/crises/fit/icb-1918-1989.yaml).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from harness import Report, arguments, fingerprint, interleave, rounds_of

from detente import parse_scenario, simulate
from detente.crises import load_crises, shipped_fit
from detente.crises.fit import FitSettings, fit, read_posterior
from detente.crises.predict import predict
from detente.crises.scenario import scenario_posterior, scenario_with_history

ROOT = Path(__file__).parents[1]
ICB = ROOT / "data" / "icb"
BUILTIN = ROOT / "src" / "detente" / "scenario" / "builtin"


def timing(argv: list[str]) -> None:
    """The forecast's and the fit's cost, interleaved, best of N (benchmarks/harness.py).

    Checked before timing: the forecast of 10 crises is the same with 1 and 2
    workers, and a fit gives the same posterior twice; every timed call must
    give the same numbers as the other rounds' calls. The two cases are
    different work on purpose (no ratio between them). Writes
    ``benchmarks/results/crises-timing.json``.
    """
    ap = arguments(timing.__doc__, rounds=3)
    args = ap.parse_args(argv)
    rounds = rounds_of(args)
    report = Report("crises-timing", args)
    table, _, _ = load_crises(ICB / "icb1v14-1918-1989.csv", ICB / "icb2v14-1918-1989.csv")
    post = read_posterior(shipped_fit())
    n, draws = (20, 10) if args.quick else (100, 50)
    some = table.take(np.arange(n))
    ten = table.take(np.arange(10))
    one = fingerprint(dict(enumerate(predict(ten, post, draws=5, reps=2, seed=0, workers=1))))
    two = fingerprint(dict(enumerate(predict(ten, post, draws=5, reps=2, seed=0, workers=2))))
    report.check("the forecast of 10 crises is the same with 1 and 2 workers", one == two)
    settings = FitSettings(
        particles=20 if not args.quick else 8, generations=2, reps=2, max_moves=1
    )
    a, b = fit(table, settings).samples, fit(table, settings).samples
    report.check(
        "a fit gives the same posterior twice", fingerprint({"s": a}) == fingerprint({"s": b})
    )
    seen: dict[str, set[str]] = {"predict": set(), "fit": set()}
    sims: list[int] = []

    def run_predict() -> None:
        out = predict(some, post, draws=draws, reps=8, seed=0)
        seen["predict"].add(fingerprint(dict(enumerate(out))))

    def run_fit() -> None:
        p = fit(table, settings)
        seen["fit"].add(fingerprint({"s": p.samples}))
        sims.append(sum(g["simulations"] for g in p.meta["generations"]))

    names = {
        "predict": f"predict, {n} crises x {draws} draws x 8 runs",
        "fit": f"fit, {len(table)} crises, {settings.particles} particles, 2 generations",
    }
    t = interleave({names["predict"]: run_predict, names["fit"]: run_fit}, rounds)
    report.check(
        "every timed call gave the same numbers as the other rounds'",
        all(len(v) == 1 for v in seen.values()),
    )
    report.timed("crises", t, particle_simulations=sims[0])
    report.table(
        f"best of {rounds} interleaved",
        ["case", "best s", "median s"],
        [[k, v.best, v.median] for k, v in t.items()],
    )
    report.write()


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


FEATURES = [
    *("balance", "shadow", "great_power", "ally", "gravity_d", "gravity_c"),
    *("protracted", "rung_c", "mediated", "nuclear", "grave"),
]


def diagnose(path: str | None = None, draws: int = 20, reps: int = 4) -> None:
    """What the simulation says against the record, in-sample: (1) viol frequencies
    overall and by starting rung; (2) how often a war reaches 1000 battle deaths;
    (3) how each mapped feature moves the simulated latent escalation (standardised
    least-squares coefficients) beside how it moves the observed viol."""
    from scipy.stats import spearmanr

    from detente.crises.predict import predict_latent

    table, _, _ = load_crises(ICB / "icb1v14-1918-1989.csv", ICB / "icb2v14-1918-1989.csv")
    post = read_posterior(path or shipped_fit())
    z, counts, _ = predict_latent(table, post, draws, reps, seed=0)

    def freq(x: np.ndarray) -> str:
        return " ".join(f"{v:.2f}" for v in x / x.sum())

    obs = np.bincount(table.viol, minlength=5)[1:].astype(float)
    print(f"viol 1-4, all {len(table)}: observed {freq(obs)} | simulated {freq(counts.sum(0))}")
    for r in np.unique(table.rung_c):
        m = table.rung_c == r
        o = np.bincount(table.viol[m], minlength=5)[1:].astype(float)
        sim = freq(counts[m].sum(0))
        print(f"  start rung {r} ({m.sum():3d}): observed {freq(o)} | simulated {sim}")
    X = table.design()
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    A = np.c_[np.ones(len(X)), X]
    bz = np.linalg.lstsq(A, z, rcond=None)[0]
    bo = np.linalg.lstsq(A, table.viol.astype(float), rcond=None)[0]
    r2 = 1 - ((z - A @ bz) ** 2).sum() / ((z - z.mean()) ** 2).sum()
    print(f"latent escalation on the features: R^2 {r2:.2f}; per sd (simulated | observed)")
    for name, a, b in zip(FEATURES, bz[1:], bo[1:], strict=True):
        print(f"  {name:12s} {a:+.3f} | {b:+.3f}")
    print(f"Spearman(latent, viol) {spearmanr(z, table.viol)[0]:.3f}; within start rung:")
    for r in (1, 3, 5):
        m = table.rung_c == r
        print(f"  rung {r}: {spearmanr(z[m], table.viol[m])[0]:+.3f} ({m.sum()} crises)")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "timing"
    if mode == "timing":
        timing(sys.argv[2:])
    elif mode == "diagnose":
        diagnose(sys.argv[2] if len(sys.argv) > 2 else None)
    elif mode == "ukraine" and len(sys.argv) > 2:
        ukraine(int(sys.argv[2]))
    else:
        {"ukraine": ukraine, "scan": scan}[mode]()
