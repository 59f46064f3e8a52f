"""The per-run outcomes of a simulation, declared once: name, dtype, what the
column is kept for (the run, each dispute, each actor), unit and meaning.

The engine writes them (:func:`detente.model.simulate.outcomes`, model-spec
section 7 and V2.7); ``runs.parquet`` holds them as columns, a dispute's or an
actor's with its id in the name. A test runs the engine and checks that it
writes exactly :func:`columns`, in this order and with these dtypes, and the
table in ``docs/commands/run.md`` is :func:`markdown_table` (``python -m
detente.outcomes`` prints it).

The declarations drive what is written and shown of them: the Parquet
schema of ``runs.parquet``, ``series.parquet`` and a sweep's chunks
(:func:`with_schema`: each declared column's type, unit and meaning), the
per-package summary of ``detente run --json`` (:data:`SUMMARIES`, computed
in :meth:`detente.run.results.Result.summary`), the command line's table
headers, the report's and the web app's labels and units (:func:`label`),
and the names ``detente discover`` accepts for a summary (:func:`aliases`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "OUTCOMES",
    "SERIES_COLUMNS",
    "STEP_OUTCOMES",
    "SUMMARIES",
    "Outcome",
    "Summary",
    "aliases",
    "columns",
    "declared",
    "harms",
    "header",
    "label",
    "markdown_table",
    "title",
    "with_schema",
]


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
    # What a reader calls it ("nuclear use"); the name with spaces if not given.
    label: str = ""
    # A harm: less is better (the EMA adapter minimises it, maximises the rest).
    harm: bool = False

    @property
    def title(self) -> str:
        """The label, or the name with spaces for underscores."""
        return self.label or self.name.replace("_", " ").replace(".{}", "")


_RUN = (
    Outcome(
        "run",
        "int64",
        "run",
        "index",
        "the run's index: with the seed, it fixes every random number",
    ),
    Outcome(
        "war", "bool", "run", "", "some dispute went to war at some step", label="war", harm=True
    ),
    Outcome("war_onset", "int64", "run", "step", "the first step at war, −1 if none"),
    Outcome(
        "war_weeks", "float64", "run", "weeks", "weeks at war, summed over the disputes", harm=True
    ),
    Outcome(
        "settled",
        "bool",
        "run",
        "",
        "every dispute settled (concession, agreement or military decision)",
        label="settlement",
    ),
    Outcome(
        "nuclear_use", "bool", "run", "", "nuclear weapons used", label="nuclear use", harm=True
    ),
    Outcome(
        "max_rung", "int64", "run", "rung 0-9", "the highest rung any dispute reached", harm=True
    ),
    Outcome("military_deaths", "float64", "run", "people", "military deaths", harm=True),
    Outcome(
        "civilian_deaths",
        "float64",
        "run",
        "people",
        "civilian deaths, those of nuclear use included",
        harm=True,
    ),
    Outcome("deaths", "float64", "run", "people", "military and civilian deaths", harm=True),
    Outcome(
        "displaced",
        "float64",
        "run",
        "people",
        "the peak stock of displaced people (IDPs and refugees)",
        label="displaced (peak)",
        harm=True,
    ),
    Outcome("refugees", "float64", "run", "people", "refugees at the end", harm=True),
    Outcome(
        "idps", "float64", "run", "people", "internally displaced people at the end", harm=True
    ),
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
        "enforced", "bool", "run", "", "the package imposes an outcome by fiat (enforced: true)",
        label="an enforced outcome",
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


# The columns of ``series.parquet`` (:meth:`detente.run.results.Comparison.series_table`):
# per package and step, the runs' shares and means of the recorded outcomes.
SERIES_COLUMNS: tuple[Outcome, ...] = (
    Outcome("settled", "float64", "step", "share of runs", "every dispute settled"),
    Outcome(
        "rung_{}", "float64", "step", "share of runs",
        "the highest rung among the disputes not yet settled is <id>",
    ),
    Outcome("p_at_war", "float64", "step", "share of runs", "some dispute at war"),
    Outcome("deaths_mean", "float64", "step", "people", "mean military and civilian deaths so far"),
    Outcome(
        "displaced_mean", "float64", "step", "people",
        "mean displaced stock (IDPs and refugees)",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """One field of a package's summary (``detente run --json``, ``summary.json``).

    ``statistic`` over the runs of the outcome named ``outcome``: ``share`` (the
    share of runs where it holds), ``share_ci`` (the same with its 95% Wilson
    interval under ``<key>_ci``), ``mean``, ``q05`` or ``q95``. ``header`` is
    the command line's column for it ("" where its table has none).
    """

    key: str
    outcome: str
    statistic: Literal["share", "share_ci", "mean", "q05", "q95"]
    header: str = ""


# In the order ``detente run --json`` writes them, after the package's name.
SUMMARIES: tuple[Summary, ...] = (
    Summary("p_war", "war", "share_ci", "P(war)"),
    Summary("p_settlement", "settled", "share", "settled"),
    Summary("p_nuclear", "nuclear_use", "share", "nuclear"),
    Summary("deaths_mean", "deaths", "mean", "deaths"),
    Summary("deaths_q05", "deaths", "q05"),
    Summary("deaths_q95", "deaths", "q95"),
    Summary("displaced_mean", "displaced", "mean", "displaced"),
    Summary("displaced_q05", "displaced", "q05"),
    Summary("displaced_q95", "displaced", "q95"),
    Summary("p_enforced", "enforced", "share"),
)

_STATISTIC = {"mean": "mean", "q05": "5th percentile", "q95": "95th percentile"}


def _run_outcome(name: str) -> Outcome:
    return next(o for o in OUTCOMES if o.name == name)


def label(key: str) -> str:
    """A summary field's label with its unit, as the report and the web app show it.

    ``P(war)`` for a share, ``P(war), 95% interval`` for ``p_war_ci``,
    ``Deaths, mean (people)`` for a mean or a percentile.
    """
    ci = key.endswith("_ci") and key[:-3] in {s.key for s in SUMMARIES}
    s = next(s for s in SUMMARIES if s.key == (key[:-3] if ci else key))
    o = _run_outcome(s.outcome)
    if s.statistic in ("share", "share_ci"):
        return f"P({o.title})" + (", 95% interval" if ci else "")
    title = o.title[0].upper() + o.title[1:]
    return f"{title}, {_STATISTIC[s.statistic]} ({o.unit})"


def harms() -> frozenset[str]:
    """The per-run outcomes that are harms (less is better), by name."""
    return frozenset(o.name for o in OUTCOMES if o.harm)


def header(key: str) -> str:
    """The command line's column header for a summary field."""
    return next(s.header for s in SUMMARIES if s.key == key)


