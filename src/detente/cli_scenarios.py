"""``detente scenarios`` (list, show, export) and ``detente schema``.

Kept apart from :mod:`detente.cli` so that the command module stays small;
:mod:`detente.cli` registers these.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["scenario_schema", "scenarios_app", "schema"]

scenarios_app = typer.Typer(
    help="The built-in scenarios: list them, print one, or copy one to a file to edit.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _builtin_text(name: str) -> str:
    from detente.cli import fail
    from detente.scenario.loading import builtin_names

    if name not in builtin_names():
        raise fail(f"{name}: expected a built-in scenario name ({', '.join(builtin_names())})")
    res = resources.files("detente.scenario") / "builtin" / f"{name}.yaml"
    return res.read_text(encoding="utf-8")


@scenarios_app.callback()
def scenarios(ctx: typer.Context) -> None:
    """List the built-in scenarios, one line each (with no sub-command)."""
    if ctx.invoked_subcommand is not None:
        return
    from detente.cli import out_console
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
    from detente.cli import fail, out_console
    from detente.io import write_atomic

    text = _builtin_text(name)
    target = out or Path(f"{name}.yaml")
    if target.is_dir():
        target = target / f"{name}.yaml"
    if target.exists() and not force:
        raise fail(f"{target}: expected a new file; it exists (--force replaces it)")
    write_atomic(target, text.encode())
    out_console.print(f"wrote {target}", highlight=False)


def scenario_schema() -> dict:
    """The JSON Schema (draft 2020-12) of scenario files, from the pydantic models."""
    from detente.scenario.schema import Scenario

    doc = Scenario.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "detente scenario",
        **{k: v for k, v in doc.items() if k != "title"},
    }


def schema(
    out: Annotated[Path | None, typer.Option(help="write to this file instead")] = None,
) -> None:
    """Print the JSON Schema of scenario files (for an editor's completion and checks)."""
    text = json.dumps(scenario_schema(), indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    from detente.cli import out_console
    from detente.io import write_atomic

    write_atomic(out, text.encode())
    out_console.print(f"wrote {out}", highlight=False)


def make_self_contained(scenario_file: Path) -> list[Path]:
    """Make a dumped scenario (``run --out``'s ``scenario.yaml``) readable anywhere.

    Posterior files shipped with detente are named by their built-in path
    (found from any folder); any other posterior file is copied into
    ``posteriors/`` beside the scenario and named relative to it, so the
    folder can be moved or sent as it is. Returns the files copied.
    """
    import shutil

    import yaml

    from detente.io import write_atomic
    from detente.scenario.loading import builtin_posterior, read_yaml

    data = read_yaml(scenario_file)
    copied: dict[str, Path] = {}

    def walk(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            ref = node.get("file")
            if node.get("dist") == "posterior" and isinstance(ref, str):
                src = Path(ref)
                if src.is_absolute() and builtin_posterior(ref) is None and src.is_file():
                    if ref not in copied:
                        stem, k, name = src.stem, 1, src.name
                        while name in {p.name for p in copied.values()}:
                            k += 1
                            name = f"{stem}-{k}{src.suffix}"
                        dest = scenario_file.parent / "posteriors" / name
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(src, dest)
                        copied[ref] = dest
                    node["file"] = f"posteriors/{copied[ref].name}"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    if copied:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        write_atomic(scenario_file, text.encode())
    return list(copied.values())
