"""A calibration's folder: posterior samples, predictive draws, observations, manifest.

- ``posterior.parquet``: every generation's particles (``generation`` column;
  the largest is the posterior), with distance and tolerance;
- ``calibrated.yaml``: the posterior as a parameter file that scenarios can
  reference (``{dist: posterior, file: ..., parameter: ...}``);
- ``predictive.parquet``: posterior-predictive draws for every observation,
  as recorded (``value``) and as the model has them (``model_value``);
- ``observed.parquet``: the observations, and whether the fit used each;
- ``calibration.json``: the manifest (scenario and targets SHA-256, seed,
  generations, tolerances, time) and the in-sample coverage.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from detente import __version__
from detente.analysis.metrics import coverage
from detente.calibration.calibrate import Calibration
from detente.io import read_json, read_parquet, sha256_file, write_atomic
from detente.io.store import write_table

__all__ = [
    "coverage_table",
    "read_calibration",
    "read_calibration_manifest",
    "read_frame",
    "write_calibration",
]


def _sha(path: Path | None) -> str:
    return sha256_file(path, "targets") if path and path.is_file() else ""


def floor_coverage(floors, ensemble, level: float) -> float:
    """Share of floors at or below the upper end of the central ``level``
    interval: a lower bound agrees with every value above it, so it is
    'inside' unless the interval lies wholly below it."""
    hi = np.quantile(np.asarray(ensemble, dtype=np.float64), (1 + level) / 2, axis=-1)
    return float(np.mean(np.asarray(floors, dtype=np.float64) <= hi))


def target_coverage(target, obs, ens) -> dict[str, Any]:
    """Coverage of one target's observations (n,) by its draws (n, M), by its definition."""
    row: dict[str, Any] = {"observations": len(obs), "observed": target.observed}
    if target.observed == "floor":
        row["coverage_50"] = floor_coverage(obs, ens, 0.5)
        row["coverage_90"] = floor_coverage(obs, ens, 0.9)
        row["share_above_floor"] = float(np.mean(ens >= np.asarray(obs)[:, None]))
    else:
        row["coverage_50"] = coverage(obs, ens, 0.5)
        row["coverage_90"] = coverage(obs, ens, 0.9)
    return row


def coverage_table(cal: Calibration, fitted_only: bool = True) -> list[dict[str, Any]]:
    """Coverage of the central 50% and 90% predictive intervals, per target
    (for a floor: whether the floor lies below the interval's upper end)."""
    rows = []
    fitted = {(o.target.id, lab) for o in cal.problem.fitted for lab in o.labels}
    for o in cal.problem.predicted:
        draws = cal.predictive[o.target.id].T  # (n, M)
        mask = np.array([(o.target.id, lab) in fitted for lab in o.labels])
        if fitted_only:
            if not mask.any():
                continue
            obs, ens = o.values[mask], draws[mask]
        else:
            obs, ens = o.values, draws
        rows.append({"target": o.target.id, **target_coverage(o.target, obs, ens)})
    return rows


