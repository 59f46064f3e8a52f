"""ukraine-2022, status quo, hindcast against pre-war war parameters (docs/validation.md).

Deaths to 31 December 2022 and the displaced on 3 May 2022, conditional on a
war starting in the first 8 weeks (by 27 March 2022), beside UCDP's and IOM's
figures (81,500 battle-related deaths in 2022, a floor; 8.0 million IDPs on
3 May 2022). Usage::

    python benchmarks/ukraine_2022_hindcast.py [RUNS]      # 10,000 by default, seed 0
    python benchmarks/ukraine_2022_hindcast.py RUNS --talks-only

``--endings`` says how those wars end (docs/validation.md): per dispute, how
each is settled by week 50 (1 concession, 2 agreement, 3 victory) and its
phase then, and the weeks from the war's start to the alignment agreement.

``--talks-only`` is an ablation (docs/validation.md): each side's error on
the balance (docs/model.md section 7a) acts in the talks only, the crisis
decisions and the values of peace reading the balance without it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import numpy as np

from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import load_scenario

START = dt.date(2022, 1, 30)  # ukraine-2022's as_of: step 0
EARLY_WEEKS = 8


def at(series: np.ndarray, day: dt.date) -> np.ndarray:
    """Each run's value at the end of ``day`` (linear between weekly steps)."""
    x = ((day - START).days + 1) / 7.0
    i = int(np.floor(x))
    return series[:, i] * (1 - (x - i)) + series[:, i + 1] * (x - i)


def _status_quo(hindcast: bool):
    """ukraine-2022 to 31 December 2022 (50 weeks; later steps would change nothing
    read here), and its status quo compiled."""
    sc = load_scenario("ukraine-2022", hindcast=hindcast)
    sc = sc.model_copy(update={"settings": sc.settings.model_copy(update={"steps": 50})})
    return sc, compile_model(sc, "status-quo")


def measure(runs: int, hindcast: bool) -> dict:
    sc, model = _status_quo(hindcast)
    cols: dict[str, list] = {k: [] for k in ("onset", "deaths", "idps", "refugees", "regional")}
    for a in range(0, runs, 1000):
        out, s = run_chunk(sc, model, 0, np.arange(a, min(a + 1000, runs)), record=True)
        cols["onset"].append(out["war_onset"])
        cols["deaths"].append(at(s["deaths"], dt.date(2022, 12, 31)))
        cols["idps"].append(at(s["idps"], dt.date(2022, 5, 3)))
        cols["refugees"].append(at(s["refugees"], dt.date(2022, 5, 3)))
        cols["regional"].append((s["rung"] >= 7).any(axis=1))
    r = {k: np.concatenate(v) for k, v in cols.items()}
    early = (r["onset"] >= 0) & (r["onset"] < EARLY_WEEKS)
    row: dict = {"runs": runs, "wars_in_first_8_weeks": int(early.sum())}
    for k in ("deaths", "idps", "refugees"):
        x = r[k][early]
        row[k] = {
            "mean": float(x.mean()),
            **{f"q{int(q * 100):02d}": float(np.quantile(x, q)) for q in (0.05, 0.5, 0.95)},
        }
    row["share_deaths_above_ucdp_floor"] = float(np.mean(r["deaths"][early] >= 81_500))
    row["share_regional_by_end_2022"] = float(r["regional"][early].mean())
    return row


PHASES = ("crisis", "war", "ceasefire", "settled")
SETTLED_BY = ("unsettled", "concession", "agreement", "victory")


def endings(runs: int) -> dict:
    """How the wars begun in the first 8 weeks end, by week 50 (hindcast, status quo)."""
    sc, model = _status_quo(hindcast=True)
    parts = [run_chunk(sc, model, 0, np.arange(a, min(a + 1000, runs)))[0]
             for a in range(0, runs, 1000)]
    o = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    early = (o["war_onset"] >= 0) & (o["war_onset"] < EARLY_WEEKS)
    doc: dict = {"runs": runs, "wars_in_first_8_weeks": int(early.sum())}
    for d in ("donbas", "alignment"):
        by = np.bincount(o[f"settled_by.{d}"][early], minlength=4)
        phase = np.bincount(o[f"phase.{d}"][early], minlength=4)
        doc[d] = {"settled_by": dict(zip(SETTLED_BY, by.tolist(), strict=True)),
                  "phase_at_week_50": dict(zip(PHASES, phase.tolist(), strict=True))}
    agreed = early & (o["settled_by.alignment"] == 2)
    weeks = o["agreement_week.alignment"][agreed] - o["war_onset"][agreed]
    terms = o["settlement.alignment"][agreed]
    doc["alignment_agreements"] = {
        "weeks_after_war_began_q25_q50_q75": np.quantile(weeks, [0.25, 0.5, 0.75]).tolist(),
        "challenger_share_q05_q50_q95": np.quantile(terms, [0.05, 0.5, 0.95]).tolist(),
    }
    return doc


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 10_000
    if "--endings" in sys.argv:
        json.dump({"how the early wars end": endings(runs)}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    if "--talks-only" in sys.argv:
        from detente.model import balance, decisions, peace

        decisions._win_probability = balance._balance_seen  # type: ignore[attr-defined]
        peace._win_probability = balance._balance_seen  # type: ignore[attr-defined]
        json.dump({"hindcast, optimism in the talks only": measure(runs, True)}, sys.stdout,
                  indent=1)
        sys.stdout.write("\n")
        return
    out = {"hindcast": measure(runs, True), "prewar": measure(runs, False)}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
