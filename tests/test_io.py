"""The guarded reader (detente.io) and that every reader in the package uses it.

Each test names the wrong code it catches: a reader that opens a FIFO
blocking (the test would hang: it is run with a short timeout by the
catalogue instead), that reads a whole file for its schema, or a module that
opens a user-named file itself.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detente.io import InputError, parquet_columns, read_bytes, read_json, read_parquet

SRC = Path(__file__).resolve().parent.parent / "src" / "detente"

# Where a file may be opened without detente.io, and why.
ALLOWED = {
    "io/files.py": "the guarded reader itself",
    "web/app.py": "its own job folders (a private temporary folder) and package files",
    "web/jobs.py": "a job's own error file in that private folder",
    "validation/reproduce.py": "CSVs shipped inside the package",
}
FILE_CALLS = {"read_text", "read_bytes", "read_table", "read_schema", "ParquetFile", "load"}


def _opens(tree: ast.AST) -> list[str]:
    """Calls that open a file: open(), x.open(), Path reads, pyarrow/pandas/numpy readers."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        text = ast.unparse(f)
        if "resources.files" in text:  # a file inside the installed package
            continue
        if isinstance(f, ast.Name) and f.id == "open":
            found.append(f"{node.lineno}: {text}")
        elif isinstance(f, ast.Attribute):
            owner = ast.unparse(f.value)
            # os.open with O_CREAT makes a file to write (the sweep's lock)
            writes = owner == "os" and "O_CREAT" in ast.unparse(node)
            reads = (
                (f.attr == "open" and not writes)
                or f.attr in ("read_text", "read_bytes")
                or (f.attr in FILE_CALLS and owner in ("pq", "pd", "np", "json", "pickle"))
                or (f.attr.startswith("read_") and owner in ("pd", "pq"))
            )
            if reads:
                found.append(f"{node.lineno}: {text}")
    return found


def test_every_file_detente_reads_goes_through_the_guarded_reader():
    """Fails if a module reads a file by itself (``json.loads(p.read_text())``,
    ``pq.read_table(path)``, ``open(path)``): a FIFO there hangs the command."""
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in ALLOWED:
            continue
        calls = _opens(ast.parse(path.read_text(), str(path)))
        if calls:
            offenders[rel] = calls
    assert not offenders, offenders


def test_the_scan_finds_a_reader_that_opens_its_own_file():
    code = (
        "import json, pyarrow.parquet as pq\n"
        "a = json.loads(folder.read_text())\n"
        "b = pq.read_table(folder / 'runs.parquet')\n"
        "with open(p) as fh: pass\n"
        "c = pq.read_schema(p)\n"
    )
    assert len(_opens(ast.parse(code))) == 4


@pytest.mark.parametrize("reader", [read_json, read_parquet, parquet_columns, read_bytes])
def test_a_fifo_a_device_or_a_folder_is_refused_before_a_byte_is_read(reader, tmp_path):
    fifo, dev, folder = tmp_path / "a.fifo", tmp_path / "zero", tmp_path / "dir"
    os.mkfifo(fifo)  # opened blocking, this would wait for a writer forever
    dev.symlink_to("/dev/zero")  # read whole, this would fill memory
    folder.mkdir()
    for path, words in ((fifo, "FIFO"), (dev, "a device"), (folder, "a directory")):
        with pytest.raises(InputError, match=words) as e:
            reader(path, "results")
        assert str(e.value).startswith(f"{path}: (top level): ")


def test_parquet_columns_reads_the_footer_only(tmp_path):
    path = tmp_path / "runs.parquet"
    pq.write_table(pa.table({"package": ["a"] * 1000, "deaths": list(range(1000))}), path)
    assert parquet_columns(path, "runs") == ["package", "deaths"]
    # Truncated past the footer: refused, one line, naming the file.
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(InputError, match="complete Parquet") as e:
        parquet_columns(path, "runs")
    assert "\n" not in str(e.value)


def test_read_json_names_the_file_and_refuses_huge_integers(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"runs": ' + "9" * 5000 + "}")
    with pytest.raises(InputError, match="JSON run summary"):
        read_json(path, "run summary")
    path.write_text('{"runs": 5}')
    assert read_json(path, "run summary") == {"runs": 5}
    with pytest.raises(InputError, match="expected a run summary file under"):
        read_json(path, "run summary", limit=2)  # the size limit is the caller's
