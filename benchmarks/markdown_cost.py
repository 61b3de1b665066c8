"""Time wpmigrate's Markdown conversion of an export against html2text alone.

    python benchmarks/markdown_cost.py export.xml
    # prints: files_seconds bodies_seconds html2text_seconds wrapped_seconds bodies

Reading, moderation and threading run untimed. Then, in the same process and on
the same comments, four timings (each the best of ``--repeat`` passes):

* **bodies**: wpmigrate's conversion of every comment body the archive
  converts (``comment_markdown``: sanitising, converting, escaping): the
  conversion itself, what the target is about;
* **files**: rendering every post's Markdown file as ``archive --format
  markdown`` does: the bodies, plus each post's front matter and each
  comment's header line (name, link, date, anchor);
* **html2text**: html2text alone on the same comment bodies, as stored, with
  wrapping off (``HTML2Text(bodywidth=0).handle``: the same shape of output):
  the baseline of the target, what any converter built on html2text must at
  least spend;
* **wrapped**: the same with html2text's defaults (``html2text.html2text``,
  wrapping at 78 columns), for comparison with tools that call it that way.

wpmigrate does not call html2text for comments (plain text needs no HTML
parser, and the sanitiser's HTML is written by a one-pass writer that
tests/test_render_markdown.py holds to html2text's output), so the baseline is
html2text on everything, not its own calls.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable

import html2text

from wpmigrate.pipeline import Conversations, ReadSession
from wpmigrate.render.markdown import PING_TYPES, comment_markdown, walk
from wpmigrate.write.archive import ArchiveOptions, render_post


def best(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` timed calls of ``run``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def bodies_of(records: Iterable[dict[str, object]]) -> list[str]:
    """The stored bodies of every comment the Markdown archive converts (pings are
    listed by name only)."""
    return [
        node.get("content_html") or ""
        for record in records
        for node, _depth, _parent in walk(record["comments"])  # type: ignore[arg-type]
        if node.get("type") not in PING_TYPES
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the four timings and the number of comment bodies."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    records = list(Conversations().records(ReadSession([args.export], jobs=1).groups()))
    bodies = bodies_of(records)
    options = ArchiveOptions(fmt="markdown")
    render_post(records[0], options) if records else None  # warm up: imports, regexes

    def files() -> None:
        for record in records:
            render_post(record, options)

    def converted() -> None:
        for body in bodies:
            comment_markdown(body)

    def unwrapped() -> None:
        for body in bodies:
            html2text.HTML2Text(bodywidth=0).handle(body)

    def wrapped() -> None:
        for body in bodies:
            html2text.html2text(body)

    times = [best(args.repeat, run) for run in (files, converted, unwrapped, wrapped)]
    print(" ".join(f"{seconds:.4f}" for seconds in times), len(bodies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
