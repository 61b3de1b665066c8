"""Read wpmigrate's own JSON Lines back: one group of records per post.

This is what lets ``wpmigrate extract x.xml | wpmigrate thread`` and
``wpmigrate thread x.xml | wpmigrate archive`` work. Accepted: ``extract``'s
comment per line (grouped here by consecutive ``post_id``), ``extract --posts``
(a post per line), and ``thread`` (a post per line with its reply forest,
flattened back). Lines that are none of these stop the run with the line number.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..conversation.thread import flatten
from ..errors import DataError

Record = dict[str, Any]
Group = tuple[Record, list[Record]]

#: Fields a comment record must have for threading and moderation, and their types.
REQUIRED = {"id": int, "post_id": int, "parent_id": int, "status": str, "type": str}
_OPTIONAL_TYPES: dict[str, type | tuple[type, ...]] = {
    "date_gmt": (str, type(None)),
    "meta": dict,
    "post": dict,
}


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        yield from lines
    if rest:
        yield rest


#: A ``\\uD800``-``\\uDFFF`` escape: the only way JSON text can hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` with every lone surrogate in its strings (keys too) made U+FFFD, and how many.

    Iterative: a record nests as deep as its reply forest.
    """
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        fixed, found = _LONE_SURROGATE.subn("\ufffd", text)
        count += found
        return fixed

    if isinstance(value, str):
        return fix(value), count
    stack = [value]
    while stack:
        container = stack.pop()
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, item in items:
                container[fix(key) if isinstance(key, str) else key] = (
                    fix(item) if isinstance(item, str) else item
                )
                if isinstance(item, (dict, list)):
                    stack.append(item)
        elif isinstance(container, list):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    container[index] = fix(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
    return value, count


def _loads(line: bytes, source: str, number: int, repairs: Counter[str] | None) -> Any:
    """One line of JSON, with lone surrogates repaired.

    Fix: ``"\\ud800"`` is valid JSON but no character: such a string cannot be
    written as UTF-8, and it stopped ``extract``/``thread`` as an internal
    error (exit 70). It becomes U+FFFD, as ``&#xD800;`` does in WXR (counted as
    ``bad_char_refs`` when ``repairs`` is given). A line nested deeper than the
    JSON reader can follow (``thread --max-depth 100000`` output) was an
    internal error too; it is a data error naming the line now.
    """
    try:
        value = json.loads(line)
    except RecursionError:
        raise DataError(
            "JSON nested too deeply to read back (written with a very large --max-depth?)",
            source,
            number,
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"invalid JSON: {exc}", source, number) from None
    if b"\\u" in line and _SURROGATE_ESCAPE.search(line):
        value, count = _replace_surrogates(value)
        if repairs is not None and count:
            repairs["bad_char_refs"] += count
    if _LONG_NUMBER.search(line) and _has_huge_int(value):
        # Fix (found by fuzzing): an integer past 64 bits is valid JSON, but the
        # writers (orjson) cannot write it back: an internal error (exit 70) at
        # the first record written. wpmigrate never writes one.
        raise DataError("not a wpmigrate extract record: an integer beyond 64 bits", source, number)
    return value


#: A run of digits long enough to be beyond 64 bits (2**64 has 20 digits).
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def _has_huge_int(value: Any) -> bool:
    """Whether ``value`` holds an int outside [-2**63, 2**64), which orjson cannot write."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not -(2**63) <= item < 2**64:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _check_forest(forest: list[Any], source: str, number: int) -> None:
    """Raise :class:`DataError` unless every node of a ``thread`` forest is an object
    whose ``replies`` is a list (what :func:`~wpmigrate.conversation.thread.flatten` walks)."""
    stack = list(forest)
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("replies"), list):
            raise DataError(
                "not a wpmigrate thread record: a comment without its replies list",
                source,
                number,
            )
        stack.extend(node["replies"])


def _check(record: Any, source: str, number: int) -> Record:
    if not isinstance(record, dict):
        raise DataError("not a wpmigrate extract record: expected a JSON object", source, number)
    for name, kind in REQUIRED.items():
        value = record.get(name)
        if value is None:
            raise DataError(
                f"not a wpmigrate extract record: missing field {name!r}", source, number
            )
        if not isinstance(value, kind) or isinstance(value, bool):
            raise DataError(
                f"not a wpmigrate extract record: field {name!r} should be {kind.__name__}",
                source,
                number,
            )
    for name, kinds in _OPTIONAL_TYPES.items():
        if name in record and not isinstance(record[name], kinds):
            raise DataError(
                f"not a wpmigrate extract record: field {name!r} has the wrong type",
                source,
                number,
            )
    return record


def _post_of(record: Record) -> Record:
    post = record.get("post")
    return dict(post) if isinstance(post, dict) else {"id": record["post_id"]}


def read_groups(
    chunks: Iterable[bytes], source: str, repairs: Counter[str] | None = None
) -> Iterator[Group]:
    """Yield ``(post summary, comment records)`` per post, in input order.

    Comment lines are grouped while their ``post_id`` stays the same; a post
    whose lines come in two runs yields two groups (threading needs a post's
    comments together, as ``extract`` writes them). ``repairs`` (the reader's
    :class:`~wpmigrate.parse.repairs.Repairs`) counts the lone surrogates replaced.
    """
    summary: Record | None = None
    current: int | None = None
    records: list[Record] = []
    for number, line in enumerate(_lines(chunks), start=1):
        if not line.strip():
            continue
        value = _loads(line, source, number, repairs)
        if (
            isinstance(value, dict)
            and "post_id" not in value
            and isinstance(value.get("comments"), list)
        ):
            # A post per line: extract --posts (the post's fields plus its comments)
            # or thread (a "post" object plus the reply forest, flattened here).
            if summary is not None:
                yield summary, records
            # Fix (found by fuzzing): a comment that is not an object, or a thread
            # node without its replies list, was an internal error (TypeError,
            # KeyError in flatten) instead of a data error naming the line.
            if isinstance(value.get("post"), dict):
                summary = dict(value["post"])
                _check_forest(value["comments"], source, number)
                comments = flatten(value["comments"])
            else:
                summary = {k: v for k, v in value.items() if k not in ("comments", "comment_count")}
                comments = value["comments"]
            for comment in comments:
                _check(comment, source, number)
            if not isinstance(summary.get("id"), int):
                raise DataError(
                    "not a wpmigrate extract post record: no integer 'id'", source, number
                )
            records = [_check({**comment, "post": summary}, source, number) for comment in comments]
            yield summary, records
            summary, current, records = None, None, []
            continue
        record = _check(value, source, number)
        if summary is None or record["post_id"] != current:
            if summary is not None:
                yield summary, records
            summary, current, records = _post_of(record), record["post_id"], []
        record["post"] = summary
        records.append(record)
    if summary is not None:
        yield summary, records
