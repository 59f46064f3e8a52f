"""The forecast of a calibration folder as a table (``forecast.md`` and the report)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["forecast_markdown", "forecast_rows"]


def _num(x: float) -> str:
    """A count as people read it: 81,500 not 8.15e4."""
    if abs(x) < 0.5:
        return "0"  # a flow's interpolation leaves a last bit, never a person
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.0f}k"
    return f"{x:,.0f}"


def forecast_rows(df: pd.DataFrame, period: str = "year") -> list[dict[str, str]]:
    """One row per target and period: the median with its 50% and 90% intervals."""
    rows = []
    for r in df[df["period"] == period].itertuples():
        rows.append(
            {
                "target": r.target,
                "quantity": f"{r.quantity} ({r.measure}; {r.observed})",
                period: r.label,
                "median": _num(r.q50),
                "50% interval": f"{_num(r.q25)} to {_num(r.q75)}",
                "90% interval": f"{_num(r.q05)} to {_num(r.q95)}",
                "in fitted window": "yes" if r.fitted_window else "no",
            }
        )
    return rows


def forecast_markdown(df: pd.DataFrame, manifest: dict[str, Any]) -> str:
    """The yearly forecast as a Markdown table, with what it was computed from."""
    rows = forecast_rows(df, "year")
    cols = list(rows[0]) if rows else []
    lines = [
        f"# Forecast: {manifest['scenario']}",
        "",
        f"Posterior of {manifest['targets']} (seed {manifest['seed']}, fitted up to "
        f"{manifest.get('until') or 'the last target date'}), {int(df['draws'].iloc[0])} draws. "
        "A floor's forecast is of the quantity itself (the record will lie at or below it); "
        "an index is scaled as in the fit; a flow is within the year, a stock or cumulative "
        "count is its level at the year's end.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    lines += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"
