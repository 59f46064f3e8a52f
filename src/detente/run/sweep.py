"""Run an experiment: plan chunks, execute them locally or on Dask, stream to disk.

A chunk is a fixed range of design points with all their packages and
replications, sized from the spec (never from timings) to carry about
``chunk_seconds`` of work, so the plan is the same on every machine and a
resumed sweep meets the same chunks. Results depend only on (seed, point
values, replication), never on which worker ran what.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from detente import __version__
from detente.io import (
    MAX_PARQUET_BYTES,
    InputError,
    read_bytes,
    read_parquet,
    sha256_file,
    write_atomic,
)
from detente.io.store import (
    FORMAT,
    LOCK,
    ResultsError,
    catalogue,
    chunk_ok,
    chunk_path,
    locked,
    read_manifest,
    write_chunk,
    write_manifest,
)
from detente.outcomes import with_schema
from detente.run.design import check_points, sample
from detente.run.executors import ExecutorError
from detente.run.executors import executor as _executor
from detente.run.models import models
from detente.run.spec import ExperimentSpec
from detente.scenario.loading import ScenarioError

__all__ = ["SweepError", "SweepInterrupted", "SweepResult", "plan", "run_sweep"]

# Run-steps one task should carry per second of work; a conservative figure
# for the NumPy engine on one core (benchmarks/engine.py measures it).
RUN_STEPS_PER_SECOND = 60_000


class SweepError(Exception):
    """A sweep that cannot start or continue, with the reason."""


@dataclass(frozen=True)
class SweepResult:
    folder: Path
    points: int
    chunks: int
    ran: int  # chunks run by this call (the rest were already complete)


def spec_hash(spec: ExperimentSpec) -> str:
    return hashlib.sha256(
        json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


def plan(spec: ExperimentSpec, n_points: int, steps: int, n_packages: int) -> list[tuple[int, int]]:
    """Point ranges [start, stop), each about ``chunk_seconds`` of work."""
    per_point = max(1, spec.runs * steps * n_packages)
    size = max(1, math.ceil(spec.chunk_seconds * RUN_STEPS_PER_SECOND / per_point))
    return [(a, min(a + size, n_points)) for a in range(0, n_points, size)]


class SweepInterrupted(Exception):
    """A sweep stopped by a signal; what was kept, and how to finish it."""

    def __init__(self, out: Path, done: int, total: int) -> None:
        self.out, self.done, self.total = out, done, total
        super().__init__(
            f"{out}: interrupted: {done} of {total} chunks are saved and checked; "
            "run the same command with --resume to finish"
        )


def _differences(old: Any, new: Any, path: str = "") -> str | None:
    """The first path where two JSON values differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            d = _differences(old.get(k), new.get(k), f"{path}.{k}" if path else str(k))
            if d:
                return d
        return None
    if old != new:
        show = lambda v: s if len(s := json.dumps(v)) <= 60 else s[:57] + "..."  # noqa: E731
        return f"{path or '(top level)'} was {show(old)}, is now {show(new)}"
    return None


def _inputs(spec: ExperimentSpec, model: Any, folder: Path) -> dict[str, Any]:
    """What a sweep's numbers depend on besides its spec: the scenario's hash,
    a CSV design's hash and detente's version. A resume must meet the same."""
    out = {"provenance": model.provenance(), "version": __version__}
    if spec.design.method == "csv":
        path = folder / (spec.design.file or "")
        if not path.exists() and not path.is_symlink():
            raise ScenarioError(
                str(path), "design.file", "expected a CSV file with one column per factor"
            )
        try:
            out["design_file_sha256"] = sha256_file(folder / (spec.design.file or ""), "CSV design")
        except InputError as e:
            raise ScenarioError(str(folder / (spec.design.file or "")), "", e.expected) from None
    return out


