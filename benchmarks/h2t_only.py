"""Time the Markdown conversion of an export, and the html2text calls inside it.

    python benchmarks/h2t_only.py export.xml      # prints: convert_seconds h2t_seconds calls

Reading, moderation and threading run untimed. Timed: the Markdown rendering of
every post's conversation (what ``archive --format markdown`` does per post:
sanitising, html2text, escaping, assembling the file), and within it the
html2text calls (the converter's ``handle``), measured in the same run, so
``bench.py`` can report the conversion's overhead beyond html2text.
"""

from __future__ import annotations

import sys
import time

from wpmigrate.archive import ArchiveOptions, render_post
from wpmigrate.pipeline import Conversations, ReadSession
from wpmigrate.render import markdown


def main(path: str) -> int:
    """Print the seconds of the conversion, of html2text within it, and the calls."""
    spent = {"h2t": 0.0, "calls": 0}
    converter = markdown._converter_class()
    handle = converter.handle

    def timed_handle(self: object, data: str) -> str:
        start = time.perf_counter()
        try:
            return handle(self, data)  # type: ignore[no-any-return]
        finally:
            spent["h2t"] += time.perf_counter() - start
            spent["calls"] += 1

    converter.handle = timed_handle  # type: ignore[method-assign]
    markdown._CONVERTER = converter
    options = ArchiveOptions(fmt="markdown")
    convert = 0.0
    session = ReadSession([path], jobs=1)
    for record in Conversations().records(session.groups()):
        start = time.perf_counter()
        render_post(record, options)
        convert += time.perf_counter() - start
    print(f"{convert:.4f} {spent['h2t']:.4f} {spent['calls']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
