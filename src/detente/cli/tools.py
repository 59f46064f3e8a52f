"""``detente report``, ``serve``, ``reproduce`` and ``version``: results shown."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente import __version__
from detente.cli.common import fail, need, out_console
from detente.io import write_atomic

__all__ = ["report_cmd", "reproduce", "serve", "version"]


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
    from detente.io.store import ResultsError
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


def reproduce(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
) -> None:
    """Recompute every published target of detente.theory; exit 1 if any fails."""
    from detente.validation.reproduce import targets

    rows = targets()
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2) + "\n")
    else:
        table = Table(title="detente.theory: published targets, reproduced")
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


def version() -> None:
    """Print the version."""
    out_console.print(f"detente {__version__}")
