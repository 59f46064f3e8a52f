"""The FastAPI app: pick or upload a scenario, edit it, run it, see and download results.

The JSON API lives under ``/api`` (OpenAPI document at ``/openapi.json``).
Every asset is served from this package; nothing is loaded from a network.
Uploaded YAML is parsed with a safe loader and validated; it is never
executed. Downloads are chosen from a fixed list by name, never by path.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

import pyarrow.parquet as pq
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from detente import __version__
from detente.scenario.loading import (
    MAX_BYTES,
    ScenarioError,
    builtin_names,
    load_scenario,
    parse_scenario,
    parse_yaml_text,
    set_path,
)
from detente.scenario.schema import Scenario
from detente.scenario.shipped import builtin_text
from detente.web.columns import results_columns
from detente.web.guard import Guard
from detente.web.jobs import Job, JobQueue, QueueFull, work

__all__ = ["create_app"]

MAX_BODY = 2 * 1024 * 1024  # bytes per request
MAX_RUNS = 50_000
# Actor-run-steps a job may ask for (runs x steps x actors x packages): the
# default page (1,000 runs of ukraine-2022) is ~4 million; 50,000 runs of it
# are ~190 million, near the ceiling.
MAX_WORK = 200_000_000
MAX_OVERRIDES = 500

Finite = Annotated[float, Field(allow_inf_nan=False)]


class ValidateRequest(BaseModel):
    yaml: str = Field(default="", max_length=MAX_BYTES)
    name: str | None = Field(
        default=None, max_length=200, description="a built-in scenario, instead of yaml"
    )
    overrides: dict[Annotated[str, Field(max_length=200)], Finite] = Field(
        default_factory=dict, max_length=MAX_OVERRIDES
    )


class RunRequest(ValidateRequest):
    runs: int = Field(default=1000, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    packages: list[str] | None = None


class Download(StrEnum):
    parquet = "parquet"
    csv = "csv"
    json = "json"
    scenario = "scenario"


def _parse(text: str, overrides: dict[str, float], name: str | None = None) -> Scenario:
    """YAML text, or a built-in scenario by name, (and form overrides) to a Scenario,
    or a field error."""
    if name is not None:
        if name not in builtin_names():
            raise ScenarioError(
                "request", "name", f"expected a built-in scenario ({', '.join(builtin_names())})"
            )
        text = builtin_text(name)
    data = parse_yaml_text(text, "uploaded scenario")
    if not isinstance(data, dict):
        raise ScenarioError("uploaded scenario", "", "expected a YAML mapping of scenario fields")
    for path, value in overrides.items():
        set_path(data, path, value, "form")
    return parse_scenario(data, file=f"{name}.yaml (built-in)" if name else "uploaded scenario")


def _form_fields(sc: Scenario) -> list[dict[str, Any]]:
    """The key parameters a form may edit: each intervention's timing and numbers."""
    fields = [
        {
            "path": "settings.steps",
            "label": "steps (weeks)",
            "value": sc.settings.steps,
            "integer": True,
        }
    ]
    for name, items in sc.packages.items():
        for i, iv in enumerate(items):
            base = f"packages.{name}[{i}]"
            fields.append(
                {
                    "path": f"{base}.start",
                    "label": f"{name}: {iv.type} start",
                    "value": iv.start,
                    "integer": True,
                }
            )
            if iv.end is not None:
                fields.append(
                    {
                        "path": f"{base}.end",
                        "label": f"{name}: {iv.type} end",
                        "value": iv.end,
                        "integer": True,
                    }
                )
            for key, value in iv.params.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    fields.append(
                        {
                            "path": f"{base}.{key}",
                            "label": f"{name}: {iv.type} {key}",
                            "value": value,
                            "integer": isinstance(value, int),
                        }
                    )
    return fields


def _error(e: ScenarioError, status: int = 422) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={
            "ok": False,
            "path": e.path or "(top level)",
            "message": e.expected,
            "text": str(e),
        },
    )


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula:
    text starting with = + - @ (or a tab or carriage return) gets a leading
    apostrophe (OWASP, "CSV Injection"). Numbers are left as numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _attachment(name: str, ext: str) -> dict[str, str]:
    """A Content-Disposition header for any scenario name: an ASCII fallback
    (controls, quotes and non-ASCII replaced) and the UTF-8 name (RFC 6266,
    RFC 5987), so "Украина-2022" downloads as itself and CR/LF cannot split
    the header."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:150] or "detente"
    utf8 = quote(f"{name}.{ext}", safe="")
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}.{ext}\"; filename*=UTF-8''{utf8}"
    }


@lru_cache(maxsize=1)
def _builtin_list() -> list[dict[str, str]]:
    return [{"name": n, "title": load_scenario(n).title} for n in builtin_names()]


@lru_cache(maxsize=1)
def _bundle() -> str:
    from detente.report.html import vega_bundle

    return vega_bundle()


def _static(name: str) -> str:
    return (resources.files("detente.web") / "static" / name).read_text(encoding="utf-8")


def create_app(
    concurrency: int = 1,
    timeout: float = 600.0,
    allowed_hosts: list[str] | None = None,
    max_pending: int = 8,
    max_work: int = MAX_WORK,
) -> FastAPI:
    """The app. ``allowed_hosts`` adds names (besides loopback) the server
    answers to; ``max_pending`` bounds the jobs waiting or running;
    ``max_work`` bounds one job's actor-run-steps."""
    queue = JobQueue(concurrency=concurrency, timeout=timeout, max_pending=max_pending)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        queue.close()  # end running jobs, remove every job folder

    app = FastAPI(
        title="detente",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        description="Run crisis scenarios and compare policy packages. Results are "
        "conditional on the scenario's assumptions.",
    )
    app.state.queue = queue
    app.add_middleware(Guard, max_body=MAX_BODY, hosts=allowed_hosts or [])
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    _add_pages(app)
    _add_scenarios(app)
    _add_runs(app, queue, max_work)
    return app


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request that fails validation: the field and the reason, never the input
    (a request body is not echoed back: it may be large, or crafted to be shown)."""
    first = exc.errors()[0] if exc.errors() else {}
    loc = ".".join(str(x) for x in first.get("loc", ())[1:]) or "(top level)"
    msg = str(first.get("msg", "invalid request"))[:200]
    return JSONResponse(
        status_code=422,
        content={"ok": False, "path": loc, "message": msg, "text": f"request: {loc}: {msg}"},
    )


def _add_pages(app: FastAPI) -> None:
    """The page and its assets, all from this package."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return _static("index.html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/app.js", include_in_schema=False)
    def app_js() -> Response:
        return Response(_static("app.js"), media_type="text/javascript")

    @app.get("/static/vega.js", include_in_schema=False)
    def vega_js() -> Response:
        return Response(_bundle(), media_type="text/javascript")


