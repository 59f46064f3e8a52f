"""Read world scenarios: built-in presets by name, or YAML files, with ``extends``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from detente.scenario.loading import ScenarioError, pydantic_error, read_yaml
from detente.world.schema import WorldScenario

__all__ = ["load_world", "preset_names"]

MAX_EXTENDS = 8


def _folder() -> Path:
    return Path(str(resources.files("detente.world") / "presets"))


def preset_names() -> list[str]:
    """The built-in world presets (files starting with '_' are shared bases)."""
    return sorted(
        p.stem for p in _folder().iterdir() if p.suffix == ".yaml" and not p.stem.startswith("_")
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """JSON Merge Patch (RFC 7386): mappings merge key by key, ``null`` removes a
    key, anything else in ``over`` replaces ``base``."""
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _locate(name: str, relative_to: Path | None) -> tuple[Path, str]:
    builtin = _folder() / f"{name}.yaml"
    if builtin.is_file():
        return builtin, f"{name}.yaml (built-in)"
    path = Path(name) if relative_to is None else relative_to / name
    if not path.is_file():
        raise ScenarioError(
            name, "", f"expected a world preset ({', '.join(preset_names())}) or a YAML file"
        )
    return path, str(path)


def _read(name: str, relative_to: Path | None, depth: int) -> tuple[dict[str, Any], str]:
    path, label = _locate(name, relative_to)
    data = read_yaml(path, what="world")
    parent = data.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(label, "extends", "expected the name or path of another world")
        if depth >= MAX_EXTENDS:
            raise ScenarioError(label, "extends", f"expected at most {MAX_EXTENDS} levels")
        base, _ = _read(parent, path.parent, depth + 1)
        data = _merge(base, data)
    return data, label


def load_world(name_or_path: str | Path) -> WorldScenario:
    """Load a world preset by name or a world YAML file; errors name file and field."""
    data, label = _read(str(name_or_path), None, 0)
    try:
        world = WorldScenario.model_validate(data)
    except ValidationError as e:
        raise pydantic_error(label, e) from None
    _check_references(world, label)
    return world


def _check_references(w: WorldScenario, file: str) -> None:
    """Every id a world names must exist; say which field names one that does not."""
    gp = [a.id for a in w.great_powers]
    for i, a in enumerate(gp):
        if a in gp[:i]:
            raise ScenarioError(
                file, f"great_powers[{i}].id", f"expected a unique id, got {a!r} twice"
            )
    for i, s in enumerate(w.spheres):
        if s.claimant not in gp:
            raise ScenarioError(
                file,
                f"spheres[{i}].claimant",
                f"expected a great power ({', '.join(gp)}), got {s.claimant!r}",
            )
    for i, r in enumerate(w.rivalries):
        for side in ("challenger", "defender"):
            if getattr(r, side) not in gp:
                raise ScenarioError(
                    file,
                    f"rivalries[{i}].{side}",
                    f"expected a great power ({', '.join(gp)}), got {getattr(r, side)!r}",
                )
        if r.challenger == r.defender:
            raise ScenarioError(
                file, f"rivalries[{i}].defender", "expected a great power other than the challenger"
            )
    for k in w.world.growth:
        if k not in gp:
            raise ScenarioError(
                file, f"world.growth.{k}", f"expected a great power ({', '.join(gp)}), got {k!r}"
            )
    for k in w.small_states.preferences:
        if k != "none" and k not in gp:
            raise ScenarioError(
                file,
                f"small_states.preferences.{k}",
                f"expected a great power ({', '.join(gp)}) or 'none', got {k!r}",
            )
    clash = sorted(set(gp) & set(w.small_states.ids()))
    if clash:
        raise ScenarioError(
            file,
            "small_states.prefix",
            f"expected small-state ids apart from great powers, got {clash}",
        )
