"""Read wpmigrate's own JSON Lines back: one group of records per post.

This is what lets ``wpmigrate extract x.xml | wpmigrate thread`` and
``wpmigrate thread x.xml | wpmigrate archive`` work. Accepted: ``extract``'s
comment per line (grouped here by consecutive ``post_id``), ``extract --posts``
(a post per line), and ``thread`` (a post per line with its reply forest,
flattened back). Lines that are none of these stop the run with the line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import DataError
from .thread import flatten

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


def read_groups(chunks: Iterable[bytes], source: str) -> Iterator[Group]:
    """Yield ``(post summary, comment records)`` per post, in input order.

    Comment lines are grouped while their ``post_id`` stays the same; a post
    whose lines come in two runs yields two groups (threading needs a post's
    comments together, as ``extract`` writes them).
    """
    summary: Record | None = None
    current: int | None = None
    records: list[Record] = []
    for number, line in enumerate(_lines(chunks), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"invalid JSON: {exc}", source, number) from None
        if (
            isinstance(value, dict)
            and "post_id" not in value
            and isinstance(value.get("comments"), list)
        ):
            # A post per line: extract --posts (the post's fields plus its comments)
            # or thread (a "post" object plus the reply forest, flattened here).
            if summary is not None:
                yield summary, records
            if isinstance(value.get("post"), dict):
                summary = dict(value["post"])
                comments = flatten(value["comments"])
            else:
                summary = {
                    k: v for k, v in value.items() if k not in ("comments", "comment_count")
                }
                comments = value["comments"]
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
