"""Write the three notebooks from the cells below (the .ipynb files are
generated: edit here, then `python notebooks/make.py`); `notebooks/run.py`
executes them, as CI does."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

ANALYST = [
    "# The analyst: compare policy packages and read the price of peace\n\n"
    "Which of the statement's demands lowers the risk of war in `ukraine-2022`, and at what "
    "price? Every number below is conditional on the scenario's assumptions "
    "(`detente scenarios show ukraine-2022` lists them with their sources); none is a forecast.",
    "import detente\n\n"
    "sc = detente.load_scenario('ukraine-2022')\n"
    "list(sc.packages)",
    "## Every package on the same random numbers\n\n"
    "`compare` runs the status quo and each package on common random numbers, so a "
    "difference comes from the package, not from chance. 1,000 runs keep this notebook "
    "quick; the command line's default is 10,000.",
    "cmp = detente.compare(sc, runs=1_000, seed=0, series=True)\n"
    "table = cmp.table()\n"
    "table[['p_war', 'p_settlement', 'p_nuclear', 'deaths_mean', "
    "'delta_p_war_vs_status_quo']].round(3)",
    "cmp.plot();",
    "## The price of peace\n\n"
    "P(settled) counts runs in which every dispute ended: by agreement, by a concession, or by "
    "a war's end. A package that makes war rare by making a bargain certain may give the "
    "challenger much of its demand. The terms are in the per-run table: `settlement.<dispute>` "
    "is the challenger's share of the stake when the dispute settled.",
    "runs = cmp.per_run().to_pandas()\n"
    "terms = runs.groupby('package')[['settlement.donbas', 'territory_change.donbas']].mean()\n"
    "status_quo = {d.id: d.status_quo.mean() for d in sc.disputes}\n"
    "print('Donbas status quo (share held by the challenger):', status_quo['donbas'])\n"
    "terms.round(3)",
    "### The weekly series\n\nHow the crisis level moves week by week, as an xarray Dataset:",
    "ds = cmp.to_xarray()\n"
    "ds['p_at_war'].sel(week=[4, 26, 52, ds.sizes['week'] - 1]).to_pandas().round(3)",
]

RESEARCHER = [
    "# The researcher: sweep, Sobol indices, PRIM and calibration\n\n"
    "Small sizes keep this notebook under a minute; the commands "
    "`detente sweep`, `sensitivity`, `discover` and `calibrate` run the same code at "
    "full size.",
    "import tempfile\n"
    "from pathlib import Path\n\n"
    "from detente.io.store import load\n"
    "from detente.run.spec import ExperimentSpec\n"
    "from detente.run.sweep import run_sweep\n\n"
    "work = Path(tempfile.mkdtemp())",
    "## A sweep\n\n"
    "A Latin hypercube over two claims about the textbook crisis, under two packages; each "
    "design point is replicated 50 times on common random numbers.",
    "spec = ExperimentSpec.model_validate({\n"
    "    'name': 'textbook-sweep', 'scenario': 'two-state-textbook', 'runs': 50,\n"
    "    'packages': ['status-quo', 'withdrawal'],\n"
    "    'uncertainties': {'actors.A.resolve': [0.2, 0.9], 'ladder.4.hazard': [0.0005, 0.01]},\n"
    "    'design': {'method': 'lhs', 'samples': 24},\n"
    "    'outcomes': ['war', 'deaths'],\n"
    "})\n"
    "run_sweep(spec, work, work / 'sweep', workers=1)\n"
    "experiments, outcomes, con = load(work / 'sweep')\n"
    "experiments.assign(p_war=outcomes['war']).head()",
    "con.sql('select package, avg(war::double) as p_war from runs group by package').df()",
    "## Sobol indices\n\n"
    "On the Ishigami function, whose indices are known analytically, so the estimate can be "
    "checked.",
    "from detente.run.models import Ishigami\n"
    "from detente.analysis.sensitivity import analyse\n\n"
    "sob = ExperimentSpec.model_validate({\n"
    "    'name': 'ishigami', 'model': 'ishigami', 'runs': 1,\n"
    "    'uncertainties': {k: [-3.141592653589793, 3.141592653589793] "
    "for k in ('x1', 'x2', 'x3')},\n"
    "    'design': {'method': 'sobol', 'samples': 512},\n"
    "})\n"
    "run_sweep(sob, work, work / 'sobol', workers=1)\n"
    "rows = analyse(sob, work / 'sobol')\n"
    "print('analytic:', Ishigami.analytic())\n"
    "[(r['factor'], round(r['S1'], 2), round(r['ST'], 2)) for r in rows]",
    "## Scenario discovery (PRIM)\n\nWhere in the sweep does war become likely?",
    "from detente.analysis.discover import discover\n\n"
    "boxes = discover(work / 'sweep', 'p_war > 0.5', package='status-quo', threshold=0.7)\n"
    "boxes['boxes'][0]['limits'] if boxes['boxes'] else 'no box'",
    "## Calibration (ABC-SMC)\n\n"
    "Two parameters of `donbas-2014` fitted to the shipped 2014-2021 targets with a "
    "deliberately tiny population; `detente calibrate donbas-2014` runs 1,000 particles.",
    "from detente import load_scenario\n"
    "from detente.calibration.calibrate import calibrate, make_problem\n"
    "from detente.calibration.targets import load_targets\n"
    "from detente.reference import builtin_targets\n\n"
    "problem = make_problem(\n"
    "    load_scenario('donbas-2014'), load_targets(builtin_targets('donbas-2014')),\n"
    "    parameters=['war.civilian_lethality', 'war.displacement_rate'], seed=0)\n"
    "cal = calibrate(problem, particles=16, generations=2, workers=1)\n"
    "[(g.index, round(g.acceptance, 2)) for g in cal.generations]",
]

TEACHER = [
    "# The teacher: the classic models, reproduced\n\n"
    "detente's engine is built from published models; `detente.theory` has each of them "
    "alone, checked against the published numbers (`detente reproduce`).",
    "## Fearon (1995): why rational states bargain\n\n"
    "With war costly to both, there is always a range of peaceful splits both prefer to war.",
    "from scipy import stats\n\n"
    "from detente.theory import fearon\n\n"
    "lo, hi = fearon.bargaining_range(p=0.5, cost_a=0.1, cost_b=0.2)\n"
    "print(f'splits both prefer to war: {lo:.2f} to {hi:.2f}')\n"
    "# With private costs, a demand risks refusal: the risk-return trade-off.\n"
    "res = fearon.ultimatum(p=0.5, cost_a=0.1, cost_b=stats.uniform(0, 0.3))\n"
    "print(f'optimal demand {res.demand:.3f}, war with probability {res.war_probability:.3f}')",
    "## Richardson (1960): arms races\n\n"
    "Each side arms in reaction to the other, restrained by the burden of its own arms.",
    "import numpy as np\n\n"
    "from detente.theory import richardson\n\n"
    "t, x, y = richardson.solve(30, 1.0, 1.0, k=0.9, a=1.0, g=0.5, l=0.8, b=1.0, h=0.5,\n"
    "                           t_eval=np.linspace(0, 30, 7))\n"
    "print('stable:', richardson.is_stable(k=0.9, a=1.0, l=0.8, b=1.0))\n"
    "print('equilibrium:', [round(v, 3) for v in richardson.equilibrium(0.9, 1.0, 0.5, "
    "0.8, 1.0, 0.5)])\n"
    "np.round(np.c_[t, x, y], 3)",
    "## Lanchester (1916): the square law\n\n"
    "In aimed fire, fighting strength grows with the square of numbers.",
    "from detente.theory import lanchester\n\n"
    "lanchester.square_law(a0=1000, b0=700, alpha=0.01, beta=0.012)",
    "## Axelrod (1980): cooperation in repeated games\n\n"
    "A small round robin of the iterated prisoner's dilemma.",
    "from detente.theory import games\n\n"
    "players = [games.TitForTat(), games.Defector(), games.Cooperator(), games.Grudger(),\n"
    "           games.GenerousTitForTat()]\n"
    "games.tournament(players, turns=200, seed=0).ranking()",
]


def build(name: str, cells: list[str]) -> None:
    """Cells that start with a Markdown heading are text; the others are code."""
    nb = new_notebook(
        cells=[new_markdown_cell(c) if c.startswith("#") else new_code_cell(c) for c in cells],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    for name, cells in (("analyst", ANALYST), ("researcher", RESEARCHER), ("teacher", TEACHER)):
        build(name, cells)
