"""The ``detente`` command line: presentation only, a thin layer over the library.

One module per command group, registered here in the order ``--help`` lists them:
:mod:`~detente.cli.simulate` (run, validate), :mod:`~detente.cli.experiments`
(sweep, sensitivity, discover), :mod:`~detente.cli.calibration` (calibrate,
score, forecast), :mod:`~detente.cli.world`, :mod:`~detente.cli.tools` (report,
serve, reproduce, version), :mod:`~detente.cli.scenarios` (scenarios, schema)
and :mod:`~detente.cli.crises`; :mod:`~detente.cli.common` holds what they share.
"""

from __future__ import annotations

import typer

from detente.cli import calibration, crises, experiments, scenarios, simulate, tools
from detente.cli import world as world_cmd
from detente.cli.common import err_console, fail, need, out_console

__all__ = ["app", "err_console", "fail", "main", "need", "out_console"]

app = typer.Typer(
    name="detente",
    help="Make international crises computable: escalation, war, deaths and displacement "
    "under uncertainty, and what de-escalation policies do to them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for command in (
    simulate.run,
    simulate.validate,
    experiments.sweep,
    experiments.sensitivity,
    experiments.discover,
    calibration.calibrate,
    calibration.score,
    calibration.forecast,
    world_cmd.world,
):
    app.command()(command)
app.command("report")(tools.report_cmd)
app.command()(tools.serve)
app.command()(tools.reproduce)
app.add_typer(scenarios.scenarios_app, name="scenarios")
app.command("schema")(scenarios.schema)
app.command()(tools.version)
app.add_typer(crises.app, name="crises")


def main() -> None:  # pragma: no cover - console entry
    app()
