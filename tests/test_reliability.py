"""Reliability: fuzzed scenarios, crashes at random moments, a full disk, and the
web app under hostile and heavy use."""

from __future__ import annotations

import copy
import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import scenario_dict, sweep_rows
from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import ScenarioError, parse_scenario

# Nearly-valid scenarios ------------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


@st.composite
def nearly_valid(draw):
    data = scenario_dict(
        packages={
            "status-quo": [],
            "p": [
                {"type": "withdraw", "actor": "A", "fraction": 0.5, "start": 2},
                {"type": "negotiate", "start": 1},
            ],
        }
    )
    paths = list(_paths(data))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["junk", "delete", "scale", "rename"]))
        key = path[-1]
        try:
            if action == "junk":
                parent[key] = draw(JUNK)
            elif action == "delete":
                del parent[key]
            elif action == "scale" and isinstance(parent[key], int | float):
                parent[key] = parent[key] * draw(st.sampled_from([-1, 0, 10, 1e6, 1e15]))
            elif action == "rename" and isinstance(parent, dict):
                parent[str(key) + "_x"] = parent.pop(key)
        except (KeyError, IndexError, TypeError):
            continue
    return data


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(nearly_valid())
def test_a_nearly_valid_scenario_loads_cleanly_or_gives_a_scenario_error(data):
    try:
        sc = parse_scenario(copy.deepcopy(data), file="fuzzed.yaml")
    except ScenarioError as e:
        assert str(e).startswith("fuzzed.yaml: ")
        assert "\n" not in str(e)
        return
    for package in sc.packages:
        out, series = run_chunk(sc, compile_model(sc, package), 0, np.arange(20), record=True)
        for key, col in out.items():
            if not key.startswith("settlement."):
                assert not np.isnan(np.asarray(col, dtype=float)).any(), key
        assert (np.diff(series["deaths"], axis=1) >= -1e-9).all()


# Crashes ---------------------------------------------------------------------------

SPEC = {
    "name": "kills",
    "scenario": "two-state-textbook",
    "seed": 5,
    "runs": 10,
    "packages": ["status-quo", "withdrawal"],
    "uncertainties": {"actors.A.resolve": [0.2, 0.9], "ladder.4.hazard": [0.0, 0.01]},
    "design": {"method": "lhs", "samples": 60},
    "outcomes": ["war", "deaths", "displaced"],
    "chunk_seconds": 0.004,
}


def _sweep(spec: Path, out: Path, *extra: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detente.cli",
            "sweep",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "1",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )


def test_a_sweep_killed_at_twenty_random_moments_ends_complete_and_identical(tmp_path):
    spec = tmp_path / "kills.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    whole = tmp_path / "whole"
    assert _sweep(spec, whole).wait() == 0
    out = tmp_path / "killed"
    rng = random.Random(20)
    kills = 0
    for _attempt in range(60):
        proc = _sweep(spec, out, *(["--resume"] if (out / "manifest.json").exists() else []))
        time.sleep(rng.uniform(0.3, 1.8))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            # Whatever the moment, what is on disk is consistent.
            if (out / "manifest.json").exists():
                manifest = json.loads((out / "manifest.json").read_text())
                for i in manifest["complete"]:
                    assert pq.read_metadata(out / "chunks" / f"chunk-{i:06d}.parquet")
        if kills >= 20:
            break
        if proc.returncode == 0:
            break
    assert kills >= 20, f"only {kills} kills landed before the sweep finished"
    final = _sweep(spec, out, "--resume")
    assert final.wait() == 0, final.stderr.read()
    a, b = sweep_rows(whole), sweep_rows(out)
    assert not b.duplicated(["point", "package", "run"]).any()
    assert a.equals(b)


# The manifest is the truth (issue 18) ----------------------------------------------

ISHIGAMI = {
    "name": "ish",
    "model": "ishigami",
    "runs": 2,
    "uncertainties": {f"x{i}": [-3.14159, 3.14159] for i in (1, 2, 3)},
    "design": {"method": "lhs", "samples": 12},
    "chunk_seconds": 0.0001,
}


@pytest.fixture(scope="module")
def good_sweep(tmp_path_factory):
    from detente.run.spec import ExperimentSpec
    from detente.run.sweep import run_sweep

    root = tmp_path_factory.mktemp("good")
    res = run_sweep(ExperimentSpec.model_validate(ISHIGAMI), root, root / "out")
    assert res.chunks >= 4
    return root / "out"


