"""``detente crises``: fit the model on the ICB record, forecast, score, export."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.common import err_console, fail, need

app = typer.Typer(
    name="crises",
    help="Many crises: fit the model on the International Crisis Behavior record, "
    "forecast and score crises it has not seen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CrisesOpt = Annotated[
    Path | None,
    typer.Option(
        "--crises", help="ICB1-format crisis CSV (one row a crisis; default: the shipped 1918-1989)"
    ),
]
ActorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--actors", help="ICB2-format actor CSV (one row an actor; default: the shipped 1918-1989)"
    ),
]
SHIPPED_ICB = ("icb1v14-1918-1989.csv", "icb2v14-1918-1989.csv")
SeedOpt = Annotated[int, typer.Option(help="root seed")]
WorkersOpt = Annotated[
    int, typer.Option(min=1, max=64, help="processes (results do not depend on it)")
]


def _files(crises: Path | None, actors: Path | None) -> tuple[Path, Path]:
    """The ICB files named, or those shipped with detente (1918-1989) for either left out."""
    from detente.reference import data_dir

    if crises is None or actors is None:
        folder = data_dir()
        if folder is None:
            raise fail("--crises, --actors: expected ICB files (none ship with this install)")
        crises = crises or folder / "icb" / SHIPPED_ICB[0]
        actors = actors or folder / "icb" / SHIPPED_ICB[1]
    return crises, actors


def _load(crises: Path, actors: Path):
    from detente.crises import CrisisDataError, load_crises

    try:
        return load_crises(crises, actors)
    except CrisisDataError as e:
        raise fail(str(e)) from None


def _posterior(path: Path | None):
    from detente.crises import shipped_fit
    from detente.crises.fit import read_posterior

    p = shipped_fit() if path is None else (path / "posterior.yaml" if path.is_dir() else path)
    try:
        return read_posterior(p)
    except ValueError as e:
        raise fail(str(e)) from None


def _command() -> str:
    return "detente " + " ".join(shlex.quote(a) for a in sys.argv[1:])


@app.command("fit")
def fit_cmd(
    out: Annotated[Path, typer.Option("--out", help="folder for posterior.yaml")],
    crises: CrisesOpt = None,
    actors: ActorsOpt = None,
    particles: Annotated[int, typer.Option(min=4, max=100_000)] = 200,
    generations: Annotated[int, typer.Option(min=1, max=50)] = 8,
    reps: Annotated[int, typer.Option(min=2, max=64, help="runs per crisis and particle")] = 2,
    max_moves: Annotated[int, typer.Option(min=1, max=30)] = 2,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
) -> None:
    """Fit the mapping's coefficients to every crisis in the files (ABC-SMC)."""
    from detente.crises.fit import FitSettings, fit, sha256, write_posterior

    crises, actors = _files(crises, actors)
    table, _, skipped = _load(crises, actors)
    if len(table) < 2:
        raise fail(f"{crises}: expected at least 2 mappable crises to fit, got {len(table)}")
    if out.exists() and not out.is_dir():
        raise fail(f"{out}: expected a folder for --out, got a file")
    s = FitSettings(particles, generations, reps, max_moves, seed, workers)

    def show(g) -> None:
        err_console.print(
            f"generation {g.index}: tolerance {g.epsilon:.4f}, acceptance {g.acceptance:.2f}",
            highlight=False,
        )

    post = fit(table, s, on_generation=show)
    post.meta["skipped"] = skipped
    out.mkdir(parents=True, exist_ok=True)
    inputs = {
        "crises": crises.name,
        "crises_sha256": sha256(crises),
        "actors": actors.name,
        "actors_sha256": sha256(actors),
    }
    write_posterior(post, out / "posterior.yaml", _command(), inputs)
    err_console.print(
        f"wrote {out / 'posterior.yaml'} ({len(table)} crises, "
        f"{len(skipped)} skipped, {post.meta['seconds']} s)",
        highlight=False,
    )


