"""``detente calibrate``, ``score`` and ``forecast``: a scenario fitted to records."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from detente.cli.common import (
    err_console,
    fail,
    fmt_num,
    load,
    need,
    out_console,
    progress,
    worker_count,
)
from detente.io import write_atomic

if TYPE_CHECKING:
    from detente.calibration.abc import Generation
    from detente.calibration.calibrate import Calibration, Problem

__all__ = ["calibrate", "forecast", "score"]


def _date(text: str | None, option: str) -> dt.date | None:
    """``--until``/``--after`` as the last day of the date, month or year given."""
    return None if text is None else _cutoff(text, option)


def _cutoff(text: str, option: str) -> dt.date:
    from detente.calibration.targets import period_end

    try:
        return period_end(text)
    except ValueError:
        raise fail(
            f"{option}: expected a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got {text!r}"
        ) from None


def _targets_file(targets: str | None, scenario: str) -> Path:
    """The targets file: a path, a shipped targets name, or the scenario's own."""
    from detente.reference import targets_file

    try:
        return targets_file(targets, scenario)
    except LookupError as e:
        raise fail(f"--targets: {e}") from None


def calibrate(
    scenario: Annotated[str, typer.Argument(help="built-in scenario name or YAML file")],
    targets: Annotated[
        str | None,
        typer.Option(
            help="targets YAML file (observed series), or a shipped targets name "
            "(default: the one named like the scenario, e.g. donbas-2014)"
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="folder for the posterior and the checks")] = Path(
        "calibration"
    ),
    particles: Annotated[int, typer.Option(min=4, help="population size")] = 1000,
    generations: Annotated[int, typer.Option(min=1, help="most ABC-SMC generations")] = 10,
    until: Annotated[
        str | None, typer.Option(help="fit only observations up to this date (a holdout after)")
    ] = None,
    parameter: Annotated[
        list[str] | None, typer.Option(help="calibrate only these paths (repeatable)")
    ] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    workers: Annotated[int, typer.Option(min=0, help="workers (0: one per CPU)")] = 0,
    report: Annotated[bool, typer.Option(help="also write report.html in --out")] = True,
) -> None:
    """Calibrate a scenario's uncertain parameters to observations (ABC-SMC)."""
    from detente.calibration.store import write_calibration
    from detente.scenario.shipped import builtin_names, builtin_path
    from detente.written import describe, snapshot, written

    if report:
        need("detente calibrate (its report; --no-report skips it)", "report")
    problem, targets_path = _problem(scenario, targets, until, parameter, seed)
    before = snapshot(out)
    cal = _run(problem, particles, generations, worker_count(workers))
    builtin = scenario in builtin_names()
    manifest = write_calibration(
        cal,
        out,
        scenario_ref=scenario,
        scenario_file=builtin_path(scenario) if builtin else Path(scenario),
        targets_file=targets_path,
    )
    _print_posterior(scenario, particles, cal, manifest)
    if report:
        from detente.report.html import build_report

        write_atomic(out / "report.html", build_report(out).encode())
    out_console.print(describe(out, written(out, before)), highlight=False)


def _problem(
    scenario: str, targets: str | None, until: str | None, parameter: list[str] | None, seed: int
) -> tuple[Problem, Path]:
    """The scenario, its targets and the cut-off checked, as a calibration problem."""
    from detente.calibration.calibrate import make_problem
    from detente.calibration.targets import load_targets
    from detente.scenario.loading import ScenarioError
    from detente.scenario.shipped import builtin_names

    sc = load(scenario)
    targets_path = _targets_file(targets, scenario)
    cut = _date(until, "--until")
    try:
        tf = load_targets(targets_path)
        problem = make_problem(
            sc,
            tf,
            parameters=parameter or None,
            until=cut,
            seed=seed,
            file=f"{scenario}.yaml (built-in)" if scenario in builtin_names() else scenario,
            targets_file=str(targets_path),
        )
    except ScenarioError as e:
        raise fail(str(e)) from None
    return problem, targets_path