def aliases() -> dict[str, str]:
    """Summary names ``detente discover`` accepts for an outcome (``p_war`` -> ``war``):
    the shares and means, as a condition is on one run's value."""
    return {s.key: s.outcome for s in SUMMARIES if s.statistic in ("share", "share_ci", "mean")}


# Which declarations a table's columns are: runs.parquet's, series.parquet's, or
# another set (the world's metrics, detente.world.metrics).
Kind = Literal["runs", "series"] | tuple[Outcome, ...]


@cache
def _patterns(decl: tuple[Outcome, ...]) -> tuple[tuple[re.Pattern[str], Outcome], ...]:
    return tuple(
        (re.compile("^" + re.escape(o.name).replace(r"\{\}", "(.+)") + "$"), o) for o in decl
    )


def declared(column: str, kind: Kind = "runs") -> Outcome | None:
    """The declaration of a column of ``runs.parquet`` (or ``series.parquet``, or of
    a table of ``kind``'s declarations), ids filled in (``phase.donbas`` ->
    ``phase.{}``); None for a column not declared."""
    decl = OUTCOMES if kind == "runs" else SERIES_COLUMNS if kind == "series" else kind
    return next((o for pattern, o in _patterns(decl) if pattern.match(column)), None)


def title(column: str) -> str:
    """What a reader calls a column of ``runs.parquet`` (``displaced`` -> ``displaced
    (peak)``); the column's own name if it is not declared."""
    o = declared(column)
    return o.title if o is not None else column


def with_schema(table: pa.Table, kind: Kind = "runs") -> pa.Table:
    """``table`` with each declared column's type and, as field metadata, its unit,
    meaning and what it is kept for; other columns (a sweep's ``point`` and
    ``package``, a plugin model's outcomes) as they are.

    A declared column of another type is cast to the declared one, refusing any
    cast that would change a value (``safe=True``): the engine writes the
    declared types (tests/test_outcomes.py), so nothing changes but the schema.
    """
    import pyarrow as pa

    fields = []
    for f in table.schema:
        o = declared(f.name, kind)
        if o is None:
            fields.append(f)
            continue
        meta = {"unit": o.unit, "meaning": o.meaning, "per": o.per}
        fields.append(pa.field(f.name, pa.from_numpy_dtype(o.dtype), f.nullable, meta))
    return table.cast(pa.schema(fields, metadata=table.schema.metadata), safe=True)


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
