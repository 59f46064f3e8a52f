"""The ``detente`` command line. Presentation only: it calls the library."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

from detente import __version__
from detente.io import write_atomic

app = typer.Typer(
    name="detente",
    help="Make international crises computable: escalation, war, deaths and displacement "
    "under uncertainty, and what de-escalation policies do to them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr; the caller raises the returned Exit(2)."""
    # The message is text, not Rich markup: "detente[jax]" must print as written.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def need(feature: str, *extras: str) -> None:
    """Before any work: stop with one line naming the extra if a module is missing."""
    from detente.extras import MissingExtra, require

    try:
        require(feature, *extras)
    except MissingExtra as e:
        raise fail(str(e)) from None


def _load(name_or_path: str, hindcast: bool = True):
    from detente.scenario.loading import ScenarioError, load_scenario

    try:
        return load_scenario(name_or_path, hindcast=hindcast)
    except ScenarioError as e:
        raise fail(str(e)) from None


class _CountRate(ProgressColumn):
    """``1,234/6,000 410/s``: the count (of the total, when known) and the rate."""

    def render(self, task) -> Text:  # type: ignore[no-untyped-def]
        done = f"{int(task.completed):,}"
        if task.total is not None:
            done += f"/{int(task.total):,}"
        speed = task.finished_speed or task.speed
        rate = "" if not speed else f" {speed:,.0f}/s" if speed >= 10 else f" {speed:.1f}/s"
        return Text(done + rate, style="progress.download")


