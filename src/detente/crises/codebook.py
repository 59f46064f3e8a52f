"""The ICB variables the crisis mapping reads, with their codebook ranges.

Source: Brecher, Wilkenfeld, Beardsley, James & Quinn, *International Crisis
Behavior Data Codebook*, Version 14 (2021) and Version 12 (2017): ICB1 is the
system (crisis) level, ICB2 the actor level. Each :class:`Code` names the
column, the range of values the codebook allows (checked on reading: a value
outside it is bad input, never guessed at), whether a blank is allowed, and
the codebook's meaning in a line. docs/commands/crises.md gives the table and
how each code enters a scenario (:mod:`detente.crises.mapping`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ACTOR_CODES", "CRISIS_CODES", "Code"]


@dataclass(frozen=True)
class Code:
    """One ICB column: its name, allowed range and meaning."""

    name: str
    lo: float
    hi: float
    meaning: str
    blank_ok: bool = False
    text: bool = False  # a name, read as text and never interpreted


CRISIS_CODES: tuple[Code, ...] = (
    Code("crisno", 1, 10_000, "sequence number of the international crisis"),
    Code("crisname", 0, 0, "name of the international crisis", text=True),
    Code("yrtrig", 1918, 2100, "year of the trigger of the crisis"),
    Code("noactr", 1, 100, "number of crisis actors in the crisis"),
    Code(
        "viol",
        1,
        4,
        "violence in the crisis: 1 no violence, 2 minor clashes, 3 serious clashes, "
        "4 full-scale war",
    ),
    Code("brexit", 0, 20_000, "duration of the international crisis in days, breakpoint to exit"),
    Code(
        "forout",
        1,
        7,
        "form of outcome: 1 formal agreement, 2 semi-formal agreement, 3 tacit "
        "understanding, 4 unilateral act, 5 imposed agreement, 6 faded, 7 other",
    ),
    Code(
        "protrac",
        1,
        3,
        "protracted conflict: 1 not part of one, 2 protracted conflict, 3 long-war "
        "protracted conflict",
    ),
    Code(
        "gpinv",
        1,
        7,
        "great-power involvement in the crisis: 1 none (low or no involvement), "
        "higher codes name which powers were involved and how",
    ),
    Code(
        "globorg",
        0,
        13,
        "global organisation (League of Nations, UN) involvement: 0 none existed, "
        "1 not involved, 2 and above involved, by the level of the organ",
    ),
    Code(
        "regorg",
        0,
        13,
        "regional/security organisation involvement: 0 none existed, 1 not involved, "
        "2 and above involved, by the level of the organ",
    ),
)

ACTOR_CODES: tuple[Code, ...] = (
    Code("crisno", 1, 10_000, "international crisis number"),
    Code("cracno", 1, 100_000, "sequential case number of the crisis actor"),
    Code("cracid", 1, 999, "state code of the crisis actor (Correlates of War numbering)"),
    Code("actor", 0, 0, "three-letter code of the crisis actor", text=True),
    Code(
        "southv",
        1,
        999,
        "source of threat: the state (code) or the entity (994-997) that threatened the actor",
    ),
    Code(
        "triggr",
        1,
        9,
        "trigger to the actor's crisis: 1 verbal act, 2 political act, 3 economic act, "
        "4 external change, 5 other non-violent act, 6 internal verbal or physical "
        "challenge to the regime, 7 non-violent military act, 8 indirect violent act, "
        "9 violent act",
    ),
    Code(
        "gravty",
        0,
        7,
        "gravity of the value threatened: 0 economic threat, 1 limited military threat, "
        "2 political threat, 3 territorial threat, 4 threat to influence in the system, "
        "5 threat of grave damage, 6 threat to existence, 7 other",
    ),
    Code(
        "powdis",
        -200,
        200,
        "power discrepancy: the actor's power (with its allies' tangible support) less "
        "its adversary's, in the codebook's capability units; positive: the actor is stronger",
        blank_ok=True,
    ),
    Code(
        "nuclear",
        1,
        4,
        "nuclear capability: 1 none, 2 foreign nuclear capability (an adversary's or a "
        "patron's), 3 own nuclear capability, 4 developed nuclear capability (second strike)",
    ),
    Code(
        "allycap",
        1,
        4,
        "alliance capability of the actor: 1 none, up to 4 alliance with a great power",
    ),
)
