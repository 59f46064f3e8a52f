"""The document a world comparison is summarised in (``world.json``, ``world --json``),
and the presets compared when none is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente import __version__
from detente.world.compare import WorldComparison
from detente.world.loading import preset_names

__all__ = ["DEFAULT_PRESETS", "NOTE", "unknown_presets", "world_summary"]

# The first is the baseline every other preset is compared with, run by run.
DEFAULT_PRESETS = ("unipolar", "spheres-recognised", "spheres-contested", "collective-security")
NOTE = "Conditional on the presets' assumptions (docs/world.md)."


def unknown_presets(names: list[str]) -> list[str]:
    """The names that are neither a built-in preset nor an existing file."""
    return [n for n in names if n not in preset_names() and not Path(n).is_file()]


def world_summary(res: WorldComparison) -> dict[str, Any]:
    """Runs, horizon, seed, version, the note on what the figures are conditional on,
    and each preset's summary row (:meth:`WorldComparison.summary`)."""
    return {
        "runs": res.runs,
        "years": res.years,
        "seed": res.seed,
        "version": __version__,
        "note": NOTE,
        "presets": res.summary(),
    }
