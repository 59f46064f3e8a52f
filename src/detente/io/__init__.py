"""Files in and out: guarded readers, one-line errors, atomic writes, the results store.

- :mod:`detente.io.files`: one guarded reader for every file detente opens
  (YAML, CSV, JSON, Parquet) and atomic writes;
- :mod:`detente.io.errors`: :class:`InputError` (``file: field: expected``)
  and pydantic's errors as one such line;
- :mod:`detente.io.store`: a sweep's results store (Parquet chunks, a
  manifest, a DuckDB catalogue); ``load`` reads it in the EMA Workbench's
  contract (needs ``detente[experiments]``, so it is not imported here).

The readers' and writers' names are importable from ``detente.io`` itself.
"""

from __future__ import annotations

from detente.io.errors import InputError
from detente.io.files import (
    MAX_BYTES,
    MAX_JSON_BYTES,
    MAX_PARQUET_BYTES,
    new_file,
    parquet_columns,
    parse_json,
    read_bytes,
    read_csv,
    read_json,
    read_parquet,
    read_text,
    sha256_file,
    write_atomic,
)

__all__ = [
    "MAX_BYTES",
    "MAX_JSON_BYTES",
    "MAX_PARQUET_BYTES",
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
