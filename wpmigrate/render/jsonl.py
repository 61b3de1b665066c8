"""Stream JSON records as JSON Lines, or as one JSON array built without holding it."""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Literal

Format = Literal["jsonl", "json"]

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_pretty = json.JSONEncoder(ensure_ascii=False, indent=2, check_circular=False)


def dumps(record: Any, pretty: bool = False) -> str:
    """One record as JSON text: compact by default, indented with ``pretty``."""
    return (_pretty if pretty else _compact).encode(record)


class JsonWriter:
    """Writes records one at a time to a binary stream.

    ``jsonl``: one compact record per line (``--pretty`` indents each record,
    which is still valid as a stream of JSON texts, not as JSON Lines).
    ``json``: a single array, streamed element by element.
    """

    def __init__(self, out: BinaryIO, fmt: Format = "jsonl", pretty: bool = False) -> None:
        self.out = out
        self.fmt = fmt
        self.pretty = pretty
        self.count = 0

    def write(self, record: Any) -> None:
        """Append one record."""
        text = dumps(record, self.pretty)
        if self.fmt == "json":
            if self.pretty:
                text = text.replace("\n", "\n  ")
            prefix = "[\n  " if self.count == 0 else ",\n  "
            self.out.write((prefix + text).encode("utf-8"))
        else:
            self.out.write((text + "\n").encode("utf-8"))
        self.count += 1

    def close(self) -> None:
        """Finish the document (closes the JSON array); does not close the stream."""
        if self.fmt == "json":
            self.out.write(b"[]\n" if self.count == 0 else b"\n]\n")
        self.out.flush()
