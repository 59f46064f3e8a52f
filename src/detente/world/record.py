"""The record check of docs/world.md: ICB crises that became wars, with a great-power ally or not.

International Crisis Behavior data, version 14 (Brecher, Wilkenfeld,
Beardsley, James & Quinn 2021), crises triggered 1918-1989 only (later ones
are held out; ``../shared/data/icb/README.md``). One row per crisis actor:

* ``viol`` 4 is full-scale war (the crisis's highest violence);
* ``allycap`` is the actor's alliance capability. Its codes are read here
  as 1 no alliance, 2 informal ties to a great power, 3 a formal alliance
  with a great power, 4 the actor is itself a great power at the head of
  an alliance. That reading is inferred from the data's own pattern (the
  United States is 4 in every crisis; India is 1 in all 13 of its; South
  Korea and West Germany are 3 in theirs; Israel and Cuba mostly 2), because
  the codebook's text was not at hand: check it against the ICB codebook
  before citing these figures.

The model's counterpart (:mod:`detente.world.compare`, ``war_share_allied``)
is the share of crises over small states that became wars when the target
sat in a rival great power's bloc (or under the collective guarantee), and
when it did not.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from detente.analysis.statistics import wilson_interval
from detente.io import read_text

__all__ = ["icb_war_shares"]

NO_ALLY, INFORMAL, FORMAL, GREAT_POWER = 1, 2, 3, 4
FULL_SCALE_WAR = 4


def icb_war_shares(
    actors_csv: Path, first: int = 1918, last: int = 1989
) -> dict[str, dict[str, float | int | list[float]]]:
    """Share of crisis actors whose crisis became full-scale war, by alliance capability.

    Returns, for 'formal' (allycap 3), 'informal' (2) and 'none' (1), the
    number of crisis actors, the number whose crisis reached ``viol`` 4,
    their share and its Wilson 95% interval; great powers (allycap 4) are
    left out, as the model's targets are small states. Only crises triggered
    in [first, last] count (and never from 1990 on: held out).
    """
    groups = {"formal": FORMAL, "informal": INFORMAL, "none": NO_ALLY}
    counts = {k: [0, 0] for k in groups}
    text = read_text(actors_csv, "ICB actor (ICB2)", 50_000_000)  # no FIFOs or devices
    with io.StringIO(text, newline="") as f:
        for row in csv.DictReader(f):
            year = int(row["yrtrig"])
            if year >= 1990 or not first <= year <= last:  # 1990 on is held out
                continue
            cap, viol = row["allycap"].strip(), row["viol"].strip()
            if not cap or not viol:
                continue
            for k, code in groups.items():
                if int(cap) == code:
                    counts[k][0] += 1
                    counts[k][1] += int(viol) == FULL_SCALE_WAR
    out: dict[str, dict[str, float | int | list[float]]] = {}
    for k, (n, wars) in counts.items():
        lo, hi = wilson_interval(wars, n) if n else (np.nan, np.nan)
        out[k] = {"actors": n, "wars": wars, "share": wars / n if n else np.nan, "ci": [lo, hi]}
    return out
