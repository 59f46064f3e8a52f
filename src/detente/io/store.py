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

import contextlib
import hashlib
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from detente.io import InputError, parse_json, read_bytes, sha256_file, write_atomic

__all__ = [
    "ResultsError",
    "catalogue",
    "chunk_path",
    "load",
    "locked",
    "read_manifest",
    "sql_ident",
    "sql_string",
    "verify",
    "write_chunk",
    "write_manifest",
    "write_run",
    "write_table",
]

MANIFEST = "manifest.json"
LOCK = ".lock"


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


FORMAT = 2  # 2: every chunk and the design carry a SHA-256 in the manifest
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_HEX = frozenset("0123456789abcdef")

_KEYS = {
    "format": int,
    "spec": dict,
    "spec_sha256": str,
    "design_sha256": str,
    "packages": list,
    "points": int,
    "runs_per_point": int,
    "chunks": list,
    "complete": list,
    "checksums": dict,
}


def _is_sha(x: object) -> bool:
    return isinstance(x, str) and len(x) == 64 and set(x) <= _HEX


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, checked; None if there is none."""
    path = folder / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = parse_json(read_bytes(path, "manifest", MAX_MANIFEST_BYTES), str(path))
    except InputError as e:
        raise ResultsError(
            f"{path}: (top level): expected the JSON manifest of a sweep ({e.expected})"
        ) from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: (top level): expected a JSON object")
    if data.get("format") != FORMAT:
        raise ResultsError(
            f"{path}: format: expected {FORMAT} (a sweep whose chunks carry checksums), "
            f"got {str(data.get('format'))[:20]}; run the sweep again into a new folder"
        )
    for key, kind in _KEYS.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise ResultsError(f"{path}: {key}: expected a {kind.__name__}")
    _check_plan(path, data)
    return data


def _check_plan(path: Path, data: dict[str, Any]) -> None:
    """The chunk plan covers points 0..points-1 in order; complete chunks are
    distinct indices of the plan, each with a SHA-256."""
    expect = 0
    for i, c in enumerate(data["chunks"]):
        if not (
            isinstance(c, list)
            and len(c) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in c)
            and c[0] == expect
            and c[1] > c[0]
        ):
            raise ResultsError(
                f"{path}: chunks[{i}]: expected [start, stop] following on from {expect}"
            )
        expect = c[1]
    if expect != data["points"]:
        raise ResultsError(f"{path}: chunks: expected chunks covering {data['points']} points")
    seen: set[int] = set()
    for j, i in enumerate(data["complete"]):
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(data["chunks"]):
            raise ResultsError(f"{path}: complete[{j}]: expected a chunk index")
        if i in seen:
            raise ResultsError(f"{path}: complete[{j}]: expected each chunk once, got {i} twice")
        if not _is_sha(data["checksums"].get(str(i))):
            raise ResultsError(f"{path}: checksums.{i}: expected the SHA-256 of chunk {i}")
        seen.add(i)
    if not _is_sha(data["design_sha256"]):
        raise ResultsError(f"{path}: design_sha256: expected a SHA-256")


def chunk_ok(folder: Path, manifest: dict[str, Any], i: int) -> str | None:
    """What is wrong with complete chunk ``i`` (None if its bytes are those the
    manifest recorded when it was written)."""
    try:
        digest = sha256_file(chunk_path(folder, i), "results chunk")
    except InputError as e:
        return e.expected
    if digest != manifest["checksums"].get(str(i)):
        return (
            "expected the chunk the sweep wrote (its SHA-256 differs from the manifest's: "
            "damaged, replaced or swapped)"
        )
    return None


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a sweep folder unless it is complete and every file is the one the
    manifest recorded: the manifest, not the files on disk, says what the
    results are (a stray copy of a chunk is never read; a lost one is named)."""
    try:
        design = sha256_file(folder / "design.parquet", "design")
    except InputError as e:
        raise ResultsError(f"{folder / 'design.parquet'}: (top level): {e.expected}") from None
    if design != manifest["design_sha256"]:
        raise ResultsError(
            f"{folder / 'design.parquet'}: (top level): expected the design the sweep wrote "
            "(its SHA-256 differs from the manifest's)"
        )
    complete = set(manifest["complete"])
    for i in range(len(manifest["chunks"])):
        path = chunk_path(folder, i)
        if i not in complete:
            raise ResultsError(
                f"{path}: (top level): expected a complete sweep; chunk {i} of "
                f"{len(manifest['chunks'])} is not done (run detente sweep --resume to finish it)"
            )
        problem = chunk_ok(folder, manifest, i)
        if problem:
            raise ResultsError(
                f"{path}: (top level): {problem} (run detente sweep --resume to redo it)"
            )


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())


