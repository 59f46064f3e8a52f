"""Why the hindcast's wars end by agreement: the bargaining range at war, from the priors.

No simulation and no record of 2022 or later: ``ukraine-2022``'s own priors
(read from the scenario, drawn independently) and the closed forms of the
model's talks at war, for the alignment dispute with the channel open,
complete information about resolve r and cost of war c, one chance p that
the challenger wins, the audience cost A = a x posture / 5 at the top rung
(a = 0.1), the commitment erosion K(x) = x (it does not bind here) and no
anti-war mobilisation:

    the challenger accepts x  iff  r_C x - A (d - x) / d >= r_C p d - c_C
    the defender accepts x    iff  -r_D x - A x / d      >= -r_D p d - c_D
    on the table: x in [0, hi], hi = (1 - indivisible) d

It prints (1) the share of prior draws with no deal on the table, by the
challenger's belief p; (2) at the priors' central values, the size each
friction of the model would need to close the range alone (Fearon 1995:
private information, indivisibility, commitment; an audience cost, Fearon
1994; a war stake unlike the crisis stake; a culpable leader's weight on
"compromise is defeat", Croco 2011); (3) ICB's crises with full-scale war,
1918-1989 (``data/icb``, the data the project already fits): how long they
lasted and how they ended, the out-of-case reference class.

    python benchmarks/war_settlement_range.py

The design note behind it is docs/validation.md, "Why the hindcast's war is
short"; nothing here is fitted or tuned.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

import detente

ROOT = Path(__file__).resolve().parents[1]
A = 0.1  # audience cost at the top rung: a = 0.1 for both (ukraine-2022)


def priors(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Independent draws of the five quantities from ukraine-2022's own distributions."""
    sc = detente.load_scenario("ukraine-2022")
    actors = {a.id: a for a in sc.actors}
    align = {d.id: d for d in sc.disputes}["alignment"]
    assert actors["RU"].audience_cost.mean() == A == actors["UA"].audience_cost.mean()
    u = np.random.default_rng(seed).random((6, n))
    return {
        "rC": actors["RU"].resolve.ppf(u[0]), "rD": actors["UA"].resolve.ppf(u[1]),
        "cC": actors["RU"].war_cost.ppf(u[2]), "cD": actors["UA"].war_cost.ppf(u[3]),
        "d": align.demand.ppf(u[4]), "io": align.indivisible.ppf(u[5]),
    }


def needs(p: float, r_c: np.ndarray, c_c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The challenger's least acceptable share at war."""
    return (r_c * p * d - c_c + A) / (r_c + A / d)


def gives(p: float, r_d: np.ndarray, c_d: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The most the defender gives at war (p: the challenger's chance as it sees it)."""
    return (r_d * p * d + c_d) / (r_d + A / d)


def main() -> None:
    q = priors(200_000)
    hi = (1 - q["io"]) * q["d"]
    print("1. Share of prior draws with no deal on the table (the defender reads p = 0.55):")
    for p in (0.45, 0.55, 0.65, 0.8, 1.0):
        none = needs(p, q["rC"], q["cC"], q["d"]) > np.minimum(hi, gives(0.55, q["rD"], q["cD"],
                                                                         q["d"]))
        print(f"   the challenger believes p = {p:.2f}: {none.mean():.3f}")

    # Central values: the priors' means (resolve, costs, demand, indivisible) and p = 0.55.
    r_c, r_d = float(q["rC"].mean()), float(q["rD"].mean())
    c_c, c_d = float(q["cC"].mean()), float(q["cD"].mean())
    d, io, p = float(q["d"].mean()), float(q["io"].mean()), 0.55
    h = (1 - io) * d
    w_c = r_c * p * d - c_c

    def v_c(x: float) -> float:
        return r_c * x - A * (d - x) / d

    print(f"\n2. Central values (r_C {r_c:.2f}, c_C {c_c:.2f}, r_D {r_d:.2f}, c_D {c_d:.2f}, "
          f"demand {d:.2f}, indivisible {io:.2f}, p {p}):")
    print(f"   on the table [0, {h:.3f}]; the challenger needs {needs(p, r_c, c_c, d):.3f}; "
          f"the defender gives up to {gives(p, r_d, c_d, d):.3f}")
    print(f"   a challenger certain of victory: war {r_c * d - c_c:.3f} against the most on the "
          f"table {v_c(h):.3f}")
    print("   what closes the range, one friction at a time:")
    print(f"   - the challenger's audience cost >= {(r_c * h - w_c) / ((d - h) / d):.2f} (0.1)")
    print(f"   - the defender's audience cost >= {(r_d * p * d + c_d - r_d * h) / (h / d):.2f}")
    print(f"   - a war stake >= {(v_c(h) + c_c) / (r_c * p * d):.2f} x the crisis stake")
    print(f"   - the indivisible share >= {1 - needs(p, r_c, c_c, d) / d:.2f} (0.4-0.7)")
    ceil_c, ceil_d = p * d + c_d / r_d, (1 - p * d) + c_c / r_c  # credible ceilings (Powell 2006)
    print(f"   - a forecast shift <= {-(ceil_c - h) / d:.2f} (challenger declining) or >= "
          f"{(ceil_d - (1 - h)) / d:.2f} (defender declining) (power_shift -0.15 to 0)")
    print(f"   - a culpable leader's weight on 'compromise is defeat' >= "
          f"{(v_c(h) - w_c) / (v_c(h) + A):.2f} (Croco 2011: 1)")
    ratio = q["cC"] / q["rC"] + q["cD"] / q["rD"]
    print(f"   costs of war in stake shares at the means: challenger {c_c / r_c:.2f}, defender "
          f"{c_d / r_d:.2f}; their sum over the prior: 5th percentile "
          f"{np.quantile(ratio, 0.05):.2f}")

    with open(ROOT / "data" / "icb" / "icb1v14-1918-1989.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    war = [r for r in rows if r["viol"].strip() == "4"]
    weeks = np.array([float(r["brexit"]) / 7 for r in war if r["brexit"].strip().lstrip("-")
                      .isdigit() and float(r["brexit"]) >= 0])
    form = [r["forout"].strip() for r in war]
    print(f"\n3. ICB crises 1918-1989 with full-scale war (viol 4): {len(war)} of {len(rows)}")
    print("   crisis duration in weeks, 10/25/50/75/90%:",
          [round(float(v), 1) for v in np.quantile(weeks, [0.1, 0.25, 0.5, 0.75, 0.9])],
          f"; 4 weeks or less: {np.mean(weeks <= 4):.2f}")
    print(f"   ended by agreement (forout 1-2): {sum(f in ('1', '2') for f in form)}, "
          f"unilateral act (4): {form.count('4')}, imposed (5): {form.count('5')}, "
          f"other: {sum(f not in ('1', '2', '4', '5') for f in form)}")


if __name__ == "__main__":
    main()