def write_calibration(
    cal: Calibration,
    out: Path,
    *,
    scenario_ref: str,
    scenario_file: Path | None,
    targets_file: Path,
) -> dict[str, Any]:
    """Write the folder; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    pr = cal.problem
    cols: dict[str, Any] = {
        "generation": [],
        "particle": [],
        "id": [],
        "distance": [],
        "epsilon": [],
    }
    values: dict[str, list[float]] = {n: [] for n in pr.names}
    for g in cal.generations:
        v = pr.values(g.z)
        n = len(g.distances)
        cols["generation"] += [g.index] * n
        cols["particle"] += list(range(n))
        cols["id"] += g.ids.tolist()
        cols["distance"] += g.distances.tolist()
        cols["epsilon"] += [g.epsilon] * n
        for i, name in enumerate(pr.names):
            values[name] += v[:, i].tolist()
    write_table(out / "posterior.parquet", pa.table({**cols, **values}))

    rows: dict[str, list[Any]] = {
        "target": [],
        "label": [],
        "draw": [],
        "value": [],
        "model_value": [],
    }
    obs_rows: dict[str, list[Any]] = {"target": [], "label": [], "value": [], "fitted": []}
    fitted = {(o.target.id, lab) for o in pr.fitted for lab in o.labels}
    for o in pr.predicted:
        rec, mod = cal.predictive[o.target.id], cal.predictive_model[o.target.id]
        m = rec.shape[0]
        for j, lab in enumerate(o.labels):
            rows["target"] += [o.target.id] * m
            rows["label"] += [lab] * m
            rows["draw"] += list(range(m))
            rows["value"] += rec[:, j].tolist()
            rows["model_value"] += mod[:, j].tolist()
            obs_rows["target"].append(o.target.id)
            obs_rows["label"].append(lab)
            obs_rows["value"].append(float(o.values[j]))
            obs_rows["fitted"].append((o.target.id, lab) in fitted)
    write_table(out / "predictive.parquet", pa.table(rows))
    write_table(out / "observed.parquet", pa.table(obs_rows))

    post = cal.posterior
    pv = pr.values(post.z)
    calibrated = {
        "calibrated_from": {
            "scenario": scenario_ref,
            "scenario_sha256": _sha(scenario_file),
            "targets": str(targets_file),
            "targets_sha256": _sha(targets_file),
            "until": pr.until.isoformat() if pr.until else None,
            "seed": pr.seed,
            "generation": post.index,
            "epsilon": post.epsilon,
            "detente": __version__,
        },
        "note": "Posterior samples from ABC-SMC, equally weighted; draw a whole row for a "
        "joint draw (a scenario's {dist: posterior} does).",
        "samples": {n: [float(f"{x:.6g}") for x in pv[:, i]] for i, n in enumerate(pr.names)},
    }
    write_atomic(
        out / "calibrated.yaml", yaml.safe_dump(calibrated, sort_keys=False, width=100).encode()
    )

    manifest = {
        "kind": "calibration",
        "scenario": scenario_ref,
        "scenario_sha256": _sha(scenario_file),
        "targets": str(targets_file),
        "targets_path": str(Path(targets_file).resolve()),
        "targets_sha256": _sha(targets_file),
        "start_date": pr.start.isoformat(),
        "until": pr.until.isoformat() if pr.until else None,
        "package": pr.package,
        "seed": pr.seed,
        "version": __version__,
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(cal.seconds, 2),
        "simulations": cal.simulations,
        "settings": cal.meta,
        "parameters": [
            {
                "name": n,
                "prior": pr.priors[i].model_dump(exclude_none=True, by_alias=True),
                "posterior_mean": float(np.mean(pv[:, i])),
                "posterior_q05": float(np.quantile(pv[:, i], 0.05)),
                "posterior_q95": float(np.quantile(pv[:, i], 0.95)),
            }
            for i, n in enumerate(pr.names)
        ],
        "generations": [
            {
                "generation": g.index,
                "epsilon": None if not np.isfinite(g.epsilon) else g.epsilon,
                "acceptance": g.acceptance,
                "simulations": g.simulations,
                "median_distance": float(np.median(g.distances)),
            }
            for g in cal.generations
        ],
        "coverage_in_sample": coverage_table(cal, fitted_only=True),
    }
    write_atomic(out / "calibration.json", json.dumps(manifest, indent=2).encode())
    return manifest


def read_calibration_manifest(folder: Path) -> dict[str, Any]:
    """``calibration.json`` of a calibration folder, through the guarded reader."""
    manifest = read_json(folder / "calibration.json", "calibration manifest")
    if not isinstance(manifest, dict):
        from detente.io import InputError

        raise InputError(
            str(folder / "calibration.json"), "", "expected a JSON object (a calibration manifest)"
        )
    return manifest


def read_frame(folder: Path, name: str) -> Any:
    """``<name>.parquet`` of a calibration folder as a DataFrame, through the guarded reader."""
    return read_parquet(folder / f"{name}.parquet", name).to_pandas()


def read_calibration(folder: Path) -> tuple[dict[str, Any], Any, Any]:
    """(manifest, predictive DataFrame, observed DataFrame) of a calibration folder.

    Every file goes through :mod:`detente.io` (no FIFOs, devices or folders;
    bounded sizes); a problem is an :class:`~detente.io.InputError` naming it.
    """
    manifest = read_calibration_manifest(folder)
    return manifest, read_frame(folder, "predictive"), read_frame(folder, "observed")
