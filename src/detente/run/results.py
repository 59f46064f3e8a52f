"""What an ensemble returns: ``Result`` (one package's per-run outcomes, with
provenance) and ``Comparison`` (several packages on common random numbers),
with their summaries, tables and the deterministic JSON of ``detente run``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from detente.analysis.peace import price_of_peace
from detente.analysis.statistics import paired_difference, quantiles, wilson_interval
from detente.outcomes import SUMMARIES, with_schema

__all__ = ["Comparison", "Result"]


@dataclass(frozen=True)
class Result:
    """Per-run outcomes of one package, with provenance."""

    scenario: str
    scenario_sha256: str
    package: str
    seed: int
    runs: int
    version: str
    backend: str
    outcomes: dict[str, NDArray] = field(repr=False)
    series: dict[str, NDArray] | None = field(default=None, repr=False)

    def table(self) -> pa.Table:
        """Per-run outcomes as an Arrow table, one row per run."""
        cols = {"package": pa.array([self.package] * self.runs)}
        cols.update({k: pa.array(v) for k, v in self.outcomes.items()})
        return with_schema(pa.table(cols))

    @property
    def frame(self) -> Any:
        """Per-run outcomes as a pandas DataFrame (needs pandas)."""
        try:
            return self.table().to_pandas()
        except ModuleNotFoundError as e:  # pragma: no cover - depends on the install
            raise ModuleNotFoundError(
                "Result.frame needs pandas: pip install 'detente[pandas]'"
            ) from e

    def plot(self) -> Any:
        """Deaths and displaced per run, and the weekly series if recorded
        (a matplotlib Figure; needs ``detente[plot]``)."""
        from detente.plotting import plot_result

        return plot_result(self)

    def to_xarray(self) -> Any:
        """The weekly series as an ``xarray.Dataset`` (needs ``series=True`` and
        ``detente[xarray]``); see :func:`detente.interop.series_to_xarray`."""
        from detente.interop import series_to_xarray

        return series_to_xarray({self.package: self})

    def summary(self) -> dict[str, Any]:
        """Probabilities with 95% Wilson intervals; deaths and displaced with 5-95% ranges."""
        o = self.outcomes
        n = self.runs
        out: dict[str, Any] = {"name": self.package}
        for s in SUMMARIES:  # the fields and their order as detente.outcomes declares them
            x = o.get(s.outcome)
            if x is None:  # an outcome a package may lack (enforced): a share of none
                out[s.key] = 0.0
            elif s.statistic == "share_ci":
                count = int(x.sum())
                out[s.key] = count / n
                out[f"{s.key}_ci"] = list(wilson_interval(count, n))
            elif s.statistic in ("share", "mean"):  # a share is the mean of a bool
                out[s.key] = float(x.mean())
            else:
                out[s.key] = quantiles(x)[0 if s.statistic == "q05" else 1]
        out["disputes"] = price_of_peace(o)
        return out


@dataclass(frozen=True)
class Comparison:
    """Several packages of one scenario, simulated on the same random numbers."""

    results: dict[str, Result]
    baseline: str = "status-quo"

    @property
    def scenario(self) -> str:
        return next(iter(self.results.values())).scenario

    def rows(self) -> list[dict[str, Any]]:
        """One summary per package, with its change in P(war) against the baseline."""
        base = self.results.get(self.baseline)
        rows = []
        for _name, res in self.results.items():
            row = res.summary()
            if base is not None:
                delta, ci = paired_difference(
                    res.outcomes["war"].astype(np.float64), base.outcomes["war"].astype(np.float64)
                )
                row["delta_p_war_vs_status_quo"] = delta
                row["delta_p_war_ci"] = list(ci)
            else:
                row["delta_p_war_vs_status_quo"] = None
                row["delta_p_war_ci"] = None
            rows.append(row)
        return rows

    def table(self) -> Any:
        """The rows as a pandas DataFrame, one row per package (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.rows()).set_index("name")

    def plot(self) -> Any:
        """P(war), P(settled) and the change against the status quo, per package
        (a matplotlib Figure; needs ``detente[plot]``)."""
        from detente.plotting import plot_comparison

        return plot_comparison(self)

    def to_xarray(self) -> Any:
        """Every package's weekly series as one ``xarray.Dataset`` (needs
        ``series=True`` and ``detente[xarray]``)."""
        from detente.interop import series_to_xarray

        return series_to_xarray(self.results)

    def to_dict(self) -> dict[str, Any]:
        first = next(iter(self.results.values()))
        return {
            "scenario": first.scenario,
            "scenario_sha256": first.scenario_sha256,
            "runs": first.runs,
            "seed": first.seed,
            "version": first.version,
            "backend": first.backend,
            "note": (
                "Results are conditional on the scenario's assumptions; they are not "
                "forecasts of what will happen."
            ),
            "packages": self.rows(),
        }

    def to_json(self) -> str:
        """Deterministic JSON: same seed, same bytes."""
        return json.dumps(_clean(self.to_dict()), indent=2, sort_keys=False, allow_nan=False) + "\n"

    def series_table(self) -> pa.Table | None:
        """Per package and step: the share of runs at each rung (0-9), the share at
        war, mean deaths and mean displaced stock so far. None unless simulated
        with ``series=True``."""
        cols: dict[str, list] = {}
        for name, res in self.results.items():
            if res.series is None:
                return None
            s = res.series
            steps = len(s["at_war"])
            cols.setdefault("package", []).extend([name] * steps)
            cols.setdefault("step", []).extend(range(steps))
            counts = s["rung_counts"] / res.runs  # column 0: settled, then rungs 0-9
            cols.setdefault("settled", []).extend(counts[:, 0].tolist())
            for k in range(10):
                cols.setdefault(f"rung_{k}", []).extend(counts[:, k + 1].tolist())
            cols.setdefault("p_at_war", []).extend((s["at_war"] / res.runs).tolist())
            cols.setdefault("deaths_mean", []).extend((s["deaths_sum"] / res.runs).tolist())
            cols.setdefault("displaced_mean", []).extend((s["displaced_sum"] / res.runs).tolist())
        return with_schema(pa.table(cols), "series")

    def per_run(self) -> pa.Table:
        """Every package's per-run outcomes, stacked."""
        return pa.concat_tables([r.table() for r in self.results.values()])


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if math.isnan(x) else x
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x
