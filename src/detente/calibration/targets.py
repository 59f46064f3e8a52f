"""Calibration targets: dated observations, and how a run is read off against them.

A targets file (YAML) names the observed series and how each compares with the
model:

- ``kind: monthly`` / ``yearly``: a flow per calendar month ("2015-03") or
  year ("2015"); ``total``: a flow over a period ("2014-04-14/2021-12-31");
  ``cumulative``: a flow counted from the scenario's start to the end of a
  day ("2022-05-08"); ``stock``: a level on a date ("2021-12-31").
- ``quantity``: the model series it is read from: the flows ``deaths``,
  ``civilian_deaths``, ``military_deaths`` and ``exits`` (border crossings
  out, counted once each; never a stock) and the stocks ``idps``,
  ``refugees`` (abroad, net of returns) and ``displaced`` (both). A stock
  is read only as ``kind: stock``; a flow never is.
- ``observed`` says what the record is (see
  :mod:`detente.calibration.observation`): ``recorded`` passes the model's
  value through the observation model (a reporting share and
  negative-binomial noise); ``direct`` compares it as it is, with an
  optional relative ``error`` (a survey's margin); ``floor`` is a lower
  bound (the truth is at least the record: only a model below it is
  penalised); ``index`` is a series known only up to its scale (a tempo
  index such as Oryx's confirmed losses), compared after scaling the model
  to the record's mean over the fitted windows.
- values inline (``values: {label: number}``) or from a CSV (``file``,
  ``date_column``, ``value_column``, optional ``from``/``to``).

A flow is the difference of the model's cumulative series between the steps
that contain the window's first and last days; a stock is the series at the
step containing its date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict, Field, ValidationError, model_validator

from detente.io import read_text
from detente.scenario.distributions import Distribution
from detente.scenario.fields import Frozen
from detente.scenario.loading import ScenarioError, pydantic_error, read_yaml

__all__ = [
    "Observations",
    "Target",
    "TargetsFile",
    "check_dates",
    "load_targets",
    "observation_window",
    "period_end",
    "read_off",
]

FLOWS = ("deaths", "civilian_deaths", "military_deaths", "exits")
STOCKS = ("idps", "refugees", "displaced")
QUANTITIES = FLOWS + STOCKS


class ObservationModel(Frozen):
    """How recorded counts relate to the model's deaths (priors, calibrated)."""

    reporting: Distribution = Field(description="share of the model's deaths the record counts")
    dispersion: Distribution = Field(description="negative-binomial size k; variance mu + mu^2/k")


class Target(Frozen):
    """One observed series."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    quantity: Literal[
        "deaths", "civilian_deaths", "military_deaths", "exits", "idps", "refugees", "displaced"
    ]
    kind: Literal["monthly", "yearly", "total", "cumulative", "stock"]
    observed: Literal["recorded", "direct", "floor", "index"] = "direct"
    error: float = Field(
        default=0.0, ge=0.0, le=2.0, description="relative error of the record (lognormal sd)"
    )
    weight: float = Field(default=1.0, ge=0.0)
    source: str = Field(min_length=1)
    definition: str = ""
    values: dict[str, float] | None = None
    file: str | None = None
    date_column: str | None = None
    value_column: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> Target:
        if (self.values is None) == (self.file is None):
            raise ValueError("expected exactly one of 'values' or 'file'")
        if self.file is not None and not (self.date_column and self.value_column):
            raise ValueError("expected 'date_column' and 'value_column' with 'file'")
        if (self.quantity in STOCKS) != (self.kind == "stock"):
            what = "a stock" if self.quantity in STOCKS else "a flow"
            need = (
                "'stock'"
                if self.quantity in STOCKS
                else "'monthly', 'yearly', 'total' or 'cumulative'"
            )
            raise ValueError(
                f"expected kind {need} for {self.quantity!r} ({what}), got {self.kind!r}"
            )
        return self


class TargetsFile(Frozen):
    """A targets file: the observation model and the series."""

    name: str = Field(min_length=1)
    description: str = ""
    observation: ObservationModel | None = None
    targets: list[Target] = Field(min_length=1)


@dataclass(frozen=True)
class Observations:
    """One target's observations as windows in days from the scenario's start."""

    target: Target
    labels: tuple[str, ...]
    first: NDArray[np.int64]  # first day of each window (a stock: its day)
    last: NDArray[np.int64]  # last day of each window
    values: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.values)


def observation_window(kind: str, label: str) -> tuple[dt.date, dt.date]:
    """First and last day of an observation's window."""
    if kind == "monthly":
        y, m = (int(x) for x in label[:7].split("-"))
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    if kind == "yearly":
        y = int(label[:4])
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if kind == "total":
        a, b = label.split("/")
        return dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    day = dt.date.fromisoformat(label)
    return day, day


def period_end(text: str) -> dt.date:
    """The last day of a date ``YYYY-MM-DD``, a month ``YYYY-MM`` or a year ``YYYY``
    (a cut-off such as ``--until 2022-02``: everything up to the month's end).

    Raises
    ------
    ValueError
        ``text`` is none of the three.
    """
    if len(text) == 7:  # a month: its last day
        y, m = int(text[:4]), int(text[5:7])
        return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    if len(text) == 4:
        return dt.date(int(text), 12, 31)
    return dt.date.fromisoformat(text)


