"""Redraw docs/img/validation/posterior.png from the shipped posterior file.

    PYTHONPATH=src python docs/posterior_figure.py

The posterior is the 1,000 particles of ``posteriors/donbas-2014.yaml`` (the
last ABC-SMC generation of ``detente calibrate donbas-2014 --particles 1000
--generations 10 --seed 0``, docs/validation.md). The file does not keep the
prior generation, but it needs no simulation: generation 0 of
:func:`detente.calibration.abc.abc_smc` is the standard-normal draws keyed
``(seed, "abc.prior", 0, particle)`` mapped through the priors' quantile
functions, so it is recomputed here exactly, for the same seed, particle
count and priors (the scenario's SHA-256 is checked against the file's).
The panels are drawn by the report's own chart
(:func:`detente.report.calibration.posterior_marginals`: bins per
parameter, one x axis each).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import vl_convert as vlc
import yaml

from detente.calibration.calibrate import make_problem
from detente.calibration.targets import load_targets
from detente.random import normal
from detente.reference import builtin_targets
from detente.report.calibration import posterior_marginals
from detente.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BUILTIN = ROOT / "src/detente/scenario/builtin"
POSTERIOR = BUILTIN / "posteriors/donbas-2014.yaml"
OUT = ROOT / "docs/img/validation/posterior.png"


def main() -> None:
    doc = yaml.safe_load(POSTERIOR.read_text())
    made = doc["calibrated_from"]
    scenario = BUILTIN / "donbas-2014.yaml"
    sha = hashlib.sha256(scenario.read_bytes()).hexdigest()
    if sha != made["scenario_sha256"]:
        raise SystemExit(f"donbas-2014 changed since the posterior was fitted ({sha[:12]})")
    problem = make_problem(
        load_scenario(scenario), load_targets(builtin_targets("donbas-2014")), seed=made["seed"]
    )
    samples = doc["samples"]
    names = list(problem.names)
    if set(names) != set(samples):
        raise SystemExit(f"parameters differ: {sorted(set(names) ^ set(samples))}")
    n = len(samples[names[0]])
    ids = np.arange(n, dtype=np.int64)
    prior = problem.values(normal(made["seed"], "abc.prior", 0, ids, (len(names),)))
    frames = [
        pd.DataFrame(prior, columns=names).assign(generation=0),
        pd.DataFrame({k: samples[k] for k in names}).assign(generation=made["generation"]),
    ]
    spec = posterior_marginals(pd.concat(frames, ignore_index=True), names)
    OUT.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    print(f"wrote {OUT.relative_to(ROOT)} ({n} prior draws, {n} posterior particles)")


if __name__ == "__main__":
    main()