DAMAGES = ["flip", "truncate", "append", "missing", "duplicate", "swap", "foreign"]


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_a_damaged_results_folder_is_refused_with_the_chunk_named(
    good_sweep, tmp_path_factory, data
):
    import shutil

    from detente.io.store import ResultsError, load

    folder = tmp_path_factory.mktemp("damaged") / "out"
    shutil.copytree(good_sweep, folder)
    chunks = sorted((folder / "chunks").glob("chunk-*.parquet"))
    how = data.draw(st.sampled_from(DAMAGES))
    i = data.draw(st.integers(0, len(chunks) - 1))
    j = data.draw(st.integers(0, len(chunks) - 1).filter(lambda k: k != i))
    target = chunks[i]
    raw = target.read_bytes()
    if how == "flip":
        at = data.draw(st.integers(0, len(raw) - 1))
        n = data.draw(st.integers(1, 8))
        flipped = bytes(b ^ 0xFF for b in raw[at : at + n])
        target.write_bytes(raw[:at] + flipped + raw[at + n :])
    elif how == "truncate":
        target.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
    elif how == "append":
        target.write_bytes(raw + data.draw(st.binary(min_size=1, max_size=64)))
    elif how == "missing":
        target.unlink()
    elif how == "duplicate":  # another chunk copied over this one
        target.write_bytes(chunks[j].read_bytes())
    elif how == "swap":
        other = chunks[j].read_bytes()
        chunks[j].write_bytes(raw)
        target.write_bytes(other)
        target = min(target, chunks[j])  # the first one read is named
    else:  # a chunk of another sweep (same shape, other numbers)
        import pyarrow as pa

        t = pq.read_table(target)
        y = pa.array(np.asarray(t.column("y")) + 1.0)
        pq.write_table(t.set_column(t.column_names.index("y"), "y", y), target)
    with pytest.raises(ResultsError) as err:
        load(folder)
    message = str(err.value)
    assert target.name in message, (how, message)
    assert len(message.splitlines()) == 1


