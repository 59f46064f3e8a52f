"""Every published target of detente.theory, recomputed: published value, ours,
tolerance, pass. ``detente reproduce`` prints this table."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

from detente.theory import bdm, fearon, games, lanchester, powell, richardson

__all__ = ["Check", "targets"]


@dataclass(frozen=True)
class Check:
    """One published number and ours (not a calibration target: that is
    :class:`detente.calibration.targets.Target`)."""

    model: str
    target: str
    source: str
    published: float
    ours: float
    tolerance: float
    relative: bool

    @property
    def passed(self) -> bool:
        err = abs(self.ours - self.published)
        limit = self.tolerance * abs(self.published) if self.relative else self.tolerance
        return bool(err <= limit)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def _rows(name: str) -> list[dict[str, str]]:
    with (resources.files("detente.validation") / "data" / name).open() as fh:
        return list(csv.DictReader(fh))


def _richardson() -> list[Check]:
    rows = [r for r in _rows("richardson-cow-1907-1913.csv") if int(r["year"]) >= 1909]
    yrs = [int(r["year"]) for r in rows]
    entente = [(float(r["france"]) + float(r["russia"])) / 1000 for r in rows]
    central = [(float(r["germany"]) + float(r["austria_hungary"])) / 1000 for r in rows]
    f = richardson.fit(yrs, entente, central)
    src = "Richardson (1960); COW NMC v6.0 milex, 1909-1913"
    return [
        Check("richardson", "additive test slope k - a", src, 0.832, f.slope, 0.005, True),
        Check(
            "richardson",
            "zero-growth level (GBP million)",
            src,
            189.3,
            f.zero_growth_level,
            0.005,
            True,
        ),
    ]


def _fearon() -> list[Check]:
    src = "Fearon (1995), uniform private costs"
    out = []
    for label, cb, demand, war, eu in (
        ("p=.5 cA=.1 cB~U[0,.3]", stats.uniform(0, 0.3), 0.6, 1 / 3, 0.5333),
        ("p=.5 cA=.1 cB~U[.05,.35]", stats.uniform(0.05, 0.3), 0.625, 0.25, 0.56875),
        ("p=.5 cA=.3 cB~U[0,.2]", stats.uniform(0, 0.2), 0.5, 0.0, 0.5),
    ):
        r = fearon.ultimatum(0.5, 0.1 if "cA=.1" in label else 0.3, cb)
        out += [
            Check("fearon", f"{label}: demand", src, demand, r.demand, 1e-9, False),
            Check("fearon", f"{label}: P(war)", src, war, r.war_probability, 1e-9, False),
            Check("fearon", f"{label}: EU", src, eu, r.expected_utility, 1e-4, False),
        ]
    wars = [
        fearon.ultimatum(p, 0.1, stats.uniform(0, 0.3)).war_probability for p in (0.2, 0.5, 0.7)
    ]
    out.append(
        Check(
            "fearon",
            "neutrality: spread of P(war) over p in {.2,.5,.7}",
            src,
            0.0,
            float(np.ptp(wars)),
            1e-12,
            False,
        )
    )
    num = fearon.ultimatum(0.5, 0.1, stats.uniform(0, 0.3), method="numeric")
    out.append(
        Check(
            "fearon",
            "numerical optimiser: demand (closed form 0.6)",
            src,
            0.6,
            num.demand,
            1e-6,
            False,
        )
    )
    return out


def iwo_jima() -> lanchester.Trajectory:
    """Engel's (1954) Iwo Jima: US strength M with landings, Japanese N without."""
    p = {r["quantity"]: float(r["value"]) for r in _rows("lanchester-iwo-jima-engel1954.csv")}
    landings = lanchester.step_schedule(
        [
            (0.0, 1.0, p["us_landing_day1"]),
            (2.0, 3.0, p["us_landing_day3"]),
            (5.0, 6.0, p["us_landing_day6"]),
        ]
    )
    return lanchester.integrate(
        p["us_initial"],
        p["japanese_initial"],
        alpha=p["us_effectiveness_b"],
        beta=p["japanese_effectiveness_a"],
        t_end=60.0,
        reinforce_a=landings,
        breakpoints=[1.0, 2.0, 3.0, 5.0, 6.0],
    )


def _lanchester() -> list[Check]:
    p = {r["quantity"]: float(r["value"]) for r in _rows("lanchester-iwo-jima-engel1954.csv")}
    tr = iwo_jima()
    i = int(np.searchsorted(tr.t, 6.0))
    invariant = (
        p["us_effectiveness_b"] * tr.a[i] ** 2 - p["japanese_effectiveness_a"] * tr.b[i] ** 2
    )
    src = "Engel (1954), Iwo Jima"
    return [
        Check(
            "lanchester",
            "day Japanese strength reaches 0",
            src,
            36.4,
            tr.ended_at or np.inf,
            0.3,
            False,
        ),
        Check("lanchester", "US troops left", src, 51980, float(tr.a[-1]), 0.01, True),
        Check(
            "lanchester",
            "b M^2 - a N^2 after the last landing",
            src,
            2.8644e7,
            float(invariant),
            0.001,
            True,
        ),
    ]