@app.command("predict")
def predict_cmd(
    crises: CrisesOpt = None,
    actors: ActorsOpt = None,
    fit: Annotated[
        Path | None, typer.Option("--fit", help="fit folder or file (default: shipped)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    draws: Annotated[int, typer.Option(min=1, max=10_000, help="posterior draws")] = 50,
    reps: Annotated[int, typer.Option(min=2, max=1000, help="runs per draw and crisis")] = 8,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
) -> None:
    """Forecast P(viol = 1..4) and the mean duration of every crisis in the files."""
    from detente.crises.predict import predict

    crises, actors = _files(crises, actors)
    table, _, skipped = _load(crises, actors)
    post = _posterior(fit)
    p, days = predict(table, post, draws, reps, seed, workers)
    doc = {
        "crises": [
            {
                "crisno": int(c),
                "p_viol": [round(float(x), 6) for x in p[i]],
                "mean_days": round(float(days[i]), 3),
            }
            for i, c in enumerate(table.crisno)
        ],
        "skipped": skipped,
    }
    if as_json:
        typer.echo(json.dumps(doc))
        return
    typer.echo(f"{'crisno':>7} {'p1':>6} {'p2':>6} {'p3':>6} {'p4':>6} {'days':>8}")
    for row in doc["crises"]:
        q = row["p_viol"]
        typer.echo(
            f"{row['crisno']:>7} {q[0]:6.3f} {q[1]:6.3f} {q[2]:6.3f} {q[3]:6.3f} "
            f"{row['mean_days']:8.1f}"
        )
    for s in skipped:
        typer.echo(f"skipped {s['crisno']}: {s['reason']}")


@app.command("score")
def score_cmd(
    crises: CrisesOpt = None,
    actors: ActorsOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="write scores.json here")] = None,
    figure: Annotated[
        Path | None, typer.Option("--figure", help="reliability figure (PNG)")
    ] = None,
    particles: Annotated[int, typer.Option(min=4, max=100_000)] = 100,
    generations: Annotated[int, typer.Option(min=1, max=50)] = 5,
    reps: Annotated[int, typer.Option(min=2, max=64)] = 2,
    max_moves: Annotated[int, typer.Option(min=1, max=30)] = 2,
    draws: Annotated[int, typer.Option(min=1, max=10_000)] = 40,
    predict_reps: Annotated[int, typer.Option(min=2, max=1000)] = 5,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
) -> None:
    """Cross-validate by decade: RPS and log loss of viol against two references."""

    need("detente crises score", "crises")  # the logistic reference, before any fitting
    from detente.crises.fit import FitSettings
    from detente.crises.score import cross_validate, reliability

    crises, actors = _files(crises, actors)
    table, _, skipped = _load(crises, actors)
    if len(set((table.year // 10).tolist())) < 2:
        raise fail(f"{crises}: expected crises from at least 2 decades to cross-validate")
    s = FitSettings(particles, generations, reps, max_moves, seed, workers)
    try:
        cv = cross_validate(
            table,
            s,
            draws,
            predict_reps,
            on_fold=lambda b, p: err_console.print(f"decade {b}: fitted ({p.meta['seconds']} s)"),
        )
    except ImportError as e:
        raise fail(str(e)) from None
    summary = cv.summary(seed)
    summary["skipped"] = skipped
    summary["reliability"] = {k: reliability(p, cv.viol) for k, p in cv.forecasts.items()}
    summary["command"] = _command()
    _print_scores(summary)
    if out is not None:
        from detente.io import write_atomic

        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "scores.json", json.dumps(summary, indent=1).encode())
        write_atomic(
            out / "forecasts.json",
            json.dumps(
                {
                    "crisno": cv.crisno.tolist(),
                    "viol": cv.viol.tolist(),
                    "decade": cv.blocks.tolist(),
                    **{k: v.round(6).tolist() for k, v in cv.forecasts.items()},
                }
            ).encode(),
        )
    if figure is not None:
        from detente.crises.figures import reliability_figure

        reliability_figure(cv, figure)


def _print_scores(s: dict) -> None:
    typer.echo(f"{s['crises']} crises, decades {s['blocks'][0]}-{s['blocks'][-1]} held out in turn")
    typer.echo(f"{'forecaster':<12} {'RPS':>7} {'95% CI':>17} {'log loss':>9} {'95% CI':>17}")
    for k in ("model", "cuts_only", "model_raw", "trigger_link", "base_rate", "logistic"):
        if k in s:
            r, ll = s[k]["rps"], s[k]["log_loss"]
            typer.echo(
                f"{k:<12} {r['mean']:7.4f} [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}] "
                f"{ll['mean']:9.4f} [{ll['ci95'][0]:.4f}, {ll['ci95'][1]:.4f}]"
            )
    for k in (x for x in s if x.startswith("model_minus_")):
        r = s[k]["rps"]
        typer.echo(f"{k}: RPS {r['mean']:+.4f} [{r['ci95'][0]:+.4f}, {r['ci95'][1]:+.4f}]")
    typer.echo("reliability (model): viol, bin, mean forecast, observed, crises")
    for row in s["reliability"]["model"]:
        typer.echo(
            f"  {row['viol']} {row['bin']:>8} {row['forecast']:.3f} {row['observed']:.3f} "
            f"{row['crises']:>4}"
        )


@app.command("scenario")
def scenario_cmd(
    crisno: Annotated[int, typer.Argument(help="ICB crisis number")],
    crises: CrisesOpt = None,
    actors: ActorsOpt = None,
    fit: Annotated[
        Path | None, typer.Option("--fit", help="fit folder or file (default: shipped)")
    ] = None,
) -> None:
    """Write one ICB crisis as an editable scenario (YAML) on standard output."""
    from detente.crises.scenario import crisis_scenario

    crises, actors = _files(crises, actors)
    _, feats, skipped = _load(crises, actors)
    match = [f for f in feats if f.crisno == crisno]
    if not match:
        why = [s["reason"] for s in skipped if s["crisno"] == crisno]
        raise fail(f"{crises}: crisis {crisno}: " + (why[0] if why else "not in the file"))
    typer.echo(crisis_scenario(match[0], _posterior(fit)), nl=False)


@app.command("priors")
def priors_cmd(
    step_weeks: Annotated[float, typer.Option(min=0.01, max=52, help="the scenario's step")] = 1.0,
    fit: Annotated[
        Path | None, typer.Option("--fit", help="fit folder or file (default: shipped)")
    ] = None,
) -> None:
    """Print the fitted crisis-rung hazards, rationality and look-ahead as a file
    scenarios draw from ({dist: posterior}), for scenarios stepping step_weeks."""
    import yaml

    from detente.crises.scenario import scenario_posterior

    doc = scenario_posterior(_posterior(fit), step_weeks)
    typer.echo(yaml.safe_dump(doc, sort_keys=False, width=100), nl=False)
