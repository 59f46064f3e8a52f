"""The reference data and calibration targets shipped with detente.

In an installed package they sit in ``detente/data`` (pyproject.toml copies
the repository's ``data/`` folder there when the wheel is built); in a
source checkout they are the repository's ``data/`` folder itself, so there
is one copy to keep.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["builtin_targets", "data_dir", "targets_file", "targets_names"]


def data_dir() -> Path | None:
    """The folder of reference data, or None where neither copy exists."""
    here = Path(__file__).resolve().parent
    for folder in (here / "data", here.parents[1] / "data"):
        if (folder / "targets").is_dir():
            return folder
    return None


def targets_names() -> list[str]:
    """Names of the calibration targets files shipped with detente."""
    folder = data_dir()
    if folder is None:
        return []
    return sorted(p.stem for p in (folder / "targets").glob("*.yaml"))


def builtin_targets(name: str) -> Path | None:
    """The shipped targets file called ``name`` (``donbas-2014``), or None."""
    if name not in targets_names():
        return None
    folder = data_dir()
    assert folder is not None  # targets_names found it
    return folder / "targets" / f"{name}.yaml"


def targets_file(targets: str | None, scenario: str) -> Path:
    """The targets file to calibrate ``scenario`` on.

    ``targets`` is a path, or the name of a shipped targets file; None means
    the shipped file named like the scenario (``donbas-2014``).

    Raises
    ------
    LookupError
        Nothing is found (the message lists the shipped targets).
    """
    shipped = ", ".join(targets_names()) or "none in this install"
    if targets is None:
        found = builtin_targets(Path(scenario).stem)
        if found is None:
            raise LookupError(
                f"expected a targets file; none ships for {scenario!r} (shipped: {shipped})"
            )
        return found
    if Path(targets).exists():
        return Path(targets)
    found = builtin_targets(targets)
    if found is None:
        raise LookupError(
            f"expected a targets YAML file or a shipped name ({shipped}), got {targets!r}"
        )
    return found
