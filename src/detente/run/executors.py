"""Where a sweep's chunks run: in this process, in local worker processes, or
on a Dask cluster. Every executor hands ``on_done`` the same columns for the
same chunk, so results never depend on which one ran it."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from detente.run.models import models
from detente.run.spec import ExperimentSpec

__all__ = ["executor"]


class ExecutorError(Exception):
    """An executor that cannot start (a missing extra)."""


def _task(
    spec_json: str, folder: str, start: int, stop: int, columns: dict[str, list[float]]
) -> dict[str, Any]:
    """Evaluate points [start, stop) for every package; return Arrow-ready columns."""
    spec = ExperimentSpec.model_validate_json(spec_json)
    model = models.get(spec.model)(spec, Path(folder))
    points = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    n = stop - start
    parts: dict[str, list[np.ndarray]] = {}
    for package in model.packages():
        out = model.evaluate(package, points, spec.seed, spec.runs)
        keep = spec.outcomes or list(out)
        cols = {
            "point": np.repeat(np.arange(start, stop, dtype=np.int64), spec.runs),
            "package": np.array([package] * (n * spec.runs), dtype=object),
            "run": np.tile(np.arange(spec.runs, dtype=np.int64), n),
            **{k: out[k] for k in keep},
        }
        for k, v in cols.items():
            parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


def executor(kind: str, workers: int, scheduler: str | None):
    """A context manager yielding submit(fn, *args) -> future, and a wait function."""
    if kind == "dask":
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - depends on the install
            raise ExecutorError("the Dask executor needs: pip install 'detente[dask]'") from e
        return _DaskPool(Client, LocalCluster, workers, scheduler)
    return _LocalPool(workers)


class _LocalPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self):
        if self.workers > 1:
            # 'spawn': the same behaviour on every platform, no forked threads.
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=_worker_init
            )
        return self

    def __exit__(self, kind, *exc):
        if self.workers <= 1:
            return
        if kind is not None:
            # Interrupted or failed: end the workers now rather than let them
            # finish (and outlive) chunks nobody will record. The executor has
            # no public way to stop running tasks.
            for proc in list(getattr(self.pool, "_processes", {}).values()):
                proc.terminate()
            self.pool.shutdown(wait=True, cancel_futures=True)
        else:
            self.pool.shutdown(cancel_futures=True)

    def run(self, jobs: list[tuple], on_done: Callable) -> None:
        if self.workers <= 1:
            for job in jobs:
                on_done(job, _task(*job[1:]))
            return
        pending: dict[Any, tuple] = {}
        it = iter(jobs)
        for job in _take(it, 2 * self.workers):
            pending[self.pool.submit(_task, *job[1:])] = job
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                job = pending.pop(fut)
                on_done(job, fut.result())
                for nxt in _take(it, 1):
                    pending[self.pool.submit(_task, *nxt[1:])] = nxt


class _DaskPool:
    def __init__(self, client_cls, cluster_cls, workers: int, scheduler: str | None) -> None:
        self.client_cls, self.cluster_cls = client_cls, cluster_cls
        self.workers, self.scheduler = workers, scheduler
        self.cluster = None

    def __enter__(self):
        if self.scheduler:
            self.client = self.client_cls(self.scheduler)
        else:
            self.cluster = self.cluster_cls(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = self.client_cls(self.cluster)
        return self

    def __exit__(self, *exc):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, jobs: list[tuple], on_done: Callable) -> None:
        from dask.distributed import as_completed

        futures = {self.client.submit(_task, *job[1:], pure=False): job for job in jobs}
        for fut in as_completed(futures):
            on_done(futures[fut], fut.result())


def _worker_init() -> None:
    """In each worker: leave Ctrl-C to the parent (which ends the workers and
    says what was kept), and on Linux end with the parent if it is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent ends them on exit
        pass


def _take(it: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out
