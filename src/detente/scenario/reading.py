"""Read YAML safely and within bounds: no object construction, no duplicate
keys, no alias bombs, no nesting deeper than a scenario needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from detente.io import MAX_BYTES, read_text
from detente.scenario.errors import ScenarioError

__all__ = ["MAX_DEPTH", "MAX_NODES", "parse_yaml_text", "read_yaml"]

MAX_NODES = 200_000  # YAML nodes after aliases are expanded
MAX_DEPTH = 64  # nesting of mappings and lists


class _Strict:
    """Safe loading (no object construction) that also refuses duplicate keys,
    documents that aliases expand beyond ``MAX_NODES`` nodes ("billion laughs")
    and nesting deeper than ``MAX_DEPTH``."""

    def get_single_node(self):  # type: ignore[no-untyped-def]
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            _check_size(node)
        return node


class _StrictLoader(_Strict, yaml.SafeLoader):
    """The strict loader on PyYAML's Python parser: its recursion on a deep
    document is Python's, caught as a RecursionError."""


# libyaml's parser where PyYAML was built with it (the wheels are): the same
# safe constructor and resolver, parsed in C, about 10x faster on the
# posterior files of thousands of samples that a scenario may read. Its
# composer recurses on the C stack, where nothing can catch it: it is given
# only documents whose brackets, counted blind to quotes, nest at most
# MAX_DEPTH deep (:func:`_bracket_depth`); any other goes to the Python parser.
_StrictCLoader: Any = type(
    "_StrictCLoader", (_Strict, getattr(yaml, "CSafeLoader", yaml.SafeLoader)), {}
)


def _bracket_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in ``text``, quotes, comments and all ignored
    (an upper bound of the flow nesting the parser can meet), in one NumPy pass."""
    raw = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    step = np.isin(raw, _OPEN).astype(np.int64) - np.isin(raw, _CLOSE)
    return int(np.cumsum(step).max(initial=0))


_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


class _TooBig(yaml.YAMLError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_size(root: yaml.Node) -> None:
    """Expanded size and depth of a composed document, without expanding it.

    An alias is the same node object reached twice, so sizes are memoised by
    node identity: the walk costs the number of distinct nodes, while the
    total counts every place a node would be copied to.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:  # iterative: a deep document must not exhaust Python's stack
        node, d = stack.pop()
        if d > MAX_DEPTH:
            raise _TooBig(f"expected nesting at most {MAX_DEPTH} levels deep")
        if id(node) in size:
            continue
        size[id(node)] = -1
        order.append(node)
        for child in _children(node):
            stack.append((child, d + 1))
    for node in reversed(order):
        kids = _children(node)
        size[id(node)] = 1 + sum(size.get(id(k), 1) for k in kids)
        depth[id(node)] = 1 + max((depth.get(id(k), 1) for k in kids), default=0)
        if size[id(node)] > MAX_NODES:
            raise _TooBig(
                f"expected at most {MAX_NODES:,} values once aliases are expanded (an alias bomb?)"
            )
        if depth[id(node)] > MAX_DEPTH:
            raise _TooBig(f"expected nesting at most {MAX_DEPTH} levels deep")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    return []


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool) and key is not None:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"expected a plain key, got a {type(key).__name__} (line {mark.line + 1})",
                mark,
            )
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


for _loader in (_StrictLoader, _StrictCLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Path, what: str = "scenario") -> Any:
    """Read a YAML file safely; raise :class:`ScenarioError` on any problem."""
    name = str(path)
    text = read_text(path, what, MAX_BYTES)
    if not text.strip():
        raise ScenarioError(
            name, "", f"expected a YAML mapping of {what} fields, got an empty file"
        )
    data = parse_yaml_text(text, name)
    if not isinstance(data, dict):
        raise ScenarioError(
            name, "", f"expected a YAML mapping of {what} fields, got {type(data).__name__}"
        )
    return data


def _nesting_estimate(text: str) -> int:
    """A fast upper-bound-ish estimate of a document's nesting, before parsing.

    Flow brackets outside quotes, and per line the indentation (in steps of
    two) plus any "- " that open nested block sequences. Deep documents are
    refused here in linear time, rather than by the parser's recursion.
    """
    depth = deepest = 0
    quote = ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        dashes = 0
        while stripped.startswith("- "):
            dashes += 1
            stripped = stripped[2:].lstrip(" ")
        deepest = max(deepest, (len(line) - len(line.lstrip(" "))) // 2 + dashes)
    return deepest


def parse_yaml_text(text: str, name: str) -> Any:
    """Parse YAML text safely and within bounds; raise :class:`ScenarioError`."""
    if _nesting_estimate(text) > MAX_DEPTH:
        raise ScenarioError(name, "", f"expected nesting at most {MAX_DEPTH} levels deep")
    try:
        fast = _bracket_depth(text) <= MAX_DEPTH
        return yaml.load(text, Loader=_StrictCLoader if fast else _StrictLoader)
    except _TooBig as e:
        raise ScenarioError(name, "", e.message) from None
    except RecursionError:
        raise ScenarioError(name, "", f"expected nesting at most {MAX_DEPTH} levels deep") from None
    except ValueError as e:
        # Python refuses to read an integer of more than 4,300 digits (its
        # integer-string limit); no field takes one.
        raise ScenarioError(name, "", f"expected numbers of at most 4300 digits ({e})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = (e.problem or e.context or "invalid YAML").strip()
        raise ScenarioError(name, "", f"expected valid YAML, {problem} at {where}") from None
    except yaml.YAMLError as e:
        raise ScenarioError(name, "", f"expected valid YAML ({e})") from None
