"""The web app's results table: which summary fields it shows, with the labels
and units :mod:`detente.outcomes` declares (the page asks ``/api/columns``)."""

from __future__ import annotations

from detente.outcomes import SUMMARIES, label

__all__ = ["SHOWN", "results_columns"]

# The summary fields the table shows, in order (the downloads keep them all).
SHOWN = ("p_war", "p_war_ci", "p_settlement", "p_nuclear", "deaths_mean", "displaced_mean")

# How the page formats a value of each statistic (app.js's ``fmt``).
_KIND = {"share": "prob", "share_ci": "prob", "mean": "count", "q05": "count", "q95": "count"}


def _kind(key: str) -> str:
    if key.endswith("_ci"):
        return "interval"
    return _KIND[next(s.statistic for s in SUMMARIES if s.key == key)]


def results_columns() -> list[dict[str, str]]:
    """Each column's summary key, label (with its unit) and format, in order."""
    cols = [{"key": "name", "label": "Package", "kind": "text"}]
    cols += [{"key": k, "label": label(k), "kind": _kind(k)} for k in SHOWN]
    cols += [
        {
            "key": "delta_p_war_vs_status_quo",
            "label": f"Change in {label('p_war')} vs status quo",
            "kind": "delta",
        },
        {"key": "delta_p_war_ci", "label": "Change, 95% interval", "kind": "dinterval"},
    ]
    return cols
