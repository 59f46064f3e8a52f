"""Knowledge written once (issue 14): the lists the code derives instead of repeating."""

from __future__ import annotations

from typer.testing import CliRunner

from detente.cli import app
from detente.scenario.distributions import DIST_TAGS

runner = CliRunner()

BAD = """name: x
actors:
  - {id: A, forces: 1, deployed: 1, arsenal: 1, resolve: {dist: gamma}, war_cost: 0.1}
  - {id: B, forces: 1, deployed: 1, arsenal: 1, resolve: 0.5, war_cost: 0.1}
disputes:
  - {id: d, challenger: A, defender: B, status_quo: 0, demand: 1, territory: 0}
"""


def test_the_error_for_an_unknown_distribution_lists_every_valid_form(tmp_path):
    """Caught the drift of a hand-kept list that left out ``posterior``."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    assert "posterior" in DIST_TAGS
    for tag in DIST_TAGS:
        assert tag in res.output, (tag, res.output)
