"""The built-in scenarios: they load, every number they set carries a source,
and the cited public figures match the project's reference data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from detente import load_scenario
from detente.scenario.loading import builtin_names
from detente.scenario.sources import quantities

DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_built_in_scenarios_are_the_default_crisis_and_a_textbook_one():
    assert {"ukraine-2022", "two-state-textbook", "donbas-2014"} <= set(builtin_names())


@pytest.mark.parametrize("name", builtin_names())
def test_every_number_a_built_in_scenario_sets_carries_a_source(name):
    missing = [
        n.path for n in quantities(load_scenario(name)) if not n.default and not n.quantity.source
    ]
    assert missing == []


# What a source may rest on: a publication or data set, or a plain statement
# that the number is an assumption, a definition or derived from another. Each
# entry is specific enough not to match ordinary prose ("as " once matched any
# text with "was " or "has ").
KNOWN_BASES = (
    "assumption",
    "SIPRI",
    "IISS",
    "FAS",
    "OHCHR",
    "UCDP",
    "STATEMENT",
    "definition",
    "Tullock",
    "Slantchev",
    "equilibrium",
    "set so that",
    "as status_quo",
    "not a party",
    "top rung",
    "war costs are counted",
    "Crimea",
    "OSCE",
    "prior, to be calibrated",
)


def says_what_it_rests_on(source: str) -> bool:
    return any(k in source for k in KNOWN_BASES)


@pytest.mark.parametrize("name", builtin_names())
def test_sources_say_what_they_rest_on(name):
    """A source names a publication or data set, or says plainly it is an assumption."""
    vague = [
        (n.path, n.quantity.source)
        for n in quantities(load_scenario(name))
        if not n.default and not says_what_it_rests_on(n.quantity.source)
    ]
    assert vague == []


@pytest.mark.parametrize(
    "source",
    ["it was estimated", "as reported", "has been used before", "a reasonable guess", "see above"],
)
def test_a_vague_source_is_caught(source):
    assert not says_what_it_rests_on(source)


def test_ukraine_2022_has_the_actors_alliance_and_packages_of_the_statement():
    sc = load_scenario("ukraine-2022")
    assert {"RU", "UA", "US", "DE", "FR", "UK"} <= set(sc.actor_ids)
    nato = sc.alliances[0]
    assert set(nato.members) >= {"US", "DE", "FR", "UK"} and nato.partners == ["UA"]
    assert nato.cohesion.mean() < 1.0, "the West is divided"
    assert set(sc.packages) == {
        "status-quo",
        "withdrawal",
        "ceasefire",
        "negotiations",
        "arms-reduction",
        "peace-program",
    }
    program = {iv.type for iv in sc.packages["peace-program"]}
    assert program == {"withdraw", "ceasefire", "negotiate", "arms_reduction"}
    assert {d.id for d in sc.disputes} == {"donbas", "alignment"}
    ru = sc.actors[sc.actor_index("RU")]
    assert ru.policy.name == "brinkmanship"
    assert ru.cohesion_bias.mean() < 0, "Russia assumed the West divided"
    # The information war and the talks open on 30 January 2022 are the world
    # as it was, in every package (model-spec V2.1: a channel is not a policy).
    assert {iv.type for iv in sc.baseline} == {
        "information_campaign",
        "negotiate",
        "monitoring_mission",
    }


def test_ukraine_2022_arsenals_and_nuclear_status_match_the_reference_data():
    facts = list(csv.DictReader((DATA / "ukraine-2022-facts.csv").open()))
    names = {
        "Russia": "RU",
        "Ukraine": "UA",
        "United States": "US",
        "Germany": "DE",
        "France": "FR",
        "United Kingdom": "UK",
    }
    sc = load_scenario("ukraine-2022")
    by_id = {a.id: a for a in sc.actors}
    spending = {
        names[r["actor"]]: float(r["value"])
        for r in facts
        if r["quantity"] == "military_expenditure"
    }
    assert spending.keys() == by_id.keys()
    for aid, value in spending.items():
        assert by_id[aid].arsenal.mean() == pytest.approx(value)
        assert "SIPRI" in by_id[aid].arsenal.source
    armed = {
        names[r["actor"]]
        for r in facts
        if r["quantity"] == "nuclear_warheads" and float(r["value"]) > 0
    }
    assert {a for a, actor in by_id.items() if actor.nuclear} == armed
    near = [
        r for r in facts if r["quantity"] == "forces_near_ukraine" and r["as_of"] == "2022-01-30"
    ]
    assert by_id["RU"].deployed.support()[0] == pytest.approx(float(near[0]["value"]) / 1000)


def test_every_reference_data_row_records_how_it_was_checked():
    facts = list(csv.DictReader((DATA / "ukraine-2022-facts.csv").open()))
    assert all(r["status"] and "recalled" not in r["status"] for r in facts)
