"""Registries for plugins: decision rules and interventions, by name.

Built-ins register with a decorator; other packages register through the
entry-point groups ``detente.policies`` and ``detente.interventions`` (the
entry point names the plugin class), so nobody edits the engine to add one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["Registry"]


class Registry(Generic[T]):
    """Name -> plugin class, with entry points loaded on first lookup."""

    def __init__(self, group: str, kind: str) -> None:
        self.group = group
        self.kind = kind
        self._items: dict[str, type[T]] = {}
        self._loaded = False

    @contextlib.contextmanager
    def scope(self, reload: bool = False) -> Iterator[Registry[T]]:
        """Registrations made inside the block are undone after it (a test's plugins).

        With ``reload`` the entry points are read again on the next lookup
        (a package installed during the session declares new ones).
        """
        items, loaded = dict(self._items), self._loaded
        if reload:
            self._loaded = False
        try:
            yield self
        finally:
            self._items, self._loaded = items, loaded

    def register(self, cls: type[T]) -> type[T]:
        name = cls.name  # type: ignore[attr-defined]
        if name in self._items and self._items[name] is not cls:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = cls
        return cls

    def _load_entry_points(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for ep in entry_points(group=self.group):
            cls = ep.load()
            self._items.setdefault(cls.name, cls)

    def get(self, name: str) -> type[T]:
        self._load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(name) from None

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        self._load_entry_points()
        return name in self._items
