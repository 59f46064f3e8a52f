"""Results in the data structures researchers already use: xarray for the
weekly series, ArviZ for calibrated posteriors.

Both libraries are extras (``pip install 'detente[xarray]'``,
``'detente[arviz]'``) imported only here, when asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from detente.extras import require

__all__ = ["RUNG_LABELS", "posterior_to_arviz", "series_to_xarray"]

# column 0 of the recorded rung counts is "settled", then the ladder's rungs 0-9
RUNG_LABELS = ["settled", *[f"rung {k}" for k in range(10)]]


def series_to_xarray(results: dict[str, Any]) -> Any:
    """Weekly series of one or more :class:`~detente.Result` as an ``xarray.Dataset``.

    Dimensions ``package``, ``week`` and ``level`` (``settled``, then rungs
    0-9); variables ``share_at_level`` (share of runs whose crisis is at that
    level), ``p_at_war``, ``deaths_mean`` (cumulative, per run) and
    ``displaced_mean`` (stock, per run). Attributes carry the provenance
    (scenario, its SHA-256, seed, runs, version, backend).
    """
    require("Result.to_xarray()", "xarray")
    import xarray as xr

    names = list(results)
    missing = [n for n in names if results[n].series is None]
    if missing:
        raise ValueError(
            f"expected results simulated with series=True; {', '.join(missing)} has none"
        )
    first = results[names[0]]
    steps = len(first.series["at_war"])

    def stack(key: str) -> np.ndarray:
        return np.stack([results[n].series[key] / results[n].runs for n in names])

    return xr.Dataset(
        {
            "share_at_level": (("package", "week", "level"), stack("rung_counts")),
            "p_at_war": (("package", "week"), stack("at_war")),
            "deaths_mean": (("package", "week"), stack("deaths_sum")),
            "displaced_mean": (("package", "week"), stack("displaced_sum")),
        },
        coords={"package": names, "week": np.arange(steps), "level": RUNG_LABELS},
        attrs={
            "scenario": first.scenario,
            "scenario_sha256": first.scenario_sha256,
            "seed": first.seed,
            "runs": first.runs,
            "detente_version": first.version,
            "backend": first.backend,
            "note": "Conditional on the scenario's assumptions; not forecasts.",
        },
    )


def posterior_to_arviz(folder: str | Path) -> Any:
    """A calibration folder's posterior (``detente calibrate --out``) as ArviZ data.

    The last ABC-SMC generation's particles become one chain of draws per
    parameter (ABC-SMC particles are equally weighted here, so they are draws
    from the approximate posterior; there are no chains to compare, so
    R-hat does not apply). The prior generation is kept as the prior group,
    so ``arviz.plot_dist_comparison`` and friends work.
    """
    require("posterior_to_arviz()", "arviz", "pandas")
    import arviz as az

    from detente.calibration.store import read_frame

    folder = Path(folder)
    post = read_frame(folder, "posterior")
    bookkeeping = {"generation", "particle", "id", "distance", "epsilon"}
    names = [c for c in post.columns if c not in bookkeeping]
    last = post["generation"].max()

    def group(g: int) -> dict[str, np.ndarray]:
        sel = post[post["generation"] == g]
        return {n: sel[n].to_numpy(dtype=float)[None, :] for n in names}

    return az.from_dict(posterior=group(last), prior=group(0))
