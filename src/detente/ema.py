"""detente's crisis engine as a model for the EMA Workbench.

The EMA Workbench (Kwakkel 2017, *Environmental Modelling & Software* 96:
239-250) runs exploratory modelling: experiments over uncertainties and
levers, scenario discovery, and many-objective robust optimisation (with
Platypus). :func:`crisis_model` gives it a ``Model`` whose function runs an
ensemble of the engine for each experiment (``runs`` replications on common
random numbers, so two experiments differ only by their factors) and returns
the mean of each outcome: P(war) for ``war``, mean deaths for ``deaths``.

>>> from ema_workbench import SequentialEvaluator  # doctest: +SKIP
>>> model = crisis_model("two-state-textbook",
...                      uncertainties={"actors.A.resolve": (0.2, 0.9)},
...                      levers={"packages.withdrawal[0].fraction": (0.1, 0.9)})
>>> with SequentialEvaluator(model) as ev:
...     results = ev.perform_experiments(scenarios=50, policies=4)

Names of factors are scenario paths (``actors.A.resolve``); EMA needs
Python identifiers, so they are given with every character other than
letters, digits and ``_`` replaced by ``_`` (``actors_A_resolve``);
``model.detente_names`` maps them back. Needs ``pip install 'detente[ema]'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detente.extras import require
from detente.outcomes import harms

__all__ = ["CrisisFunction", "crisis_model", "identifier"]

# The harms detente.outcomes declares (war, deaths, displacement, escalation):
# minimised in an optimisation, every other outcome maximised.
MINIMISED = harms()


def identifier(path: str) -> str:
    """A scenario path as a Python identifier: ``packages.withdrawal[0].fraction``
    becomes ``packages_withdrawal_0__fraction``."""
    return re.sub(r"\W", "_", path)


class CrisisFunction:
    """The model function EMA calls with one experiment's values (picklable, so
    EMA's multiprocessing evaluator can ship it to workers)."""

    def __init__(self, spec: Any, folder: Path, outcomes: Sequence[str], default: str) -> None:
        from detente.run.models import CrisisModel

        self.spec = spec
        self.model = CrisisModel(spec, folder)
        self.names = {identifier(p): p for p in [*spec.uncertainties, *spec.levers]}
        self.outcomes = list(outcomes)
        self.default = default

    def __call__(self, **experiment: Any) -> dict[str, float]:
        package = experiment.pop("package", self.default)
        package = str(getattr(package, "value", package))  # EMA may pass its Category
        points = {
            self.names[k]: np.array([float(v)]) for k, v in experiment.items() if k in self.names
        }
        for path, rng in {**self.spec.uncertainties, **self.spec.levers}.items():
            # a factor EMA did not set (a lever held at a reference) takes its middle
            points.setdefault(path, np.array([(rng.low + rng.high) / 2.0]))
        out = self.model.evaluate(package, points, self.spec.seed, self.spec.runs)
        return {o: float(np.mean(out[o])) for o in self.outcomes}


def crisis_model(
    scenario: str = "ukraine-2022",
    uncertainties: Mapping[str, tuple[float, float]] | None = None,
    levers: Mapping[str, tuple[float, float]] | None = None,
    packages: Sequence[str] | None = None,
    outcomes: Sequence[str] = ("war", "deaths", "displaced"),
    runs: int = 100,
    seed: int = 0,
    name: str = "detente",
) -> Any:
    """An ``ema_workbench.Model`` running ``scenario`` (a built-in name or a path).

    Parameters
    ----------
    scenario : the crisis to run.
    uncertainties : scenario parameter paths and their ranges (``RealParameter``).
    levers : scenario paths of policy settings and their ranges (``RealParameter``).
    packages : policy packages offered as a categorical lever ``package``
        (default: every package of the scenario).
    outcomes : per-run outcomes to average; those :mod:`detente.outcomes`
        declares harms (war, deaths, displaced, nuclear use, ...) are declared
        ``MINIMIZE`` for optimisation, the others ``MAXIMIZE``.
    runs : replications per experiment, on common random numbers.
    seed : root seed.
    """
    require("detente.ema", "ema")
    import warnings

    from detente.run.spec import ExperimentSpec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA warns about optional evaluators at import
        from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome

    spec = ExperimentSpec.model_validate(
        {
            "name": name,
            "scenario": scenario,
            "seed": seed,
            "runs": runs,
            "packages": list(packages) if packages else None,
            "uncertainties": {k: list(v) for k, v in (uncertainties or {}).items()},
            "levers": {k: list(v) for k, v in (levers or {}).items()},
            "outcomes": list(outcomes),
        }
    )
    folder = Path(scenario).parent if Path(scenario).is_file() else Path.cwd()
    offered = list(packages) if packages else None
    function = CrisisFunction(spec, folder, outcomes, (offered or ["status-quo"])[0])
    offered = offered or function.model.packages()
    model = Model(identifier(name), function=function)
    model.uncertainties = [
        RealParameter(identifier(p), r.low, r.high) for p, r in spec.uncertainties.items()
    ]
    lever_params = [RealParameter(identifier(p), r.low, r.high) for p, r in spec.levers.items()]
    if len(offered) > 1:
        lever_params.append(CategoricalParameter("package", offered))
    model.levers = lever_params
    model.outcomes = [
        ScalarOutcome(o, kind=ScalarOutcome.MINIMIZE if o in MINIMISED else ScalarOutcome.MAXIMIZE)
        for o in outcomes
    ]
    model.detente_names = dict(function.names)
    return model
