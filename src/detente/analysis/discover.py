"""Scenario discovery: which ranges of the factors lead to an outcome of interest.

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), as
implemented in the EMA Workbench (Kwakkel 2017), applied to a sweep's
experiments; install it with ``pip install 'detente[ema]'``. A box is a set
of factor ranges; coverage is the share of the cases of interest inside it,
density the share of the box's experiments that are cases of interest
(Bryant & Lempert 2010).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from detente.io.store import load
from detente.outcomes import aliases

__all__ = ["ALIASES", "discover", "parse_condition"]

# A summary's name for the outcome it is computed from (p_war -> war): a
# condition is on one run's value (detente.outcomes declares both).
ALIASES = aliases()
_COND = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>|==|!=)\s*"
    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
_OPS = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def parse_condition(text: str) -> tuple[str, str, float]:
    """``'p_war > 0.5'`` -> ("war", ">", 0.5). Only a name, an operator and a number."""
    m = _COND.match(text)
    if not m:
        raise ValueError(f"expected an outcome condition like 'p_war > 0.5', got {text!r}")
    name, op, value = m.groups()
    return ALIASES.get(name, name), op, float(value)


def discover(
    folder: Path,
    condition: str,
    package: str | None = None,
    threshold: float = 0.8,
    max_boxes: int = 3,
) -> dict[str, Any]:
    """Run PRIM on a sweep; return the boxes with their limits, coverage and density."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EMA warns about optional evaluators at import
            from ema_workbench.analysis import prim
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError("scenario discovery needs: pip install 'detente[ema]'") from e
    name, op, value = parse_condition(condition)
    experiments, outcomes, con = load(folder)
    con.close()
    if name not in outcomes:
        raise KeyError(
            f"expected an outcome of the sweep ({', '.join(sorted(outcomes))}), got {name!r}"
        )
    pkg = package or str(experiments["policy"].iloc[0])
    mask = (experiments["policy"] == pkg).to_numpy()
    x = experiments.loc[mask].drop(columns=["point", "policy"]).reset_index(drop=True)
    y = _OPS[op](outcomes[name][mask], value)
    result: dict[str, Any] = {
        "condition": condition,
        "package": pkg,
        "cases": int(y.sum()),
        "experiments": len(y),
        "boxes": [],
    }
    if y.sum() == 0 or y.all():
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, y, threshold=threshold)
        for _ in range(max_boxes):
            box = finder.find_box()
            if box is None:
                break
            lims = box.box_lims[box._cur_box]
            first = box.box_lims[0]
            restricted = {
                col: [float(lims[col].iloc[0]), float(lims[col].iloc[1])]
                for col in lims.columns
                if (lims[col].iloc[0] != first[col].iloc[0])
                or (lims[col].iloc[1] != first[col].iloc[1])
            }
            if not restricted or box.coverage == 0:
                break  # the rest of the space: no further box
            result["boxes"].append(
                {
                    "coverage": float(box.coverage),
                    "density": float(box.density),
                    "mass": float(box.mass),
                    "limits": restricted,
                }
            )
    return result
