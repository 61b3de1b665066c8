"""Time the html2text calls alone that a Markdown archive of an export makes.

    python benchmarks/h2t_only.py export.xml      # prints: seconds calls

Everything else (reading, moderation, threading, sanitising) runs untimed; only
the converter call the Markdown renderer makes for each public comment body is
timed, with the same converter class and settings. ``bench.py`` compares it with
a whole ``archive --format markdown --jobs 1`` run to get the overhead beyond
html2text.
"""

from __future__ import annotations

import sys
import time

from wpmigrate.pipeline import Conversations, ReadSession
from wpmigrate.render import markdown
from wpmigrate.render.html import comment_html


def main(path: str) -> int:
    """Print the seconds spent in html2text and the number of calls."""
    converter = markdown._converter_class()
    spent = 0.0
    calls = 0
    session = ReadSession([path], jobs=1)
    for record in Conversations().records(session.groups()):
        stack = list(record["comments"])
        while stack:
            node = stack.pop()
            stack.extend(node["replies"])
            if node["type"] in ("pingback", "trackback") and not node["replies"]:
                continue  # listed as a mention: its body is not converted
            html = comment_html(node["content_html"])
            if not html:
                continue
            start = time.perf_counter()
            converter().handle(html)
            spent += time.perf_counter() - start
            calls += 1
    print(f"{spent:.4f} {calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
