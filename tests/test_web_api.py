"""The web API takes a built-in scenario by name as well as YAML text (issue 19)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from detente.web.app import create_app


@pytest.fixture()
def client():
    return TestClient(create_app(concurrency=1), base_url="http://127.0.0.1")


def test_a_built_in_scenario_validates_by_name(client):
    r = client.post("/api/validate", json={"name": "two-state-textbook"})
    assert r.status_code == 200, r.text
    assert r.json()["ok"]


def test_an_unknown_name_is_one_field_error_naming_the_choices(client):
    r = client.post("/api/validate", json={"name": "atlantis"})
    body = r.json()
    assert not body["ok"]
    assert "two-state-textbook" in body["message"] and body["path"] == "name"