def _add_scenarios(app: FastAPI) -> None:
    """The built-in scenarios, and the check of an edited or uploaded one."""

    @app.get("/api/scenarios")
    def scenarios() -> list[dict[str, str]]:
        """The built-in scenarios."""
        return _builtin_list()

    @app.get("/api/scenarios/{name}")
    def scenario(name: str) -> dict[str, str]:
        """A built-in scenario's YAML text."""
        if name not in builtin_names():
            raise HTTPException(404, f"expected one of {', '.join(builtin_names())}")
        return {"name": name, "yaml": builtin_text(name)}

    @app.post("/api/validate")
    def validate(req: ValidateRequest):  # no return type: it would become the response model
        """Check a scenario; on success return its summary and the editable form fields."""
        try:
            sc = _parse(req.yaml, req.overrides, req.name)
        except ScenarioError as e:
            return _error(e)
        return {
            "ok": True,
            "name": sc.name,
            "title": sc.title,
            "packages": list(sc.packages),
            "actors": sc.actor_ids,
            "fields": _form_fields(sc),
        }


def _refused(sc: Scenario, req: RunRequest, max_work: int) -> ScenarioError | None:
    """Why a run request is refused before it is queued, or None."""
    unknown = [p for p in req.packages or [] if p not in sc.packages]
    if unknown:
        return ScenarioError(
            "request", "packages", f"expected packages of the scenario, got {unknown}"
        )
    need = work(sc, req.runs, req.packages)
    if need > max_work:
        return ScenarioError(
            "request",
            "runs",
            f"expected runs x steps x actors x packages at most {max_work:,}, got "
            f"{need:,}; ask for fewer runs or steps, or run it with detente run",
        )
    return None


def _add_runs(app: FastAPI, queue: JobQueue, max_work: int) -> None:
    """Jobs: queue one, follow it, download its results."""

    @app.post("/api/runs", status_code=202)
    def start_run(req: RunRequest):  # no return type: it would become the response model
        """Queue an ensemble; poll ``/api/runs/{id}`` for progress and results."""
        try:
            sc = _parse(req.yaml, req.overrides, req.name)
        except ScenarioError as e:
            return _error(e)
        refused = _refused(sc, req, max_work)
        if refused is not None:
            return _error(refused)
        try:
            return queue.submit(sc, req.runs, req.seed, req.packages).as_dict()
        except QueueFull as e:
            return JSONResponse(status_code=429, content={"ok": False, "message": str(e)})

    def _job(job_id: str) -> Job:
        job = queue.get(job_id)
        if job is None:
            raise HTTPException(404, "expected the id of a job on this server")
        return job

    @app.get("/api/runs/{job_id}")
    def run_status(job_id: str) -> dict[str, Any]:
        """Status and progress; with the summary and figures once done."""
        job = _job(job_id)
        out = job.as_dict()
        if job.status == "done":
            from detente.report.html import figure_specs

            specs, ctx = figure_specs(job.folder)
            out["summary"] = ctx["summary"]
            out["figures"] = specs
            out["note"] = ctx["summary"]["note"]
        return out

    @app.get("/api/runs/{job_id}/download/{kind}")
    def download(job_id: str, kind: Download) -> Response:
        """The results as Parquet, CSV or JSON, or the scenario as YAML."""
        job = _job(job_id)
        if job.status != "done":
            raise HTTPException(409, "expected a finished job")
        return _download(job, kind)

    @app.get("/api/version")
    def version() -> dict[str, str]:
        return {"version": __version__}

    @app.get("/api/columns")
    def columns() -> list[dict[str, str]]:
        """The results table's columns: summary key, label with its unit, format."""
        return results_columns()


def _download(job: Job, kind: Download) -> Response:
    """A finished job's file of the kind asked for, as an attachment."""
    name = f"{job.scenario.name}-{job.id[:8]}"
    if kind is Download.parquet:
        data = (job.folder / "runs.parquet").read_bytes()
        return Response(
            data,
            media_type="application/vnd.apache.parquet",
            headers=_attachment(name, "parquet"),
        )
    if kind is Download.csv:
        table = pq.read_table(job.folder / "runs.parquet")
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([_cell(c) for c in table.column_names])
        for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
            writer.writerow([_cell(v) for v in row])
        return Response(buf.getvalue(), media_type="text/csv", headers=_attachment(name, "csv"))
    if kind is Download.json:
        return Response(
            (job.folder / "summary.json").read_text(),
            media_type="application/json",
            headers=_attachment(name, "json"),
        )
    return Response(
        (job.folder / "scenario.yaml").read_text(),
        media_type="application/yaml",
        headers=_attachment(name, "yaml"),
    )