def test_stray_copies_of_chunks_are_never_read(good_sweep, tmp_path):
    import shutil

    from detente.io.store import load

    folder = tmp_path / "out"
    shutil.copytree(good_sweep, folder)
    _, before, con = load(folder)
    con.close()
    first = folder / "chunks" / "chunk-000000.parquet"
    shutil.copy(first, folder / "chunks" / "chunk-000000 (copy).parquet")
    shutil.copy(first, folder / "chunks" / "chunk-000999.parquet")
    _, after, con = load(folder)
    n = con.execute("select count(*) from runs").fetchone()[0]
    con.close()
    assert n == 12 * 2
    assert all(np.array_equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(
    "name", ["out-o'brien", "x');COPY (select 42) TO 'pwned.csv';--", 'q"uote[1]*']
)
def test_folder_names_are_data_never_sql(name, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from detente.cli import app

    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "ish.yaml"
    spec.write_text(yaml.safe_dump(ISHIGAMI))
    out = tmp_path / name
    res = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["report", str(out), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert not list(tmp_path.rglob("pwned*")) and not Path("pwned.csv").exists()


def test_a_folder_duckdb_cannot_open_is_refused_before_the_sweep(tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    spec = tmp_path / "ish.yaml"
    spec.write_text(yaml.safe_dump(ISHIGAMI))
    out = tmp_path / "what?"
    res = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2 and "without '?'" in res.stderr and not out.exists()


def test_a_second_sweep_into_the_same_folder_is_refused_naming_the_holder(tmp_path):
    spec = tmp_path / "kills.yaml"
    spec.write_text(yaml.safe_dump({**SPEC, "design": {"method": "lhs", "samples": 200}}))
    out = tmp_path / "out"
    first = _sweep(spec, out)
    deadline = time.time() + 60
    while not (out / "manifest.json").exists() and time.time() < deadline:
        time.sleep(0.05)
    second = _sweep(spec, out, "--resume")
    assert second.wait(60) == 2
    message = second.stderr.read().decode()
    assert f"pid {first.pid}" in message and "is writing into this folder" in message
    first.send_signal(signal.SIGTERM)  # the holder ends cleanly: its lock goes with it
    assert first.wait(60) == 143


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_sweep_ends_the_workers_and_says_what_was_kept(sig, code, tmp_path):
    spec = tmp_path / "kills.yaml"
    spec.write_text(yaml.safe_dump({**SPEC, "design": {"method": "lhs", "samples": 60}}))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detente.cli",
            "sweep",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        m = out / "manifest.json"
        if m.exists() and json.loads(m.read_text())["complete"]:
            break
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "the sweep started no worker processes"
    proc.send_signal(sig)
    assert proc.wait(60) == code
    message = proc.stderr.read().decode()
    assert "chunks are saved" in message and "--resume" in message
    assert "Traceback" not in message
    time.sleep(1)
    alive = [
        w
        for w in workers
        if Path(f"/proc/{w}").exists()
        and "zombie" not in Path(f"/proc/{w}/status").read_text().lower()
    ]
    assert alive == [], "worker processes outlived the sweep"
    from detente.io.store import chunk_ok, read_manifest

    manifest = read_manifest(out)  # intact, and every chunk it lists is whole
    assert manifest["complete"]
    assert all(chunk_ok(out, manifest, i) is None for i in manifest["complete"])


def _fsize_limit(limit: int):
    def apply() -> None:  # a per-file size limit stands in for a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_writing_a_chunk_gives_a_clear_error_and_loses_nothing(tmp_path):
    spec = tmp_path / "full.yaml"
    spec.write_text(
        yaml.safe_dump(
            {**SPEC, "runs": 400, "chunk_seconds": 0.5, "design": {"method": "lhs", "samples": 3}}
        )
    )
    out = tmp_path / "out"
    proc = _sweep(spec, out, preexec_fn=_fsize_limit(4_000))
    assert proc.wait() == 2
    message = proc.stderr.read().decode()
    assert "expected room to write" in message and "Traceback" not in message
    assert "chunk-" in message
    manifest = json.loads((out / "manifest.json").read_text())  # intact, valid JSON
    assert manifest["complete"] == []
    assert pq.read_metadata(out / "design.parquet")
    assert not [p for p in out.rglob(".*tmp")], "no half-written file is left behind"
    assert _sweep(spec, out, "--resume").wait() == 0  # room again: it finishes
    assert len(sweep_rows(out)) == 3 * 2 * 400


def test_a_full_disk_at_the_catalogue_keeps_every_chunk(tmp_path):
    spec = tmp_path / "full.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    out = tmp_path / "out"
    proc = _sweep(spec, out, preexec_fn=_fsize_limit(12_000))
    assert proc.wait() == 2
    message = proc.stderr.read().decode()
    assert "results.duckdb" in message and "expected room" in message
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["complete"]) == len(manifest["chunks"])
    for i in manifest["complete"]:
        assert pq.read_metadata(out / "chunks" / f"chunk-{i:06d}.parquet")
    assert _sweep(spec, out, "--resume").wait() == 0


# The web app -----------------------------------------------------------------------


def test_the_server_binds_to_loopback_by_default():
    from typer.testing import CliRunner

    from detente.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"])
    assert "127.0.0.1" in result.output


def test_jobs_beyond_the_concurrency_limit_queue_and_a_slow_job_times_out():
    from fastapi.testclient import TestClient

    from detente.web.app import create_app

    client = TestClient(create_app(concurrency=1, timeout=0.5), base_url="http://127.0.0.1")
    text = client.get("/api/scenarios/ukraine-2022").json()["yaml"]
    first = client.post("/api/runs", json={"yaml": text, "runs": 3000}).json()
    second = client.post("/api/runs", json={"yaml": text, "runs": 50}).json()
    assert client.get(f"/api/runs/{second['id']}").json()["status"] == "queued"
    deadline = time.time() + 120
    while time.time() < deadline:
        a = client.get(f"/api/runs/{first['id']}").json()
        b = client.get(f"/api/runs/{second['id']}").json()
        if a["status"] in ("done", "failed") and b["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert a["status"] == "failed" and "limit" in a["error"]


def test_schemathesis_finds_no_server_error_in_the_api():
    schemathesis = pytest.importorskip("schemathesis")
    from detente.web.app import create_app

    app = create_app(allowed_hosts=["testserver", "localhost"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures = []
    examples = 0

    def check_operation(operation) -> None:
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            nonlocal examples
            examples += 1
            response = case.call()
            if response.status_code >= 500:
                failures.append((operation.label, response.status_code))

        check()

    for op in schema.get_all_operations():
        check_operation(op.ok())
    print(json.dumps({"schemathesis_examples": examples, "server_errors": len(failures)}))
    assert examples > 50 and failures == []


def test_a_bounded_load_on_loopback_is_served_without_errors(tmp_path):
    """200 requests from 8 concurrent clients, within 60 s; throughput and p95 reported."""
    import socket

    import httpx
    import uvicorn

    from detente.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    text = httpx.get(f"{base}/api/scenarios/two-state-textbook").text
    body = {"yaml": json.loads(text)["yaml"]}
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            for i in range(n):
                t0 = time.perf_counter()
                r = c.post("/api/validate", json=body) if i % 2 else c.get("/api/scenarios")
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors.append(r.status_code)

    start = time.perf_counter()
    workers = [threading.Thread(target=client, args=(25,)) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    wall = time.perf_counter() - start
    server.should_exit = True
    thread.join(10)
    assert len(latencies) == 200 and errors == []
    p95 = float(np.percentile(latencies, 95))
    report = {
        "requests": 200,
        "clients": 8,
        "seconds": round(wall, 2),
        "throughput_per_s": round(200 / wall, 1),
        "p95_ms": round(p95 * 1000, 1),
    }
    print(json.dumps(report))
    (Path(__file__).parent.parent / ".load-test.json").write_text(json.dumps(report))
    assert wall < 60


def test_the_battery_feeds_dieharder_the_generators_own_words():
    """benchmarks/rng_battery.py must test detente.random, not a copy of it:
    its words, reduced as uniform_keyed reduces them, are the same doubles."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from rng_battery import blocks

    from detente.random import purpose_key, uniform_keyed

    words = np.frombuffer(next(blocks("runs")), dtype=np.uint64)[:1000]
    key = np.array([purpose_key(0, "battery", 0)], dtype=np.uint64)
    u = uniform_keyed(key, np.arange(1000, dtype=np.int64))[0]
    mine = ((words >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53
    assert np.array_equal(u, mine)
    steps = np.frombuffer(next(blocks("steps")), dtype=np.uint64)[:16]
    keys = np.array([purpose_key(0, "battery", s) for s in range(2)], dtype=np.uint64)
    u2 = uniform_keyed(keys, np.arange(8, dtype=np.int64)).ravel()
    assert np.array_equal(u2, ((steps >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53)
