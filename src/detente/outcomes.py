"""The per-run outcomes of a simulation, declared once: name, dtype, what the
column is kept for (the run, each dispute, each actor), unit and meaning.

The engine writes them (:func:`detente.model.simulate.outcomes`, model-spec
section 7 and V2.7); ``runs.parquet`` holds them as columns, a dispute's or an
actor's with its id in the name. A test runs the engine and checks that it
writes exactly :func:`columns`, in this order and with these dtypes, and the
table in ``docs/commands/run.md`` is :func:`markdown_table` (``python -m
detente.outcomes`` prints it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["OUTCOMES", "STEP_OUTCOMES", "Outcome", "columns", "markdown_table"]


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome.

    ``name`` is the column's name; for a dispute's or an actor's it is a
    template whose ``{}`` takes the id (``phase.{}`` -> ``phase.donbas``).
    """

    name: str
    dtype: Literal["bool", "int8", "int16", "int64", "float64"]
    per: Literal["run", "dispute", "actor", "step"]
    unit: str
    meaning: str
    # A per-step outcome's array axes after (runs, steps + 1): () or ("disputes",), ...
    axes: tuple[str, ...] = ()


_RUN = (
    Outcome(
        "run",
        "int64",
        "run",
        "index",
        "the run's index: with the seed, it fixes every random number",
    ),
    Outcome("war", "bool", "run", "", "some dispute went to war at some step"),
    Outcome("war_onset", "int64", "run", "step", "the first step at war, −1 if none"),
    Outcome("war_weeks", "float64", "run", "weeks", "weeks at war, summed over the disputes"),
    Outcome(
        "settled",
        "bool",
        "run",
        "",
        "every dispute settled (concession, agreement or military decision)",
    ),
    Outcome("nuclear_use", "bool", "run", "", "nuclear weapons used"),
    Outcome("max_rung", "int64", "run", "rung 0-9", "the highest rung any dispute reached"),
    Outcome("military_deaths", "float64", "run", "people", "military deaths"),
    Outcome(
        "civilian_deaths",
        "float64",
        "run",
        "people",
        "civilian deaths, those of nuclear use included",
    ),
    Outcome("deaths", "float64", "run", "people", "military and civilian deaths"),
    Outcome(
        "displaced",
        "float64",
        "run",
        "people",
        "the peak stock of displaced people (IDPs and refugees)",
    ),
    Outcome("refugees", "float64", "run", "people", "refugees at the end"),
    Outcome("idps", "float64", "run", "people", "internally displaced people at the end"),
)
_DISPUTE = (
    Outcome(
        "phase.{}",
        "int8",
        "dispute",
        "code",
        "the final phase: 0 crisis, 1 war, 2 ceasefire, 3 settled",
    ),
    Outcome(
        "settled_by.{}",
        "int8",
        "dispute",
        "code",
        "0 not settled, 1 concession, 2 agreement, 3 military decision",
    ),
    Outcome(
        "settlement.{}",
        "float64",
        "dispute",
        "share of the stake",
        "the challenger's share in the terms",
    ),
    Outcome(
        "territory_change.{}",
        "float64",
        "dispute",
        "share of the territory",
        "the change in territory held over the run",
    ),
    Outcome("at_war_end.{}", "bool", "dispute", "", "at war at the end"),
    Outcome(
        "posture.{}.challenger", "int8", "dispute", "rung 0-9", "the challenger's final posture"
    ),
    Outcome("posture.{}.defender", "int8", "dispute", "rung 0-9", "the defender's final posture"),
)
_PEACE = (  # the price of peace (model-spec V2.7): when and how it came, whether it held
    Outcome(
        "agreement_week.{}",
        "float64",
        "dispute",
        "weeks",
        "weeks to the first agreement, −1 if none",
    ),
    Outcome("agreements.{}", "int16", "dispute", "count", "agreements reached"),
    Outcome("breakdowns.{}", "int16", "dispute", "count", "agreements that came apart"),
    Outcome("ceasefires.{}", "int16", "dispute", "count", "ceasefires agreed"),
    Outcome("ceasefire_breakdowns.{}", "int16", "dispute", "count", "ceasefires that broke down"),
    Outcome(
        "conceded_by.{}",
        "int8",
        "dispute",
        "code",
        "who conceded: 0 challenger, 1 defender, −1 nobody",
    ),
)
_ACTOR = (
    Outcome("arsenal.{}", "float64", "actor", "scenario's arsenal units", "the final arsenal"),
    Outcome("complied.{}", "bool", "actor", "", "took up a withdrawal commitment"),
    Outcome("broke_commitment.{}", "bool", "actor", "", "broke a commitment it had taken up"),
)
_LABEL = (
    Outcome(
        "enforced", "bool", "run", "", "the package imposes an outcome by fiat (enforced: true)"
    ),
)

# In the order the engine writes the columns: the run's, each dispute's, each
# dispute's price of peace, each actor's, then the package's label.
_BLOCKS = (_RUN, _DISPUTE, _PEACE, _ACTOR, _LABEL)
OUTCOMES: tuple[Outcome, ...] = tuple(o for block in _BLOCKS for o in block)


# What a recorded run keeps of every step (``run_chunk(..., record=True)``,
# :func:`detente.model.simulate.snapshot`): arrays (runs, steps + 1, *axes),
# step 0 the initial state. Calibration reads its targets off these, and the
# ensemble's weekly series (``series.parquet``) sums them over runs.
STEP_OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "rung", "int64", "step", "rung 0-9",
        "the highest rung among the disputes not yet settled; −1 once all are",
    ),
    Outcome("deaths", "float64", "step", "people", "military and civilian deaths so far"),
    Outcome("military_deaths", "float64", "step", "people", "military deaths so far"),
    Outcome("civilian_deaths", "float64", "step", "people", "civilian deaths so far"),
    Outcome("displaced", "float64", "step", "people", "displaced stock (IDPs and refugees)"),
    Outcome("idps", "float64", "step", "people", "internally displaced stock"),
    Outcome("refugees", "float64", "step", "people", "refugee stock"),
    Outcome("exits", "float64", "step", "people", "border crossings out so far"),
    Outcome("at_war", "bool", "step", "", "some dispute at war"),
    Outcome(
        "territory", "float64", "step", "share of the territory",
        "territory held in each dispute", ("disputes",),
    ),
    Outcome(
        "posture", "int64", "step", "rung 0-9",
        "each side's posture in each dispute (challenger, defender)", ("disputes", "sides"),
    ),
)  # fmt: skip


def columns(disputes: Sequence[str], actors: Sequence[str]) -> dict[str, str]:
    """Every column's name and dtype for a scenario's dispute and actor ids, in order."""
    out: dict[str, str] = {}
    for block in _BLOCKS:
        if block[0].per == "run":
            out.update((o.name, o.dtype) for o in block)
            continue
        ids = disputes if block[0].per == "dispute" else actors
        for i in ids:
            out.update((o.name.format(i), o.dtype) for o in block)
    return out


def markdown_table() -> str:
    """The outcomes as a Markdown table (``<id>`` for a dispute's or an actor's id)."""
    lines = ["| column | per | type | unit | meaning |", "|---|---|---|---|---|"]
    for o in OUTCOMES:
        name = o.name.replace("{}", "<id>")
        lines.append(f"| `{name}` | {o.per} | {o.dtype} | {o.unit or '—'} | {o.meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table(), end="")
