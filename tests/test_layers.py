"""The layering rule of docs/architecture.md, kept by a test (issue "The house re-laid").

Reads every module of ``src/detente`` with :mod:`ast` (nothing is imported)
and checks the imports that run when a module is loaded (module level,
outside ``if TYPE_CHECKING:``; imports inside functions are deferred on
purpose and cannot form a circle at import time):

- no import circle between modules;
- a package imports only packages of a lower layer: the model never reaches
  up to the runner, the analyses or the presentation, and the reference
  kernels never reach into the model or the checks that reproduce them;
- no private name (``_x``) of one module is used by another, however it is
  reached: ``from m import _x``, ``from . import _x``, ``import m._x`` or
  ``m._x`` on an imported module (a name two modules share is public).
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
    "blocks": -1, "detente": 0, "backend": 0, "extras": 0, "written": 0, "outcomes": 0,
    "random": 1, "io": 1,
    "theory": 2,
    "scenario": 3,
    "model": 4,
    "analysis": 5, "validation": 5,
    "run": 6,
    "calibration": 7, "world": 7,
    "crises": 8,
    "report": 9, "plotting": 9, "interop": 9, "ema": 9, "reference": 9,
    "web": 10, "cli": 10,
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


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imported(module: str, tree: ast.Module) -> tuple[list[str], dict[str, str]]:
    """Private names ``module`` imports from other project modules, and the
    local names that stand for project modules (``from m import engine``)."""
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[str] = []
    aliases: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (n.level - 1)] if n.level else []
            source = ".".join([*base, n.module]) if n.module else ".".join(base)
            if not source.startswith("detente") or source == module:
                continue
            for a in n.names:
                if _private(a.name):
                    found.append(f"{source}.{a.name}")
                elif f"{source}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{source}.{a.name}"
        elif isinstance(n, ast.Import):
            for a in (a for a in n.names if a.name.startswith("detente")):
                found += [a.name] if any(map(_private, a.name.split("."))) else []
                aliases[a.asname or a.name] = a.name
    return found, aliases


def _private_uses(module: str) -> list[str]:
    """Private names of other project modules that ``module`` uses."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found, aliases = _imported(module, tree)
    found += [
        f"{aliases[n.value.id]}.{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and _private(n.attr)
        and isinstance(n.value, ast.Name) and n.value.id in aliases
    ]  # fmt: skip
    return sorted(set(found))


def test_the_private_name_check_sees_each_way_in(tmp_path, monkeypatch):
    # Each form the rule names, written into a module of its own: a checker
    # that missed one would pass a real use of it.
    code = {
        "detente.fake.a": "from detente.report.figures import _alt\n",
        "detente.fake.b": "from . import _shared\n",
        "detente.fake.c": "import detente.model._hidden\n",
        "detente.fake.d": "from detente.model import engine\nengine._interventions\n",
        "detente.fake.e": "from detente.model import engine\nengine.step\n",
    }
    for name, text in code.items():
        f = tmp_path / f"{name.rsplit('.', 1)[1]}.py"
        f.write_text(text)
        monkeypatch.setitem(MODULES, name, f)
    assert _private_uses("detente.fake.a") == ["detente.report.figures._alt"]
    assert _private_uses("detente.fake.b") == ["detente.fake._shared"]
    assert _private_uses("detente.fake.c") == ["detente.model._hidden"]
    assert _private_uses("detente.fake.d") == ["detente.model.engine._interventions"]
    assert _private_uses("detente.fake.e") == []


# Packages whose modules still share private helpers among themselves (never
# with another package): the engine's sections, split from one module, call
# each other's ``_x``; the model-side half of issue "The house re-laid"
# renames them, and then this set is empty.
SHARING_WITHIN = {"model"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_is_used_from_another_module(module):
    own = _package(module)
    private = [
        m for m in _private_uses(module)
        if own not in SHARING_WITHIN or _package(m) != own
    ]  # fmt: skip
    assert not private, f"{module} uses private names of other modules: {private}"
