"""Compare world orders on common random numbers, with confidence intervals.

Every preset is simulated with the same seed and run indices, so the same
draws (small states' resolve, preference changes, moves, crisis onsets) meet
each architecture: differences between presets are paired run by run, which
narrows their intervals (common random numbers; Law 2015, ch. 11).

Intervals respect the quantity: a share (P(nuclear use)) gets Wilson's
interval; every other mean, and every paired difference, the percentile
bootstrap over runs (Efron & Tibshirani 1993, ch. 13), which never leaves the
range the runs span (a count or a death toll is never below 0). The
resamples are drawn from the comparison's seed, so the intervals are
reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pyarrow as pa

from detente.analysis.statistics import wilson_interval
from detente.outcomes import with_schema
from detente.world.loading import load_world
from detente.world.metrics import LABELS as METRICS_LABELS
from detente.world.metrics import WORLD_METRICS
from detente.world.simulate import METRICS, TALLY, World, build_world, simulate_world

__all__ = [
    "WorldComparison",
    "compare_worlds",
    "percentile_interval",
    "ratio_interval",
    "run_world",
]

CHUNK = 125  # runs per task: bounds memory; results do not depend on it
RESAMPLES = 2000  # bootstrap resamples: the percentile interval's error is well below its width

LABELS = METRICS_LABELS  # as detente.world.metrics declares them


def _task(w: World, seed: int, runs: NDArray[np.int64]) -> dict[str, NDArray]:
    return simulate_world(w, seed, runs)


def run_world(
    w: World,
    seed: int,
    runs: int,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, NDArray]:
    """Per-run metrics for runs 0 .. runs-1, in chunks over worker processes."""
    parts = [np.arange(a, min(a + CHUNK, runs), dtype=np.int64) for a in range(0, runs, CHUNK)]
    results: list[dict[str, NDArray]] = []
    if workers <= 1 or len(parts) == 1:
        for idx in parts:
            results.append(_task(w, seed, idx))
            if progress:
                progress(len(idx))
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_task, w, seed, idx) for idx in parts]
            for f, idx in zip(futures, parts, strict=True):
                results.append(f.result())
                if progress:
                    progress(len(idx))
    return {k: np.concatenate([r[k] for r in results]) for k in results[0]}


@dataclass
class WorldComparison:
    """Per-run metrics of each preset, and the summaries the report shows."""

    presets: list[str]
    titles: dict[str, str]
    runs: int
    years: int
    seed: int
    metrics: dict[str, dict[str, NDArray]]  # preset -> metric -> (runs,)

    def summary(self) -> list[dict[str, Any]]:
        """Mean and 95% interval of every metric, and the paired difference from the first,
        and the share of crises over states that became wars, with and without a great-power
        ally (the record check of docs/world.md)."""
        base = self.presets[0]
        idx = resamples(self.runs, self.seed)
        rows = []
        for name in self.presets:
            m = self.metrics[name]
            row: dict[str, Any] = {"preset": name, "title": self.titles[name]}
            for k in METRICS:
                x = m[k]
                if k == "nuclear_use":
                    lo, hi = wilson_interval(int(x.sum()), len(x))
                else:
                    lo, hi = percentile_interval(x, idx)
                row[k] = float(x.mean())
                row[f"{k}_ci"] = [lo, hi]
                if name != base:
                    d = x - self.metrics[base][k]
                    row[f"{k}_vs_{base}"] = float(d.mean())
                    row[f"{k}_vs_{base}_ci"] = list(percentile_interval(d, idx))
            for side in ("allied", "alone"):
                share, ci = ratio_interval(m[f"_wars_{side}"], m[f"_crises_{side}"], idx)
                row[f"war_share_{side}"] = share
                row[f"war_share_{side}_ci"] = ci
            rows.append(row)
        return rows

    def per_run(self) -> pa.Table:
        import pyarrow as pa

        keys = [*METRICS, *TALLY]
        cols: dict[str, list] = {"preset": [], "run": [], **{k: [] for k in keys}}
        for name in self.presets:
            m = self.metrics[name]
            n = len(m["autonomy"])
            cols["preset"] += [name] * n
            cols["run"] += list(range(n))
            for k in keys:
                cols[k] += m[k].tolist()
        return with_schema(pa.table(cols), WORLD_METRICS)


def resamples(n: int, seed: int) -> NDArray[np.int64]:
    """Bootstrap indices (RESAMPLES, n), drawn from ``seed``: every metric and preset of a
    comparison is resampled with the same runs, as the runs themselves are paired."""
    rng = np.random.default_rng([seed, 5701])  # 5701: this purpose's stream
    return rng.integers(0, n, size=(RESAMPLES, n))


def percentile_interval(x: NDArray, idx: NDArray[np.int64]) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of ``x`` (Efron & Tibshirani 1993)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return float(x.mean()), float(x.mean())
    means = x[idx].mean(axis=1)
    lo, hi = np.quantile(means, (0.025, 0.975))
    return float(lo), float(hi)


def ratio_interval(
    num: NDArray[np.float64], den: NDArray[np.float64], idx: NDArray[np.int64]
) -> tuple[float | None, list[float] | None]:
    """A ratio of sums over runs (wars per crisis) and its percentile-bootstrap interval;
    None where no crisis happened."""
    total = float(np.sum(den))
    if total == 0:
        return None, None
    ok = den[idx].sum(axis=1) > 0
    ratios = num[idx].sum(axis=1)[ok] / den[idx].sum(axis=1)[ok]
    lo, hi = np.quantile(ratios, (0.025, 0.975))
    return float(np.sum(num)) / total, [float(lo), float(hi)]


def compare_worlds(
    presets: list[str],
    runs: int = 1000,
    years: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> WorldComparison:
    """Simulate each preset (name or file) on common random numbers."""
    workers = workers or os.cpu_count() or 1
    metrics, titles = {}, {}
    horizon = None
    for name in presets:
        spec = load_world(name)
        if years is not None:
            spec = spec.model_copy(update={"world": spec.world.model_copy(update={"years": years})})
        horizon = spec.world.years
        w = build_world(spec)
        metrics[name] = run_world(w, seed, runs, workers, progress)
        titles[name] = spec.title or spec.name
    return WorldComparison(list(presets), titles, runs, int(horizon or 0), seed, metrics)