def _progress(verb: str) -> Progress:
    """A progress bar on standard error with the count, the rate and the time left;
    the description is cut, never the numbers, on a narrow terminal."""
    return Progress(
        TextColumn(
            f"[bold]{verb}[/] {{task.description}}",
            # The description gives way first: count, rate and time left stay whole.
            table_column=Column(
                no_wrap=True, overflow="ellipsis", max_width=max(12, err_console.width - 48)
            ),
        ),
        BarColumn(bar_width=None if err_console.width > 100 else 12),
        _CountRate(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(table_column=Column(no_wrap=True)),
        console=err_console,
        transient=True,
    )


def _fmt_num(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML path")] = "ukraine-2022",
    runs: Annotated[int, typer.Option(min=1, max=10_000_000, help="runs per package")] = 10_000,
    seed: Annotated[int, typer.Option(min=0, help="root seed")] = 0,
    packages: Annotated[
        str | None, typer.Option(help="comma-separated package names (default: all)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON document")] = False,
    out: Annotated[
        Path | None, typer.Option(help="folder for summary.json and runs.parquet")
    ] = None,
    workers: Annotated[int, typer.Option(min=0, help="worker processes (0: one per CPU)")] = 0,
    chunk_size: Annotated[int, typer.Option(min=1, help="runs simulated together")] = 2500,
    report: Annotated[
        bool, typer.Option("--report", help="also write report.html into --out")
    ] = False,
    backend: Annotated[
        str,
        typer.Option(
            help="numpy (the reference) or jax (the same model compiled by XLA; CPU or GPU)"
        ),
    ] = "numpy",
    precision: Annotated[
        str,
        typer.Option(
            help="float64 (the reference's arithmetic) or float32 (jax only: faster, "
            "runs may differ; summaries agree within Monte Carlo error)"
        ),
    ] = "float64",
    hindcast: Annotated[
        bool,
        typer.Option(
            help="use parameters calibrated on a later record where the scenario has them "
            "(ukraine-2022: the war of 2022); --no-hindcast keeps the pre-war assumptions"
        ),
    ] = True,
) -> None:
    """Simulate every policy package of a scenario and compare them with the status quo."""
    from detente.experiments.ensemble import compare

    if backend not in ("numpy", "jax"):
        raise fail(f"--backend: expected numpy or jax, got {backend!r}")
    if precision not in ("float64", "float32"):
        raise fail(f"--precision: expected float64 or float32, got {precision!r}")
    if precision == "float32" and backend != "jax":
        raise fail("--precision float32: only the jax backend computes in float32")
    if backend == "jax":
        from detente.model.compiled import available

        if not available():
            raise fail("--backend jax: JAX is not installed; pip install 'detente[jax]'")
        if chunk_size == 2500:
            chunk_size = 100_000  # one compiled call per package; memory ~5 kB a run
    sc = _load(scenario, hindcast=hindcast)
    names = None
    if packages is not None:
        names = [n.strip() for n in packages.split(",") if n.strip()]
        unknown = [n for n in names if n not in sc.packages]
        if not names or unknown:
            raise fail(
                f"--packages: expected names from {sc.name} ({', '.join(sc.packages)}), "
                f"got {', '.join(unknown) or 'nothing'}"
            )
    if report and out is None:
        raise fail("--report: expected --out DIR to write the report into")
    if report:
        need("detente run --report", "report")
    from detente.written import describe, snapshot, written

    before = snapshot(out) if out is not None else {}
    n_workers = workers or (os.cpu_count() or 1)
    n_pkgs = len(set(["status-quo", *(names or sc.packages)]))
    total = runs * n_pkgs
    with _progress("simulating") as bar:
        task = bar.add_task(f"{sc.name}: {n_pkgs} packages x {runs:,} runs", total=total)
        cmp = compare(
            sc,
            names,
            runs=runs,
            seed=seed,
            chunk_size=min(chunk_size, runs),
            workers=min(n_workers, -(-total // min(chunk_size, runs))),
            progress=lambda k: bar.advance(task, k),
            series=out is not None,
            backend=backend if precision == "float64" else f"{backend}/{precision}",
        )
    doc = cmp.to_json()
    if out is not None:
        from detente.experiments.store import write_run

        write_run(out, cmp, sc)
        from detente.cli_scenarios import make_self_contained

        make_self_contained(out / "scenario.yaml")
        if report:
            from detente.report.html import build_report

            write_atomic(out / "report.html", build_report(out).encode())
    if as_json:
        sys.stdout.write(doc)
        return
    _print_table(cmp, sc)
    from detente.report.peace import peace_table

    out_console.print(peace_table(cmp.rows()))
    from detente.scenario.loading import hindcast_label

    if hindcast_label(sc):
        out_console.print(f"{sc.name}: {hindcast_label(sc)}", highlight=False)
    if out is not None:
        out_console.print(describe(out, written(out, before)), highlight=False)


def _interval(lo: float, hi: float, signed: bool = False) -> str:
    """A compact interval that never wraps mid-number: ``0.48-0.61`` or ``-0.33,+0.02``."""
    if signed:
        return f"{lo:+.2f},{hi:+.2f}"
    return f"{lo:.2f}-{hi:.2f}"


def _print_table(cmp, sc) -> None:
    """One row per package, two lines a row (estimate, then interval); fits 80 columns."""
    from rich import box

    first = next(iter(cmp.results.values()))
    table = Table(
        title=f"{sc.title or sc.name}\n{first.runs:,} runs per package, seed {first.seed}",
        caption="P(war), ΔP(war): estimate, then 95% interval; ΔP(war) is measured run by run "
        "against the status quo on common random numbers. settled: P(every dispute ended by "
        "agreement or concession), on terms that may give the challenger part of its demand "
        "(the price of peace: docs/report.md). nuclear: P(nuclear use). Deaths, displaced: "
        "mean, then 5-95% range. Conditional on the scenario's assumptions; not forecasts.",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),  # with the box's blank divider: two spaces between columns
        pad_edge=False,
    )
    table.add_column("package", style="bold", no_wrap=True)
    for header in ("P(war)", "settled", "nuclear", "deaths", "displaced", "ΔP(war)"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in cmp.rows():
        lo, hi = row["p_war_ci"]
        delta = row["delta_p_war_vs_status_quo"]
        if row["name"] == cmp.baseline or delta is None:
            dtxt = "baseline"
        else:
            dlo, dhi = row["delta_p_war_ci"]
            dtxt = f"{delta:+.3f}\n{_interval(dlo, dhi, signed=True)}"
        table.add_row(
            row["name"],
            f"{row['p_war']:.3f}\n{_interval(lo, hi)}",
            f"{row['p_settlement']:.3f}",
            f"{row['p_nuclear']:.4f}",
            f"{_fmt_num(row['deaths_mean'])}\n{_fmt_num(row['deaths_q05'])}-"
            f"{_fmt_num(row['deaths_q95'])}",
            f"{_fmt_num(row['displaced_mean'])}\n{_fmt_num(row['displaced_q05'])}-"
            f"{_fmt_num(row['displaced_q95'])}",
            dtxt,
        )
    out_console.print(table)


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="scenario YAML file or built-in name")],
) -> None:
    """Check a scenario file; print a one-line summary, or the first error and exit 2."""
    sc = _load(file)
    n_q = _count_assumptions(sc)
    out_console.print(
        f"ok: {sc.name}: {len(sc.actors)} actors, {len(sc.alliances)} alliances, "
        f"{len(sc.disputes)} disputes, {len(sc.packages)} packages "
        f"({', '.join(sc.packages)}); of {n_q['set']} numbers set in the file, "
        f"{n_q['sourced']} carry a source; {n_q['default']} more are documented defaults",
        highlight=False,
    )


