"""``detente sweep``, ``sensitivity`` and ``discover``: experiments over many designs."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from detente.cli.common import err_console, fail, need, out_console, progress, worker_count
from detente.io import new_file, write_atomic

if TYPE_CHECKING:
    from detente.run.spec import ExperimentSpec
    from detente.run.sweep import SweepResult

__all__ = ["discover", "sensitivity", "sweep"]


def _load_experiment(path: Path) -> tuple[ExperimentSpec, Path]:
    """Read an experiment and build its model once, so every error names the file."""
    from detente.run.models import models
    from detente.run.spec import load_experiment
    from detente.run.sweep import check_folder_spec
    from detente.scenario.loading import ScenarioError

    spec = None
    try:
        spec, folder = load_experiment(path)
        check_folder_spec(spec)
        models.get(spec.model)(spec, folder)
        return spec, folder
    except ScenarioError as e:
        if spec is not None and e.file == spec.name:
            raise fail(f"{path}: {e.path or '(top level)'}: {e.expected}") from None
        raise fail(str(e)) from None


def _sweep(
    spec: ExperimentSpec,
    folder: Path,
    out: Path,
    executor: str,
    workers: int,
    scheduler: str | None,
    resume: bool,
    path: Path | None = None,
) -> SweepResult:
    """Run the sweep with a progress bar; SIGTERM and Ctrl-C stop it cleanly (143, 130)."""
    from detente.run.sweep import SweepError, SweepInterrupted, run_sweep
    from detente.scenario.loading import ScenarioError

    got: list[int] = []

    def on_term(signum: int, frame: FrameType | None) -> Any:  # as Ctrl-C does: cleanly
        got.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    with progress("sweep") as bar:
        task = bar.add_task(spec.name, total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            return run_sweep(
                spec,
                folder,
                out,
                executor=executor,
                workers=worker_count(workers),
                scheduler=scheduler,
                resume=resume,
                progress=on_progress,
            )
        except SweepInterrupted as e:
            err_console.print(f"stopped: {escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(143 if got else 130) from None
        except ScenarioError as e:
            if path is not None and e.file == spec.name:  # a design point: name the file
                raise fail(f"{path}: {e.path or '(top level)'}: {e.expected}") from None
            raise fail(str(e)) from None
        except SweepError as e:
            raise fail(str(e)) from None
        finally:
            signal.signal(signal.SIGTERM, previous)


def sweep(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file")],
    out: Annotated[Path, typer.Option(help="results folder")],
    executor: Annotated[str, typer.Option(help="local or dask")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="address of a running Dask scheduler")
    ] = None,
    workers: Annotated[int, typer.Option(min=0, help="workers (0: one per CPU)")] = 0,
    resume: Annotated[bool, typer.Option(help="finish an interrupted sweep in --out")] = False,
) -> None:
    """Run an experiment: every design point x package x replication, streamed to Parquet."""
    if executor not in ("local", "dask"):
        raise fail(f"--executor: expected local or dask, got {executor!r}")
    need("detente sweep", "dask" if executor == "dask" else "experiments")
    from detente.written import describe, snapshot, written

    spec, folder = _load_experiment(experiment)
    before = snapshot(out)
    res = _sweep(spec, folder, out, executor, workers, scheduler, resume, experiment)
    out_console.print(
        f"{spec.name}: {res.points} design points in {res.chunks} chunks ({res.ran} run now); "
        "results.duckdb holds the tables experiments, runs and summary",
        highlight=False,
    )
    out_console.print(describe(out, written(out, before)), highlight=False)


def sensitivity(
    experiment: Annotated[Path, typer.Argument(help="experiment YAML file")],
    out: Annotated[
        Path | None, typer.Option(help="results folder (default: a new one beside the experiment)")
    ] = None,
    method: Annotated[str, typer.Option(help="sobol or morris")] = "sobol",
    workers: Annotated[int, typer.Option(min=0, help="workers (0: one per CPU)")] = 0,
    resume: Annotated[bool, typer.Option(help="finish an interrupted run in --out")] = False,
) -> None:
    """Sobol indices (first and total order, with 95% intervals) or Morris screening."""
    from detente.analysis.sensitivity import analyse

    if method not in ("sobol", "morris"):
        raise fail(f"--method: expected sobol or morris, got {method!r}")
    need("detente sensitivity", "experiments")
    spec, folder = _load_experiment(experiment)
    spec = spec.model_copy(update={"design": spec.design.model_copy(update={"method": method})})
    from detente.written import describe, snapshot, written

    # Beside the command, never beside the experiment file (examples/ is not ours).
    target = out or Path("results") / f"{spec.name}-{method}"
    before = snapshot(target)
    _sweep(spec, folder, target, "local", workers, None, resume, experiment)
    rows = analyse(spec, target)
    write_atomic(target / "sensitivity.json", (json.dumps(rows, indent=1) + "\n").encode())
    out_console.print(_sensitivity_table(spec.name, method, spec.runs, rows))
    out_console.print(describe(target, written(target, before)), highlight=False)


def _sensitivity_table(name: str, method: str, runs: int, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{name}: {method} sensitivity ({runs} replications a point)")
    cols = (
        ["package", "outcome", "factor", "S1", "±", "ST", "±"]
        if method == "sobol"
        else ["package", "outcome", "factor", "mu*", "±", "sigma"]
    )
    for c in cols:
        table.add_column(
            c, justify="left" if c in ("package", "outcome", "factor") else "right", overflow="fold"
        )
    for r in rows:
        vals = (
            [r["S1"], r["S1_conf"], r["ST"], r["ST_conf"]]
            if method == "sobol"
            else [r["mu_star"], r["mu_star_conf"], r["sigma"]]
        )
        table.add_row(r["package"], r["outcome"], r["factor"], *(f"{v:.3f}" for v in vals))
    return table


def discover(
    folder: Annotated[Path, typer.Argument(help="a sweep's results folder")],
    outcome: Annotated[str, typer.Option(help="condition, e.g. 'p_war > 0.5'")],
    package: Annotated[str | None, typer.Option(help="package (default: the first)")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="PRIM density")] = 0.8,
    out: Annotated[
        Path | None,
        typer.Option(help="JSON file for the boxes (default: prim.json in FOLDER, never replaced)"),
    ] = None,
) -> None:
    """Scenario discovery with PRIM: the factor ranges where the condition holds."""
    from detente.analysis.discover import discover as run_prim
    from detente.io.store import ResultsError

    need("detente discover", "experiments", "ema")
    if not (folder / "manifest.json").exists():
        raise fail(f"{folder}: expected a sweep folder with manifest.json")
    try:
        res = run_prim(folder, outcome, package, threshold)
    except ResultsError as e:
        raise fail(str(e)) from None
    except (ValueError, KeyError) as e:
        raise fail(f"--outcome: {e.args[0]}") from None
    except ImportError as e:
        raise fail(str(e)) from None
    target = out or new_file(folder, "prim", ".json")
    write_atomic(target, (json.dumps(res, indent=1) + "\n").encode())
    out_console.print(
        f"{res['condition']} in {res['cases']} of {res['experiments']} experiments "
        f"(package {res['package']})",
        highlight=False,
    )
    for i, box in enumerate(res["boxes"], 1):
        table = Table(
            title=f"box {i}: coverage {box['coverage']:.2f}, density "
            f"{box['density']:.2f}, mass {box['mass']:.2f}"
        )
        table.add_column("factor")
        table.add_column("from", justify="right")
        table.add_column("to", justify="right")
        for name, (lo, hi) in box["limits"].items():
            table.add_row(name, f"{lo:.4g}", f"{hi:.4g}")
        out_console.print(table)
    out_console.print(f"wrote {target}")
