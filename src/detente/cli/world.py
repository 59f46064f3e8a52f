"""``detente world``: world orders compared on paired runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from detente.cli.common import fail, fmt_num, need, out_console, progress, worker_count
from detente.io import write_atomic

if TYPE_CHECKING:
    from detente.world.compare import WorldComparison

__all__ = ["world"]


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
    from detente.world.compare import compare_worlds
    from detente.world.summary import DEFAULT_PRESETS, world_summary
    from detente.written import describe, snapshot, written

    if out is not None:
        need("detente world --out (its report)", "report")
    names = presets or list(DEFAULT_PRESETS)
    _check_presets(names)
    before = snapshot(out) if out is not None else {}
    with progress("world") as bar:
        task = bar.add_task(f"{len(names)} world orders", total=runs * len(names))
        res = compare_worlds(
            names,
            runs=runs,
            years=years,
            seed=seed,
            workers=worker_count(workers),
            progress=lambda k: bar.advance(task, k),
        )
    summary = world_summary(res)
    if out is not None:
        _write_world(out, res, summary)
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=1) + "\n")
        return
    _print_world(names, res, summary["presets"])
    if out is not None:
        out_console.print(describe(out, written(out, before)), highlight=False)


def _check_presets(names: list[str]) -> None:
    """Every preset named exists and reads, or one line naming the first that does not."""
    from detente.scenario.loading import ScenarioError
    from detente.world.loading import load_world, preset_names
    from detente.world.summary import unknown_presets

    unknown = unknown_presets(names)
    if unknown:
        raise fail(
            f"{unknown[0]}: expected a world preset ({', '.join(preset_names())}) or a YAML file"
        )
    try:
        for n in names:
            load_world(n)
    except ScenarioError as e:
        raise fail(str(e)) from None


def _write_world(out: Path, res: WorldComparison, summary: dict[str, Any]) -> None:
    """``--out``: the per-run table, the summary and the report."""
    from detente.io.store import write_table
    from detente.report.html import build_report

    out.mkdir(parents=True, exist_ok=True)
    write_table(out / "world.parquet", res.per_run())
    write_atomic(out / "world.json", (json.dumps(summary, indent=1) + "\n").encode())
    write_atomic(out / "report.html", build_report(out).encode())


def _print_world(names: list[str], res: WorldComparison, rows: list[dict[str, Any]]) -> None:
    """A metric a row, a preset a column; then each preset's paired change from the first."""
    from rich import box

    from detente.world.metrics import LABELS
    from detente.world.summary import NOTE

    table = Table(
        title=f"World orders: {res.runs:,} runs x {res.years} years",
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
    out_console.print(NOTE, highlight=False)


def _world_num(key: str, x: float) -> str:
    """Shares to three decimals; counts to one, or in k and M from a thousand."""
    from detente.world.metrics import is_share

    if is_share(key):
        return f"{x:.3f}"
    return fmt_num(x) if abs(x) >= 1e3 else f"{x:.1f}"
