"""Forecast from a calibration's posterior, and score it on later records.

``detente forecast DIR --until 2025-12`` draws whole rows of the posterior
(``posterior.parquet``, last generation), simulates the scenario to the
given month and writes, for every calibrated quantity, the posterior
predictive by month and by year with its 50% and 90% intervals. Each target
is forecast as its record would show it (:mod:`detente.calibration.observation`):
an index scaled as in the fit, a survey with its error, a floor as the
quantity itself (the record will lie at or below it).

``detente score DIR --targets FILE`` reads any targets file of the
documented schema whose observations all lie after the calibration window
and scores the same posterior predictive on them (CRPS, and the coverage of
the 50% and 90% intervals, floors by their definition), without refitting.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from detente.analysis.metrics import crps
from detente.calibration.calibrate import PIECE, Problem, make_problem
from detente.calibration.observation import index_scale, recorded, with_error
from detente.calibration.targets import (
    STOCKS,
    Observations,
    Target,
    TargetsFile,
    load_targets,
    observations,
    read_off,
)
from detente.model.simulate import compile_model, run_chunk
from detente.random import uniform
from detente.scenario.loading import ScenarioError, load_scenario

__all__ = ["Posterior", "forecast", "load_posterior", "score_targets"]

F64 = NDArray[np.float64]
FORECAST_BASE = 2 * 10**12  # global run indices of forecast simulations
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Posterior:
    """A calibration folder's problem and posterior, ready to simulate."""

    def __init__(self, folder: Path, manifest: dict[str, Any], problem: Problem, rows: F64):
        self.folder, self.manifest, self.problem, self.rows = folder, manifest, problem, rows

    @property
    def window_end(self) -> dt.date:
        """The last day any fitted observation covers."""
        pr = self.problem
        last = max(int(o.last.max()) for o in pr.fitted)
        return pr.start + dt.timedelta(days=last)

    def draws(self, m: int) -> tuple[F64, NDArray[np.int64]]:
        """``m`` posterior rows (equally weighted particles) and their run indices."""
        ids = FORECAST_BASE + np.arange(m, dtype=np.int64)
        u = uniform(self.problem.seed, "forecast.draw", 0, ids)
        pick = np.minimum((u * len(self.rows)).astype(np.int64), len(self.rows) - 1)
        return self.rows[pick], ids

    def series(self, values: F64, ids: NDArray[np.int64], steps: int) -> dict[str, F64]:
        """Recorded series (M, steps + 1) of the scenario under the drawn values."""
        sc = self.problem.scenario
        sc = sc.model_copy(update={"settings": sc.settings.model_copy(update={"steps": steps})})
        model = compile_model(sc, self.problem.package)
        parts: list[dict[str, F64]] = []
        for a in range(0, len(ids), PIECE):
            sl = slice(a, a + PIECE)
            ov = {p: values[sl, i] for i, p in enumerate(self.problem.paths)}
            _, s = run_chunk(sc, model, self.problem.seed, ids[sl], record=True, overrides=ov)
            assert s is not None
            parts.append(s)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def as_recorded(
        self, t: Target, v: F64, values: F64, ids: NDArray[np.int64], series: dict, tag: str
    ) -> F64:
        """Model values (M, n) of target ``t`` as its record would show them."""
        pr = self.problem
        k = len(pr.paths)
        if t.observed == "recorded":
            return recorded(v, values[:, k], values[:, k + 1], pr.seed, f"forecast.{tag}", ids)
        if t.observed == "index":
            fit = next((o for o in pr.fitted if o.target.id == t.id), None)
            if fit is None:
                raise ValueError(f"expected index target {t.id!r} among the calibrated targets")
            step_weeks = pr.scenario.settings.step_weeks
            v = v * index_scale(read_off(fit, series, step_weeks), fit.values)[:, None]
        if t.observed in ("direct", "index"):
            v = with_error(v, t.error, pr.seed, f"forecast.{tag}.error", ids)
        return v


def load_posterior(folder: Path) -> Posterior:
    """Read a calibration folder: its scenario, targets and last generation."""
    from detente.calibration.store import read_calibration_manifest, read_frame

    manifest = read_calibration_manifest(folder)
    sc = load_scenario(manifest["scenario"])
    candidates = [manifest.get("targets_path"), manifest["targets"]]
    tpath = next((Path(c) for c in candidates if c and Path(c).is_file()), None)
    if tpath is None:
        raise ValueError(f"expected the calibration's targets file at {manifest['targets']}")
    tf = load_targets(tpath)
    names = [p["name"] for p in manifest["parameters"]]
    paths = [n for n in names if not n.startswith("observation.")]
    until = manifest.get("until")
    problem = make_problem(
        sc,
        tf,
        parameters=paths,
        until=dt.date.fromisoformat(until) if until else None,
        package=manifest.get("package", "status-quo"),
        seed=int(manifest["seed"]),
        targets_file=str(tpath),
    )
    post = read_frame(folder, "posterior")
    last = post[post["generation"] == post["generation"].max()]
    return Posterior(folder, manifest, problem, last[names].to_numpy(dtype=np.float64))


