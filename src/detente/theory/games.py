"""Iterated two-player games with implementation noise, vectorised over repetitions.

Matches, round-robin tournaments and the exact payoffs of memory-one
strategies. The strategies live in :mod:`detente.theory.strategies` and the
game and reciprocity rules in :mod:`detente.theory.reciprocity`; their names
are also here. Actions are booleans: True cooperates (C), False defects (D).

Axelrod, R. (1980). Effective choice in the Prisoner's Dilemma. *Journal of
Conflict Resolution* 24(1): 3-25; Axelrod, R. (1984). *The Evolution of
Cooperation*. Basic Books.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detente.random import step_keys, uniform_keyed
from detente.theory.reciprocity import Game, generous_probability, reciprocate
from detente.theory.strategies import (
    Cooperator,
    Defector,
    GenerousTitForTat,
    GoByMajority,
    Gradual,
    Grit,
    Grudger,
    Random,
    Strategy,
    TitForTat,
    WinStayLoseShift,
)

B = NDArray[np.bool_]
F64 = NDArray[np.float64]

__all__ = [
    "Cooperator",
    "Defector",
    "Game",
    "GenerousTitForTat",
    "GoByMajority",
    "Gradual",
    "Grit",
    "Grudger",
    "MatchResult",
    "Random",
    "Strategy",
    "TitForTat",
    "TournamentResult",
    "WinStayLoseShift",
    "generous_probability",
    "memory_one_payoffs",
    "play",
    "reciprocate",
    "tournament",
]


@dataclass(frozen=True)
class MatchResult:
    """Actions (reps, turns) and total scores (reps,) of both players."""

    actions_a: B
    actions_b: B
    scores_a: F64
    scores_b: F64

    @property
    def mean_per_turn(self) -> tuple[float, float]:
        turns = self.actions_a.shape[1]
        return float(self.scores_a.mean() / turns), float(self.scores_b.mean() / turns)


def play(
    a: Strategy,
    b: Strategy,
    turns: int,
    repetitions: int = 1,
    noise: float = 0.0,
    game: Game = Game(),
    seed: int = 0,
    stream: str = "match",
) -> MatchResult:
    """Play ``repetitions`` matches of ``turns`` turns at once.

    With implementation noise each intended action is flipped with
    probability ``noise``; both players see the actions actually played (as
    in the Axelrod library). Random numbers come from detente.random, keyed
    by (seed, stream, turn, repetition): the turn keys are
    :func:`detente.random.step_keys` of the stream.
    """
    reps = np.arange(repetitions)
    ha = np.zeros((repetitions, turns), dtype=bool)
    hb = np.zeros((repetitions, turns), dtype=bool)
    ma, mb = a.reset(repetitions), b.reset(repetitions)
    keys = step_keys(seed, f"games.{stream}", turns)
    for t in range(turns):
        u = uniform_keyed(keys[t : t + 1], reps, (4,))[0]
        act_a = a.move(t, ha, hb, ma, u[:, 0])
        act_b = b.move(t, hb, ha, mb, u[:, 1])
        if noise > 0:
            act_a = act_a ^ (u[:, 2] < noise)
            act_b = act_b ^ (u[:, 3] < noise)
        ha[:, t], hb[:, t] = act_a, act_b
    return MatchResult(ha, hb, game.score(ha, hb), game.score(hb, ha))


@dataclass(frozen=True)
class TournamentResult:
    """Round-robin results: mean match score of row against column, and totals."""

    names: tuple[str, ...]
    payoff_matrix: F64  # (n, n) mean total score of i against j per match
    totals: F64  # (n,) mean over repetitions of the summed match scores

    def ranking(self) -> list[tuple[str, float]]:
        order = np.argsort(-self.totals, kind="stable")
        return [(self.names[i], float(self.totals[i])) for i in order]


def tournament(
    players: list[Strategy],
    turns: int = 200,
    repetitions: int = 1,
    noise: float = 0.0,
    game: Game = Game(),
    seed: int = 0,
    self_play: bool = False,
) -> TournamentResult:
    """A seeded round robin: every pair plays ``repetitions`` matches.

    A player's total is the sum of its match scores against every opponent
    (and itself when ``self_play``, as in Axelrod 1980), averaged over
    repetitions. Each pair has its own random stream, so adding a player does
    not change the other pairs' matches, and every match is the one
    :func:`play` gives for that pair and stream.

    All matches are played at once: each turn, each strategy moves in every
    match it plays in one vectorised call (its histories stacked), so the
    Python work per turn grows with the number of strategies, not of matches.
    """
    n = len(players)
    pairs = [(i, j) for i in range(n) for j in range(i if self_play else i + 1, n)]
    R = repetitions
    # One row per (pair, side, repetition), ordered by player, so that each
    # player's rows are one contiguous block of every array (a view, no copy).
    slots = sorted((pair[k], q, k) for q, pair in enumerate(pairs) for k in (0, 1))
    where = {(q, k): s for s, (_, q, k) in enumerate(slots)}
    slot_q = np.array([q for _, q, _ in slots])
    slot_k = np.array([k for _, _, k in slots])
    partner = np.array([where[(q, 1 - k)] for _, q, k in slots])
    partner = (partner[:, None] * R + np.arange(R)).ravel()  # the opponent's row
    row_q, row_k = np.repeat(slot_q, R), np.repeat(slot_k, R)
    row_r = np.tile(np.arange(R), len(slots))
    groups = []
    for who, player in enumerate(players):
        first = next((s for s, (w, _, _) in enumerate(slots) if w == who), None)
        if first is None:
            continue
        count = sum(1 for w, _, _ in slots if w == who)
        a, b = first * R, (first + count) * R
        groups.append((player, a, b, player.reset(b - a)))
    rows = len(slots) * R
    # Histories turn by row, so that a turn's moves are one contiguous write;
    # strategies see them transposed, (rows, turns), as play() gives them.
    own_h = np.zeros((turns, rows), dtype=bool)
    opp_h = np.zeros((turns, rows), dtype=bool)
    own, opp = own_h.T, opp_h.T
    acts = np.empty(rows, dtype=bool)
    keys = np.stack([step_keys(seed, f"games.{i}-{j}", turns) for i, j in pairs], axis=1)
    # Each turn play() draws 4 numbers a repetition: the two players' moves,
    # then their noise. Only those something reads are drawn here (the same
    # numbers): none for deterministic strategies without noise.
    used = [0, 1] if any(p.stochastic for p in players) else []
    used += [2, 3] if noise > 0 else []
    column = {e: i for i, e in enumerate(used)}
    idle = np.full(rows, 0.5)  # what deterministic strategies get (and ignore)
    u_move = flips = None
    block = 32  # turns whose random numbers are drawn at once (bounded memory)
    for t0 in range(0, turns, block):
        t1 = min(t0 + block, turns)
        if used:
            u = uniform_keyed(keys[t0:t1].ravel(), np.arange(R), (4,), used)
            u = u.reshape(t1 - t0, -1, R, len(used))  # (turns, pairs, reps, drawn)
            if 0 in column:
                u_move = u[:, row_q, row_r, row_k]  # (turns, rows)
            if 2 in column:
                flips = u[:, row_q, row_r, column[2] + row_k] < noise
        for t in range(t0, t1):
            ut = idle if u_move is None else u_move[t - t0]
            for player, a, b, mem in groups:
                acts[a:b] = player.move(t, own[a:b], opp[a:b], mem, ut[a:b])
            if flips is not None:
                acts ^= flips[t - t0]
            own_h[t] = acts
            opp_h[t] = acts[partner]
    score = game.score(own_h, opp_h, axis=0).reshape(len(slots), R)
    pay = np.zeros((len(pairs), 2, R))
    pay[slot_q, slot_k] = score
    matrix = np.zeros((n, n))
    for q, (i, j) in enumerate(pairs):
        matrix[i, j] = pay[q, 0].mean()
        matrix[j, i] = pay[q, 1].mean() if i != j else pay[q, 0].mean()
    return TournamentResult(tuple(p.name for p in players), matrix, matrix.sum(axis=1))


def memory_one_payoffs(
    p: tuple[float, float, float, float],
    q: tuple[float, float, float, float],
    noise: float = 0.0,
    game: Game = Game(),
) -> tuple[float, float]:
    """Exact long-run payoffs per turn of two memory-one strategies under noise.

    States are the last round's (own, opponent) outcomes CC, CD, DC, DD from
    the first player's view. Noise flips each intended action, so the
    effective cooperation probability is p (1 - e) + (1 - p) e. The payoff is
    the stationary distribution of the 4-state Markov chain times the payoff
    vector (Nowak & Sigmund 1990; Press & Dyson 2012). Needs an ergodic
    chain, which any noise in (0, 1) guarantees.
    """
    pe = np.asarray(p) * (1 - noise) + (1 - np.asarray(p)) * noise
    # The second player sees CD as DC and vice versa.
    qe = np.asarray(q)[[0, 2, 1, 3]] * (1 - noise) + (1 - np.asarray(q)[[0, 2, 1, 3]]) * noise
    M = np.stack([pe * qe, pe * (1 - qe), (1 - pe) * qe, (1 - pe) * (1 - qe)], axis=1)
    w, v = np.linalg.eig(M.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1.0))])
    pi = pi / pi.sum()
    g = game
    return float(pi @ [g.R, g.S, g.T, g.P]), float(pi @ [g.R, g.T, g.S, g.P])