def _run(problem: Problem, particles: int, generations: int, workers: int) -> Calibration:
    """ABC-SMC with a progress bar, and one line on standard error per generation."""
    import numpy as np

    from detente.calibration.calibrate import calibrate as run_calibration

    with progress("calibrate") as bar:
        # Generation 0 simulates every particle once; later ones move the copies
        # in MCMC rounds whose number depends on the acceptance, so the count is
        # of particles simulated in the generation, and its total known only for 0.
        task = bar.add_task("generation 0", total=particles)
        passes = {"base": 0, "last": 0}

        def on_batch(done: int, total: int) -> None:
            if done <= passes["last"]:  # a new pass over the particles began
                passes["base"] += passes["last"]
            passes["last"] = done
            bar.update(task, completed=passes["base"] + done)

        def on_generation(g: Generation) -> None:
            eps = "prior" if g.index == 0 else f"epsilon {g.epsilon:.3f}"
            err_console.print(
                f"generation {g.index}: {eps}, acceptance {g.acceptance:.3f}, "
                f"median distance {float(np.median(g.distances)):.3f}",
                highlight=False,
            )
            passes.update(base=0, last=0)
            bar.reset(task, description=f"generation {g.index + 1}", total=None)

        return run_calibration(
            problem,
            particles=particles,
            generations=generations,
            workers=workers,
            on_generation=on_generation,
            on_batch=on_batch,
        )


def _print_posterior(
    scenario: str, particles: int, cal: Calibration, manifest: dict[str, Any]
) -> None:
    """The posterior's table, then each target's in-sample coverage, one line each."""
    table = Table(
        title=f"{scenario}: posterior ({particles} particles, "
        f"{len(cal.generations)} generations, {cal.seconds:.0f} s)"
    )
    for c in ("parameter", "posterior mean", "5%", "95%"):
        table.add_column(c, justify="left" if c == "parameter" else "right")
    for prm in manifest["parameters"]:
        table.add_row(
            prm["name"],
            f"{prm['posterior_mean']:.4g}",
            f"{prm['posterior_q05']:.4g}",
            f"{prm['posterior_q95']:.4g}",
        )
    out_console.print(table)
    for row in manifest["coverage_in_sample"]:
        if row.get("observed") == "floor":
            text = (
                f"{row['target']}: {row['observations']} fitted floors, "
                f"{row['share_above_floor']:.0%} of predictive draws at or above them, "
                f"{row['coverage_90']:.0%} below the top of the 90% band"
            )
        else:
            text = (
                f"{row['target']}: {row['observations']} fitted observations, "
                f"{row['coverage_90']:.0%} inside the 90% predictive band, "
                f"{row['coverage_50']:.0%} inside the 50% band"
            )
        out_console.print(text, highlight=False)


