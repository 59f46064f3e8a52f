"""What a command wrote into its folder, for its "wrote ..." line.

A snapshot of the folder's files (path, size and modification time) before
the work, compared with the folder after it, names every file created or
replaced, so the message cannot list fewer files than were written.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["describe", "snapshot", "written"]

Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder`` (relative path -> (size, mtime in ns)); empty if none."""
    if not folder.is_dir():
        return {}
    out: Snapshot = {}
    for p in folder.rglob("*"):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            out[p.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def written(folder: Path, before: Snapshot) -> list[str]:
    """Files under ``folder`` created or changed since ``before``, sorted."""
    after = snapshot(folder)
    return sorted(k for k, v in after.items() if before.get(k) != v)


def describe(folder: Path, files: list[str]) -> str:
    """``wrote FOLDER: a, b, c``; files in sub-folders are counted per sub-folder."""
    top = [f for f in files if "/" not in f]
    sub: dict[str, int] = {}
    for f in files:
        if "/" in f:
            head = f.split("/", 1)[0]
            sub[head] = sub.get(head, 0) + 1
    parts = top + [f"{d}/ ({n} file{'s' if n != 1 else ''})" for d, n in sorted(sub.items())]
    return f"wrote {folder}: {', '.join(parts) if parts else 'nothing new'}"
