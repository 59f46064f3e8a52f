"""One self-contained HTML file that explains a run or a sweep, offline.

The Vega, Vega-Lite and Vega-Embed libraries are inlined once (from
vl-convert's bundle), every figure is a Vega-Lite spec embedded as JSON, and
nothing is fetched from a network. Each figure can be saved as PNG or SVG
from its menu in the browser, or written to files with ``export_figures``.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from detente.io import InputError, parquet_columns, read_json, read_parquet
from detente.report import figures

__all__ = ["build_report", "export_figures", "figure_specs", "vega_bundle"]

NOTE = (
    "These results are conditional on the scenario's assumptions, listed below with "
    "their sources. They show what the model implies if those assumptions hold; they "
    "are not forecasts of what will happen. Change an assumption and the numbers change."
)


def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script that sets window.vegaEmbed."""
    import vl_convert as vlc

    # vl-convert's stub marks ``snippet`` required; at run time it defaults to
    # None, which bundles the libraries alone.
    return vlc.javascript_bundle()  # type: ignore[call-arg]


def _assumptions(scenario_yaml: Path) -> list[dict[str, str]]:
    from detente.scenario.loading import parse_scenario, read_yaml
    from detente.scenario.sources import quantities

    sc = parse_scenario(read_yaml(scenario_yaml), file=str(scenario_yaml))
    rows = []
    for n in quantities(sc):
        if n.default:
            continue
        q = n.quantity
        spec = q.model_dump(exclude={"source"}, by_alias=True)
        kind = spec.pop("dist")
        value = (
            f"{spec['value']:g}"
            if kind == "fixed"
            else kind
            + "("
            + ", ".join(
                f"{k}={v:g}" if isinstance(v, int | float) else f"{k}={v}" for k, v in spec.items()
            )
            + ")"
        )
        rows.append({"parameter": n.path, "value": value, "source": q.source or ""})
    return rows


