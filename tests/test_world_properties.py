"""Required world properties (issue 21, point 7): each can fail, and says what it catches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.analysis.statistics import paired_difference
from detente.cli import app
from detente.world.compare import compare_worlds
from detente.world.loading import load_world
from detente.world.simulate import build_world, simulate_world
from test_world import small_world

runner = CliRunner()


def test_a_stronger_guarantee_deters_the_start_of_crises_and_reassures_small_states(tmp_path):
    """(a) The same contested claims, the collective guarantee at cohesion 0.1 and 0.95:
    claimants press less against states they believe defended (deterrence), and
    states make more of the moves they prefer (reassurance). Onset drawn as a
    fixed hazard, as before issue 21, gives no difference in crises (fails)."""
    weak = small_world(tmp_path, "collective-security-weak", "weak")
    strong = small_world(tmp_path, "collective-security-strong", "strong")
    res = compare_worlds([weak, strong], runs=200, seed=0, workers=1)
    m_w, m_s = res.metrics[weak], res.metrics[strong]
    d, (_lo, hi) = paired_difference(m_s["crises_per_decade"], m_w["crises_per_decade"])
    assert d < 0 and hi < 0
    d, (lo, _hi) = paired_difference(m_s["autonomy"], m_w["autonomy"])
    assert d > 0 and lo > 0


def test_wars_rise_with_contagion_when_neighbours_fight(tmp_path):
    """(b) Contagion acts through wars next door: wars rise with it on a ring of
    neighbours, and it does nothing at all where states have no neighbours (a
    contagion that acted through anything else would move the second world)."""

    def wars(c: float, neighbours: int) -> np.ndarray:
        path = small_world(
            tmp_path,
            "spheres-contested",
            f"c{c:g}n{neighbours}",
            world__contagion=c,
            world__pressure=0.02,
            small_states__neighbours=neighbours,
        )
        return simulate_world(build_world(load_world(path)), 0, np.arange(300))["wars"]

    d, (lo, _hi) = paired_difference(wars(5.0, 2), wars(0.0, 2))
    assert d > 0 and lo > 0
    np.testing.assert_array_equal(wars(5.0, 0), wars(0.0, 0))


def test_claim_strength_sets_the_stake_of_the_crisis(tmp_path, monkeypatch):
    """Claim strength enters the crisis, not only its onset: the dispute opens with the
    demand strength x what the state's alignment costs the claimant (at most 1)."""
    import detente.world.month as ws

    seen: list[np.ndarray] = []
    original = ws._activate

    def spy(state, p, mask, posture):
        seen.append(p.demand[mask].copy())
        original(state, p, mask, posture)

    monkeypatch.setattr(ws, "_activate", spy)
    demands = {}
    for strength in (0.3, 0.6):
        seen.clear()
        path = small_world(
            tmp_path,
            "spheres-disjoint",
            f"s{strength:g}",
            world__pressure=0.05,
            world__claim_gain=0.0,
            world__claim_loss=0.0,
        )
        spec = load_world(path)
        q = type(spec.spheres[0].strength)(value=strength)
        spec = spec.model_copy(
            update={"spheres": [s.model_copy(update={"strength": q}) for s in spec.spheres]}
        )
        simulate_world(build_world(spec), 0, np.arange(60))
        demands[strength] = np.concatenate(seen)
        # in a rival bloc: strength x (1 + alliance_stake 0.5); unaligned: x neutral_shift 0.5
        allowed = np.array([strength * 1.5, strength * 0.5])
        assert np.isclose(demands[strength][:, None], allowed[None, :]).any(axis=1).all()
    assert demands[0.6].mean() > demands[0.3].mean()