def write_chunk(folder: Path, i: int, table: pa.Table) -> str:
    """Write chunk ``i``; return the SHA-256 of the bytes written."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    data = buf.getvalue()
    write_atomic(chunk_path(folder, i), data)
    return hashlib.sha256(data).hexdigest()


def sql_string(text: str) -> str:
    """A SQL string literal: quotes doubled. DuckDB cannot bind parameters in a
    view's definition (its binder refuses them), so a path in a view is
    written as a literal, escaped here and nowhere else."""
    if "\x00" in text:
        raise ResultsError(f"{text!r}: (top level): expected a path without NUL characters")
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """A SQL identifier, double-quoted (quotes doubled): a column name is data."""
    if "\x00" in name:
        raise ResultsError(f"{name!r}: (top level): expected a column name without NUL characters")
    return '"' + name.replace('"', '""') + '"'


def catalogue(folder: Path, manifest: dict[str, Any] | None = None):
    """(Re)create ``results.duckdb`` with views over the folder's files; return a connection.

    The ``runs`` view reads exactly the complete chunks the manifest lists
    (never a glob: a stray file is not data). Paths are SQL literals and
    column names quoted identifiers, so no name in a folder or a file can
    change the SQL. Views use absolute paths, rewritten on every call, so a
    moved folder works once it is opened again through here.
    """
    import duckdb

    folder = folder.resolve()
    if "?" in str(folder):
        # DuckDB reads what follows a '?' in a database path as options (it
        # put the write-ahead log in another folder): refuse rather than guess.
        raise ResultsError(
            f"{folder}: (top level): expected a folder path without '?' (DuckDB cannot "
            "open a catalogue there); move or rename the folder"
        )
    if manifest is None:
        manifest = read_manifest(folder)
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
    design = sql_string((folder / "design.parquet").as_posix())
    con.execute(f"create or replace view experiments as select * from read_parquet({design})")
    done = sorted(manifest["complete"]) if manifest else []
    if done:
        files = ", ".join(sql_string(chunk_path(folder, i).as_posix()) for i in done)
        con.execute(f"create or replace view runs as select * from read_parquet([{files}])")
        cols = [r[0] for r in con.execute("describe runs").fetchall()]
        outcomes = [c for c in cols if c not in ("point", "package", "run")]
        means = "".join(
            f", avg(cast({sql_ident(c)} as double)) as {sql_ident(c)}" for c in outcomes
        )
        con.execute(
            "create or replace view summary as select point, package, count(*) as runs"
            f"{means} from runs group by point, package"
        )
    return con


class LockedError(ResultsError):
    """Another process holds the folder's lock."""


@contextlib.contextmanager
def locked(folder: Path, what: str = "detente sweep") -> Iterator[None]:
    """Hold ``folder/.lock`` (an advisory ``flock``) while writing into the folder.

    The holder writes who it is (process id, host, start time, command) into
    the file, so a second writer is refused with the holder named. The kernel
    drops the lock when its process ends, however it ends: a killed sweep
    never leaves a stale lock behind.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock (docs/reliability.md)
        yield
        return
    path = folder / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another process"
            raise LockedError(
                f"{folder}: (top level): expected no other writer, but {holder} is writing "
                "into this folder; wait for it to finish (or end it), or choose another --out"
            ) from None
        me = (
            f"{what} (pid {os.getpid()} on {socket.gethostname()}, since "
            f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime())})"
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, me.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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
    verify(folder, manifest)
    con = catalogue(folder, manifest)
    summary = con.execute(
        "select s.*, e.* exclude (point) from summary s join experiments e using (point) "
        "order by point, package"
    ).df()
    factors = [c for c in con.execute("describe experiments").df()["column_name"] if c != "point"]
    outcome_cols = [c for c in summary.columns if c not in ("point", "package", "runs", *factors)]
    experiments = summary[["point", "package", *factors]].rename(columns={"package": "policy"})
    outcomes = {c: np.asarray(summary[c], dtype=np.float64) for c in outcome_cols}
    return experiments.reset_index(drop=True), outcomes, con
