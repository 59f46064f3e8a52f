"""The page of a world comparison: the peace-autonomy trade-off, as a table and a figure."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from detente.report.figures import Spec, load_altair
from detente.world.metrics import METRICS, is_share

__all__ = ["build_world_report", "world_specs"]

NOTE = (
    "These comparisons are conditional on the world presets' assumptions (docs/world.md): "
    "stylised great powers and small states, not particular countries. They show what "
    "each architecture implies if those assumptions hold, not what any real order will do."
)


def tradeoff(rows: list[dict[str, Any]], years: int, peace: str = "wars") -> Spec:
    """Each architecture's wars against small-state autonomy, with 95% intervals
    (percentile bootstrap: they never leave the quantities' ranges)."""
    alt = load_altair()
    df = pd.DataFrame(
        [
            {
                "preset": r["preset"],
                "autonomy": r["autonomy"],
                "a_lo": r["autonomy_ci"][0],
                "a_hi": r["autonomy_ci"][1],
                peace: r[peace],
                "p_lo": r[f"{peace}_ci"][0],
                "p_hi": r[f"{peace}_ci"][1],
            }
            for r in rows
        ]
    )
    base = alt.Chart(df)
    x = alt.X(
        "autonomy:Q",
        title="small-state autonomy (share of state-years at the preferred alignment)",
        scale=alt.Scale(zero=False),
    )
    y = alt.Y(f"{peace}:Q", title=f"{peace} per run ({years} years)", scale=alt.Scale(zero=True))
    return (
        alt.layer(
            base.mark_rule().encode(x="a_lo:Q", x2="a_hi:Q", y=y),
            base.mark_rule().encode(x=x, y="p_lo:Q", y2="p_hi:Q"),
            base.mark_point(filled=True, size=90).encode(
                x=x,
                y=y,
                color=alt.Color("preset:N", title="architecture"),
                tooltip=["preset", "autonomy", peace],
            ),
            base.mark_text(dy=-12).encode(x=x, y=y, text="preset:N"),
        )
        .properties(width=560, height=320, title="Peace and autonomy: the trade-off")
        .to_dict()
    )


def world_specs(folder: Path) -> tuple[dict[str, Spec], dict[str, Any]]:
    from detente.io import read_json

    summary = read_json(folder / "world.json", "world summary")
    return {"tradeoff": tradeoff(summary["presets"], summary["years"])}, summary


def build_world_report(folder: Path, page: str, bundle: str, table) -> str:
    specs, s = world_specs(folder)
    cols = list(METRICS)

    def cell(r: dict[str, Any], k: str) -> str:
        lo, hi = r[f"{k}_ci"]
        fmt = "{:.3f}" if is_share(k) else "{:,.1f}"
        return f"{fmt.format(r[k])} [{fmt.format(lo)}, {fmt.format(hi)}]"

    rows = [{"preset": r["preset"], **{k: cell(r, k) for k in cols}} for r in s["presets"]]
    base = s["presets"][0]["preset"]
    diffs = []
    for r in s["presets"][1:]:
        d = {"preset": r["preset"]}
        for k in ("crises_per_decade", "wars", "autonomy"):
            lo, hi = r[f"{k}_vs_{base}_ci"]
            d[f"{k} vs {base}"] = f"{r[f'{k}_vs_{base}']:+.3f} [{lo:+.3f}, {hi:+.3f}]"
        diffs.append(d)
    body = [
        "<h2>Architectures</h2><p>Means per run with 95% intervals.</p>"
        + table(rows, ["preset", *cols]),
    ]
    if diffs:
        body.append(
            f"<h2>Differences from {html.escape(base)}</h2><p>Paired on common random "
            "numbers.</p>" + table(diffs, list(diffs[0]))
        )
    shares = []
    for r in s["presets"]:
        if "war_share_allied" not in r:
            continue  # a summary written before issue 21
        d = {"preset": r["preset"]}
        for side in ("allied", "alone"):
            v, ci = r[f"war_share_{side}"], r[f"war_share_{side}_ci"]
            d[f"crises that became wars, target {side}"] = (
                "no crisis" if v is None else f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
            )
        shares.append(d)
    if shares:
        body.append(
            "<h2>Crises that became wars</h2><p>Over small states, by whether the target "
            "sat in a rival great power's bloc (or under the guarantee) when the crisis "
            "opened; docs/world.md compares them with the ICB record.</p>"
            + table(shares, list(shares[0]))
        )
    body.append(
        '<section><h2>The trade-off</h2><div class="fig" id="fig-tradeoff" '
        'data-name="tradeoff"></div></section>'
    )
    meta = (
        f"{s['runs']:,} runs per architecture, {s['years']} years, seed {s['seed']}, "
        f"detente {s['version']}"
    )
    return page.format(
        title="detente world: " + html.escape(", ".join(r["preset"] for r in s["presets"])),
        meta=meta,
        note=html.escape(NOTE),
        body="\n".join(body),
        bundle=bundle.replace("</script", "<\\/script"),
        specs=json.dumps(specs).replace("</", "<\\/"),
    )
