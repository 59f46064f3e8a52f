"""Make the screenshots in docs/web.md and docs/report.md (needs /usr/bin/chromium).

Usage: python docs/screenshots.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from detente.web.app import create_app

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMG = Path(__file__).parent / "img"


def main() -> None:
    IMG.mkdir(exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "detente.cli",
                "run",
                "--runs",
                "2000",
                "--out",
                tmp,
                "--report",
            ],
            check=True,
            capture_output=True,
        )
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{port}")
        # A selector, not wait_for_function: the app's CSP (no eval) forbids the latter.
        page.wait_for_selector("#fields input")
        page.fill("#runs", "500")
        page.click("#run")
        page.wait_for_selector("#fig-escalation svg", timeout=300_000)
        page.screenshot(path=IMG / "web-desktop.png")
        phone = b.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"http://127.0.0.1:{port}")
        phone.wait_for_selector("#fields input")
        phone.screenshot(path=IMG / "web-phone.png")
        ctx = b.new_context(offline=True, viewport={"width": 1100, "height": 1400})
        rep = ctx.new_page()
        rep.goto((Path(tmp) / "report.html").as_uri())
        rep.wait_for_selector("#fig-escalation svg")
        rep.locator("#fig-escalation").scroll_into_view_if_needed()
        rep.screenshot(path=IMG / "report.png", full_page=False)
        rep.locator("#fig-escalation").screenshot(path=IMG / "report-escalation.png")
        b.close()
    srv.should_exit = True


if __name__ == "__main__":
    main()
