"""The scenarios and posterior files shipped with detente, and copies of them
that can be read from any folder."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from detente.io import write_atomic
from detente.scenario.reading import read_yaml

__all__ = [
    "builtin_names",
    "builtin_path",
    "builtin_posterior",
    "builtin_text",
    "make_self_contained",
    "resolve_posteriors",
]


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with detente."""
    folder = resources.files("detente.scenario") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def builtin_path(name: str) -> Path:
    """The file of the built-in scenario ``name`` (one of :func:`builtin_names`)."""
    return Path(str(resources.files("detente.scenario") / "builtin" / f"{name}.yaml"))


def builtin_text(name: str) -> str:
    """A built-in scenario's YAML, with its comments and sources.

    Raises
    ------
    LookupError
        ``name`` is not a built-in scenario (the message lists them).
    """
    if name not in builtin_names():
        raise LookupError(f"expected a built-in scenario name ({', '.join(builtin_names())})")
    return (resources.files("detente.scenario") / "builtin" / f"{name}.yaml").read_text(
        encoding="utf-8"
    )


def builtin_posterior(ref: str) -> Path | None:
    """The posterior file shipped with detente that ``ref`` names, or None.

    ``ref`` is a built-in posterior's name (``donbas-2014``), its file name
    (``donbas-2014.yaml``) or its path in the built-in folder
    (``posteriors/donbas-2014.yaml``, as the built-in scenarios and their
    dumps write it).
    """
    folder = Path(str(resources.files("detente.scenario") / "builtin" / "posteriors"))
    parts = Path(ref).parts
    if len(parts) == 2 and parts[0] == "posteriors":
        parts = parts[1:]
    if len(parts) != 1:
        return None
    name = parts[0].removesuffix(".yaml")
    path = folder / f"{name}.yaml"
    # Only a plain file name of the folder: no "..", no separators.
    if name in {p.name.removesuffix(".yaml") for p in folder.glob("*.yaml")}:
        return path
    return None


def resolve_posteriors(data: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """A copy of ``data`` whose posterior references point at built-in files
    where they name one and no file of that name sits beside the scenario.

    So a built-in scenario copied to any folder (or ``run --out``'s
    ``scenario.yaml``) still finds ``posteriors/donbas-2014.yaml``, and a
    scenario may write ``file: donbas-2014``. A file beside the scenario wins.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            ref = out.get("file")
            if out.get("dist") == "posterior" and isinstance(ref, str) and ref:
                local = None if base is None else Path(base) / ref
                if local is None or not local.exists():
                    shipped = builtin_posterior(ref)
                    if shipped is not None:
                        out["file"] = str(shipped)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(data)
    return result


def make_self_contained(scenario_file: Path) -> list[Path]:
    """Make a dumped scenario (``run --out``'s ``scenario.yaml``) readable anywhere.

    Posterior files shipped with detente are named by their built-in path
    (found from any folder); any other posterior file is copied into
    ``posteriors/`` beside the scenario and named relative to it, so the
    folder can be moved or sent as it is. Returns the files copied.
    """
    data = read_yaml(scenario_file)
    copied: dict[str, Path] = {}

    def walk(node: Any) -> None:
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
