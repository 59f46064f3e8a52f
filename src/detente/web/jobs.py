"""Ensemble jobs for the web app: a bounded queue, bounded work, a worker
process per job that is ended at its time limit, results on disk.

Each job runs in its own process (``spawn``), so a job past ``timeout`` is
ended at once (the engine cannot be interrupted mid-chunk from a thread), a
memory limit (``RLIMIT_AS``, where the platform has it) caps what one job
may take, and the server's memory never holds a job's arrays. The queue
holds at most ``max_pending`` jobs waiting or running; job folders live in
one temporary folder removed when the queue is closed (server shutdown, or
interpreter exit).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from detente.scenario.schema import Scenario

__all__ = ["Job", "JobQueue", "QueueFull", "work"]


class QueueFull(RuntimeError):
    """The queue holds as many jobs as it may."""


def work(scenario: Scenario, runs: int, packages: list[str] | None) -> int:
    """A job's work in actor-run-steps: runs x steps x actors x packages (with
    the status-quo baseline), the quantity time and memory grow with."""
    n_pkgs = len({"status-quo", *(packages or scenario.packages)})
    return runs * scenario.settings.steps * len(scenario.actors) * n_pkgs


def chunk_for(steps: int, runs: int) -> int:
    """Runs per chunk: at most 1,000, and at most ~2 million run-steps, so the
    per-run series a chunk records stay under ~100 MB whatever ``steps`` is."""
    return max(1, min(1000, runs, 2_000_000 // max(1, steps)))


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


def _work(job: Job, done: Any, memory_mb: int) -> None:  # pragma: no cover - in a child
    """In the worker process: run the ensemble, write its folder; on failure
    write the one-line reason to ``error.txt``."""
    try:
        import resource

        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower hard limit
        pass
    from detente.io.store import write_run
    from detente.run.ensemble import compare

    def progress(k: int) -> None:
        with done.get_lock():
            done.value += k

    try:
        cmp = compare(
            job.scenario,
            job.packages,
            runs=job.runs,
            seed=job.seed,
            chunk_size=chunk_for(job.scenario.settings.steps, job.runs),
            progress=progress,
            series=True,
        )
        write_run(job.folder, cmp, job.scenario)
    except MemoryError:
        (job.folder / "error.txt").write_text(
            f"the job needed more than its memory limit of {memory_mb} MB"
        )
        raise SystemExit(1) from None
    except Exception as e:  # reported to the page, never raised into the server
        (job.folder / "error.txt").write_text(f"{type(e).__name__}: {e}"[:500])
        raise SystemExit(1) from None


class JobQueue:
    """At most ``concurrency`` jobs run at once, at most ``max_pending`` wait or
    run; a job running longer than ``timeout`` seconds has its process ended."""

    def __init__(
        self,
        concurrency: int = 1,
        timeout: float = 600.0,
        keep: int = 50,
        max_pending: int = 8,
        memory_mb: int = 8192,
    ) -> None:
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="detente-job")
        self.timeout = timeout
        self.keep = keep
        self.max_pending = max_pending
        self.memory_mb = memory_mb
        self.jobs: dict[str, Job] = {}
        self.procs: dict[str, Any] = {}
        self.root = Path(tempfile.mkdtemp(prefix="detente-web-"))
        self.lock = threading.Lock()
        self.closed = False
        atexit.register(self.close)

    def pending(self) -> int:
        return sum(j.status in ("queued", "running") for j in self.jobs.values())

    def submit(self, scenario: Scenario, runs: int, seed: int, packages: list[str] | None) -> Job:
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        n_pkgs = len({"status-quo", *(packages or scenario.packages)})
        job = Job(job_id, scenario, runs, seed, packages, folder, total_runs=runs * n_pkgs)
        with self.lock:
            if self.closed:
                raise QueueFull("the server is shutting down")
            if self.pending() >= self.max_pending:
                raise QueueFull(
                    f"expected at most {self.max_pending} jobs waiting or running; "
                    "try again when one has finished"
                )
            folder.mkdir()
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
        if self.closed:
            job.status, job.error = "failed", "the server shut down"
            return
        job.status = "running"
        ctx = get_context("spawn")
        done = ctx.Value("q", 0)
        proc = ctx.Process(target=_work, args=(job, done, self.memory_mb), daemon=True)
        start = time.monotonic()
        try:
            proc.start()
            self.procs[job.id] = proc
            while proc.is_alive():
                proc.join(0.2)
                job.done_runs = done.value
                if time.monotonic() - start > self.timeout:
                    proc.kill()
                    proc.join()
                    job.status = "failed"
                    job.error = (
                        f"the job ran past its limit of {self.timeout:g} s and was ended; "
                        "try fewer runs or steps"
                    )
                    return
            job.done_runs = done.value
            if proc.exitcode == 0 and (job.folder / "summary.json").exists():
                job.status = "done"
                return
            job.status = "failed"
            err = job.folder / "error.txt"
            job.error = (
                err.read_text()[:500]
                if err.exists()
                else f"the worker ended with status {proc.exitcode} (out of memory?)"
            )
        except Exception as e:  # never raised into the server
            job.status, job.error = "failed", f"{type(e).__name__}: {e}"[:500]
        finally:
            self.procs.pop(job.id, None)

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def close(self) -> None:
        """End every running job and remove every job folder."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for proc in list(self.procs.values()):
            proc.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)
