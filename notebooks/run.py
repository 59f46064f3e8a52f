"""Execute the notebooks (as CI does) and fail on the first error.

Usage::

    python notebooks/run.py                 # all three
    python notebooks/run.py analyst         # one

Needs ``pip install 'detente[notebooks]'`` (nbclient, ipykernel). Each
notebook runs in a fresh kernel in a temporary folder, with a time limit
per cell; the executed copies are not written back (the repository keeps
the notebooks without outputs).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
NAMES = ["analyst", "researcher", "teacher"]


def main(names: list[str]) -> None:
    for name in names:
        nb = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            NotebookClient(
                nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp}}
            ).execute()
        print(f"notebooks/{name}.ipynb: ran in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or NAMES)
