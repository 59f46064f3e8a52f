"""Figures and page of a calibration folder: posterior predictive checks,
the posterior, and the tolerance schedule (``detente report`` on the folder)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.report.figures import Spec, load_altair

__all__ = ["build_calibration_report", "calibration_specs"]

NOTE = (
    "The posterior is conditional on the scenario's structure and on the targets' "
    "definitions: it says which parameter values make this model reproduce these records, "
    "not that the model is right. Observations after the holdout date were not used in "
    "the fit; the predictive bands there are forecasts."
)


def _bands(pred: pd.DataFrame) -> pd.DataFrame:
    q = pred.groupby(["target", "label"], sort=False)["value"].quantile(
        [0.05, 0.25, 0.5, 0.75, 0.95]
    )
    wide = q.unstack().reset_index()
    wide.columns = ["target", "label", "q05", "q25", "q50", "q75", "q95"]
    return wide


def predictive_checks(pred: pd.DataFrame, obs: pd.DataFrame, target: str) -> Spec:
    """Observed values over the 50% and 90% posterior-predictive bands."""
    alt = load_altair()
    b = _bands(pred[pred["target"] == target]).merge(
        obs[obs["target"] == target], on=["target", "label"]
    )
    monthly = b["label"].str.len().eq(7).all()
    b["when"] = b["label"] + ("-15" if monthly else "")
    b["use"] = b["fitted"].map({True: "fitted", False: "held out"})
    x = alt.X("when:T" if monthly else "label:N", title=None)
    log = alt.Scale(type="symlog")
    base = alt.Chart(b)
    if monthly:
        layers = [
            base.mark_area(opacity=0.25, color="#4c78a8").encode(
                x=x, y=alt.Y("q05:Q", scale=log, title="value (symmetric log scale)"), y2="q95:Q"
            ),
            base.mark_area(opacity=0.45, color="#4c78a8").encode(x=x, y="q25:Q", y2="q75:Q"),
            base.mark_line(color="#1f3b5a").encode(x=x, y="q50:Q"),
        ]
    else:
        layers = [
            base.mark_rule(color="#4c78a8", strokeWidth=2).encode(
                x=x, y=alt.Y("q05:Q", scale=log, title="value (symmetric log scale)"), y2="q95:Q"
            ),
            base.mark_tick(color="#1f3b5a", thickness=2).encode(x=x, y="q50:Q"),
        ]
    layers.append(
        base.mark_point(filled=True, size=28).encode(
            x=x,
            y="value:Q",
            color=alt.Color(
                "use:N", scale=alt.Scale(domain=["fitted", "held out"], range=["#222", "#d62728"])
            ),
            tooltip=["label", "value", "q05", "q50", "q95", "use"],
        )
    )
    return (
        alt.layer(*layers)
        .properties(width=640 if monthly else 360, height=220, title=target)
        .to_dict()
    )


def posterior_marginals(post: pd.DataFrame, names: list[str]) -> Spec:
    """Histograms of each parameter in the prior generation and the posterior.

    The bins are computed per parameter (about the square root of the
    particles, over the range of both populations), so each panel has its own
    axis: binned in Vega-Lite over a facet, every parameter would share one set
    of bins and most panels would show a single bar.
    """
    alt = load_altair()
    last = post["generation"].max()
    recs = []
    for name in names:
        prior = post.loc[post["generation"] == 0, name].to_numpy(dtype=float)
        postr = post.loc[post["generation"] == last, name].to_numpy(dtype=float)
        both = np.concatenate([prior, postr])
        # about sqrt(n) bins, between 5 and 30: 40 particles give 7, 1,000 give 30
        edges = np.histogram_bin_edges(both, bins=int(np.clip(np.sqrt(len(postr)) + 1, 5, 30)))
        for population, values in (("prior", prior), ("posterior", postr)):
            counts, _ = np.histogram(values, bins=edges)
            share = counts / max(len(values), 1)
            for lo, hi, c in zip(edges[:-1], edges[1:], share, strict=True):
                recs.append(
                    {"parameter": name, "population": population, "lo": lo, "hi": hi, "share": c}
                )
    long = pd.DataFrame(recs)
    return (
        alt.Chart(long)
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X("lo:Q", title=None, scale=alt.Scale(zero=False, nice=False)),
            x2="hi:Q",
            y=alt.Y("share:Q", stack=None, title="share of particles"),
            y2=alt.datum(0),
            color=alt.Color(
                "population:N",
                sort=["posterior", "prior"],
                scale=alt.Scale(range=["#4c78a8", "#bbbbbb"]),
            ),
            facet=alt.Facet("parameter:N", columns=3, title=None),
            tooltip=["parameter", "population", alt.Tooltip("share:Q", format=".1%")],
        )
        .resolve_scale(x="independent", y="independent")
        .properties(width=190, height=110)
        .to_dict()
    )


def tolerances(manifest: dict[str, Any]) -> Spec:
    alt = load_altair()
    rows = pd.DataFrame(manifest["generations"])
    return (
        alt.Chart(rows)
        .mark_line(point=True)
        .encode(
            x=alt.X("generation:O"),
            y=alt.Y("median_distance:Q", title="median distance of the population"),
        )
        .properties(width=360, height=160)
        .to_dict()
    )


def calibration_specs(folder: Path) -> tuple[dict[str, Spec], dict[str, Any]]:
    from detente.calibration.store import read_calibration, read_frame

    manifest, pred, obs = read_calibration(folder)
    post = read_frame(folder, "posterior")
    names = [p["name"] for p in manifest["parameters"]]
    specs: dict[str, Spec] = {}
    for t in dict.fromkeys(obs["target"]):
        specs[f"check-{t}"] = predictive_checks(pred, obs, t)
    specs["posterior"] = posterior_marginals(post, names)
    specs["tolerances"] = tolerances(manifest)
    return specs, {"manifest": manifest}


def build_calibration_report(folder: Path, page: str, bundle: str, table) -> str:
    specs, ctx = calibration_specs(folder)
    m = ctx["manifest"]
    title = f"detente calibration: {m['scenario']}"
    meta = (
        f"targets {html.escape(m['targets'])}, fitted up to {m['until'] or 'the end'}, "
        f"{m['settings']['particles']} particles, {len(m['generations'])} generations, "
        f"{m['simulations']:,} simulations in {m['seconds']:.0f} s, seed {m['seed']}, "
        f"detente {m['version']}"
    )
    cov = [
        {
            "target": r["target"],
            "fitted observations": r["observations"],
            "inside 50% band": f"{r['coverage_50']:.0%}",
            "inside 90% band": f"{r['coverage_90']:.0%}",
        }
        for r in m["coverage_in_sample"]
    ]
    prm = [
        {
            "parameter": p["name"],
            "prior": ", ".join(f"{k}={v}" for k, v in p["prior"].items() if k != "source"),
            "posterior mean": f"{p['posterior_mean']:.4g}",
            "90% interval": f"{p['posterior_q05']:.4g} to {p['posterior_q95']:.4g}",
        }
        for p in m["parameters"]
    ]
    parts = [
        "<h2>Coverage of the fitted observations</h2>" + table(cov, list(cov[0]) if cov else []),
        "<h2>Posterior</h2>" + table(prm, list(prm[0])),
    ]
    if (folder / "forecast.parquet").exists():
        from detente.calibration.store import read_frame
        from detente.report.forecast import forecast_rows

        rows = forecast_rows(read_frame(folder, "forecast"), "year")
        if rows:
            parts.append(
                "<h2>Forecast by year (posterior predictive, 50% and 90% intervals)</h2>"
                + table(rows, list(rows[0]))
            )
    titles = {"posterior": "Prior and posterior", "tolerances": "Convergence"}
    for name in specs:
        label = titles.get(name, "Posterior predictive check: " + name.removeprefix("check-"))
        parts.append(
            f"<section><h2>{html.escape(label)}</h2>"
            f'<div class="fig" id="fig-{name}" data-name="{name}"></div></section>'
        )
    return page.format(
        title=html.escape(title),
        meta=meta,
        note=html.escape(NOTE),
        body="\n".join(parts),
        bundle=bundle.replace("</script", "<\\/script"),
        specs=json.dumps(specs).replace("</", "<\\/"),
    )
