"""The price of peace per package (model-spec V2.7): who gets what, when, and whether it holds.

P(war) never appears without it: a package that buys peace at the price of
one side's whole demand says so beside its P(war).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from detente.model.state import BY_AGREEMENT, BY_CONCESSION

__all__ = ["dispute_ids", "price_of_peace"]


def dispute_ids(outcomes: dict[str, NDArray]) -> list[str]:
    """The disputes named in a per-run outcome table."""
    return [k.split(".", 1)[1] for k in outcomes if k.startswith("settled_by.")]


def _quantiles(x: NDArray) -> dict[str, float | None]:
    x = x[np.isfinite(x)]
    if not len(x):
        return {"mean": None, "q05": None, "q50": None, "q95": None}
    q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
    return {"mean": float(x.mean()), "q05": float(q05), "q50": float(q50), "q95": float(q95)}


def _share(num: NDArray, den: NDArray) -> float | None:
    total = float(den.sum())
    return float(num.sum()) / total if total > 0 else None


def price_of_peace(o: dict[str, NDArray]) -> dict[str, dict[str, Any]]:
    """Per dispute: terms, agreements, weeks to agreement, breakdowns, concessions.

    - ``terms``: the challenger's share of the stake in the settlements in
      force at the end (agreement, concession or victory): mean and 5/50/95%
      quantiles over the runs that have one;
    - ``p_agreement``: share of runs with at least one agreement;
      ``weeks_to_agreement``: mean weeks to the first one;
    - ``agreements_broken``: share of agreements reached that came apart;
      ``ceasefires_broken``: share of ceasefires begun that collapsed;
    - ``conceded_by_challenger`` / ``conceded_by_defender``: share of runs
      whose last concession was that side's.
    """
    out: dict[str, dict[str, Any]] = {}
    for d in dispute_ids(o):
        by = o[f"settled_by.{d}"]
        terms = np.where(by > 0, o[f"settlement.{d}"], np.nan)
        row: dict[str, Any] = {"terms": _quantiles(terms.astype(np.float64))}
        row["p_settled_by_agreement"] = float((by == BY_AGREEMENT).mean())
        row["p_settled_by_concession"] = float((by == BY_CONCESSION).mean())
        if f"agreements.{d}" in o:
            agreements = o[f"agreements.{d}"].astype(np.int64)
            weeks = o[f"agreement_week.{d}"]
            row["p_agreement"] = float((agreements > 0).mean())
            finite = weeks[weeks >= 0]  # -1: no agreement
            row["weeks_to_agreement"] = float(finite.mean()) if len(finite) else None
            row["agreements_broken"] = _share(o[f"breakdowns.{d}"], agreements)
            row["ceasefires_broken"] = _share(
                o[f"ceasefire_breakdowns.{d}"], o[f"ceasefires.{d}"]
            )
            who = o[f"conceded_by.{d}"]
            row["conceded_by_challenger"] = float((who == 0).mean())
            row["conceded_by_defender"] = float((who == 1).mean())
        out[d] = row
    return out
