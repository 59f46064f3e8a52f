"""Which optional extras a feature needs, checked before any work is done.

A command that needs an extra checks it first and, when something is
missing, says in one line which extra to install, rather than failing with a
traceback after minutes of computing. The check finds modules without
importing them (:func:`importlib.util.find_spec`), so it costs nothing.
"""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["EXTRAS", "MissingExtra", "missing", "require"]

# extra (as in pyproject.toml) -> the top-level modules it provides
EXTRAS: dict[str, tuple[str, ...]] = {
    "pandas": ("pandas",),
    "experiments": ("pandas", "SALib", "duckdb"),
    "dask": ("pandas", "SALib", "duckdb", "dask", "distributed"),
    "ema": ("ema_workbench",),
    "scores": ("scoringrules",),
    "jax": ("jax",),
    "report": ("pandas", "altair", "vl_convert"),
    "web": ("pandas", "altair", "vl_convert", "fastapi", "uvicorn", "multipart"),
    "xarray": ("xarray",),
    "arviz": ("arviz",),
    "plot": ("matplotlib",),
    "crises": ("sklearn", "matplotlib"),
}


class MissingExtra(ImportError):
    """A feature whose optional dependencies are not installed."""


def _installed(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing(*extras: str) -> list[str]:
    """The modules of ``extras`` that are not installed, in order, without repeats."""
    out: list[str] = []
    for extra in extras:
        for module in EXTRAS[extra]:
            if module not in out and not _installed(module):
                out.append(module)
    return out


def require(feature: str, *extras: str) -> None:
    """Raise :class:`MissingExtra` naming the extras to install if any module is missing.

    >>> require("detente run --report", "report")  # doctest: +SKIP
    MissingExtra: detente run --report needs: pip install 'detente[report]' (missing: altair)
    """
    absent = missing(*extras)
    if absent:
        raise MissingExtra(
            f"{feature} needs: pip install 'detente[{','.join(extras)}]' "
            f"(missing: {', '.join(absent)})"
        )
