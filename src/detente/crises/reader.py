"""Read and validate ICB-format crisis (ICB1) and actor (ICB2) CSV files.

Every value the mapping uses is checked against the codebook's range
(:mod:`detente.crises.codebook`); a file that fails raises
:class:`CrisisDataError` with one line naming the file, the row (the line
number, the header being line 1), the field and what was expected. Names
read from the files are kept as text and never interpreted.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from detente.crises.codebook import ACTOR_CODES, CRISIS_CODES, Code
from detente.io import InputError, read_text

__all__ = ["ActorRow", "CrisisDataError", "CrisisRow", "read_icb"]

MAX_BYTES = 50_000_000  # the v14 files are 0.3 MB; refuse anything absurd


class CrisisDataError(ValueError):
    """Bad ICB input: the message is one line naming file, row, field and expectation."""


class _Codes:
    """Typed reads of a row's codes (shared by :class:`ActorRow` and :class:`CrisisRow`)."""

    codes: dict[str, float | str | None]

    def num(self, name: str) -> float:
        """A numeric code (the codebook checked its range when the file was read)."""
        x = self.codes[name]
        if not isinstance(x, float):
            raise TypeError(f"{name}: expected a numeric code, got {x!r}")
        return x

    def num_or_none(self, name: str) -> float | None:
        """A numeric code that the codebook allows blank (``blank_ok``): None when blank."""
        return None if self.codes[name] is None else self.num(name)


@dataclass(frozen=True)
class ActorRow(_Codes):
    """One crisis actor (ICB2 row): its codes by column name."""

    row: int
    codes: dict[str, float | str | None]


@dataclass(frozen=True)
class CrisisRow(_Codes):
    """One crisis (ICB1 row) and its crisis actors (ICB2 rows, in file order)."""

    row: int
    codes: dict[str, float | str | None]
    actors: tuple[ActorRow, ...]

    @property
    def crisno(self) -> int:
        return int(self.num("crisno"))


def _value(code: Code, raw: str | None, where: str) -> float | str | None:
    """Parse one cell against its codebook range."""
    text = (raw or "").strip()
    if code.text:
        return text
    if text == "":
        if code.blank_ok:
            return None
        raise CrisisDataError(f"{where}: field '{code.name}': expected a value, got a blank")
    try:
        x = float(text)
    except ValueError:
        raise CrisisDataError(
            f"{where}: field '{code.name}': expected a number in [{code.lo:g}, {code.hi:g}], "
            f"got {text[:40]!r}"
        ) from None
    if not math.isfinite(x) or not code.lo <= x <= code.hi:
        raise CrisisDataError(
            f"{where}: field '{code.name}': expected a value in [{code.lo:g}, {code.hi:g}] "
            f"({code.meaning.split(':')[0]}), got {text[:40]}"
        )
    return x


def _read_table(path: Path, codes: tuple[Code, ...], what: str) -> list[tuple[int, dict]]:
    """Rows of one CSV file as (line number, codes), every used column checked."""
    try:
        text = read_text(path, f"ICB {what}", MAX_BYTES)  # no FIFOs, devices, folders
    except InputError as e:
        raise CrisisDataError(str(e)) from None
    try:
        with io.StringIO(text, newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            for c in codes:
                if c.name not in header:
                    raise CrisisDataError(
                        f"{path}: row 1: field '{c.name}': expected an ICB {what} column "
                        f"'{c.name}' ({c.meaning.split(':')[0]}), missing from the header"
                    )
            reader.fieldnames = header
            rows = []
            for i, raw in enumerate(reader, start=2):
                where = f"{path}: row {i}"
                rows.append((i, {c.name: _value(c, raw.get(c.name), where) for c in codes}))
    except csv.Error as e:
        raise CrisisDataError(f"{path}: expected a CSV {what} file ({e})") from None
    if not rows:
        raise CrisisDataError(f"{path}: expected at least one {what} row, got none")
    return rows


def read_icb(crises: str | Path, actors: str | Path) -> list[CrisisRow]:
    """Read an ICB1-format crisis file and an ICB2-format actor file.

    Actor rows are attached to their crisis by ``crisno``; actor rows of crises
    not in the crisis file are not needed and are left out. A crisis listed
    twice, or one with fewer than two actors (``noactr``; an international
    crisis involves at least two states), is bad input.
    """
    c_path, a_path = Path(crises), Path(actors)
    c_rows = _read_table(c_path, CRISIS_CODES, "crisis (ICB1)")
    a_rows = _read_table(a_path, ACTOR_CODES, "actor (ICB2)")
    by_crisis: dict[int, list[ActorRow]] = {}
    for i, codes in a_rows:
        by_crisis.setdefault(int(codes["crisno"]), []).append(ActorRow(i, codes))
    seen: set[int] = set()
    out = []
    for i, codes in c_rows:
        n = int(codes["crisno"])
        if n in seen:
            raise CrisisDataError(
                f"{c_path}: row {i}: field 'crisno': expected each crisis once, got {n} again"
            )
        seen.add(n)
        if codes["noactr"] < 2:  # type: ignore[operator]
            raise CrisisDataError(
                f"{c_path}: row {i}: field 'noactr': expected at least 2 actors in crisis {n}, "
                f"got {int(codes['noactr'])}"  # type: ignore[arg-type]
            )
        out.append(CrisisRow(i, codes, tuple(by_crisis.get(n, ()))))
    return out
