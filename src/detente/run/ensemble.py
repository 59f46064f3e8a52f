"""Ensembles: ``simulate`` one package, ``compare`` several on common random numbers.

Runs are simulated in chunks (and optionally in worker processes); because a
run's random numbers depend only on (seed, run, step, purpose), the results do
not depend on the chunk size or the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
from numpy.typing import NDArray

from detente import __version__
from detente.backend import parse as parse_backend
from detente.model.simulate import compile_model, run_chunk, simulate_chunk
from detente.run.results import Comparison, Result
from detente.scenario.schema import Scenario, scenario_hash

__all__ = [
    "Comparison",
    "Result",
    "compare",
    "default_chunk_size",
    "scenario_hash",
    "simulate",
    "useful_workers",
]

DEFAULT_CHUNK = 2500
JAX_CHUNK = 100_000  # one compiled call per package; memory ~5 kB a run
Progress = Callable[[int], None]


def default_chunk_size(backend: str) -> int:
    """Runs simulated together when no chunk size is asked for.

    NumPy: :data:`DEFAULT_CHUNK`, small enough for every worker's memory.
    JAX (``jax``, ``jax/float32``): :data:`JAX_CHUNK`, one compiled call per
    package, since each call pays the dispatch and each new shape a compile.
    Results never depend on it (the random numbers are counter-based).
    """
    return JAX_CHUNK if backend.startswith("jax") else DEFAULT_CHUNK


def useful_workers(workers: int, runs: int, packages: int, chunk_size: int) -> int:
    """No more worker processes than there are chunks to give them."""
    chunks_per_package = -(-runs // min(chunk_size, runs))
    return max(1, min(workers, chunks_per_package * packages))


Chunk = tuple[dict[str, NDArray], dict[str, NDArray] | None]


def _chunk_job(args: tuple) -> Chunk:
    """One chunk of one package: its per-run outcomes and, when asked, the
    parts of its weekly series that add up across chunks."""
    sc, package, seed, start, stop, series, backend, size = args
    model = compile_model(sc, package)
    runs = np.arange(start, stop)
    if backend.startswith("jax"):
        # Every chunk padded to one size: one compilation serves them all.
        from detente.model.compiled import run_chunk_compiled

        precision = parse_backend(backend).precision
        out, rec = run_chunk_compiled(
            sc, model, seed, runs, series, pad_to=size, precision=precision
        )
    elif not series:
        return simulate_chunk(sc, model, seed, runs), None
    else:
        out, rec = run_chunk(sc, model, seed, runs, record=True)
    if not series:
        return out, None
    assert rec is not None
    # Counts add up exactly across chunks; the per-run deaths and displaced
    # series are kept and summed once over all runs, so the figures too are
    # the same whatever the chunking.
    rung = rec["rung"]
    counts = np.stack([(rung == k).sum(axis=0) for k in range(-1, 10)], axis=1)
    return out, {
        "rung_counts": counts.astype(np.int64),
        "at_war": rec["at_war"].sum(axis=0).astype(np.int64),
        "deaths": rec["deaths"],
        "displaced": rec["displaced"],
    }


def _bounds(runs: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk, runs)) for s in range(0, runs, chunk)]


def simulate(
    scenario: Scenario,
    runs: int = 10_000,
    seed: int = 0,
    package: str = "status-quo",
    chunk_size: int = DEFAULT_CHUNK,
    workers: int = 1,
    progress: Progress | None = None,
    backend: str = "numpy",
    series: bool = False,
) -> Result:
    """Simulate ``runs`` runs of one package of ``scenario``.

    Parameters
    ----------
    scenario : a validated scenario (see :func:`detente.load_scenario`).
    runs : ensemble size.
    seed : root seed; with the run index it fixes every random number.
    package : the name of a policy package in ``scenario.packages``.
    chunk_size : runs simulated together; changes memory and speed, never results.
    workers : processes; 1 runs in this process.
    progress : called with the number of runs just finished, chunk by chunk.
    backend : ``numpy``; ``jax`` (the same model compiled; runs in this process,
        ``workers`` unused); or ``jax/float32`` (compiled in single precision).
    series : also record the weekly series (shares at each rung, at war, mean
        deaths and displaced), for :meth:`Result.to_xarray` and :meth:`Result.plot`.
    """
    return _run_many(
        scenario, [package], runs, seed, chunk_size, workers, progress, series, backend
    )[package]


def compare(
    scenario: Scenario,
    packages: list[str] | None = None,
    runs: int = 10_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int = 1,
    progress: Progress | None = None,
    series: bool = False,
    backend: str = "numpy",
) -> Comparison:
    """Simulate several packages on common random numbers and compare them.

    The baseline, ``status-quo``, is always simulated (first) so that every
    package's change in P(war) can be measured against it run by run.
    """
    names = list(scenario.packages) if packages is None else list(packages)
    for name in names:
        if name not in scenario.packages:
            raise KeyError(
                f"expected a package of {scenario.name} ({', '.join(scenario.packages)}), "
                f"got {name!r}"
            )
    if "status-quo" not in names:
        names = ["status-quo", *names]
    else:
        names = ["status-quo", *[n for n in names if n != "status-quo"]]
    return Comparison(
        _run_many(scenario, names, runs, seed, chunk_size, workers, progress, series, backend)
    )


def _run_many(
    sc: Scenario,
    packages: list[str],
    runs: int,
    seed: int,
    chunk: int,
    workers: int,
    progress: Progress | None,
    series: bool = False,
    backend: str = "numpy",
) -> dict[str, Result]:
    if runs < 1:
        raise ValueError(f"expected runs >= 1, got {runs}")
    if chunk < 1:
        raise ValueError(f"expected chunk_size >= 1, got {chunk}")
    for name in packages:
        if name not in sc.packages:
            raise KeyError(
                f"expected a package of {sc.name} ({', '.join(sc.packages)}), got {name!r}"
            )
    backend = str(parse_backend(backend))  # the one check of backend names (detente.backend)
    size = min(chunk, runs)
    jobs = [
        (sc, pkg, seed, a, b, series, backend, size)
        for pkg in packages
        for a, b in _bounds(runs, chunk)
    ]
    parts: list[Chunk] = []
    # The compiled backend uses every core from one process: no workers.
    if workers <= 1 or backend.startswith("jax"):
        for job in jobs:
            parts.append(_chunk_job(job))
            if progress:
                progress(job[4] - job[3])
    else:
        # 'spawn' everywhere: the same behaviour on Linux, macOS and Windows,
        # and no fork of a process that may hold threads.
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for job, part in zip(jobs, pool.map(_chunk_job, jobs), strict=True):
                parts.append(part)
                if progress:
                    progress(job[4] - job[3])
    digest = scenario_hash(sc)
    results: dict[str, Result] = {}
    per_pkg = len(_bounds(runs, chunk))
    for i, pkg in enumerate(packages):
        chunk_parts = parts[i * per_pkg : (i + 1) * per_pkg]
        series_parts = [s for _, s in chunk_parts if s is not None]
        outcomes = {k: np.concatenate([o[k] for o, _ in chunk_parts]) for k in chunk_parts[0][0]}
        summed = None
        if series_parts:
            summed = {
                "rung_counts": np.sum([s_["rung_counts"] for s_ in series_parts], axis=0),
                "at_war": np.sum([s_["at_war"] for s_ in series_parts], axis=0),
                "deaths_sum": np.concatenate([s_["deaths"] for s_ in series_parts]).sum(axis=0),
                "displaced_sum": np.concatenate([s_["displaced"] for s_ in series_parts]).sum(
                    axis=0
                ),
            }
        results[pkg] = Result(
            series=summed,
            scenario=sc.name,
            scenario_sha256=digest,
            package=pkg,
            seed=seed,
            runs=runs,
            version=__version__,
            backend=backend,
            outcomes=outcomes,
        )
    return results
