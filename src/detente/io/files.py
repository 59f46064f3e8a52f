"""Reading and writing files: one guarded reader for every file detente opens,
and atomic writes so that a crash never leaves a file half-written.

Every YAML, CSV, JSON and Parquet file a user can name goes through
:func:`read_bytes` (or the helpers built on it): it refuses directories,
FIFOs and devices before reading a byte (a FIFO or ``/dev/zero`` would hang
or fill memory), refuses files over a size limit before reading them and
never reads more than the limit even if the file grows meanwhile. Errors
are :class:`InputError`: one line naming the file, the field and what was
expected.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from detente.io.errors import InputError

__all__ = [
    "MAX_BYTES",
    "InputError",
    "new_file",
    "parquet_columns",
    "parse_json",
    "read_bytes",
    "read_csv",
    "read_json",
    "read_parquet",
    "read_text",
    "sha256_file",
    "write_atomic",
]

MAX_BYTES = 10 * 1024 * 1024  # a scenario, experiment, design or posterior file
MAX_PARQUET_BYTES = 4 * 1024**3  # a results chunk or design table
MAX_JSON_BYTES = 64 * 1024 * 1024  # a summary or manifest detente wrote


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_regular(name: str, what: str) -> tuple[int, os.stat_result]:
    """A descriptor of a regular file and its ``fstat``, or :class:`InputError`.

    Opened non-blocking (opening a FIFO never waits for a writer) and checked
    on the open descriptor (no race with a rename).
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise InputError(name, "", f"expected a readable {what} file ({e.strerror})") from None
    try:
        info = os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise InputError(name, "", f"expected a readable {what} file ({e.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(name, "", f"expected a regular {what} file, got {_kind(info.st_mode)}")
    return fd, info


def read_bytes(path: str | Path, what: str = "input", limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`InputError`.

    Directories, FIFOs and devices are refused before a byte is read (see
    :func:`_open_regular`); the size is checked before reading and never
    more than ``limit + 1`` bytes are read, even if the file grows meanwhile.
    """
    name = str(path)
    fd, info = _open_regular(name, what)
    try:
        if info.st_size > limit:
            raise InputError(
                name,
                "",
                f"expected a {what} file under {_size(limit)}, got {_size(info.st_size)}",
            )
        chunks, total = [], 0
        while total <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
        if total > limit:
            raise InputError(name, "", f"expected a {what} file under {_size(limit)}")
        return b"".join(chunks)
    except OSError as e:
        raise InputError(name, "", f"expected a readable {what} file ({e.strerror})") from None
    finally:
        os.close(fd)


def sha256_file(path: str | Path, what: str = "input", limit: int = 1 << 40) -> str:
    """SHA-256 of a regular file, read in blocks (never whole into memory)."""
    import hashlib

    name = str(path)
    fd, _ = _open_regular(name, what)
    try:
        digest, total = hashlib.sha256(), 0
        while block := os.read(fd, 1 << 20):
            digest.update(block)
            total += len(block)
            if total > limit:
                raise InputError(name, "", f"expected a {what} file under {_size(limit)}")
        return digest.hexdigest()
    except OSError as e:
        raise InputError(name, "", f"expected a readable {what} file ({e.strerror})") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n % 2**20 else f"{n // 2**20} MiB"


def read_text(path: str | Path, what: str = "input", limit: int = MAX_BYTES) -> str:
    """A UTF-8 text file through :func:`read_bytes`; a leading byte-order mark
    (Excel's "CSV UTF-8") is dropped."""
    raw = read_bytes(path, what, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            str(path),
            "",
            f"expected UTF-8 text, got a byte 0x{e.object[e.start]:02x} at offset {e.start}",
        ) from None
    return text.removeprefix("\ufeff")


def read_csv(
    path: str | Path, what: str = "CSV", limit: int = MAX_BYTES
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file, checked: a non-empty header of distinct,
    non-empty names, and every row as long as the header (named by its line)."""
    name = str(path)
    text = read_text(path, what, limit)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise InputError(name, "", f"expected a valid CSV file ({e})") from None
    table = [r for r in table if r]  # blank lines
    if not table:
        raise InputError(name, "", "expected a header and at least one row, got an empty file")
    header = [h.strip() for h in table[0]]
    for i, h in enumerate(header):
        if not h:
            raise InputError(name, f"column {i + 1}", "expected a column name, got an empty one")
        if h in header[:i]:
            raise InputError(name, h, "expected each column once, got it twice")
    if len(table) < 2:
        raise InputError(name, "", "expected a header and at least one row")
    for line, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise InputError(name, f"row {line}", f"expected {len(header)} values, got {len(row)}")
    return header, table[1:]


def read_parquet(
    path: str | Path,
    what: str = "Parquet",
    columns: list[str] | None = None,
    limit: int = MAX_PARQUET_BYTES,
):
    """A Parquet file as an Arrow table, refusing what is not a complete regular file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = read_bytes(path, what, limit)
    try:
        return pq.read_table(pa.BufferReader(data), columns=columns)
    except (OSError, pa.ArrowException) as e:
        raise InputError(str(path), "", f"expected a complete Parquet file ({e})") from None


def parquet_columns(path: str | Path, what: str = "Parquet") -> list[str]:
    """The column names of a Parquet file, read from its footer alone.

    The file is checked as :func:`read_bytes` checks it; only the footer is
    read, so a large results table costs nothing here.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = str(path)
    fd, _ = _open_regular(name, what)
    with os.fdopen(fd, "rb") as fh:
        try:
            return list(pq.read_schema(fh).names)
        except (OSError, pa.ArrowException) as e:
            raise InputError(name, "", f"expected a complete Parquet file ({e})") from None


def read_json(path: str | Path, what: str = "JSON", limit: int = MAX_JSON_BYTES) -> Any:
    """A JSON file through :func:`read_bytes` and :func:`parse_json`."""
    return parse_json(read_bytes(path, what, limit), str(path), f"a JSON {what}")


def parse_json(data: bytes, name: str, what: str = "JSON") -> Any:
    """JSON bytes, or :class:`InputError` (a huge integer included)."""
    import json

    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputError(name, "", f"expected {what} ({str(e)[:80]})") from None


def new_file(folder: Path, stem: str, suffix: str) -> Path:
    """``stem.suffix`` in ``folder``, or ``stem-2.suffix``, ... : the first that is free,
    so that an earlier result is never replaced."""
    path, k = folder / f"{stem}{suffix}", 1
    while path.exists():
        k += 1
        path = folder / f"{stem}-{k}{suffix}"
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a hidden temporary file in the same folder, fsync, then rename over ``path``.

    A reader sees the old file or the complete new one, never a part; an
    error (a full disk, say) removes the temporary file and leaves the old
    one as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
