"""``detente scenarios`` (list, show, export) and ``detente schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.common import fail, out_console
from detente.io import write_atomic

__all__ = ["scenarios_app", "schema"]

scenarios_app = typer.Typer(
    help="The built-in scenarios: list them, print one, or copy one to a file to edit.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _builtin_text(name: str) -> str:
    from detente.scenario.shipped import builtin_text

    try:
        return builtin_text(name)
    except LookupError as e:
        raise fail(f"{name}: {e}") from None


@scenarios_app.callback()
def scenarios(ctx: typer.Context) -> None:
    """List the built-in scenarios, one line each (with no sub-command)."""
    if ctx.invoked_subcommand is not None:
        return
    from detente.scenario.loading import builtin_names, load_scenario

    for name in builtin_names():
        sc = load_scenario(name)
        out_console.print(f"{name:22s} {sc.title}", highlight=False)


@scenarios_app.command()
def show(name: Annotated[str, typer.Argument(help="a built-in scenario name")]) -> None:
    """Print a built-in scenario's YAML, with its comments and sources."""
    sys.stdout.write(_builtin_text(name))


@scenarios_app.command()
def export(
    name: Annotated[str, typer.Argument(help="a built-in scenario name")],
    out: Annotated[
        Path | None, typer.Option(help="the file to write (default: NAME.yaml here)")
    ] = None,
    force: Annotated[bool, typer.Option(help="replace an existing file")] = False,
) -> None:
    """Copy a built-in scenario to a YAML file to edit; it runs from any folder."""
    text = _builtin_text(name)
    target = out or Path(f"{name}.yaml")
    if target.is_dir():
        target = target / f"{name}.yaml"
    if target.exists() and not force:
        raise fail(f"{target}: expected a new file; it exists (--force replaces it)")
    write_atomic(target, text.encode())
    out_console.print(f"wrote {target}", highlight=False)


def schema(
    out: Annotated[Path | None, typer.Option(help="write to this file instead")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for an editor's completion and checks)."""
    from detente.scenario.schema import json_schema

    text = json.dumps(json_schema(), indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    write_atomic(out, text.encode())
    out_console.print(f"wrote {out}", highlight=False)
