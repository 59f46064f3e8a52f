"""What drives each headline number: one assumption at a time, paired on common random numbers.

For each assumption of a scenario, set it to a low and a high value (every
other number as in the file), simulate every package with the same seed, so
that each run meets the same random numbers in every variant, and report per
package P(war), its change against the scenario as written (paired, with a
95% interval), the share of runs with an agreement, and the challenger's
mean terms per dispute. Writes JSON and a Markdown table beside it:

    python benchmarks/policy_sensitivity.py --runs 2000 --seed 0 \\
        --out benchmarks/results/policy-sensitivity.json
"""

from __future__ import annotations

import argparse
import copy
import json
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np

import detente
from detente.analysis.statistics import paired_difference
from detente.scenario.loading import parse_scenario, read_yaml, set_path

# (label, [(path, value), ...]) pairs: low then high. Paths are set_path's.
ASSUMPTIONS: list[tuple[str, list[tuple[str, object]], list[tuple[str, object]]]] = [
    ("Russia's war cost (0.1 / 0.6; file U(0.2, 0.5))",
     [("actors.RU.war_cost", 0.1)], [("actors.RU.war_cost", 0.6)]),
    ("alignment: indivisible share (0 / 0.9; file U(0.4, 0.7))",
     [("disputes.alignment.indivisible", 0.0)], [("disputes.alignment.indivisible", 0.9)]),
    ("alignment: forecast shift against Russia (0 / -0.3; file U(-0.15, 0))",
     [("disputes.alignment.power_shift", 0.0)], [("disputes.alignment.power_shift", -0.3)]),
    ("look-ahead in weeks (8 / 52; file 26)",
     [("settings.lookahead", 8)], [("settings.lookahead", 52)]),
    ("shadow of the future (0.5 / 0.99; file 0.9)",
     [("settings.shadow_of_future", 0.5)], [("settings.shadow_of_future", 0.99)]),
    ("renege rate, both disputes (0 / 0.05; file U(0.002, 0.01))",
     [("disputes.donbas.renege_rate", 0.0), ("disputes.alignment.renege_rate", 0.0)],
     [("disputes.donbas.renege_rate", 0.05), ("disputes.alignment.renege_rate", 0.05)]),
    ("Russia's rule (expected-utility / hardliner; file brinkmanship)",
     [("actors.RU.policy", {"name": "expected-utility"})],
     [("actors.RU.policy", {"name": "hardliner"})]),
    ("NATO cohesion as Russia believes it (bias 0 / -0.5; file U(-0.35, -0.05))",
     [("actors.RU.cohesion_bias", 0.0)], [("actors.RU.cohesion_bias", -0.5)]),
    ("Ukraine's war cost (0.15 / 0.9; file U(0.3, 0.6))",
     [("actors.UA.war_cost", 0.15)], [("actors.UA.war_cost", 0.9)]),
    ("audience costs, both (0 / 0.3; file 0.1)",
     [("actors.RU.audience_cost", 0.0), ("actors.UA.audience_cost", 0.0)],
     [("actors.RU.audience_cost", 0.3), ("actors.UA.audience_cost", 0.3)]),
    ("withdrawal penalty (0 / 0.5; file 0.1)",
     [("packages.withdrawal[0].penalty", 0.0), ("packages.peace-program[0].penalty", 0.0)],
     [("packages.withdrawal[0].penalty", 0.5), ("packages.peace-program[0].penalty", 0.5)]),
    ("ceasefire monitoring (0 / 1; file 0.5)",
     [("packages.ceasefire[0].monitoring", 0.0), ("packages.peace-program[1].monitoring", 0.0)],
     [("packages.ceasefire[0].monitoring", 1.0), ("packages.peace-program[1].monitoring", 1.0)]),
    ("mutual optimism, sd on the log-odds of winning (0 / 2; file U(0.5, 1.5))",
     [("war.optimism", 0.0)], [("war.optimism", 2.0)]),
    ("weeks of battle that halve a pre-war estimate's weight (2 / 1000; file U(13, 52))",
     [("war.learning_weeks", 2.0)], [("war.learning_weeks", 1000.0)]),
    ("talks in the baseline (none, as in the first round / with guarantees 0.5; file: open)",
     [("baseline[0]", {"type": "information_campaign", "source": "RU", "bias": 0.0,
                       "noise": 0.0})],
     [("baseline[0]", {"type": "negotiate", "disputes": ["donbas", "alignment"],
                       "mediation": 0.0, "guarantee": 0.5})]),
]


