"""``detente run`` and ``detente validate``: one scenario, simulated or checked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detente.cli.common import fail, fmt_num, load, need, out_console, progress, worker_count
from detente.io import write_atomic
from detente.outcomes import header

if TYPE_CHECKING:
    from detente.run.ensemble import Comparison
    from detente.scenario.schema import Scenario

__all__ = ["run", "validate"]


def run(
    ctx: typer.Context,
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
    # ensemble.DEFAULT_CHUNK; left unset, the backend's own default (see below).
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
    from detente.run.ensemble import compare, default_chunk_size, useful_workers
    from detente.written import describe, snapshot, written

    name = _backend_name(backend, precision)
    sc = load(scenario, hindcast=hindcast)
    names = _package_names(packages, sc)
    if report and out is None:
        raise fail("--report: expected --out DIR to write the report into")
    if report:
        need("detente run --report", "report")
    before = snapshot(out) if out is not None else {}
    n_pkgs = len({"status-quo", *(names or sc.packages)})
    source = ctx.get_parameter_source("chunk_size")  # by name: typer vendors its own click
    if source is None or source.name == "DEFAULT":
        chunk_size = default_chunk_size(name)  # on JAX, one compiled call per package
    chunk = min(chunk_size, runs)
    with progress("simulating") as bar:
        task = bar.add_task(f"{sc.name}: {n_pkgs} packages x {runs:,} runs", total=runs * n_pkgs)
        cmp = compare(
            sc,
            names,
            runs=runs,
            seed=seed,
            chunk_size=chunk,
            workers=useful_workers(worker_count(workers), runs, n_pkgs, chunk),
            progress=lambda k: bar.advance(task, k),
            series=out is not None,
            backend=name,
        )
    doc = cmp.to_json()
    if out is not None:
        _write_run(out, cmp, sc, report)
    if as_json:
        sys.stdout.write(doc)
        return
    _print_run(cmp, sc)
    if out is not None:
        out_console.print(describe(out, written(out, before)), highlight=False)


def _backend_name(backend: str, precision: str) -> str:
    """``--backend`` and ``--precision`` checked (:func:`detente.backend.parse`, the one
    place backend names are read), as the library's backend name."""
    from detente.backend import BACKENDS, PRECISIONS, parse

    # The options' names lead the line: the user typed options, not a backend string.
    if backend not in BACKENDS:
        raise fail(f"--backend: expected {' or '.join(BACKENDS)}, got {backend!r}")
    if precision not in PRECISIONS:
        raise fail(f"--precision: expected {' or '.join(PRECISIONS)}, got {precision!r}")
    try:
        spec = parse(backend, precision)
    except ValueError as err:
        raise fail(f"--{err}") from None
    if spec.backend == "jax":
        from detente.model.compiled import available

        if not available():
            raise fail("--backend jax: JAX is not installed; pip install 'detente[jax]'")
    return str(spec)


def _package_names(packages: str | None, sc: Scenario) -> list[str] | None:
    """``--packages`` as names of the scenario's packages (None: all)."""
    if packages is None:
        return None
    names = [n.strip() for n in packages.split(",") if n.strip()]
    unknown = [n for n in names if n not in sc.packages]
    if not names or unknown:
        raise fail(
            f"--packages: expected names from {sc.name} ({', '.join(sc.packages)}), "
            f"got {', '.join(unknown) or 'nothing'}"
        )
    return names


def _write_run(out: Path, cmp: Comparison, sc: Scenario, report: bool) -> None:
    """``--out``: the summary, the per-run outcomes, a self-contained scenario, the report."""
    from detente.io.store import write_run
    from detente.scenario.shipped import make_self_contained

    write_run(out, cmp, sc)
    make_self_contained(out / "scenario.yaml")
    if report:
        from detente.report.html import build_report

        write_atomic(out / "report.html", build_report(out).encode())


def _print_run(cmp: Comparison, sc: Scenario) -> None:
    """The packages' table, the price of peace, and the hindcast's label if any."""
    from detente.report.peace import peace_table
    from detente.scenario.loading import hindcast_label

    _print_table(cmp, sc)
    out_console.print(peace_table(cmp.rows()))
    if hindcast_label(sc):
        out_console.print(f"{sc.name}: {hindcast_label(sc)}", highlight=False)


def _interval(lo: float, hi: float, signed: bool = False) -> str:
    """A compact interval that never wraps mid-number: ``0.48-0.61`` or ``-0.33,+0.02``."""
    if signed:
        return f"{lo:+.2f},{hi:+.2f}"
    return f"{lo:.2f}-{hi:.2f}"


def _print_table(cmp: Comparison, sc: Scenario) -> None:
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
    keys = ("p_war", "p_settlement", "p_nuclear", "deaths_mean", "displaced_mean")
    for title in (*map(header, keys), f"Δ{header('p_war')}"):  # as detente.outcomes declares
        table.add_column(title, justify="right", no_wrap=True)
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
            f"{fmt_num(row['deaths_mean'])}\n{fmt_num(row['deaths_q05'])}-"
            f"{fmt_num(row['deaths_q95'])}",
            f"{fmt_num(row['displaced_mean'])}\n{fmt_num(row['displaced_q05'])}-"
            f"{fmt_num(row['displaced_q95'])}",
            dtxt,
        )
    out_console.print(table)


def validate(
    file: Annotated[str, typer.Argument(help="scenario YAML file or built-in name")],
) -> None:
    """Check a scenario file; print a one-line summary, or the first error and exit 2."""
    from detente.scenario.sources import count_sources

    sc = load(file)
    n_q = count_sources(sc)
    out_console.print(
        f"ok: {sc.name}: {len(sc.actors)} actors, {len(sc.alliances)} alliances, "
        f"{len(sc.disputes)} disputes, {len(sc.packages)} packages "
        f"({', '.join(sc.packages)}); of {n_q['set']} numbers set in the file, "
        f"{n_q['sourced']} carry a source; {n_q['default']} more are documented defaults",
        highlight=False,
    )
