"""One post's flat comments -> the reply forest readers saw; :func:`flatten` is the inverse.

Pure functions over comment records (dicts with at least ``id``, ``parent_id``
and ``date_gmt``). Nothing here recurses once per level, so a 10,000-deep reply
chain threads like a flat one.

* Siblings are ordered by ``date_gmt`` (missing dates last), then ``id``.
* A parent id that is not in the post: the comment goes to the top level with
  ``"orphan": true``.
* A cycle (a→b→a, or a comment that is its own parent) is broken at its earliest
  comment, which goes to the top level with ``"cycle": true``.
* Below ``max_depth`` the nesting stops: deeper replies are listed at depth
  ``max_depth`` under their deepest shown ancestor, in date order, keeping their
  true ``parent_id`` (WordPress shows replies beyond its thread depth the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

Record = Mapping[str, Any]
Node = dict[str, Any]

#: Keys :func:`thread` adds to a record; :func:`flatten` removes them.
NODE_KEYS = ("depth", "replies", "orphan", "cycle")
#: Nesting deep enough for any real conversation, shallow enough for every JSON reader.
DEFAULT_MAX_DEPTH = 128


def sort_key(record: Record) -> tuple[bool, str, int]:
    """Chronological order: by ``date_gmt`` (missing last), then by ``id``."""
    date = record.get("date_gmt")
    return (date is None, date or "", record["id"])


def _node(record: Record) -> Node:
    node = {key: value for key, value in record.items() if key != "post"}
    node["depth"] = 0
    node["replies"] = []
    return node


def thread(records: Iterable[Record], max_depth: int = DEFAULT_MAX_DEPTH) -> list[Node]:
    """Build the reply forest of one post's comments.

    Each node is a copy of its record (without ``post``) plus ``depth`` (0 at the
    top level) and ``replies`` (a list of nodes); ``orphan``/``cycle`` are set
    to ``True`` on comments moved to the top level for those reasons. Comments
    sharing an id are all kept; replies attach to the first of them.

    >>> forest = thread([{"id": 2, "parent_id": 1, "date_gmt": None},
    ...                  {"id": 1, "parent_id": 0, "date_gmt": None}])
    >>> [(n["id"], [r["id"] for r in n["replies"]]) for n in forest]
    [(1, [2])]
    """
    if max_depth < 0:
        raise ValueError("max_depth must be 0 or more")
    nodes = [_node(record) for record in records]
    first: dict[int, Node] = {}
    for node in nodes:
        first.setdefault(node["id"], node)

    roots: list[Node] = []
    children: dict[int, list[Node]] = {}
    for node in nodes:
        parent_id = node["parent_id"]
        if not parent_id:
            roots.append(node)
        elif parent_id not in first:
            node["orphan"] = True
            roots.append(node)
        else:
            children.setdefault(id(first[parent_id]), []).append(node)

    reached: set[int] = set()
    _place(roots, children, max_depth, roots, reached)
    if len(reached) < len(nodes):
        # Whatever no root reaches hangs off a cycle: break each cycle at its
        # earliest comment and place what then becomes reachable.
        _break_cycles(nodes, first, children, roots, max_depth, reached)
    _sort_all(roots)
    return roots


def _place(
    starts: list[Node],
    children: dict[int, list[Node]],
    max_depth: int,
    top: list[Node],
    reached: set[int],
) -> None:
    """Attach every descendant of ``starts`` (already in ``top``) to its container.

    A reply's container is its parent's ``replies`` while the parent is shallower
    than ``max_depth``; past that it shares its parent's container. Every node
    placed, ``starts`` included, is added to ``reached`` (by object id).
    """
    stack: list[tuple[Node, list[Node]]] = [(node, top) for node in starts]
    while stack:
        node, container = stack.pop()
        reached.add(id(node))
        if node["depth"] < max_depth:
            own, depth = node["replies"], node["depth"] + 1
        else:
            own, depth = container, node["depth"]
        for child in children.get(id(node), ()):
            child["depth"] = depth
            own.append(child)
            stack.append((child, own))


def _break_cycles(
    nodes: list[Node],
    first: dict[int, Node],
    children: dict[int, list[Node]],
    roots: list[Node],
    max_depth: int,
    reached: set[int],
) -> None:
    for node in nodes:
        if id(node) in reached:
            continue
        # Follow parents until one repeats: the loop from there is the cycle.
        # (An unreached node's ancestors are all unreached and all exist.)
        path: list[Node] = []
        on_path: set[int] = set()
        current = node
        while id(current) not in on_path:
            on_path.add(id(current))
            path.append(current)
            current = first[current["parent_id"]]
        loop = path[path.index(current) :]
        start = min(loop, key=sort_key)
        # Cut the link that closes the loop, so placing start's subtree ends.
        siblings = children[id(first[start["parent_id"]])]
        siblings.remove(start)
        start["cycle"] = True
        start["depth"] = 0
        roots.append(start)
        _place([start], children, max_depth, roots, reached)


def _walk(forest: list[Node]) -> Iterator[Node]:
    """Every node of a forest, parents before their replies (iterative)."""
    stack = list(reversed(forest))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node["replies"]))


def _sort_all(roots: list[Node]) -> None:
    roots.sort(key=sort_key)
    for node in _walk(roots):
        node["replies"].sort(key=sort_key)


def flatten(forest: Iterable[Node]) -> list[dict[str, Any]]:
    """The records of a forest in display order, without the keys :func:`thread` added.

    ``flatten(thread(records))`` holds exactly the records given, each once.
    """
    flat = []
    for node in _walk(list(forest)):
        flat.append({key: value for key, value in node.items() if key not in NODE_KEYS})
    return flat


def max_depth_of(forest: Iterable[Node]) -> int:
    """The deepest ``depth`` in a forest (0 for a flat or empty one)."""
    return max((node["depth"] for node in _walk(list(forest))), default=0)
