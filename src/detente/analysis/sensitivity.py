"""Global sensitivity analysis of a sweep with SALib.

Sobol first-order and total-order indices with bootstrap confidence
intervals (Saltelli 2002; Saltelli et al. 2010), and Morris elementary-effects
screening (Morris 1991; Campolongo, Cariboni & Saltelli 2007), for every
outcome and package. Each design point's outcome is its mean over the
replications, so replications reduce the simulation noise that would
otherwise inflate the indices.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.io.store import load

if TYPE_CHECKING:
    from detente.run.spec import ExperimentSpec

__all__ = ["analyse"]


def analyse(spec: ExperimentSpec, out: Path) -> list[dict[str, Any]]:
    """Indices for every (package, outcome, factor) of a finished sweep in ``out``."""
    experiments, outcomes, con = load(out)
    con.close()
    prob = spec.problem()
    names = prob["names"]
    rows: list[dict[str, Any]] = []
    for package in dict.fromkeys(experiments["policy"]):
        mask = (experiments["policy"] == package).to_numpy()
        order = np.argsort(experiments["point"].to_numpy()[mask])
        x = experiments.loc[mask, names].to_numpy()[order]
        for outcome, values in outcomes.items():
            y = values[mask][order]
            if not np.isfinite(y).all() or np.ptp(y) == 0:
                continue
            if spec.design.method == "sobol":
                from SALib.analyze import sobol

                res = sobol.analyze(
                    prob,
                    y,
                    calc_second_order=spec.design.second_order,
                    seed=spec.seed,
                    print_to_console=False,
                )
                for i, name in enumerate(names):
                    rows.append(
                        {
                            "package": package,
                            "outcome": outcome,
                            "factor": name,
                            "S1": float(res["S1"][i]),
                            "S1_conf": float(res["S1_conf"][i]),
                            "ST": float(res["ST"][i]),
                            "ST_conf": float(res["ST_conf"][i]),
                        }
                    )
            elif spec.design.method == "morris":
                from SALib.analyze import morris

                res = morris.analyze(
                    prob, x, y, num_levels=4, seed=spec.seed, print_to_console=False
                )
                for i, name in enumerate(names):
                    rows.append(
                        {
                            "package": package,
                            "outcome": outcome,
                            "factor": name,
                            "mu_star": float(res["mu_star"][i]),
                            "mu_star_conf": float(res["mu_star_conf"][i]),
                            "sigma": float(res["sigma"][i]),
                        }
                    )
            else:
                raise ValueError("expected design.method sobol or morris for sensitivity")
    return rows