def figure_specs(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figures by name, context) for a run folder or a sweep folder."""
    return read_folder(Path(folder), _figure_specs, "run or sweep")


def read_folder(folder: Path, build, what: str):  # type: ignore[no-untyped-def]
    """``build(folder)``, with every problem of the folder's files as one
    :class:`~detente.io.store.ResultsError` line naming the file.

    Each file is read through :mod:`detente.io` (no FIFOs, devices or
    folders, bounded sizes); what its reader refuses is passed on as it is,
    and anything else a damaged file raises (a JSON or Arrow error, a
    missing key) is named with the folder.
    """
    from detente.io.store import ResultsError

    try:
        return build(folder)
    except ResultsError:
        raise
    except InputError as e:
        raise ResultsError(str(e)) from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        # json.JSONDecodeError is a ValueError; a damaged Parquet file raises
        # an ArrowInvalid, also a ValueError.
        detail = " ".join(f"{type(e).__name__}: {e}".split())
        raise ResultsError(
            f"{folder}: (top level): expected the files of a complete {what} ({detail})"
        ) from None


def _figure_specs(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    specs: dict[str, Any] = {}
    ctx: dict[str, Any] = {"kind": "run"}
    if (folder / "summary.json").exists():
        summary = read_json(folder / "summary.json", "run summary")
        ctx.update(summary=summary)
        rows = summary["packages"]
        specs["probabilities"] = figures.probabilities(rows)
        specs["difference"] = figures.deltas(rows)
        if (folder / "series.parquet").exists():
            series = read_parquet(folder / "series.parquet", "series").to_pandas()
            specs["escalation"] = figures.fan_chart(series)
            steps = int(series["step"].max())
        else:
            steps = 104
        if (folder / "runs.parquet").exists():
            names = parquet_columns(folder / "runs.parquet", "runs")
            keep = ["package", "deaths", "displaced", "war_onset"] + [
                c
                for c in names
                if c.startswith(("settled_by.", "settlement.", "territory_change."))
            ]
            runs = read_parquet(folder / "runs.parquet", "runs", columns=keep).to_pandas()
            ctx["runs"] = runs
            specs["distributions"] = figures.distributions(runs)
            specs["survival"] = figures.survival(runs, steps)
    elif (folder / "manifest.json").exists():
        from detente.io.store import MAX_MANIFEST_BYTES

        manifest = read_json(folder / "manifest.json", "manifest", MAX_MANIFEST_BYTES)
        ctx.update(kind="sweep", manifest=manifest)
        from detente.io.store import load

        experiments, outcomes, con = load(folder)
        con.close()
        table = experiments.copy()
        for k, v in outcomes.items():
            table[k] = v
        ctx["sweep_table"] = table
        if (folder / "sensitivity.json").exists():
            rows = read_json(folder / "sensitivity.json", "sensitivity table")
            if rows and "S1" in rows[0]:
                specs["sobol"] = figures.sobol_bars(rows)
        if (folder / "prim.json").exists():
            spec = manifest["spec"]
            bounds = {
                k: (v["low"], v["high"])
                for k, v in {**spec.get("uncertainties", {}), **spec.get("levers", {})}.items()
            }
            specs["prim"] = figures.prim_boxes(
                read_json(folder / "prim.json", "PRIM result"), bounds
            )
    else:
        from detente.io.store import ResultsError

        raise ResultsError(
            f"{folder}: (top level): expected a run (summary.json), sweep (manifest.json), "
            "calibration (calibration.json) or world (world.json) folder"
        )
    if (folder / "scenario.yaml").exists():
        ctx["assumptions"] = _assumptions(folder / "scenario.yaml")
    return specs, ctx


TITLES = {
    "probabilities": "Outcome probabilities",
    "difference": "Difference from the status quo",
    "escalation": "Escalation over time (fan chart)",
    "distributions": "Deaths and displacement",
    "survival": "Time to war onset",
    "sobol": "Sensitivity: Sobol indices",
    "prim": "Scenario discovery: PRIM boxes",
}


def _table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>"
        for r in rows
    )
    return (
        f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _hindcast_label(folder: Path) -> str | None:
    """The scenario's hindcast label (``sources.HINDCAST``) from the run's scenario.yaml."""
    from detente.scenario.loading import read_yaml

    path = folder / "scenario.yaml"
    if not path.exists():
        return None
    sources = read_yaml(path).get("sources") or {}
    label = sources.get("HINDCAST") if isinstance(sources, dict) else None
    return str(label) if label else None


def folder_kind(folder: Path) -> str:
    """"calibration", "world" or "results" (a run or sweep), by the file that
    marks each; a FIFO or device under that name still marks it, so that
    its reader refuses it by name instead of the folder being misread."""
    for kind in ("calibration", "world"):
        if os.path.lexists(folder / f"{kind}.json"):
            return kind
    return "results"


def build_report(folder: Path) -> str:
    """The HTML text of the report for ``folder``."""
    kind = folder_kind(folder)
    if kind == "calibration":
        from detente.report.calibration import build_calibration_report

        return read_folder(
            folder,
            lambda f: build_calibration_report(f, PAGE, vega_bundle(), _table),
            "calibration",
        )
    if kind == "world":
        from detente.report.world import build_world_report

        return read_folder(
            folder, lambda f: build_world_report(f, PAGE, vega_bundle(), _table), "world run"
        )
    specs, ctx = figure_specs(folder)
    parts = []
    if ctx["kind"] == "run":
        s = ctx["summary"]
        title = f"detente: {s['scenario']}"
        meta = (
            f"{s['runs']:,} runs per package, seed {s['seed']}, detente {s['version']}, "
            f"backend {s.get('backend', 'numpy')}, scenario SHA-256 "
            f"<code>{s.get('scenario_sha256', '')[:16]}…</code>"
        )
        label = read_folder(folder, _hindcast_label, "run")
        if label:
            meta += f". {html.escape(label)}"
        from detente.report.reading import HOW_TO_READ, price_of_peace, summary_rows

        rows, cols = summary_rows(s["packages"])
        parts.append("<h2>Summary</h2>" + _table(rows, cols))
        parts.append(HOW_TO_READ)
        if ctx.get("runs") is not None:
            rows, cols = price_of_peace(ctx["runs"])
            parts.append(
                "<h2>The price of peace</h2><p>How each dispute ended, per package, and on "
                "what terms (the challenger's share of the stake; the status quo and the "
                "demand are in the assumptions below).</p>" + _table(rows, cols)
            )
        if any("disputes" in r for r in s["packages"]):
            from detente.report.peace import peace_html

            parts.append(peace_html(s["packages"]))
    else:
        m = ctx["manifest"]
        title = f"detente sweep: {m['name']}"
        meta = (
            f"{m['points']} design points x {len(m['packages'])} packages x "
            f"{m['runs_per_point']} runs, seed {m['seed']}, detente {m['version']}"
        )
        t = ctx["sweep_table"]
        parts.append(
            "<h2>Experiments</h2><p>Mean outcome per design point and package "
            "(first 50).</p>" + t.head(50).to_html(index=False, float_format="%.4g")
        )
    for name, _spec in specs.items():
        parts.append(
            f"<section><h2>{html.escape(TITLES.get(name, name))}</h2>"
            f'<div class="fig" id="fig-{name}" data-name="{name}"></div></section>'
        )
    if ctx.get("assumptions"):
        parts.append(
            "<h2>Assumptions and their sources</h2>"
            + _table(ctx["assumptions"], ["parameter", "value", "source"])
        )
    spec_json = json.dumps(specs).replace("</", "<\\/")
    return PAGE.format(
        title=html.escape(title),
        meta=meta,
        note=html.escape(NOTE),
        body="\n".join(parts),
        bundle=vega_bundle().replace("</script", "<\\/script"),
        specs=spec_json,
    )


def export_figures(folder: Path, target: Path) -> list[Path]:
    """Write every figure as PNG (2x) and SVG into ``target``."""
    import vl_convert as vlc

    kind = folder_kind(folder)
    if kind == "calibration":
        from detente.report.calibration import calibration_specs

        specs, _ = read_folder(folder, calibration_specs, "calibration")
    elif kind == "world":
        from detente.report.world import world_specs

        specs, _ = read_folder(folder, world_specs, "world run")
    else:
        specs, _ = figure_specs(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in specs.items():
        (target / f"{name}.svg").write_text(vlc.vegalite_to_svg(spec))
        (target / f"{name}.png").write_bytes(vlc.vegalite_to_png(spec, scale=2))
        written += [target / f"{name}.svg", target / f"{name}.png"]
    return written


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 980px; padding: 1rem;
       line-height: 1.45; color: #222; }}
.note {{ background: #fff8e1; border-left: 4px solid #f0a500; padding: .6rem 1rem; }}
table {{ border-collapse: collapse; font-size: .85rem; width: 100%; }}
.tablewrap {{ overflow-x: auto; }}
th {{ font-weight: 600; vertical-align: bottom; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; }}
td {{ font-variant-numeric: tabular-nums; }}
.fig {{ overflow-x: auto; min-height: 60px; }}
code {{ font-size: .85em; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{meta}</p>
<p class="note" id="note">{note}</p>
{body}
<script>{bundle}</script>
<script>
const SPECS = {specs};
for (const [name, spec] of Object.entries(SPECS)) {{
  vegaEmbed("#fig-" + name, spec, {{renderer: "svg",
    actions: {{export: true, source: false, compiled: false, editor: false}}}})
    .catch(err => {{ document.getElementById("fig-" + name).textContent = String(err); }});
}}
</script>
</body></html>
"""