def _count_assumptions(sc) -> dict[str, int]:
    from detente.scenario.sources import quantities

    items = list(quantities(sc))
    explicit = [n for n in items if not n.default]
    return {
        "set": len(explicit),
        "sourced": sum(1 for n in explicit if n.quantity.source),
        "default": len(items) - len(explicit),
    }


def _load_experiment(path: Path):
    """Read an experiment and build its model once, so every error names the file."""
    from detente.experiments.models import models
    from detente.experiments.spec import load_experiment
    from detente.experiments.sweep import check_folder_spec
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


def _sweep(spec, folder, out, executor, workers, scheduler, resume, path=None) -> None:
    import signal

    from detente.experiments.sweep import SweepError, SweepInterrupted, run_sweep
    from detente.scenario.loading import ScenarioError

    n_workers = workers or (os.cpu_count() or 1)
    got: list[int] = []

    def on_term(signum, frame):  # SIGTERM ends a sweep as Ctrl-C does: cleanly
        got.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    with _progress("sweep") as bar:
        task = bar.add_task(spec.name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            return run_sweep(
                spec,
                folder,
                out,
                executor=executor,
                workers=n_workers,
                scheduler=scheduler,
                resume=resume,
                progress=progress,
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


@app.command()
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


@app.command()
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
    from detente.experiments.sensitivity import analyse

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
    table = Table(title=f"{spec.name}: {method} sensitivity ({spec.runs} replications a point)")
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
    out_console.print(table)
    out_console.print(describe(target, written(target, before)), highlight=False)


@app.command()
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
    from detente.experiments.discover import discover as run_prim
    from detente.experiments.store import ResultsError

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
    target = out or _new_file(folder, "prim", ".json")
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


def _new_file(folder: Path, stem: str, suffix: str) -> Path:
    """``stem.suffix`` in ``folder``, or ``stem-2.suffix``, ... : the first that is free."""
    path, k = folder / f"{stem}{suffix}", 1
    while path.exists():
        k += 1
        path = folder / f"{stem}-{k}{suffix}"
    return path


def _date(text: str | None, option: str):
    import datetime as dt

    if text is None:
        return None
    try:
        if len(text) == 7:  # a month: its last day
            y, m = int(text[:4]), int(text[5:7])
            return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        if len(text) == 4:
            return dt.date(int(text), 12, 31)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{option}: expected a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got {text!r}"
        ) from None


def _targets_file(targets: str | None, scenario: str) -> Path:
    """The targets file: a path, a shipped targets name, or the scenario's own."""
    from detente.reference import builtin_targets, targets_names

    shipped = ", ".join(targets_names()) or "none in this install"
    if targets is None:
        found = builtin_targets(Path(scenario).stem)
        if found is None:
            raise fail(
                f"--targets: expected a targets file; none ships for {scenario!r} "
                f"(shipped: {shipped})"
            )
        return found
    if Path(targets).exists():
        return Path(targets)
    found = builtin_targets(targets)
    if found is None:
        raise fail(
            f"--targets: expected a targets YAML file or a shipped name ({shipped}), "
            f"got {targets!r}"
        )
    return found


@app.command()
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
    from detente.calibration.calibrate import calibrate as run_calibration
    from detente.calibration.calibrate import make_problem
    from detente.calibration.store import write_calibration
    from detente.calibration.targets import load_targets
    from detente.scenario.loading import ScenarioError, builtin_names

    if report:
        need("detente calibrate (its report; --no-report skips it)", "report")
    sc = _load(scenario)
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
    from detente.written import describe, snapshot, written

    before = snapshot(out)
    n_workers = workers or (os.cpu_count() or 1)
    with _progress("calibrate") as bar:
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

        def on_generation(g) -> None:
            eps = "prior" if g.index == 0 else f"epsilon {g.epsilon:.3f}"
            err_console.print(
                f"generation {g.index}: {eps}, acceptance {g.acceptance:.3f}, "
                f"median distance {float(__import__('numpy').median(g.distances)):.3f}",
                highlight=False,
            )
            passes.update(base=0, last=0)
            bar.reset(task, description=f"generation {g.index + 1}", total=None)

        cal = run_calibration(
            problem,
            particles=particles,
            generations=generations,
            workers=n_workers,
            on_generation=on_generation,
            on_batch=on_batch,
        )
    scenario_file = None if scenario in builtin_names() else Path(scenario)
    if scenario_file is None:
        from importlib import resources

        scenario_file = Path(
            str(resources.files("detente.scenario") / "builtin" / f"{scenario}.yaml")
        )
    manifest = write_calibration(
        cal, out, scenario_ref=scenario, scenario_file=scenario_file, targets_file=targets_path
    )
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
    if report:
        from detente.report.html import build_report

        write_atomic(out / "report.html", build_report(out).encode())
    out_console.print(describe(out, written(out, before)), highlight=False)


@app.command()
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

        def pct(v):
            return "n/a" if v is None else f"{v:.0%}"

        table.add_row(
            r["forecast"],
            f"{r['crps']:.2f}",
            f"{r['brier']:.3f}",
            pct(r["coverage_50"]),
            pct(r["coverage_90"]),
        )
    out_console.print(table)
    out_console.print(result["verdict"], highlight=False)


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


@app.command()
def forecast(
    folder: Annotated[Path, typer.Argument(help="a calibration folder (--out of calibrate)")],
    until: Annotated[str, typer.Option(help="last month of the forecast (YYYY-MM)")],
    draws: Annotated[int, typer.Option(min=10, help="posterior predictive draws")] = 1000,
) -> None:
    """Forecast every calibrated quantity from the posterior, by month and year (Parquet)."""
    need("detente forecast", "pandas")
    from detente.calibration.forecast import forecast as run_forecast
    from detente.calibration.forecast import load_posterior
    from detente.experiments.store import write_table
    from detente.scenario.loading import ScenarioError

    if not (folder / "calibration.json").exists():  # a FIFO is named by its reader
        raise fail(f"{folder}: expected a calibration folder (calibration.json is missing)")
    cut = _date(until, "--until")
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
            _fmt_num(r.q50),
            f"{_fmt_num(r.q25)}-{_fmt_num(r.q75)}",
            f"{_fmt_num(r.q05)}-{_fmt_num(r.q95)}",
        )
    out_console.print(table)
    if (folder / "report.html").is_file():
        from detente.report.html import build_report

        write_atomic(folder / "report.html", build_report(folder).encode())
    out_console.print(f"wrote {folder / 'forecast.parquet'} and forecast.md", highlight=False)


