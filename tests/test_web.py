"""The web app: the JSON API (httpx), and the page in a real browser (Playwright
driving Debian's chromium at /usr/bin/chromium, as CI installs it)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from detente.cli import app as cli  # noqa: E402
from detente.web.app import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BAD_YAML = "name: bad\nactors:\n  - id: A\n    forces: -5\n"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(), base_url="http://127.0.0.1")


def textbook_yaml(client) -> str:
    return client.get("/api/scenarios/two-state-textbook").json()["yaml"]


def wait_done(client, job_id: str, limit: float = 120.0) -> dict:
    deadline = time.time() + limit
    while time.time() < deadline:
        job = client.get(f"/api/runs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


# API -----------------------------------------------------------------------------


def test_the_api_lists_and_serves_the_built_in_scenarios(client):
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert {"ukraine-2022", "two-state-textbook"} <= set(names)
    assert "actors:" in textbook_yaml(client)
    assert client.get("/api/scenarios/../../etc/passwd").status_code == 404
    assert client.get("/api/scenarios/nope").status_code == 404


def test_validation_returns_the_field_path_of_an_error(client):
    r = client.post("/api/validate", json={"yaml": BAD_YAML})
    assert r.status_code == 422
    assert r.json()["path"] == "actors[0].forces"
    ok = client.post("/api/validate", json={"yaml": textbook_yaml(client)}).json()
    assert ok["ok"] and any(f["path"].endswith(".start") for f in ok["fields"])


def test_uploaded_yaml_is_never_executed(client):
    evil = "name: !!python/object/apply:os.system ['touch /tmp/detente-pwned']\n"
    r = client.post("/api/validate", json={"yaml": evil})
    assert r.status_code == 422 and not Path("/tmp/detente-pwned").exists()


def test_a_run_reports_progress_then_figures_and_downloads(client):
    r = client.post("/api/runs", json={"yaml": textbook_yaml(client), "runs": 150, "seed": 2})
    assert r.status_code == 202
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    assert {"probabilities", "escalation", "survival", "distributions"} <= set(job["figures"])
    assert "conditional" in job["note"]
    jid = job["id"]
    assert client.get(f"/api/runs/{jid}/download/parquet").content[:4] == b"PAR1"
    assert client.get(f"/api/runs/{jid}/download/csv").text.startswith("package,run,war")
    assert client.get(f"/api/runs/{jid}/download/json").json()["runs"] == 150
    assert "actors:" in client.get(f"/api/runs/{jid}/download/scenario").text
    assert client.get(f"/api/runs/{jid}/download/..%2f..%2fetc%2fpasswd").status_code in (404, 422)
    assert client.get(f"/api/runs/{jid}/download/passwd").status_code == 422


def test_form_overrides_change_the_intervention_timing(client):
    y = textbook_yaml(client)
    r = client.post(
        "/api/validate", json={"yaml": y, "overrides": {"packages.withdrawal[0].start": 60}}
    )
    assert r.status_code == 422 and "packages.withdrawal" in r.json()["path"]
    ok = client.post(
        "/api/validate", json={"yaml": y, "overrides": {"packages.withdrawal[0].start": 10}}
    )
    assert ok.status_code == 200


def test_limits_on_runs_and_body_size(client):
    y = textbook_yaml(client)
    assert client.post("/api/runs", json={"yaml": y, "runs": 10**7}).status_code == 422
    big = "x" * (3 * 1024 * 1024)
    assert (
        client.post(
            "/api/validate", content=big, headers={"content-type": "application/json"}
        ).status_code
        == 413
    )


def test_the_openapi_document_is_served_and_nothing_comes_from_a_cdn(client):
    spec = client.get("/openapi.json").json()
    assert "/api/runs" in spec["paths"]
    page = client.get("/").text
    assert "http://" not in page and "https://" not in page
    assert client.get("/docs").status_code == 404


# A real browser ------------------------------------------------------------------

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def server():
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def not_blank(png: bytes) -> bool:
    from io import BytesIO

    from PIL import Image

    img = Image.open(BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    return colours is not None and len(colours) > 50


@needs_browser
def test_in_a_browser_the_default_scenario_runs_and_its_figures_render(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server)
    page.wait_for_function("document.getElementById('yaml').value.includes('ukraine-2022')")
    page.fill("#runs", "60")
    page.click("#run")
    page.wait_for_selector("#fig-escalation svg", timeout=120_000)
    page.wait_for_selector("#fig-probabilities svg")
    assert page.locator("#summary tbody tr").count() == 6
    fig = page.locator("#fig-escalation").screenshot()
    assert not_blank(fig)
    (tmp_path / "page.png").write_bytes(page.screenshot(full_page=True))
    assert page.locator("#downloads a").count() == 4
    page.close()


@needs_browser
def test_in_a_browser_an_uploaded_malformed_scenario_shows_the_field_error(
    server, browser, tmp_path
):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    page = browser.new_page()
    page.goto(server)
    page.wait_for_function("document.body.dataset.validated !== undefined")
    page.set_input_files("#upload", str(bad))
    page.wait_for_function("document.getElementById('yaml-error').textContent.length > 0")
    text = page.inner_text("#yaml-error")
    assert "actors[0].forces" in text and "expected" in text
    page.close()


@needs_browser
def test_the_page_fits_a_phone_sized_screen(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server)
    page.wait_for_function("document.getElementById('yaml').value.length > 0")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert page.locator("#run").is_visible()
    page.close()


@needs_browser
def test_the_report_opens_offline_and_shows_every_figure(browser, tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli,
        [
            "run",
            "two-state-textbook",
            "--runs",
            "200",
            "--out",
            str(out),
            "--report",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    context = browser.new_context(offline=True)
    requests: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            requests.append(route.request.url),
            route.continue_() if route.request.url.startswith("file:") else route.abort(),
        ),
    )
    page = context.new_page()
    page.goto((out / "report.html").as_uri())
    for name in ("probabilities", "difference", "escalation", "distributions", "survival"):
        page.wait_for_selector(f"#fig-{name} svg", timeout=30_000)
    assert all(u.startswith("file:") for u in requests)
    assert "conditional" in page.inner_text("#note")
    assert page.locator("table").count() >= 2  # the summary and the assumptions
    context.close()
