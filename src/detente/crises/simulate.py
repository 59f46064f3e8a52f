"""Simulate many mapped crises at once: one vectorised engine call per look-ahead.

Every crisis maps onto the same two-bloc, one-dispute structure
(:mod:`detente.crises.mapping`), so crises differ only in per-run parameters
(forces, resolve, war costs, rationality, hazards), the starting rungs, the
actors' priors and whether an organisation mediates. All of those are set
run by run here, so (coefficient draw, crisis, replicate) triples stack into
one run axis and one call of the engine's step advances them all. Only the
look-ahead is part of the engine's :class:`~detente.model.params.Structure`,
so draws are grouped by their look-ahead in whole steps.

A run's random numbers are keyed by its id, a pure function of (coefficient
draw id, crisis number, replicate), never by its place in a batch: the same
seed gives the same numbers however the work is split.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc
from scipy.stats import beta as beta_dist

from detente.crises.mapping import RESOLVE_CONCENTRATION, FeatureTable, links
from detente.model.engine import on_rows, step
from detente.model.interventions import Context, Intervention
from detente.model.params import draw_params
from detente.model.simulate import common_priors, compile_model
from detente.model.state import BY_AGREEMENT, BY_CONCESSION, BY_VICTORY, SETTLED, initial_state
from detente.random import uniform
from detente.scenario.schema import DEFAULT_LADDER, Scenario

__all__ = ["STEPS", "STEP_WEEKS", "run_ids", "simulate_crises", "template"]

STEP_WEEKS = 2.0  # a fortnight: the shortest ICB crises last days, the median 11 weeks
STEPS = 80  # rounds of moves; a crisis not settled by then is censored there
BATTLE_DEATHS_WAR = 1000.0  # Correlates of War threshold of a war (Singer & Small 1972)
FORCE_RUNG = 5  # "limited use of force"
# assumption: force used on one step is ICB's "minor clashes"; held for two or more
# (a month or more of the engine's fortnights) it is "serious clashes"
SUSTAINED_FORCE = 2


def template() -> Scenario:
    """The two-bloc scenario every crisis is simulated on (per-run values override it)."""
    actor: dict[str, Any] = {
        "forces": 100.0,
        "deployed": 50.0,
        "arsenal": 10.0,
        "resolve": {"dist": "beta", "a": 2.0, "b": 2.0},
        "war_cost": 0.2,
        "audience_cost": 0.05,
        "rationality": 20.0,
        "effectiveness": 0.01,
    }
    return Scenario.model_validate(
        {
            "name": "icb-crisis",
            "settings": {"steps": STEPS, "step_weeks": STEP_WEEKS},
            "actors": [{"id": "A", **actor}, {"id": "B", **actor}],
            "disputes": [
                {
                    "id": "stake",
                    "challenger": "A",
                    "defender": "B",
                    "status_quo": 0.0,
                    "demand": 1.0,
                    "territory": 0.0,
                }
            ],
        }
    )


class _MediationByRun(Intervention):
    """``negotiate`` (detente.model.interventions) with a mediation level per run;
    0 where no organisation mediates. Same effect, run by run: the channel
    opens (where an organisation mediates, or the sides talk directly) and the
    resolve signals' noise is cut by the mediation share where one mediates."""

    name = "negotiate-by-run"
    citation = "Fearon (1995); Kydd (2003)"

    def __init__(
        self, on: NDArray[np.bool_], mediation: NDArray[np.float64], talks: NDArray[np.bool_]
    ) -> None:
        super().__init__(None, 0, None)  # type: ignore[arg-type]
        self.on, self.cut = on | talks, np.where(on, 1.0 - mediation, 1.0)

    def while_active(self, mods, state, p, ctx: Context):
        # A new value, its argument unchanged: the plugin contract (docs/plugins.md).
        return replace(
            mods,
            channel_open=mods.channel_open | self.on[:, None],
            noise_mult=mods.noise_mult * self.cut[:, None],
        )


def run_ids(pids: NDArray[np.int64], crisno: NDArray[np.int64], reps: int) -> NDArray[np.int64]:
    """Global run ids (P, C, reps) from draw ids, crisis numbers and replicates."""
    p = np.asarray(pids, dtype=np.int64)[:, None, None]
    c = np.asarray(crisno, dtype=np.int64)[None, :, None]
    r = np.arange(reps, dtype=np.int64)[None, None, :]
    return (p * 16384 + c) * 64 + r


# Look-ahead in whole steps, on a log-spaced grid: draws that share a value share
# one engine call (the look-ahead is part of the engine's Structure), so a batch
# of coefficient draws runs in about ten calls instead of one per draw.
LOOKAHEAD_GRID = np.array([1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 11.0, 16.0, 22.0, 26.0])


def lookahead_steps(weeks: NDArray[np.float64]) -> NDArray[np.float64]:
    """The grid value nearest (in log) to a look-ahead in weeks, in steps."""
    steps = np.maximum(np.asarray(weeks, dtype=float) / STEP_WEEKS, 1e-9)
    gap = np.abs(np.log(steps)[..., None] - np.log(LOOKAHEAD_GRID))
    return LOOKAHEAD_GRID[np.argmin(gap, axis=-1)]


