"""The layering rule of docs/architecture.md, kept by a test (issue "The house re-laid").

Reads every module of ``src/detente`` with :mod:`ast` (nothing is imported)
and checks the imports that run when a module is loaded (module level,
outside ``if TYPE_CHECKING:``; imports inside functions are deferred on
purpose and cannot form a circle at import time):

- no import circle between modules;
- a package imports only packages of a lower layer: the model never reaches
  up to the runner, the analyses or the presentation, and the reference
  kernels never reach into the model;
- no private name (``_x``) is imported from another package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Lower layers first; a package may import only packages of a strictly lower
# rank. The top-level ``detente`` module loads its names lazily (PEP 562), so
# importing it (for ``__version__``) costs nothing and ranks with the base.
RANK = {
    "detente": 0, "backend": 0, "io": 0, "extras": 0, "written": 0, "outcomes": 0,
    "random": 1,
    "classic": 2, "scenario": 2,
    "model": 3,
    "experiments": 4,
    "calibration": 5, "world": 5,
    "crises": 6,
    "report": 7, "plotting": 7, "interop": 7, "ema": 7, "reference": 7,
    "web": 8, "cli": 8,
}  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for f in SRC.rglob("*.py"):
        parts = f.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


MODULES = _modules()


def _loaded_imports(name: str, path: Path) -> set[str]:
    """Project modules that loading ``name`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Import):
                found.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                if n.level:
                    base = package.split(".")[: len(package.split(".")) - (n.level - 1)]
                    mod = ".".join(base + ([n.module] if n.module else []))
                else:
                    mod = n.module or ""
                found.add(mod)
                found.update(f"{mod}.{a.name}" for a in n.names)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _loaded_imports(name, path) for name, path in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "detente"


def _cycle() -> list[str] | None:
    """One import circle, if any (depth-first search with colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        colour[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if colour.get(n) == 1:
                return [*stack[stack.index(n):], n]
            if n not in colour and (found := visit(n)):
                return found
        stack.pop()
        colour[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in colour and (found := visit(m)):
            return found
    return None


def test_the_checker_sees_the_imports_it_must():
    # A checker that reads nothing passes every rule: the engine's own imports
    # must be found (the step's sections and the backend).
    assert {"detente.model.talks", "detente.model.war", "detente.backend"} <= GRAPH[
        "detente.model.engine"]


def test_no_import_circles():
    assert _cycle() is None, " -> ".join(_cycle() or [])


def test_every_package_has_a_layer():
    assert {_package(m) for m in MODULES} <= set(RANK)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_package_imports_only_lower_layers(module):
    own = _package(module)
    upward = sorted(
        m for m in GRAPH[module]
        if _package(m) != own and RANK[_package(m)] >= RANK[own]
    )
    assert not upward, f"{module} ({own}, layer {RANK[own]}) imports {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_is_imported_from_another_package(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    private = sorted(
        f"{n.module}.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and not n.level
        and n.module.startswith("detente.") and _package(n.module) != _package(module)
        for a in n.names if a.name.startswith("_") and not a.name.startswith("__")
    )
    assert not private, f"{module} imports private names of other packages: {private}"
