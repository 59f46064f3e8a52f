"""Many crises: map the International Crisis Behavior record onto the model,
fit the mapping's free coefficients, forecast crises the fit has not seen.

- :mod:`~detente.crises.reader` reads and validates ICB-format files;
- :mod:`~detente.crises.mapping` turns each crisis into model quantities;
- :mod:`~detente.crises.simulate` runs many crises in one vectorised call;
- :mod:`~detente.crises.fit` fits the coefficients by ABC-SMC;
- :mod:`~detente.crises.predict` and :mod:`~detente.crises.score` forecast and score;
- :mod:`~detente.crises.scenario` writes one crisis as an editable scenario, and
  applies the fitted hazards, look-ahead and rationality to any scenario.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from detente.crises.mapping import Features, FeatureTable, crisis_features, feature_table
from detente.crises.reader import CrisisDataError, read_icb

__all__ = ["SHIPPED_FIT", "CrisisDataError", "load_crises"]

SHIPPED_FIT = "icb-1918-1989.yaml"


def shipped_fit() -> Path:
    """Path of the posterior that ships with the package."""
    return Path(str(resources.files("detente.crises") / "fit" / SHIPPED_FIT))


def load_crises(
    crises: str | Path, actors: str | Path
) -> tuple[FeatureTable, list[Features], list[dict]]:
    """Read, validate and map; return the table, the features and the skipped crises."""
    rows = read_icb(crises, actors)
    mapped, skipped = [], []
    for r in rows:
        f = crisis_features(r)
        if isinstance(f, str):
            skipped.append({"crisno": r.crisno, "reason": f})
        else:
            mapped.append(f)
    mapped.sort(key=lambda f: f.crisno)
    return feature_table(mapped), mapped, skipped