def _csv_values(t: Target, path: Path) -> dict[str, float]:
    text = read_text(path, "targets CSV")
    lines = io.StringIO(text, newline="")
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    out: dict[str, float] = {}
    for i, row in enumerate(rows):
        label, raw = row.get(t.date_column or ""), row.get(t.value_column or "")
        if label is None or raw is None:
            raise ScenarioError(
                str(path), "", f"expected columns {t.date_column!r} and {t.value_column!r}"
            )
        if (t.from_ and label < t.from_) or (t.to and label > t.to):
            continue
        try:
            out[label] = float(raw)
        except ValueError:
            raise ScenarioError(
                str(path), f"row {i + 2}.{t.value_column}", f"expected a number, got {raw!r}"
            ) from None
    return out


def load_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets file; raise :class:`ScenarioError` naming the field."""
    path = Path(path)
    data = read_yaml(path, what="targets")
    try:
        tf = TargetsFile.model_validate(data)
    except ValidationError as e:
        raise pydantic_error(str(path), e) from None
    resolved = []
    for i, t in enumerate(tf.targets):
        if t.file is not None:
            csv_path = (path.parent / t.file).resolve()
            if not csv_path.is_file():
                raise ScenarioError(
                    str(path), f"targets[{i}].file", f"expected a CSV file at {csv_path}"
                )
            values = _csv_values(t, csv_path)
            if not values:
                raise ScenarioError(
                    str(path), f"targets[{i}]", "expected at least one row inside from/to"
                )
            t = t.model_copy(update={"values": values})
        for label in t.values or {}:
            try:
                observation_window(t.kind, label)
            except ValueError:
                raise ScenarioError(
                    str(path),
                    f"targets[{i}].values.{label}",
                    f"expected a {t.kind} label (e.g. {_EXAMPLE[t.kind]})",
                ) from None
        bad = _bad_value(t)
        if bad is not None:
            label, expectation = bad
            raise ScenarioError(str(path), f"targets[{i}].values.{label}", expectation)
        if t.observed == "recorded" and tf.observation is None:
            raise ScenarioError(
                str(path),
                f"targets[{i}].observed",
                "expected an 'observation' model for 'recorded'",
            )
        resolved.append(t)
    return tf.model_copy(update={"targets": resolved})


_EXAMPLE = {
    "monthly": "2015-03",
    "yearly": "2015",
    "total": "2014-04-14/2021-12-31",
    "cumulative": "2022-05-08",
    "stock": "2021-12-31",
}


def _bad_value(t: Target) -> tuple[str, str] | None:
    """The first value a target's definition rules out, with what was expected.

    A floor is a lower bound of a count: a negative one is an upper bound
    written with the wrong sign, not a floor. An index is a positive level.
    """
    for label, v in (t.values or {}).items():
        if not np.isfinite(v):
            return label, f"expected a finite number, got {v}"
        if t.observed == "floor" and v < 0:
            return label, (
                f"expected a floor (a lower bound, >= 0) of {t.quantity}, got {v:g}: "
                "a record that is a lower bound is written as the positive count it is at least"
            )
        if t.observed == "index" and v <= 0:
            return label, f"expected a positive index value, got {v:g}"
        if v < 0:
            return label, f"expected a non-negative count of {t.quantity}, got {v:g}"
    return None


def check_dates(tf: TargetsFile, start: dt.date, file: str) -> None:
    """Raise :class:`ScenarioError` at the first observation that ends before ``start``.

    A window that begins before the scenario's start and ends after it is cut
    at the start (a calendar year of which the scenario covers a part); one
    that ends before cannot be read off any run.
    """
    for i, t in enumerate(tf.targets):
        for label in t.values or {}:
            if observation_window(t.kind, label)[1] < start:
                raise ScenarioError(
                    file,
                    f"targets[{i}].values.{label}",
                    f"expected a date on or after the scenario's start ({start.isoformat()})",
                )


def observations(
    tf: TargetsFile, start: dt.date, until: dt.date | None = None
) -> list[Observations]:
    """Each target's windows as days from ``start``: those that end on or after
    ``start`` (a window that began earlier is cut at ``start``) and by ``until``."""
    out = []
    for t in tf.targets:
        labels, first, last, vals = [], [], [], []
        for label, v in (t.values or {}).items():
            a, b = observation_window(t.kind, label)
            if b < start or (until and b > until):
                continue
            labels.append(label)
            first.append((max(a, start) - start).days)
            last.append((b - start).days)
            vals.append(v)
        if labels:
            out.append(
                Observations(
                    t,
                    tuple(labels),
                    np.array(first, dtype=np.int64),
                    np.array(last, dtype=np.int64),
                    np.array(vals, dtype=np.float64),
                )
            )
    return out


def read_off(
    obs: Observations, series: dict[str, NDArray[np.float64]], step_weeks: float
) -> NDArray[np.float64]:
    """The model's value for each observation window, (R, n).

    ``series`` are (R, T + 1) arrays with column 0 the start (see
    :func:`detente.model.simulate.run_chunk`), so column j is the state after
    j steps. The series is read at fractional steps by linear interpolation
    (within a step the model's flows are spread evenly): a flow is the
    cumulative value at the end of its last day minus that at the start of
    its first day, so adjacent months never share a death; a stock is the
    level at the end of its day.
    """
    s = series[obs.target.quantity]
    days_per_step = 7.0 * step_weeks
    end = _at(s, (obs.last + 1) / days_per_step)
    if obs.target.kind in ("stock", "cumulative"):
        return end
    return end - _at(s, obs.first / days_per_step)


def _at(s: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Columns of ``s`` at fractional positions ``x`` (clipped to the horizon)."""
    T = s.shape[1] - 1
    x = np.clip(x, 0.0, float(T))
    i = np.minimum(np.floor(x).astype(np.int64), max(T - 1, 0))
    f = x - i
    nxt = np.minimum(i + 1, T)
    return s[:, i] * (1.0 - f) + s[:, nxt] * f