def _differences(a, b, prefix: str = "") -> set[str]:
    """Dotted paths at which two dumped specs differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[str] = set()
        for k in set(a) | set(b):
            out |= _differences(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return set() if a == b else {prefix.rstrip(".")}


CONTROLS = [
    # (preset, control, what alone differs): each comparison changes one thing.
    ("spheres-disjoint", "spheres-contested", {"spheres"}),
    ("spheres-disjoint-recognised", "spheres-disjoint", {"world.recognition"}),
    ("spheres-recognised", "spheres-disjoint-recognised", {"small_states.alignment"}),
    ("collective-security-strong", "collective-security-weak", {"world.guarantee"}),
    ("rising-power", "rising-power-even", {"world.growth"}),
]


@pytest.mark.parametrize(("preset", "control", "changed"), CONTROLS)
def test_each_control_comparison_changes_one_thing(preset, control, changed):
    """(d) Recognition's effect (and every other claim of docs/world.md) is measured
    against a control with the same claims: a preset that changed a second thing
    (as spheres-recognised once did: claims, start, acceptance) fails here."""
    a = load_world(preset).model_dump(exclude={"name", "title", "description", "extends"})
    b = load_world(control).model_dump(exclude={"name", "title", "description", "extends"})
    diff = {d for d in _differences(a, b) if not d.endswith("source")}
    assert all(any(d == c or d.startswith(c + ".") for c in changed) for d in diff), diff
    assert diff, "the control must differ"


def test_polarity_controls_hold_the_claims_fixed():
    """Every small state is claimed at the same strength whatever the number of powers."""
    for name in ("polarity-1", "polarity-2", "spheres-disjoint"):
        w = build_world(load_world(name))
        assert sorted(w.claimed.tolist()) == list(range(40)), name
        assert {s.strength.mean() for s in load_world(name).spheres} == {0.8}


def test_world_json_intervals_never_leave_the_quantitys_range(tmp_path):
    """(6) Counts, deaths and displaced get intervals at or above 0, shares within [0, 1]:
    the normal interval this replaced gave deaths_ci [-618, 5677]."""
    a = small_world(tmp_path, "spheres-contested", "a", world__pressure=0.01)
    res = runner.invoke(app, ["world", a, "--runs", "30", "--workers", "1", "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)["presets"][0]
    for k in ("crises_per_decade", "wars", "great_power_wars", "deaths", "displaced"):
        lo, hi = row[f"{k}_ci"]
        assert 0.0 <= lo <= row[k] <= hi, k
    for k in ("autonomy", "nuclear_use"):
        lo, hi = row[f"{k}_ci"]
        assert 0.0 <= lo <= row[k] <= hi <= 1.0, k


@pytest.mark.parametrize(
    ("field", "value", "expect"),
    [
        ("rivalries", [{"challenger": "P9", "defender": "P1", "strength": 0.5}], "rivalries[0]"),
        ("world.growth", {"PX": 0.01}, "world.growth.PX"),
        ("world.onset", 0.5, "world.onset"),
    ],
)
def test_bad_world_input_is_one_line_naming_file_field_and_expectation(
    tmp_path: Path, field, value, expect
):
    path = Path(small_world(tmp_path, "spheres-contested", "bad"))
    import yaml

    data = yaml.safe_load(path.read_text())
    section, _, key = field.partition(".")
    if key:
        data.setdefault(section, {})[key] = value
    else:
        data[section] = value
    path.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["world", str(path), "--runs", "4"])
    assert res.exit_code == 2
    lines = [x for x in res.output.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    assert str(path) in lines[0] and expect in lines[0] and "expected" in lines[0], lines[0]


def test_great_powers_fight_each_other_over_a_claim_only_by_joining_a_member(tmp_path):
    """(5) Great-power war where the rules allow it: with no rivalry, a rival great
    power enters a claimant's war only by choosing to join the state its bloc
    defends. Blocs that take states as members give such wars; blocs that back
    them as partners (aid only) give none. A war step that joins members to a
    partner's war (the rule before issue 21) fails the second assertion."""

    def gp_wars(aligned_as: str) -> np.ndarray:
        path = small_world(
            tmp_path,
            "spheres-contested",
            aligned_as,
            world__pressure=0.02,
            blocs={"aligned_as": aligned_as},
        )
        return simulate_world(build_world(load_world(path)), 0, np.arange(300))

    member, partner = gp_wars("member"), gp_wars("partner")
    assert member["great_power_wars"].sum() >= 3
    assert partner["wars"].sum() > 0 and partner["great_power_wars"].sum() == 0


def test_uneven_growth_acts_through_the_commitment_problem(tmp_path, monkeypatch):
    """(5) A rising claimant's growth is a shift in power the core's bargains must
    survive (model-spec V2.2): it enters as each slot's projected shift, and
    it changes how often crises end in war. A world that grew forces without
    telling the core (the projection set to 0) fails."""
    import detente.world.month as ws
    from detente.world.choices import growth_shift

    pc = np.array([[0.5, 0.5]])
    up = growth_shift(pc, np.array([[1.004, 1.0]]), np.array([[1.0, 1.004]]), 6, np.ones(1))
    assert up[0, 0] > 0 > up[0, 1]
    w = build_world(load_world(small_world(tmp_path, "rising-power", world__years=30)))
    seen = simulate_world(w, 0, np.arange(300))["wars"]
    monkeypatch.setattr(ws, "growth_shift", lambda pc, *a: np.zeros_like(pc))
    blind = simulate_world(w, 0, np.arange(300))["wars"]
    d, (lo, hi) = paired_difference(seen, blind)
    assert lo > 0 or hi < 0, (d, lo, hi)