def _builtin(name: str) -> tuple[dict, Path]:
    res = resources.files("detente.scenario") / "builtin" / f"{name}.yaml"
    with resources.as_file(res) as path:
        return read_yaml(path), Path(path)


def _variant(data: dict, base: Path, changes: list[tuple[str, object]]) -> detente.Scenario:
    d = copy.deepcopy(data)
    for path, value in changes:
        set_path(d, path, value, "<sensitivity>")
    return parse_scenario(d, file="<sensitivity>", base=base.parent)


def _run(sc: detente.Scenario, runs: int, seed: int) -> dict:
    keep = ("war", "settled_by.", "settlement.", "agreements.")
    return {pkg: {k: v for k, v in detente.simulate(sc, runs=runs, seed=seed, package=pkg)
                  .outcomes.items() if k.startswith(keep)}
            for pkg in sc.packages}


def _run_variant(job: tuple) -> dict:
    """One variant in a worker process: the same seed gives the same draws anywhere."""
    data, path, changes, runs, seed = job
    return _run(_variant(data, path, changes), runs, seed)


def _row(o: dict, base: dict | None, disputes: list[str]) -> dict:
    war = o["war"].astype(float)
    row: dict = {"p_war": float(war.mean())}
    if base is not None:
        delta, (lo, hi) = paired_difference(war, base["war"].astype(float))
        row["delta_p_war"] = [float(delta), float(lo), float(hi)]
    for d in disputes:
        by = o[f"settled_by.{d}"]
        terms = np.where(by > 0, o[f"settlement.{d}"], np.nan)
        row[f"agreement.{d}"] = float((o[f"agreements.{d}"] > 0).mean())
        row[f"terms.{d}"] = float(np.nanmean(terms)) if np.isfinite(terms).any() else None
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="ukraine-2022")
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/policy-sensitivity.json"))
    ap.add_argument("--workers", type=int, default=1, help="processes, one variant each")
    a = ap.parse_args()
    data, path = _builtin(a.scenario)
    sc = parse_scenario(copy.deepcopy(data), file=a.scenario, base=path.parent)
    disputes = [d.id for d in sc.disputes]
    base = _run(sc, a.runs, a.seed)
    doc: dict = {"scenario": a.scenario, "runs": a.runs, "seed": a.seed,
                 "base": {p: _row(o, None, disputes) for p, o in base.items()}, "variants": []}
    jobs = [(label, which, changes) for label, low, high in ASSUMPTIONS
            for which, changes in (("low", low), ("high", high))]
    with ProcessPoolExecutor(a.workers) as pool:
        outs = pool.map(_run_variant, [(data, path, c, a.runs, a.seed) for _, _, c in jobs])
        for (label, which, _), out in zip(jobs, outs, strict=True):
            doc["variants"].append({
                "assumption": label, "setting": which,
                "packages": {p: _row(o, base[p], disputes) for p, o in out.items()},
            })
            print(label, which, {p: round(r["p_war"], 3)
                                 for p, r in doc["variants"][-1]["packages"].items()}, flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1))
    a.out.with_suffix(".md").write_text(markdown(doc))


def markdown(doc: dict) -> str:
    pkgs = list(doc["base"])
    lines = [f"P(war) by package, {doc['runs']} runs, seed {doc['seed']}; in brackets the "
             "paired change against the file's assumptions (95% interval).", "",
             "| assumption | setting | " + " | ".join(pkgs) + " |",
             "|---|---|" + "---|" * len(pkgs),
             "| as in the file | | " + " | ".join(f"{doc['base'][p]['p_war']:.3f}" for p in pkgs)
             + " |"]
    for v in doc["variants"]:
        cells = []
        for p in pkgs:
            r = v["packages"][p]
            d, lo, hi = r["delta_p_war"]
            cells.append(f"{r['p_war']:.3f} ({d:+.3f} [{lo:+.3f}, {hi:+.3f}])")
        lines.append(f"| {v['assumption']} | {v['setting']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