@app.command()
def world(
    presets: Annotated[
        list[str] | None, typer.Argument(help="world presets or YAML files (default: all four)")
    ] = None,
    runs: Annotated[int, typer.Option(min=2, help="runs per architecture")] = 1000,
    years: Annotated[
        int | None, typer.Option(min=1, help="horizon (default: the preset's)")
    ] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    workers: Annotated[int, typer.Option(min=0, help="workers (0: one per CPU)")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="write world.json, world.parquet, report.html")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Compare world orders: crises, wars, deaths and small states' autonomy (paired runs)."""
    from detente.scenario.loading import ScenarioError
    from detente.world.compare import LABELS, compare_worlds
    from detente.world.loading import load_world, preset_names

    if out is not None:
        need("detente world --out (its report)", "report")
    names = presets or [
        "unipolar",
        "spheres-recognised",
        "spheres-contested",
        "collective-security",
    ]
    unknown = [n for n in names if n not in preset_names() and not Path(n).is_file()]
    if unknown:
        raise fail(
            f"{unknown[0]}: expected a world preset ({', '.join(preset_names())}) or a YAML file"
        )
    try:
        for n in names:
            load_world(n)
    except ScenarioError as e:
        raise fail(str(e)) from None
    from detente.written import describe, snapshot, written

    before = snapshot(out) if out is not None else {}
    n_workers = workers or (os.cpu_count() or 1)
    with _progress("world") as bar:
        task = bar.add_task(f"{len(names)} world orders", total=runs * len(names))
        res = compare_worlds(
            names,
            runs=runs,
            years=years,
            seed=seed,
            workers=n_workers,
            progress=lambda k: bar.advance(task, k),
        )
    rows = res.summary()
    summary = {
        "runs": runs,
        "years": res.years,
        "seed": seed,
        "version": __version__,
        "note": "Conditional on the presets' assumptions (docs/world.md).",
        "presets": rows,
    }
    if out is not None:
        from detente.experiments.store import write_table
        from detente.report.html import build_report

        out.mkdir(parents=True, exist_ok=True)
        write_table(out / "world.parquet", res.per_run())
        write_atomic(out / "world.json", (json.dumps(summary, indent=1) + "\n").encode())
        write_atomic(out / "report.html", build_report(out).encode())
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=1) + "\n")
        return
    from rich import box

    table = Table(
        title=f"World orders: {runs:,} runs x {res.years} years",
        caption="Each cell: the mean, then its 95% interval.",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
        pad_edge=False,
    )
    table.add_column("metric", min_width=12, max_width=20)
    for n in names:
        # Break long preset names after a hyphen, never inside a word.
        label = Path(n).stem if n.endswith((".yaml", ".yml")) else n  # a file: its name
        table.add_column(label.replace("-", "-\n", 1), justify="right", no_wrap=True)
    for k, label in LABELS.items():
        cells = []
        for r in rows:
            lo, hi = r[f"{k}_ci"]
            cells.append(f"{_world_num(k, r[k])}\n[{_world_num(k, lo)},{_world_num(k, hi)}]")
        table.add_row(label, *cells)
    out_console.print(table)
    base = names[0]
    for r in rows[1:]:
        parts = []
        for k in ("crises_per_decade", "wars", "autonomy"):
            lo, hi = r[f"{k}_vs_{base}_ci"]
            parts.append(f"{LABELS[k]} {r[f'{k}_vs_{base}']:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        out_console.print(f"{r['preset']} vs {base}: " + "; ".join(parts), highlight=False)
    out_console.print("Conditional on the presets' assumptions (docs/world.md).", highlight=False)
    if out is not None:
        out_console.print(describe(out, written(out, before)), highlight=False)


def _world_num(key: str, x: float) -> str:
    """Shares to three decimals; counts to one, or in k and M from a thousand."""
    if key in ("nuclear_use", "autonomy"):
        return f"{x:.3f}"
    return _fmt_num(x) if abs(x) >= 1e3 else f"{x:.1f}"


@app.command("report")
def report_cmd(
    folder: Annotated[
        Path,
        typer.Argument(help="a run, sweep, calibration or world folder (their --out)"),
    ],
    out: Annotated[
        Path | None, typer.Option(help="the HTML file to write (default: FOLDER/report.html)")
    ] = None,
    figures: Annotated[
        Path | None, typer.Option(help="also write every figure as PNG and SVG here")
    ] = None,
) -> None:
    """One self-contained HTML report (works offline), and optionally PNG/SVG figures."""
    need("detente report", "report")
    from detente.experiments.store import ResultsError
    from detente.report.html import build_report, export_figures

    try:
        text = build_report(folder)
    except (FileNotFoundError, ResultsError) as e:
        raise fail(str(e)) from None
    out = out or folder / "report.html"
    if out.is_dir():
        raise fail(f"{out}: (top level): expected a file path for the report, got a folder")
    try:
        write_atomic(out, text.encode())
    except OSError as e:
        raise fail(f"{out}: (top level): expected a writable path ({e.strerror or e})") from None
    out_console.print(f"wrote {out} ({len(text) / 1e6:.1f} MB, no network needed)")
    if figures is not None:
        try:
            files = export_figures(folder, figures)
        except OSError as e:
            raise fail(
                f"{figures}: (top level): expected a writable folder ({e.strerror or e})"
            ) from None
        names = ", ".join(Path(f).name for f in files)
        out_console.print(f"wrote {figures}: {names}", highlight=False)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="address to bind; keep 127.0.0.1 unless you mean to share it")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    concurrency: Annotated[int, typer.Option(min=1, help="jobs run at once")] = 1,
    timeout: Annotated[float, typer.Option(min=1, help="seconds a job may run")] = 600.0,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="a host name (besides loopback) the server answers to; repeatable"),
    ] = None,
) -> None:
    """The local web app: pick or upload a scenario, run it, see and download results."""
    need("detente serve", "web")
    import uvicorn

    from detente.web.app import create_app

    out_console.print(f"detente on http://{host}:{port} (Ctrl-C to stop)")
    hosts = [*(allow_host or []), *([host] if host not in ("0.0.0.0", "::") else [])]
    uvicorn.run(
        create_app(concurrency, timeout, allowed_hosts=hosts),
        host=host,
        port=port,
        log_level="warning",
    )