def _months(start: dt.date, until: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (until.year, until.month):
        first = dt.date(y, m, 1)
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append((f"{y:04d}-{m:02d}", max(first, start), nxt - dt.timedelta(days=1)))
        y, m = nxt.year, nxt.month
    return out


def _years(start: dt.date, until: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    return [
        (f"{y}", max(dt.date(y, 1, 1), start), min(dt.date(y, 12, 31), until))
        for y in range(start.year, until.year + 1)
    ]


def _periods(t: Target, start: dt.date, periods, period: str) -> Observations:
    """The target's quantity over each period: a flow within it, or (a stock or a
    cumulative count) the level at its end."""
    level = t.quantity in STOCKS or t.kind == "cumulative"
    kind = "stock" if t.quantity in STOCKS else ("cumulative" if level else "total")
    t2 = t.model_copy(update={"kind": kind})
    first = [(b - start).days if level else (a - start).days for _, a, b in periods]
    last = [(b - start).days for _, _, b in periods]
    return Observations(
        t2,
        tuple(lab for lab, _, _ in periods),
        np.array(first, dtype=np.int64),
        np.array(last, dtype=np.int64),
        np.zeros(len(periods)),
    )


def forecast(post: Posterior, until: dt.date, draws: int = 1000) -> pd.DataFrame:
    """The posterior predictive of every calibrated quantity by month and by year."""
    pr = post.problem
    sc = pr.scenario
    days = 7.0 * sc.settings.step_weeks
    horizon = pr.start + dt.timedelta(days=int(sc.settings.steps * days) - 1)
    if until > horizon:
        raise ValueError(
            f"expected --until within the scenario's horizon (to {horizon.isoformat()}), "
            f"got {until.isoformat()}"
        )
    steps = min(sc.settings.steps, int(np.ceil(((until - pr.start).days + 1) / days)) + 1)
    values, ids = post.draws(draws)
    series = post.series(values, ids, steps)
    rows = []
    targets = {o.target.id: o.target for o in pr.predicted}
    for t in targets.values():
        for period, spans in (
            ("month", _months(pr.start, until)),
            ("year", _years(pr.start, until)),
        ):
            o = _periods(t, pr.start, spans, period)
            v = read_off(o, series, sc.settings.step_weeks)
            if o.target.kind == "total":
                # A flow of a count that never falls: the interpolation's last bit aside.
                v = np.maximum(v, 0.0)
            v = post.as_recorded(t, v, values, ids, series, f"{t.id}.{period}")
            q = np.quantile(v, QUANTILES, axis=0)
            for j, lab in enumerate(o.labels):
                rows.append(
                    {
                        "target": t.id,
                        "quantity": t.quantity,
                        "observed": t.observed,
                        "measure": "level at the end" if o.target.kind != "total" else "flow in",
                        "period": period,
                        "label": lab,
                        "fitted_window": spans[j][2] <= post.window_end,
                        "mean": float(v[:, j].mean()),
                        **{f"q{int(100 * p):02d}": float(q[i, j]) for i, p in enumerate(QUANTILES)},
                        "draws": draws,
                    }
                )
    return pd.DataFrame(rows)


def check_after(tf: TargetsFile, post: Posterior, file: str) -> None:
    """Raise :class:`ScenarioError` at the first observation not after the calibration window."""
    end = post.window_end
    start = post.problem.start
    from detente.calibration.targets import observation_window

    for i, t in enumerate(tf.targets):
        for label in t.values or {}:
            a, b = observation_window(t.kind, label)
            first = b if (t.kind in ("stock", "cumulative")) else a
            if b < start:
                raise ScenarioError(
                    file,
                    f"targets[{i}].values.{label}",
                    f"expected a date on or after the scenario's start ({start.isoformat()})",
                )
            if first <= end:
                raise ScenarioError(
                    file,
                    f"targets[{i}].values.{label}",
                    f"expected a date after the calibration window (which ends {end.isoformat()})",
                )


def score_targets(post: Posterior, tf: TargetsFile, file: str, draws: int = 1000) -> dict:
    """CRPS and interval coverage of the posterior predictive on later records."""
    from detente.calibration.store import target_coverage

    check_after(tf, post, file)
    pr = post.problem
    obs = observations(tf, pr.start)
    days = 7.0 * pr.scenario.settings.step_weeks
    last = max(int(o.last.max()) for o in obs)
    if last + 1 > pr.scenario.settings.steps * days:
        raise ScenarioError(file, "targets", "expected dates within the scenario's horizon")
    steps = min(pr.scenario.settings.steps, int(np.ceil((last + 1) / days)) + 1)
    values, ids = post.draws(draws)
    series = post.series(values, ids, steps)
    rows = []
    for o in obs:
        v = read_off(o, series, pr.scenario.settings.step_weeks)
        v = post.as_recorded(o.target, v, values, ids, series, f"score.{o.target.id}")
        ens = v.T  # (n, M)
        row = {
            "target": o.target.id,
            "first": o.labels[0],
            "last": o.labels[-1],
            **target_coverage(o.target, o.values, ens),
        }
        if o.target.observed != "floor":
            row["crps"] = float(np.mean(crps(o.values, ens)))
        rows.append(row)
    return {
        "calibration": str(post.folder),
        "window_end": post.window_end.isoformat(),
        "draws": draws,
        "targets": rows,
    }
