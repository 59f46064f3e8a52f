"""The report's figures, as Vega-Lite specifications built with Altair.

Why Altair with vl-convert: one declarative spec renders in the browser from
a JavaScript bundle inlined into the page (no CDN, no network) and exports to
PNG and SVG through vl-convert, a self-contained Rust library that needs no
browser download. Plotly would need a browser (kaleido) for static export.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from detente.outcomes import label, title

__all__ = [
    "deltas",
    "distributions",
    "fan_chart",
    "load_altair",
    "prim_boxes",
    "probabilities",
    "sobol_bars",
    "survival",
]

Spec = dict[str, Any]
WIDTH = 560


def load_altair() -> Any:
    """Altair (``detente[report]``), imported on first use, with its 5,000-row
    limit lifted: every figure of a report goes through it."""
    import altair as alt

    alt.data_transformers.disable_max_rows()
    return alt


def probabilities(rows: list[dict[str, Any]]) -> Spec:
    """P(war) with its 95% Wilson interval, P(settlement) and P(nuclear use), per package."""
    alt = load_altair()
    panels = []
    for key, ci in (("p_war", "p_war_ci"), ("p_settlement", None), ("p_nuclear", None)):
        axis_title = label(key)
        df = pd.DataFrame(
            [
                {
                    "package": r["name"],
                    "p": r[key],
                    "lo": r[ci][0] if ci else r[key],
                    "hi": r[ci][1] if ci else r[key],
                    "text": _percent(r[key]),
                }
                for r in rows
            ]
        )
        top = float(df["hi"].max()) if len(df) else 0.0
        if key == "p_nuclear" and top < 0.5:
            # A small probability on a 0-1 axis is an empty panel: zoom the axis to
            # the largest value (at least 0.1%) and say so in the title.
            domain = [0.0, max(top * 1.15, 0.001)]
            axis_title = f"{axis_title} (axis 0-{domain[1]:.2%})"
        else:
            domain = [0.0, 1.0]
        base = alt.Chart(df).encode(y=alt.Y("package:N", sort=None, title=None))
        bars = base.mark_bar(color="#c0392b" if key == "p_war" else "#2874a6").encode(
            x=alt.X(
                "p:Q", title=axis_title, scale=alt.Scale(domain=domain), axis=alt.Axis(format="%")
            ),
            tooltip=["package", alt.Tooltip("p:Q", format=".3%")],
        )
        # The label sits past the interval's end, so the two never overlap.
        text = base.mark_text(align="left", dx=3, fontSize=10).encode(
            x=alt.X("hi:Q", scale=alt.Scale(domain=domain)), text="text:N"
        )
        layer = bars + text
        if ci:
            layer = layer + base.mark_rule(color="black").encode(x="lo:Q", x2="hi:Q")
        panels.append(layer.properties(width=170))
    return (
        alt.hconcat(*panels)
        .properties(title="Outcome probabilities (black: 95% interval)")
        .to_dict()
    )


def _percent(p: float) -> str:
    from detente.report.reading import prob

    return prob(p)


def deltas(rows: list[dict[str, Any]]) -> Spec:
    """Change in P(war) against the status quo, with its paired 95% interval."""
    alt = load_altair()
    df = pd.DataFrame(
        [
            {
                "package": r["name"],
                "delta": r["delta_p_war_vs_status_quo"],
                "lo": r["delta_p_war_ci"][0],
                "hi": r["delta_p_war_ci"][1],
            }
            for r in rows
            if r["name"] != "status-quo" and r["delta_p_war_ci"] is not None
        ]
    )
    if df.empty:
        df = pd.DataFrame({"package": [], "delta": [], "lo": [], "hi": []})
    base = alt.Chart(df).encode(y=alt.Y("package:N", sort=None, title=None))
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X(
            "delta:Q",
            title="change in P(war) against the status quo (percentage points)",
            axis=alt.Axis(format="+%"),
        ),
        tooltip=["package", alt.Tooltip("delta:Q", format="+.1%")],
    )
    err = base.mark_rule().encode(x="lo:Q", x2="hi:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (
        (err + points + zero)
        .properties(
            width=WIDTH, title="Each package against the status quo (common random numbers)"
        )
        .to_dict()
    )


RUNG_NAMES = [
    "settled",
    "0 normal",
    "1 protest",
    "2 sanctions",
    "3 posturing",
    "4 ultimatum",
    "5 limited force",
    "6 war",
    "7 regional war",
    "8 nuclear alert",
    "9 nuclear use",
]


_RUNG_COLOURS = [
    "#1a9850",
    "#66bd63",
    "#a6d96a",
    "#d9ef8b",
    "#fee08b",
    "#fdae61",
    "#f46d43",
    "#d73027",
    "#a50026",
    "#67001f",
]


def fan_chart(series: pd.DataFrame) -> Spec:
    """The distribution of the crisis level over time, per package (stacked shares)."""
    alt = load_altair()
    cols = ["settled", *[f"rung_{k}" for k in range(10)]]
    long = series.melt(
        id_vars=["package", "step"], value_vars=cols, var_name="rung", value_name="share"
    )
    long["level"] = long["rung"].map(dict(zip(cols, RUNG_NAMES, strict=True)))
    long["order"] = long["rung"].map({c: i for i, c in enumerate(cols)})
    return (
        alt.Chart(long)
        .mark_area()
        .encode(
            x=alt.X("step:Q", title="week"),
            y=alt.Y("share:Q", stack="normalize", title="share of runs"),
            color=alt.Color(
                "level:N",
                sort=RUNG_NAMES,
                scale=alt.Scale(domain=RUNG_NAMES, range=["#4575b4", *_RUNG_COLOURS]),
                title="highest rung",
            ),
            order=alt.Order("order:Q"),
            facet=alt.Facet(
                "package:N", columns=2, title=None, sort=list(dict.fromkeys(series["package"]))
            ),
            tooltip=["package", "step", "level", alt.Tooltip("share:Q", format=".3f")],
        )
        .properties(width=260, height=140, title="Escalation: the crisis level over time")
        .to_dict()
    )


def distributions(runs: pd.DataFrame) -> Spec:
    """Deaths and displaced per run (log10 of 1 + value), per package."""
    alt = load_altair()
    df = runs[["package", "deaths", "displaced"]].melt(id_vars="package", var_name="measure")
    df["measure"] = df["measure"].map(title)  # the declared names: "displaced (peak)"
    df["log10(1 + value)"] = np.log10(1.0 + df["value"].astype(float))
    return (
        alt.Chart(df)
        .transform_density(
            "log10(1 + value)",
            groupby=["package", "measure"],
            as_=["log10(1 + value)", "density"],
            extent=[0, 8],
        )
        .mark_line()
        .encode(
            x=alt.X("log10(1 + value):Q", title="log10(1 + count)"),
            y=alt.Y("density:Q"),
            color="package:N",
            column=alt.Column("measure:N", title=None),
        )
        .properties(width=260, height=180, title="Distributions over runs")
        .to_dict()
    )


def survival(runs: pd.DataFrame, steps: int) -> Spec:
    """Share of runs still without war at each week (time to war onset)."""
    alt = load_altair()
    recs = []
    for pkg, grp in runs.groupby("package", sort=False):
        onset = grp["war_onset"].to_numpy()
        n = len(onset)
        started = onset[onset >= 0]
        for t in range(steps + 1):
            recs.append({"package": pkg, "week": t, "no war yet": 1.0 - (started <= t).sum() / n})
    df = pd.DataFrame(recs)
    return (
        alt.Chart(df)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("week:Q"),
            y=alt.Y(
                "no war yet:Q", scale=alt.Scale(domain=[0, 1]), title="share of runs without war"
            ),
            color="package:N",
        )
        .properties(width=WIDTH, height=220, title="Time to war: survival curve")
        .to_dict()
    )


def sobol_bars(rows: list[dict[str, Any]]) -> Spec:
    """Sobol first-order and total indices with their intervals, per outcome."""
    alt = load_altair()
    recs = []
    for r in rows:
        if "S1" not in r:
            continue
        for kind in ("S1", "ST"):
            recs.append(
                {
                    "outcome": f"{r['package']}: {r['outcome']}",
                    "factor": r["factor"],
                    "index": kind,
                    "value": r[kind],
                    "lo": r[kind] - r[f"{kind}_conf"],
                    "hi": r[kind] + r[f"{kind}_conf"],
                }
            )
    df = pd.DataFrame(recs)
    base = alt.Chart(df).encode(y=alt.Y("factor:N", title=None), yOffset="index:N", color="index:N")
    chart = base.mark_bar().encode(x=alt.X("value:Q", title="Sobol index")) + base.mark_rule(
        color="black"
    ).encode(x="lo:Q", x2="hi:Q")
    return (
        chart.properties(width=360, height=120)
        .facet(row=alt.Row("outcome:N", title=None))
        .properties(title="Sensitivity (Sobol)")
        .to_dict()
    )


def prim_boxes(result: dict[str, Any], bounds: dict[str, tuple[float, float]]) -> Spec:
    """PRIM boxes: each restricted factor's range within its full range."""
    alt = load_altair()
    recs = []
    for i, box in enumerate(result.get("boxes", []), 1):
        for factor, (lo, hi) in box["limits"].items():
            full_lo, full_hi = bounds.get(factor, (lo, hi))
            span = (full_hi - full_lo) or 1.0
            recs.append(
                {
                    "box": f"box {i} (coverage {box['coverage']:.2f}, density "
                    f"{box['density']:.2f})",
                    "factor": factor,
                    "from": (lo - full_lo) / span,
                    "to": (hi - full_lo) / span,
                    "range": f"{lo:.4g} to {hi:.4g}",
                }
            )
    df = pd.DataFrame(recs or [{"box": "none", "factor": "-", "from": 0, "to": 0, "range": ""}])
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("from:Q", scale=alt.Scale(domain=[0, 1]), title="share of the factor's range"),
            x2="to:Q",
            y=alt.Y("factor:N", title=None),
            color="box:N",
            tooltip=["factor", "range"],
        )
        .properties(width=WIDTH, title=f"Scenario discovery: {result.get('condition', '')}")
        .to_dict()
    )
