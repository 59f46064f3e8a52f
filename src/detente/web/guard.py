"""The web app's front door: host and origin checks, a body limit enforced
while reading, and security headers on every response.

- **Host** (DNS rebinding): a page on another site can point its own name at
  127.0.0.1 and then talk to this server as same-origin. Only loopback names
  (and those given with ``--allow-host``) are answered; anything else gets
  421 (RFC 9110, "Misdirected Request").
- **Origin** (cross-site requests): a request that changes state (anything
  but GET, HEAD, OPTIONS) that carries an ``Origin`` header must come from
  an allowed host; ``Sec-Fetch-Site: cross-site`` is refused too.
- **Body**: at most ``max_body`` bytes, counted as they arrive (a chunked
  upload has no ``Content-Length``); the rest is never read.
- **Headers**: a Content-Security-Policy that allows scripts only from this
  server, no framing, no sniffing, no referrer.

OWASP Cheat Sheet Series, "Cross-Site Request Forgery Prevention" and
"HTTP Headers"; the fetch metadata headers are the W3C's Fetch Metadata
Request Headers.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CSP", "Guard"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Vega evaluates its expressions with its interpreter (the page passes
# vega.expressionInterpreter), so no script needs eval. Styles may be inline:
# Vega-Embed injects its own, and a style cannot run code.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def host_name(value: str) -> str:
    """The name in a Host header or an origin's authority, without the port."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware: the checks above, before the app sees a request."""

    def __init__(self, app: Any, max_body: int, hosts: list[str]) -> None:
        self.app = app
        self.max_body = max_body
        self.hosts = LOOPBACK | {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        problem = self._refuse(scope["method"], headers)
        if problem:
            await _reply(send_with_headers, *problem)
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_headers)
            return
        body = await self._read(receive, headers)
        if body is None:
            await _reply(
                send_with_headers, 413, f"expected a request body under {self.max_body} bytes"
            )
            return
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()  # a disconnect, when the app waits for one
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send_with_headers)

    def _refuse(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        if host_name(headers.get("host", "")) not in self.hosts:
            return 421, "expected a request to this server by a loopback name (see --allow-host)"
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or (parts.hostname or "") not in self.hosts:
                return 403, "expected a request from this server's own page"
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "expected a request from this server's own page"
        return None

    async def _read(self, receive, headers: dict[str, str]) -> bytes | None:
        """The body, or None as soon as it passes the limit (the rest unread)."""
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return None
        parts: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(parts)
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"ok": False, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