def _histogram(mean: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    """A Beta(mean) prior over the engine's resolve bins, per run (R, G)."""
    a = mean * RESOLVE_CONCENTRATION
    b = (1.0 - mean) * RESOLVE_CONCENTRATION
    edges = np.linspace(0.0, 1.0, bins + 1)
    cdf = betainc(a[:, None], b[:, None], edges[None, :])
    h = np.diff(cdf, axis=1) + 1e-9
    return h / h.sum(axis=1, keepdims=True)


def simulate_crises(
    table: FeatureTable,
    coefs: dict[str, NDArray[np.float64]],
    pids: NDArray[np.int64],
    reps: int,
    seed: int,
) -> dict[str, NDArray]:
    """Simulate ``reps`` runs of every crisis under every coefficient draw.

    ``coefs`` maps each coefficient to a (P, 1) array, ``pids`` gives each
    draw's id. Returns ``viol`` (P, C, reps) in ICB's 1-4 coding, ``days``
    (the crisis's duration; censored at the horizon) and ``outcome`` (an index
    into :data:`~detente.crises.mapping.OUTCOMES`).
    """
    P, C = len(pids), len(table)
    q = links(table, coefs)
    ids = run_ids(pids, table.crisno, reps)
    look = lookahead_steps(q["lookahead"])  # (P, C)
    out = {
        "viol": np.zeros((P, C, reps), dtype=np.int64),
        "days": np.zeros((P, C, reps)),
        "outcome": np.zeros((P, C, reps), dtype=np.int64),
    }
    sc = template()
    base = compile_model(sc, "status-quo")
    for L in np.unique(look):
        pi, ci = np.nonzero(look == L)
        sel = {k: np.repeat(v[pi, ci], reps) for k, v in q.items()}
        runs = ids[pi, ci].reshape(-1)
        model = replace(base, structure=replace(base.structure, lookahead=float(L)))
        res = _run(sc, model, table, np.repeat(ci, reps), sel, runs, seed)
        for k in out:
            out[k][pi, ci] = res[k].reshape(len(pi), reps)
    return out


def _overrides(sel: dict[str, NDArray], runs: NDArray[np.int64], seed: int) -> dict[str, NDArray]:
    root = np.sqrt(sel["odds_d"])
    ov: dict[str, NDArray] = {
        "actors.A.forces": 100.0 / root,
        "actors.B.forces": 100.0 * root,
        "actors.A.deployed": 50.0 / root,
        "actors.B.deployed": 50.0 * root,
        "actors.A.war_cost": sel["war_cost_c"],
        "actors.B.war_cost": sel["war_cost_d"],
        "actors.A.rationality": sel["rationality"],
        "actors.B.rationality": sel["rationality"],
    }
    for side, key in (("A", "resolve_c"), ("B", "resolve_d")):
        m = sel[key]
        u = uniform(seed, f"crises.resolve.{side}", -1, runs)
        ov[f"actors.{side}.resolve"] = beta_dist.ppf(
            u, m * RESOLVE_CONCENTRATION, (1 - m) * RESOLVE_CONCENTRATION
        )
    for i, rung in enumerate(DEFAULT_LADDER):
        ov[f"ladder.{i}.hazard"] = np.minimum(rung["hazard"] * sel["hazard_scale"], 1.0)
    ov["disputes.stake.indivisible"] = sel["indivisible"]
    return ov


def _run(sc, model, table, crisis, sel, runs, seed) -> dict[str, NDArray]:
    """One vectorised simulation of the selected runs; their viol, days and outcome."""
    p = draw_params(sc, seed, runs, _overrides(sel, runs, seed))
    st = model.structure
    med = table.mediated[crisis]
    resolve_prior, cohesion_prior = common_priors(sc, st.bins)
    state = initial_state(p, st, resolve_prior, cohesion_prior)
    prior = {0: _histogram(sel["resolve_c"], st.bins), 1: _histogram(sel["resolve_d"], st.bins)}
    for j, target in enumerate(st.pair_target):
        state.belief[:, j, :] = prior[int(target)]
    state.posture[:, 0, 0] = table.rung_c[crisis]
    state.posture[:, 0, 1] = table.rung_d[crisis]
    state.rung = state.posture.max(axis=2)
    state.max_rung = state.rung.copy()
    ended = np.full(len(runs), -1, dtype=np.int64)
    force = (state.rung[:, 0] == FORCE_RUNG).astype(np.int64)  # steps at limited force
    mediation = sel["mediation"]
    talks = uniform(seed, "crises.talks", -1, runs) < sel["talks"]
    for t in range(st.steps):
        # Only runs whose crisis is still open move: a settled dispute's viol,
        # duration and outcome are final, and the engine is row-wise, so a run
        # advanced alone gets the numbers it would get with the rest.
        live = np.flatnonzero(ended < 0)
        if len(live) == 0:
            break
        sub = replace(
            model, interventions=(_MediationByRun(med[live], mediation[live], talks[live]),)
        )
        on_rows(live, state, p, runs, lambda s, q, r, m=sub: step(m, s, q, seed, r))
        state.t = t + 1
        force[live] += (state.rung[live, 0] == FORCE_RUNG) & (state.phase[live, 0] != SETTLED)
        done = (state.phase[:, 0] == SETTLED) & (ended < 0)
        ended[done] = t + 1
    battle = state.military_deaths.sum(axis=1)
    war = state.war_onset[:, 0] >= 0
    top = state.max_rung[:, 0]
    serious = force >= SUSTAINED_FORCE
    viol = np.where(
        war,
        np.where(battle >= BATTLE_DEATHS_WAR, 4, 3),
        np.where(serious, 3, np.where(top >= FORCE_RUNG, 2, 1)),
    )
    how = state.settled_by[:, 0]
    outcome = np.select(
        [how == BY_AGREEMENT, how == BY_CONCESSION, how == BY_VICTORY], [0, 2, 3], default=1
    )
    days = np.where(ended >= 0, ended, st.steps) * sel["days_per_step"]
    return {"viol": viol, "days": days, "outcome": outcome}
