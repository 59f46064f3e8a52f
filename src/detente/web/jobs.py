"""Ensemble jobs for the web app: a bounded queue, progress, results on disk."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.experiments.ensemble import compare
from detente.experiments.store import write_run
from detente.scenario.schema import Scenario

__all__ = ["Job", "JobQueue"]


@dataclass
class Job:
    id: str
    scenario: Scenario
    runs: int
    seed: int
    packages: list[str] | None
    folder: Path
    status: str = "queued"  # queued, running, done, failed
    done_runs: int = 0
    total_runs: int = 0
    error: str | None = None
    created: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "error": self.error,
            "progress": self.done_runs / self.total_runs if self.total_runs else 0.0,
            "runs": self.runs,
            "seed": self.seed,
            "scenario": self.scenario.name,
        }


class JobQueue:
    """At most ``concurrency`` jobs run at once; the rest wait in order.

    A job that runs longer than ``timeout`` seconds is marked failed when it
    reports progress next (the engine cannot be interrupted mid-chunk).
    """

    def __init__(self, concurrency: int = 1, timeout: float = 600.0, keep: int = 50) -> None:
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="detente-job")
        self.timeout = timeout
        self.keep = keep
        self.jobs: dict[str, Job] = {}
        self.root = Path(tempfile.mkdtemp(prefix="detente-web-"))
        self.lock = threading.Lock()

    def submit(self, scenario: Scenario, runs: int, seed: int, packages: list[str] | None) -> Job:
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir()
        n_pkgs = len({"status-quo", *(packages or scenario.packages)})
        job = Job(job_id, scenario, runs, seed, packages, folder, total_runs=runs * n_pkgs)
        with self.lock:
            self.jobs[job_id] = job
            self._trim()
        self.pool.submit(self._run, job)
        return job

    def _trim(self) -> None:
        finished = [j for j in self.jobs.values() if j.status in ("done", "failed")]
        for old in sorted(finished, key=lambda j: j.created)[: max(0, len(self.jobs) - self.keep)]:
            self.jobs.pop(old.id, None)
            shutil.rmtree(old.folder, ignore_errors=True)

    def _run(self, job: Job) -> None:
        job.status = "running"
        start = time.monotonic()

        def progress(k: int) -> None:
            job.done_runs += k
            if time.monotonic() - start > self.timeout:
                raise TimeoutError(f"the job ran past its limit of {self.timeout:.0f} s")

        try:
            cmp = compare(
                job.scenario,
                job.packages,
                runs=job.runs,
                seed=job.seed,
                chunk_size=min(1000, job.runs),
                progress=progress,
                series=True,
            )
            write_run(job.folder, cmp, job.scenario)
            job.status = "done"
        except Exception as e:  # a failed job is reported, never raised into the server
            job.status = "failed"
            job.error = f"{type(e).__name__}: {e}"

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)