def _check_resume(out: Path, manifest: dict[str, Any], spec: ExperimentSpec, now: dict) -> None:
    """Refuse to resume a sweep whose spec, scenario, CSV design or detente
    version changed: the two halves would be different experiments."""
    where = out / "manifest.json"
    if manifest["spec_sha256"] != spec_hash(spec):
        diff = _differences(manifest["spec"], spec.model_dump(mode="json"))
        raise SweepError(
            f"{where}: spec_sha256: expected the same experiment to resume, but the spec has "
            f"changed since the sweep started ({diff or 'its hash differs'})"
        )
    was = {
        "provenance": manifest.get("provenance"),
        "version": manifest.get("version"),
        **(
            {"design_file_sha256": manifest.get("design_file_sha256")}
            if "design_file_sha256" in now
            else {}
        ),
    }
    diff = _differences(was, now)
    if diff:
        raise SweepError(
            f"{where}: {diff.split(' ')[0]}: expected the same inputs to resume, but they have "
            f"changed since the sweep started ({diff}); run it into a new folder"
        )


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SweepError(f"{out}: (top level): expected a folder for the results, got a file")
    if "?" in str(out.resolve()):
        raise SweepError(
            f"{out}: (top level): expected a folder path without '?' (DuckDB, which "
            "catalogues the results, reads what follows it as options)"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise SweepError(
            f"{out}: (top level): expected a folder detente can write to ({e.strerror or e})"
        ) from None


def run_sweep(
    spec: ExperimentSpec,
    folder: Path,
    out: Path,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run (or, with ``resume``, finish) a sweep into ``out``.

    ``progress(done, total)`` is called with runs done after each chunk. Only
    one process writes into ``out`` at a time (a lock names the holder); a
    resume checks that the spec, scenario and design are the ones the sweep
    started with; every chunk's SHA-256 is recorded as it is written.
    """
    model = models.get(spec.model)(spec, folder)
    packages = model.packages()
    inputs = _inputs(spec, model, folder)
    created = not out.exists()
    _prepare_out(out)
    try:
        with locked(out, f"detente sweep of {spec.name}"):
            try:
                return _run_locked(
                    spec,
                    folder,
                    out,
                    model,
                    packages,
                    inputs,
                    executor,
                    workers,
                    scheduler,
                    resume,
                    progress,
                )
            finally:
                if created and not (out / "manifest.json").exists():
                    # Refused before anything was written (a bad design point,
                    # say): the lock holder leaves no empty folder behind.
                    (out / LOCK).unlink(missing_ok=True)
    except ResultsError as e:
        raise SweepError(str(e)) from None
    finally:
        if created and not (out / "manifest.json").exists():
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty


def _new_manifest(spec, folder, out, model, packages, inputs) -> dict[str, Any]:
    design = sample(spec, folder)
    scenario = getattr(model, "scenario", None)
    if scenario is not None:
        # Every design point validated as a scenario file is: no resolve of 5.
        check_points(scenario, spec, design, str(folder / spec.name))
    n = len(next(iter(design.values())))
    chunks = plan(spec, n, model.steps(), len(packages))
    table = pa.table({"point": np.arange(n, dtype=np.int64), **design})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    data = buf.getvalue()
    try:
        write_atomic(out / "design.parquet", data)
    except OSError as e:
        raise SweepError(
            f"{out}: (top level): expected a writable folder with room ({e.strerror or e})"
        ) from None
    manifest = {
        "format": FORMAT,
        "name": spec.name,
        "spec": spec.model_dump(mode="json"),
        "spec_sha256": spec_hash(spec),
        **inputs,
        "seed": spec.seed,
        "packages": packages,
        "points": n,
        "runs_per_point": spec.runs,
        "design_sha256": hashlib.sha256(data).hexdigest(),
        "chunks": [list(c) for c in chunks],
        "complete": [],
        "checksums": {},
    }
    try:
        write_manifest(out, manifest)
    except OSError as e:
        raise SweepError(
            f"{out}: (top level): expected room to write the manifest ({e.strerror or e})"
        ) from None
    return manifest


def _run_locked(
    spec, folder, out, model, packages, inputs, executor, workers, scheduler, resume, progress
) -> SweepResult:
    manifest = read_manifest(out)
    if manifest is not None and not resume:
        raise SweepError(
            f"{out}: (top level): expected an empty folder; it holds a sweep "
            "(pass --resume to finish it, or choose another folder)"
        )
    if manifest is not None:
        _check_resume(out, manifest, spec, inputs)
    else:
        manifest = _new_manifest(spec, folder, out, model, packages, inputs)
    try:
        design_table = read_parquet(out / "design.parquet", "design")
    except InputError as e:
        raise SweepError(
            f"{e.file}: (top level): {e.expected}; the sweep cannot resume without its design"
        ) from None
    if hashlib.sha256(pq_bytes(out / "design.parquet")).hexdigest() != manifest["design_sha256"]:
        raise SweepError(
            f"{out / 'design.parquet'}: (top level): expected the design the sweep wrote "
            "(its SHA-256 differs from the manifest's); run the sweep into a new folder"
        )
    chunks = [tuple(c) for c in manifest["chunks"]]
    # A chunk counts as complete only if its bytes are those recorded: one
    # damaged (or replaced) after the fact is run again.
    complete = {i for i in manifest["complete"] if chunk_ok(out, manifest, i) is None}
    runs_per_chunk = [(b - a) * spec.runs * len(packages) for a, b in chunks]
    total = sum(runs_per_chunk)
    done = sum(r for i, r in enumerate(runs_per_chunk) if i in complete)
    if progress:
        progress(done, total)
    spec_json = spec.model_dump_json()
    factor_names = [c for c in design_table.column_names if c != "point"]
    jobs = []
    for i, (a, b) in enumerate(chunks):
        if i in complete:
            continue
        cols = {k: design_table.column(k).to_numpy()[a:b].tolist() for k in factor_names}
        jobs.append((i, spec_json, str(folder), a, b, cols))

    def on_done(job: tuple, columns: dict[str, Any]) -> None:
        nonlocal done
        i = job[0]
        try:
            manifest["checksums"][str(i)] = write_chunk(out, i, with_schema(pa.table(columns)))
            complete.add(i)
            manifest["complete"] = sorted(complete)
            write_manifest(out, manifest)
        except OSError as e:
            # A full disk (or a file-size limit): the chunk is not recorded, the
            # earlier ones and the manifest stay as they were.
            raise SweepError(
                f"{chunk_path(out, i)}: (top level): expected room to write "
                f"results ({e.strerror or e}); free space, then --resume"
            ) from None
        done += runs_per_chunk[i]
        if progress:
            progress(done, total)

    try:
        with _executor(executor, workers, scheduler) as pool:
            pool.run(jobs, on_done)
    except ExecutorError as e:
        raise SweepError(str(e)) from None
    except KeyboardInterrupt:
        raise SweepInterrupted(out, len(complete), len(chunks)) from None
    try:
        catalogue(out, manifest).close()
    except Exception as e:  # duckdb raises its own IOException on a full disk
        raise SweepError(
            f"{out / 'results.duckdb'}: (top level): expected room to write the "
            f"catalogue ({e}); every chunk is saved: free space, then --resume"
        ) from None
    return SweepResult(out, manifest["points"], len(chunks), len(jobs))


def pq_bytes(path: Path) -> bytes:
    return read_bytes(path, "design", MAX_PARQUET_BYTES)


def check_folder_spec(spec: ExperimentSpec) -> None:
    """Raise a clear error early for a spec whose model is not registered."""
    if spec.model not in models:
        raise ScenarioError(
            spec.name,
            "model",
            f"expected a registered model ({', '.join(models.names())}), got {spec.model!r}",
        )
