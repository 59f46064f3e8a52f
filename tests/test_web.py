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


def test_the_results_table_labels_come_from_the_outcome_declarations(client):
    # The page's table shows these labels (app.js): a label written by hand in
    # the page, or a unit that is not the declared one, fails here.
    from detente.outcomes import OUTCOMES

    cols = {c["key"]: c for c in client.get("/api/columns").json()}
    deaths = next(o for o in OUTCOMES if o.name == "deaths")
    assert cols["deaths_mean"]["label"] == f"Deaths, mean ({deaths.unit})"
    assert cols["p_nuclear"]["label"] == "P(nuclear use)"
    assert cols["p_war_ci"]["kind"] == "interval" and cols["deaths_mean"]["kind"] == "count"
    assert next(iter(cols)) == "name" and "delta_p_war_ci" in cols


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


# Security: hosts, origins, bodies, headers, bounds (issue 18) ----------------------


def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/static/app.js", "/api/scenarios", "/api/nope"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_a_rebound_host_name_is_refused(client):
    # DNS rebinding: evil.example resolved to 127.0.0.1 still says its own name.
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
        r = client.get("/api/scenarios", headers={"host": host})
        assert r.status_code == 421, host
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert client.get("/api/scenarios", headers={"host": host}).status_code == 200
    named = TestClient(create_app(allowed_hosts=["lab.internal"]), base_url="http://lab.internal")
    assert named.get("/api/scenarios").status_code == 200


def test_a_state_changing_request_from_another_origin_is_refused(client):
    y = textbook_yaml(client)
    for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
        r = client.post("/api/runs", json={"yaml": y, "runs": 5}, headers={"origin": origin})
        assert r.status_code == 403, origin
    r = client.post("/api/validate", json={"yaml": y}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    ok = client.post("/api/validate", json={"yaml": y}, headers={"origin": "http://127.0.0.1:8000"})
    assert ok.status_code == 200


def test_a_chunked_body_past_the_limit_is_refused_while_reading_and_never_echoed(client):
    import asyncio

    app = create_app()
    piece = b'{"yaml": "' + b"x" * (256 * 1024)
    pulled, replies = 0, []

    async def receive():  # a chunked upload of 60 MB, no Content-Length
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": piece, "more_body": pulled < 240}

    async def send(message):
        replies.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/validate",
        "raw_path": b"/api/validate",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    assert replies[0]["status"] == 413
    assert pulled * len(piece) < 3 * 1024 * 1024, "the body was read past the limit"
    assert b"xxxx" not in b"".join(m.get("body", b"") for m in replies)
    r = client.post("/api/runs", json={"yaml": "x" * 1000, "runs": "lots"})
    assert r.status_code == 422 and "xxxxxxxxxx" not in r.text


def test_overrides_must_be_finite(client):
    y = textbook_yaml(client)
    for raw in (
        '{"yaml": %s, "overrides": {"packages.withdrawal[0].start": Infinity}}',
        '{"yaml": %s, "overrides": {"packages.withdrawal[0].start": 1e400}}',
        '{"yaml": %s, "overrides": {"packages.withdrawal[0].start": NaN}}',
    ):
        import json

        r = client.post(
            "/api/validate",
            content=raw % json.dumps(y),
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 422, raw
    r = client.post(
        "/api/validate", json={"yaml": y, "overrides": {"packages.withdrawal[0].start": 1e300}}
    )
    assert r.status_code == 422 and "magnitude" in r.json()["message"]


def test_the_work_of_a_job_is_bounded(client):
    y = textbook_yaml(client).replace("steps: 52", "steps: 100000")
    assert "steps: 100000" in y
    r = client.post("/api/runs", json={"yaml": y, "runs": 50000})
    assert r.status_code == 422 and r.json()["path"] == "runs"
    assert "at most" in r.json()["message"]


def test_the_queue_is_bounded_and_a_job_past_its_time_is_ended(tmp_path):
    app = create_app(timeout=3, max_pending=2)
    c = TestClient(app, base_url="http://127.0.0.1")
    y = textbook_yaml(c)
    ids = []
    for _ in range(2):
        r = c.post("/api/runs", json={"yaml": y, "runs": 50000})
        assert r.status_code == 202
        ids.append(r.json()["id"])
    assert c.post("/api/runs", json={"yaml": y, "runs": 10}).status_code == 429
    start = time.time()
    job = wait_done(c, ids[0], limit=60)
    assert job["status"] == "failed" and "limit of 3 s" in job["error"]
    assert time.time() - start < 30
    queue = app.state.queue
    root = queue.root
    assert root.exists()
    queue.close()
    assert not root.exists() and not queue.procs


def test_csv_downloads_are_not_formulas_and_any_name_downloads(client):
    y = textbook_yaml(client)
    import re

    name = re.search(r"^name: (.*)$", y, re.M).group(1)
    crlf = y.replace(f"name: {name}", 'name: "a\\r\\nX-Evil: 1"', 1)
    r = client.post("/api/validate", json={"yaml": crlf})
    assert r.status_code == 422 and r.json()["path"] == "name"
    y = y.replace(f"name: {name}", "name: Украина-2022", 1)
    y = y.replace("withdrawal:", '"=HYPERLINK(1)":', 1)
    r = client.post("/api/runs", json={"yaml": y, "runs": 20})
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert job["status"] == "done", job
    d = client.get(f"/api/runs/{job['id']}/download/csv")
    assert d.status_code == 200
    cd = d.headers["content-disposition"]
    assert "\r" not in cd and "\n" not in cd
    assert "filename*=UTF-8''%D0%A3%D0%BA%D1%80" in cd
    cells = [line.split(",")[0] for line in d.text.splitlines()[1:]]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells


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


def wait_until(condition, limit: float = 60.0) -> None:
    """Poll from Python: the page's CSP (no eval) forbids wait_for_function."""
    deadline = time.time() + limit
    while not condition():
        if time.time() > deadline:
            raise AssertionError("the page did not reach the expected state")
        time.sleep(0.1)


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
    wait_until(lambda: "ukraine-2022" in page.input_value("#yaml"))
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
    wait_until(lambda: page.get_attribute("body", "data-validated") is not None)
    page.set_input_files("#upload", str(bad))
    wait_until(lambda: page.inner_text("#yaml-error"))
    text = page.inner_text("#yaml-error")
    assert "actors[0].forces" in text and "expected" in text
    page.close()


@needs_browser
def test_in_a_browser_names_with_html_are_shown_as_text(server, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server)
    wait_until(lambda: page.get_attribute("body", "data-validated") is not None)
    y = page.input_value("#yaml")
    evil = '"<img src=x onerror=window.pwned=1>"'
    y = y.replace("withdrawal:", f"{evil}:", 1)
    page.fill("#yaml", y)
    page.dispatch_event("#yaml", "change")
    wait_until(lambda: page.locator("#fields label").count() > 0)
    page.fill("#runs", "30")
    page.click("#run")
    page.wait_for_selector("#summary tbody tr", timeout=120_000)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#summary img, #fields img").count() == 0
    assert "<img src=x" in page.inner_text("#summary")
    assert page.locator("#summary th").first.inner_text() == "Package"
    assert "Deaths, mean (people)" in page.inner_text("#summary thead")
    page.wait_for_selector("#fig-escalation svg", timeout=60_000)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()


@needs_browser
def test_the_page_fits_a_phone_sized_screen(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server)
    wait_until(lambda: page.input_value("#yaml"))
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
