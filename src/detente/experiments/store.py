"""The results store of a sweep: Parquet chunks, a manifest, a DuckDB catalogue.

Layout of a sweep folder::

    manifest.json          spec, provenance, design size, chunk plan, completed chunks
    design.parquet         one row per design point: point, then each factor
    chunks/chunk-000000.parquet ...   per-run outcomes: point, package, run, outcomes
    results.duckdb         views experiments, runs and summary over those files

Every file is written atomically (:func:`detente.io.write_atomic`): the
manifest names a chunk complete only after its file is in place, so a sweep
killed at any moment resumes without loss or duplication.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from detente.io import write_atomic

__all__ = [
    "ResultsError",
    "catalogue",
    "chunk_path",
    "load",
    "read_manifest",
    "write_manifest",
    "write_run",
    "write_table",
]

MANIFEST = "manifest.json"


def write_table(path: Path, table: pa.Table) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    write_atomic(path, buf.getvalue())


def write_run(folder: Path, comparison: Any, scenario: Any) -> None:
    """A run folder: runs.parquet, series.parquet (if recorded), scenario.yaml and
    summary.json, the summary last so that its presence means the rest is there."""
    import yaml

    write_table(folder / "runs.parquet", comparison.per_run())
    series = comparison.series_table()
    if series is not None:
        write_table(folder / "series.parquet", series)
    text = yaml.safe_dump(
        scenario.model_dump(mode="json", by_alias=True), sort_keys=False, allow_unicode=True
    )
    write_atomic(folder / "scenario.yaml", text.encode())
    write_atomic(folder / "summary.json", comparison.to_json().encode())


def chunk_path(folder: Path, chunk: int) -> Path:
    return folder / "chunks" / f"chunk-{chunk:06d}.parquet"


class ResultsError(ValueError):
    """A results folder that cannot be read, with the file and what was expected."""


_KEYS = {
    "format": int,
    "spec": dict,
    "spec_sha256": str,
    "packages": list,
    "points": int,
    "runs_per_point": int,
    "chunks": list,
    "complete": list,
}


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, checked; None if there is none."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(
            f"{path}: (top level): expected the JSON manifest of a sweep ({e})"
        ) from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: (top level): expected a JSON object")
    for key, kind in _KEYS.items():
        if not isinstance(data.get(key), kind):
            raise ResultsError(f"{path}: {key}: expected a {kind.__name__}")
    for i, c in enumerate(data["chunks"]):
        if not (isinstance(c, list) and len(c) == 2 and all(isinstance(v, int) for v in c)):
            raise ResultsError(f"{path}: chunks[{i}]: expected [start, stop]")
    return data


def readable_parquet(path: Path) -> bool:
    """True when the file is a complete Parquet file (its footer reads)."""
    try:
        pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        return False
    return True


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())


def catalogue(folder: Path):
    """(Re)create ``results.duckdb`` with views over the folder's files; return a connection.

    Views use absolute paths, rewritten on every call, so a moved folder
    works once it is opened again through here.
    """
    import duckdb

    folder = folder.resolve()
    path = folder / "results.duckdb"
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error:
        # The catalogue holds only views and is rebuilt from the files each
        # time: a damaged one (a disk that filled while it was written) is
        # simply made again.
        path.unlink(missing_ok=True)
        Path(str(path) + ".wal").unlink(missing_ok=True)
        con = duckdb.connect(str(path))
    design = (folder / "design.parquet").as_posix()
    con.execute(f"create or replace view experiments as select * from read_parquet('{design}')")
    files = sorted((folder / "chunks").glob("chunk-*.parquet"))
    if files:
        pattern = (folder / "chunks" / "chunk-*.parquet").as_posix()
        con.execute(f"create or replace view runs as select * from read_parquet('{pattern}')")
        cols = [r[0] for r in con.execute("describe runs").fetchall()]
        outcomes = [c for c in cols if c not in ("point", "package", "run")]
        means = ", ".join(f'avg(cast("{c}" as double)) as "{c}"' for c in outcomes)
        con.execute(
            "create or replace view summary as select point, package, count(*) as runs, "
            f"{means} from runs group by point, package"
        )
    return con


def load(folder: str | Path):
    """A sweep's results in the EMA Workbench's contract, plus a DuckDB connection.

    Returns
    -------
    experiments : pandas.DataFrame
        One row per experiment (design point x package): ``point``,
        ``policy`` (the package), then each uncertainty and lever.
    outcomes : dict[str, numpy.ndarray]
        For each outcome, its mean over the replications of each experiment,
        aligned with ``experiments`` (for a yes/no outcome such as ``war``
        the mean is its probability).
    con : duckdb.DuckDBPyConnection
        With views ``experiments``, ``runs`` and ``summary``.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ResultsError(f"{folder}: (top level): expected a sweep folder with {MANIFEST}")
    for name in ("design.parquet",):
        if not readable_parquet(folder / name):
            raise ResultsError(f"{folder / name}: (top level): expected a complete Parquet file")
    bad = [
        p for p in sorted((folder / "chunks").glob("chunk-*.parquet")) if not readable_parquet(p)
    ]
    if bad:
        raise ResultsError(
            f"{bad[0]}: (top level): expected a complete Parquet file "
            "(run detente sweep --resume to redo it)"
        )
    con = catalogue(folder)
    summary = con.execute(
        "select s.*, e.* exclude (point) from summary s join experiments e using (point) "
        "order by point, package"
    ).df()
    factors = [c for c in con.execute("describe experiments").df()["column_name"] if c != "point"]
    outcome_cols = [c for c in summary.columns if c not in ("point", "package", "runs", *factors)]
    experiments = summary[["point", "package", *factors]].rename(columns={"package": "policy"})
    outcomes = {c: np.asarray(summary[c], dtype=np.float64) for c in outcome_cols}
    return experiments.reset_index(drop=True), outcomes, con
