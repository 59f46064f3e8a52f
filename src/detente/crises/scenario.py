"""One ICB crisis as an editable scenario, and history's priors for any scenario.

:func:`crisis_scenario` writes the scenario :mod:`detente.crises.simulate`
runs for a crisis, at the posterior median of the coefficients, as YAML that
``detente validate`` and ``detente run`` accept; every number says where it
came from. :func:`history_overrides` applies the fitted ladder hazards,
look-ahead and rationality to another scenario, as per-run parameter
overrides drawn from the posterior (for :func:`detente.simulate`), and
:func:`with_history` as a changed scenario (for the look-ahead, which the
engine holds per scenario, not per run).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from detente.crises.fit import Posterior
from detente.crises.mapping import RESOLVE_CONCENTRATION, Features, feature_table, links
from detente.crises.simulate import STEP_WEEKS, STEPS, lookahead_steps
from detente.random import uniform
from detente.scenario.schema import DEFAULT_LADDER, Scenario

__all__ = [
    "CRISIS_RUNGS",
    "crisis_scenario",
    "fitted_hazards",
    "history_overrides",
    "scenario_posterior",
    "scenario_with_history",
    "with_history",
]

# The rungs whose hazards the ICB targets inform: below war. Escalation inside a
# war (to regional war, nuclear alert, use) leaves no trace in viol or duration.
CRISIS_RUNGS = range(0, 6)

FIT = "icb-fit"


def _num(x: float, source: str) -> dict[str, Any]:
    return {"value": float(f"{x:.6g}"), "source": source}


def crisis_scenario(f: Features, post: Posterior) -> str:
    """The scenario of one crisis at the posterior median, as YAML text."""
    med = post.median()
    q = {
        k: float(v[0, 0])
        for k, v in links(feature_table([f]), {k: np.array([[v]]) for k, v in med.items()}).items()
    }
    root = float(np.sqrt(q["odds_d"]))
    src_pow = f"{FIT}: defender's strength odds exp(power x {f.balance:.2f}) from ICB powdis" + (
        f" ({f.notes})" if f.notes else ""
    )

    def actor(aid: str, name: str, side: str, forces: float, nuclear: bool) -> dict:
        m = q[f"resolve_{side}"]
        return {
            "id": aid,
            "name": name,
            "forces": _num(forces, src_pow),
            "deployed": _num(forces / 2, "assumption: half the bloc's forces at the front"),
            "arsenal": _num(10.0, "assumption: equal arsenals; power enters through forces"),
            "nuclear": nuclear,
            "resolve": {
                "dist": "beta",
                "a": float(f"{m * RESOLVE_CONCENTRATION:.6g}"),
                "b": float(f"{(1 - m) * RESOLVE_CONCENTRATION:.6g}"),
                "source": f"{FIT}: mean from ICB gravty and protrac (resolve links)",
            },
            "war_cost": _num(
                q[f"war_cost_{side}"],
                f"{FIT}: war_cost link, nuclear shadow "
                "(ICB nuclear), great powers (gpinv), allies (allycap)",
            ),
            "audience_cost": _num(0.05, "assumption: small (Fearon 1994), as in the fit"),
            "rationality": _num(q["rationality"], f"{FIT}: posterior median"),
            "effectiveness": _num(0.01, "assumption: as in the fit's template"),
        }

    ladder = [dict(r) for r in DEFAULT_LADDER]
    for r in ladder:
        r["cost"] = _num(r["cost"], "the default ladder (detente.scenario.schema), as in the fit")
        r["violence"] = _num(r["violence"], "the default ladder, as in the fit")
        r["hazard"] = _num(
            min(r["hazard"] * q["hazard_scale"], 1.0),
            f"{FIT}: default ladder hazard x hazard_scale (posterior median)",
        )
    doc: dict[str, Any] = {
        "name": f"icb-{f.crisno}",
        "title": f"ICB crisis {f.crisno}: {f.name.title()} ({f.year})",
        "description": (
            f"Written by `detente crises scenario {f.crisno}` from the ICB v14 codes and "
            "the crisis fit's posterior median (docs/commands/crises.md). Two blocs: the "
            "first crisis actor's side (defender, B) and its source of threat's (challenger, A)."
        ),
        "as_of": f"ICB v14, trigger year {f.year}",
        "settings": {
            "steps": STEPS,
            "step_weeks": STEP_WEEKS,
            "lookahead": float(lookahead_steps(np.array(q["lookahead"]))),
            "signal_noise": _num(0.25, "assumption: the engine's default"),
        },
        "ladder": ladder,
        "actors": [
            actor("A", "Challenger side", "c", 100.0 / root, f.nuclear_c),
            actor("B", "Defender side", "d", 100.0 * root, f.nuclear_d),
        ],
        "disputes": [
            {
                "id": "stake",
                "name": "The stake of the crisis",
                "challenger": "A",
                "defender": "B",
                "status_quo": _num(0.0, "assumption: the defender holds the stake"),
                "demand": _num(1.0, "assumption: the challenger wants all of it"),
                "territory": _num(0.0, "assumption: as status_quo"),
                "challenger_posture": f.rung_c,
                "defender_posture": f.rung_d,
                "indivisible": _num(
                    q["indivisible"],
                    f"{FIT}: indivisible_grave (posterior median) where a side's gravest threat "
                    "is grave damage or existence (ICB gravty 5-6), else 0",
                ),
            }
        ],
        "baseline": (
            [{"type": "negotiate", "start": 0, "mediation": round(q["mediation"], 6)}]
            if f.mediated
            else []
        ),
        # The fit opens direct talks in a share `talks` of an unmediated crisis's runs;
        # a scenario has one baseline, so the talks are a package beside the status quo.
        "packages": {"status-quo": []}
        | (
            {}
            if f.mediated
            else {"direct-talks": [{"type": "negotiate", "start": 0, "mediation": 0.0}]}
        ),
        "sources": {FIT: "detente crises fit on ICB v14 1918-1989 (src/detente/crises/fit/)"},
    }
    return f"# ICB crisis {f.crisno}; postures from the trigger (triggr)\n" + yaml.safe_dump(
        doc, sort_keys=False, width=100
    )


def fitted_hazards(scale: NDArray[np.float64], step_weeks: float) -> dict[int, NDArray]:
    """The fitted hazard of each crisis rung per step of ``step_weeks`` weeks.

    The fit's hazard is the default ladder's times ``hazard_scale``, per
    fortnight (the fit's step); a step of w weeks keeps the same hazard per
    unit time: 1 - (1 - h)^(w / 2).
    """
    out = {}
    for i in CRISIS_RUNGS:
        h = np.minimum(DEFAULT_LADDER[i]["hazard"] * np.asarray(scale, dtype=float), 1.0)
        out[i] = 1.0 - (1.0 - h) ** (step_weeks / STEP_WEEKS)
    return out


def scenario_posterior(post: Posterior, step_weeks: float = 1.0) -> dict[str, Any]:
    """The posterior as a ``{dist: posterior}`` file for scenarios with ``step_weeks``:
    per-step hazards of the crisis rungs (``ladder.<i>.hazard``), ``rationality``
    and ``lookahead_weeks``, one row per posterior sample (kept jointly)."""
    k = post.coefficients()
    samples: dict[str, list[float]] = {}
    for i, h in fitted_hazards(k["hazard_scale"][:, 0], step_weeks).items():
        samples[f"ladder.{i}.hazard"] = [float(f"{x:.6g}") for x in h]
    samples["rationality"] = [float(f"{x:.6g}") for x in k["rationality"][:, 0]]
    samples["lookahead_weeks"] = [float(f"{x:.6g}") for x in k["lookahead"][:, 0]]
    return {
        "note": f"ICB 1918-1989 crisis fit (detente crises fit), for scenarios with "
        f"step_weeks {step_weeks:g}: hazards of the crisis rungs 0-5 per step, rationality, "
        "look-ahead in weeks; draw a whole row for a joint draw ({dist: posterior} does).",
        "fitted_by": post.meta.get("fitted_by", ""),
        "samples": samples,
    }


def history_overrides(
    sc: Scenario, post: Posterior, seed: int, runs: NDArray[np.int64]
) -> dict[str, NDArray[np.float64]]:
    """Per-run overrides of the ladder hazards and every actor's rationality, drawn
    from the posterior: run r takes the posterior sample picked by a uniform keyed
    by (seed, r), so the draw is the same whatever the chunking.

    The crisis rungs (0-5) take the fitted hazards (:func:`fitted_hazards`, in
    the scenario's step); the war rungs keep the scenario's own.
    """
    n = len(post.samples)
    pick = np.minimum((uniform(seed, "crises.history", -1, runs) * n).astype(np.int64), n - 1)
    k = post.coefficients(pick)
    ov: dict[str, NDArray[np.float64]] = {}
    for i, h in fitted_hazards(k["hazard_scale"][:, 0], sc.settings.step_weeks).items():
        ov[f"ladder.{i}.hazard"] = h
    for a in sc.actors:
        ov[f"actors.{a.id}.rationality"] = k["rationality"][:, 0].copy()
    return ov


def with_history(sc: Scenario, post: Posterior) -> Scenario:
    """The scenario with the fitted look-ahead (posterior median, in the scenario's steps)."""
    weeks = post.median()["lookahead"]
    settings = sc.settings.model_copy(update={"lookahead": weeks / sc.settings.step_weeks})
    return sc.model_copy(update={"settings": settings})


def scenario_with_history(
    data: dict[str, Any],
    posterior_file: str,
    median_lookahead_weeks: float,
    parts: tuple[str, ...] = ("hazards", "rationality", "lookahead"),
) -> dict[str, Any]:
    """A scenario mapping whose crisis-rung hazards and actors' rationality are drawn
    from ``posterior_file`` (written by :func:`scenario_posterior` for the scenario's
    step) and whose look-ahead is the fit's median; everything else is unchanged.
    ``parts`` picks which of the three to take from the fit."""
    out = dict(data)
    src = (
        "ICB 1918-1989 crisis fit (detente crises fit; docs/validation.md, "
        "'Many crises'): the posterior"
    )

    def drawn(parameter: str) -> dict[str, str]:
        return {"dist": "posterior", "file": posterior_file, "parameter": parameter, "source": src}

    if "hazards" in parts:
        ladder = [dict(r) for r in out.get("ladder", [dict(r) for r in DEFAULT_LADDER])]
        for i in CRISIS_RUNGS:
            ladder[i]["hazard"] = drawn(f"ladder.{i}.hazard")
        out["ladder"] = ladder
    if "rationality" in parts:
        out["actors"] = [{**a, "rationality": drawn("rationality")} for a in out["actors"]]
    if "lookahead" in parts:
        settings = dict(out.get("settings", {}))
        settings["lookahead"] = median_lookahead_weeks / float(settings.get("step_weeks", 1.0))
        out["settings"] = settings
    return out