def _games() -> list[Check]:
    src = "axelrod library 4.13.0, deterministic matches"
    tft_d = games.play(games.TitForTat(), games.Defector(), 10)
    t = games.tournament(
        [games.Cooperator(), games.TitForTat(), games.Defector(), games.Grudger()], turns=10
    )
    out = [
        Check(
            "games",
            "TitForTat v Defector, 10 turns: TitForTat",
            src,
            9,
            float(tft_d.scores_a[0]),
            0,
            False,
        ),
        Check(
            "games",
            "TitForTat v Defector, 10 turns: Defector",
            src,
            14,
            float(tft_d.scores_b[0]),
            0,
            False,
        ),
    ]
    for name, published, ours in zip(t.names, (60, 69, 78, 69), t.totals, strict=True):
        out.append(
            Check(
                "games",
                f"tournament {{C, TFT, D, Grudger}}: {name}",
                src,
                published,
                float(ours),
                0,
                False,
            )
        )
    out.append(
        Check(
            "games",
            "GenerousTitForTat q for (5,3,1,0)",
            "Nowak & Sigmund (1992)",
            1 / 3,
            games.generous_probability(),
            1e-12,
            False,
        )
    )
    for noise in (0.05, 0.2, 0.5):
        exact = games.memory_one_payoffs((1, 0, 1, 0), (1, 0, 1, 0), noise)[0]
        out.append(
            Check(
                "games",
                f"TFT v TFT per turn, noise {noise} (Markov chain)",
                "stationary payoff (R+S+T+P)/4",
                2.25,
                exact,
                1e-9,
                False,
            )
        )
    return out


def _brute_bound(p: float, delta: float, c_d: float, c_r: float, s: float) -> float:
    """The shift at which the brute-force margin turns positive, by bisection."""
    lo, hi = 0.0, 1.0 - p
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        margin = powell.backward_induction([p, p + mid], delta, c_d, c_r, s).margin
        lo, hi = (lo, mid) if margin > 0.0 else (mid, hi)
    return 0.5 * (lo + hi)


def _powell() -> list[Check]:
    """Powell's condition at, just above and just below its bound, against brute force.

    assumption: Powell (2006) is analytic and publishes no numbers, so the
    setting is ours: delta = 0.9, the rising side's chance now p = 0.3, costs
    of war 0.05 each (shares of the stake). The "published" column is the
    closed form (eqs. 4-5 of :mod:`detente.theory.powell`); "ours" is the
    game solved by value iteration and backward induction.
    """
    delta, p, c_d, c_r, eps = 0.9, 0.3, 0.05, 0.05, 1e-6
    out = []
    for s, who in (
        (1.0, "best credible promise s=1"),
        (0.0, "rising side offers s=0"),
        (0.5, "random proposer s=.5"),
    ):
        src = f"Powell (2006) eq. 4-5, {who}; delta=.9 p=.3 c=.05/.05"
        bound = float(powell.shift_bound(p, delta, c_d, c_r, s))
        out.append(
            Check(
                "powell",
                f"{who}: shift bound",
                src,
                bound,
                _brute_bound(p, delta, c_d, c_r, s),
                1e-9,
                False,
            )
        )
        at = powell.backward_induction([p, p + bound], delta, c_d, c_r, s)
        out.append(
            Check("powell", f"{who}: war margin at the bound", src, 0.0, at.margin, 1e-9, False)
        )
        for label, shift in (("just above", bound + eps), ("just below", bound - eps)):
            closed = float(powell.prefers_war(p, p + shift, delta, c_d, c_r, s))
            brute = powell.backward_induction([p, p + shift], delta, c_d, c_r, s)
            out.append(
                Check(
                    "powell",
                    f"{who}: P(war) {label} the bound",
                    src,
                    closed,
                    brute.war_probability,
                    0.0,
                    False,
                )
            )
    return out


def _bdm() -> list[Check]:
    """The published checks on the EU emissions example (for `detente reproduce`)."""
    rows = _rows("bdm-eu-emissions.csv")
    names = [r["actor"] for r in rows]
    c, x, s = (
        np.array([float(r[k]) for r in rows]) for k in ("capability", "position", "salience")
    )
    src = "Bueno de Mesquita (1994); Scholz, Calbert & Smith (2011)"
    r0 = bdm.risk_exponents(x, c, s)
    fc = bdm.forecast(names, c, x, s, rounds=10)
    median, mean = bdm.weighted_median(x, c * s), bdm.weighted_mean(x, c * s)
    return [
        Check("bdm", "initial weighted median", src, 7.0, median, 0, False),
        Check("bdm", "initial weighted mean", src, 7.38996, mean, 5e-6, False),
        Check(
            "bdm", "round-0 risk exponent, UK", src, 2.0, float(r0[names.index("UK")]), 1e-9, False
        ),
        Check(
            "bdm",
            "round-0 risk exponent, Luxembourg",
            src,
            0.5,
            float(r0[names.index("Luxembourg")]),
            1e-9,
            False,
        ),
        Check(
            "bdm",
            "risk exponents outside [0.5, 2] over 10 rounds",
            src,
            0.0,
            float(((fc.risk < 0.5 - 1e-12) | (fc.risk > 2 + 1e-12)).sum()),
            0,
            False,
        ),
        Check(
            "bdm",
            "positions outside [4, 10] over 10 rounds",
            src,
            0.0,
            float(((fc.positions < 4) | (fc.positions > 10)).sum()),
            0,
            False,
        ),
    ]


def targets() -> list[Check]:
    """All targets, model by model."""
    return [*_richardson(), *_fearon(), *_lanchester(), *_games(), *_powell(), *_bdm()]