def score(
    folder: Annotated[Path, typer.Argument(help="a calibration folder (--out of calibrate)")],
    target: Annotated[str | None, typer.Option(help="target id (default: the monthly one)")] = None,
    after: Annotated[
        str | None, typer.Option(help="score observations after this date (default: --until)")
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="event for the Brier score: value >= this")
    ] = 25.0,
    targets: Annotated[
        Path | None,
        typer.Option(help="a targets file of later records to score the posterior predictive on"),
    ] = None,
    draws: Annotated[int, typer.Option(min=10, help="predictive draws (with --targets)")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Score the predictive distribution against held-out observations and two references."""
    need("detente score", "pandas", "scores")
    from detente.calibration.scoring import score as run_score
    from detente.calibration.store import read_calibration

    if not (folder / "calibration.json").exists():  # a FIFO is named by its reader
        raise fail(f"{folder}: expected a calibration folder (calibration.json is missing)")
    if targets is not None:
        _score_targets(folder, targets, draws, as_json)
        return
    from detente.io import InputError

    try:
        manifest, pred, obs = read_calibration(folder)
        result = run_score(
            manifest, pred, obs, target=target, after=_date(after, "--after"), threshold=threshold
        )
    except InputError as e:
        raise fail(str(e)) from None
    except (ValueError, KeyError, OSError) as e:
        raise fail(f"{folder}: {e}") from None
    write_atomic(folder / "scores.json", (json.dumps(result, indent=1) + "\n").encode())
    if as_json:
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
        return
    table = Table(
        title=f"{result['target']}: {result['observations']} months "
        f"{result['first']} to {result['last']} (threshold {threshold:g})"
    )
    for c in ("forecast", "CRPS", "Brier", "50% coverage", "90% coverage"):
        table.add_column(c, justify="left" if c == "forecast" else "right")
    for r in result["scores"]:
        table.add_row(
            r["forecast"],
            f"{r['crps']:.2f}",
            f"{r['brier']:.3f}",
            _pct(r["coverage_50"]),
            _pct(r["coverage_90"]),
        )
    out_console.print(table)
    out_console.print(result["verdict"], highlight=False)


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def _score_targets(folder: Path, targets: Path, draws: int, as_json: bool) -> None:
    """``detente score DIR --targets FILE``: later records, without refitting."""
    from detente.calibration.forecast import load_posterior, score_targets
    from detente.calibration.targets import load_targets
    from detente.scenario.loading import ScenarioError

    try:
        tf = load_targets(targets)
        post = load_posterior(folder)
        result = score_targets(post, tf, str(targets), draws=draws)
    except ScenarioError as e:
        raise fail(str(e)) from None
    except (ValueError, KeyError, OSError) as e:
        raise fail(f"{folder}: {e}") from None
    text = json.dumps(result, indent=1) + "\n"
    write_atomic(folder / f"scores-{targets.stem}.json", text.encode())
    if as_json:
        sys.stdout.write(text)
        return
    table = Table(title=f"{folder}: {targets} (after {result['window_end']}, {draws} draws)")
    for c in ("target", "observations", "CRPS", "50% coverage", "90% coverage"):
        table.add_column(c, justify="left" if c == "target" else "right")
    for r in result["targets"]:
        crps_txt = f"{r['crps']:.4g}" if "crps" in r else "floor"
        table.add_row(
            r["target"],
            str(r["observations"]),
            crps_txt,
            f"{r['coverage_50']:.0%}",
            f"{r['coverage_90']:.0%}",
        )
    out_console.print(table)


def forecast(
    folder: Annotated[Path, typer.Argument(help="a calibration folder (--out of calibrate)")],
    until: Annotated[str, typer.Option(help="last month of the forecast (YYYY-MM)")],
    draws: Annotated[int, typer.Option(min=10, help="posterior predictive draws")] = 1000,
) -> None:
    """Forecast every calibrated quantity from the posterior, by month and year (Parquet)."""
    need("detente forecast", "pandas")
    from detente.calibration.forecast import forecast as run_forecast
    from detente.calibration.forecast import load_posterior
    from detente.io.store import write_table
    from detente.scenario.loading import ScenarioError

    if not (folder / "calibration.json").exists():  # a FIFO is named by its reader
        raise fail(f"{folder}: expected a calibration folder (calibration.json is missing)")
    cut = _cutoff(until, "--until")
    try:
        post = load_posterior(folder)
        table_df = run_forecast(post, cut, draws=draws)
    except ScenarioError as e:
        raise fail(str(e)) from None
    except (ValueError, KeyError, OSError) as e:
        raise fail(f"{folder}: {e}") from None
    import pyarrow as pa

    write_table(folder / "forecast.parquet", pa.Table.from_pandas(table_df, preserve_index=False))
    from detente.report.forecast import forecast_markdown

    write_atomic(folder / "forecast.md", forecast_markdown(table_df, post.manifest).encode())
    yearly = table_df[table_df["period"] == "year"]
    table = Table(
        title=f"{post.manifest['scenario']}: forecast to {cut.isoformat()} ({draws} draws)"
    )
    for c in ("target", "year", "median", "50% interval", "90% interval"):
        table.add_column(c, justify="left" if c == "target" else "right")
    for r in yearly.itertuples():
        table.add_row(
            r.target,
            r.label,
            fmt_num(r.q50),
            f"{fmt_num(r.q25)}-{fmt_num(r.q75)}",
            f"{fmt_num(r.q05)}-{fmt_num(r.q95)}",
        )
    out_console.print(table)
    if (folder / "report.html").is_file():
        from detente.report.html import build_report

        write_atomic(folder / "report.html", build_report(folder).encode())
    out_console.print(f"wrote {folder / 'forecast.parquet'} and forecast.md", highlight=False)