@app.command()
def reproduce(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
) -> None:
    """Recompute every published target of detente.classic; exit 1 if any fails."""
    from detente.classic.reproduce import targets

    rows = targets()
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2) + "\n")
    else:
        table = Table(title="detente.classic: published targets, reproduced")
        for col in ("model", "target", "published", "ours", "tolerance", "pass"):
            table.add_column(
                col, justify="right" if col not in ("model", "target") else "left", overflow="fold"
            )
        for r in rows:
            tol = f"{r.tolerance:g}" + (" rel" if r.relative else "")
            table.add_row(
                r.model,
                r.target,
                f"{r.published:.6g}",
                f"{r.ours:.6g}",
                tol,
                "[green]yes[/]" if r.passed else "[red]NO[/]",
            )
        out_console.print(table)
        out_console.print(
            "sources: " + "; ".join(sorted({r.source for r in rows})), highlight=False
        )
    if not all(r.passed for r in rows):
        raise typer.Exit(1)


def _register_scenarios() -> None:
    from detente.cli_scenarios import scenarios_app, schema

    app.add_typer(scenarios_app, name="scenarios")
    app.command("schema")(schema)


_register_scenarios()


@app.command()
def version() -> None:
    """Print the version."""
    out_console.print(f"detente {__version__}")


app.add_typer(__import__("detente.cli_crises", fromlist=["app"]).app, name="crises")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
