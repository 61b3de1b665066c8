"""A zip of many small exports: default ``-j`` against ``-j 1``.

WordPress.com splits a large site into a zip of several exports; a zip of a
thousand small ones is the worst case for reading members in worker
processes, where what each member costs besides its parse (shipping it to a
worker, opening it there, handing its posts back) is all there is. This
builds such a zip in a temporary folder, times ``wpmigrate extract ZIP`` with
``-j 1`` and with ``-j N`` (default: every core, as the command's default),
each the best of ``--repeat`` runs, checks the outputs are the same, and
prints the ratio (``-j N`` time / ``-j 1`` time: at most 1.5 is the target)::

    python benchmarks/zip_members.py [--members 1000] [--jobs N] [--repeat 3]

Each member is a valid export in the format of ``fixtures/customer-love.xml``
(its channel header) with one post and two comments, ids unique across the zip.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "customer-love.xml"

_ITEM = """\t<item>
\t\t<title>Part {n}</title>
\t\t<link>http://customer-love.example/?p={post}</link>
\t\t<pubDate>Wed, 10 Nov 2010 14:15:00 +0000</pubDate>
\t\t<dc:creator>admin</dc:creator>
\t\t<guid isPermaLink="false">http://customer-love.example/?p={post}</guid>
\t\t<content:encoded><![CDATA[Post number {n}.]]></content:encoded>
\t\t<wp:post_id>{post}</wp:post_id>
\t\t<wp:post_date>2010-11-10 09:15:00</wp:post_date>
\t\t<wp:post_date_gmt>2010-11-10 14:15:00</wp:post_date_gmt>
\t\t<wp:post_name>part-{n}</wp:post_name>
\t\t<wp:status>publish</wp:status>
\t\t<wp:post_type>post</wp:post_type>
{comments}\t</item>
"""
_COMMENT = """\t\t<wp:comment>
\t\t\t<wp:comment_id>{id}</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author>
\t\t\t<wp:comment_author_email>reader{id}@example.com</wp:comment_author_email>
\t\t\t<wp:comment_author_url></wp:comment_author_url>
\t\t\t<wp:comment_author_IP>192.0.2.1</wp:comment_author_IP>
\t\t\t<wp:comment_date>2010-11-10 10:{minute:02d}:00</wp:comment_date>
\t\t\t<wp:comment_date_gmt>2010-11-10 15:{minute:02d}:00</wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[Comment {id} &amp; more.]]></wp:comment_content>
\t\t\t<wp:comment_approved>1</wp:comment_approved>
\t\t\t<wp:comment_type></wp:comment_type>
\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
"""


def tiny_export(n: int) -> bytes:
    """A small valid export: the fixture's header, post ``1000 + n``, two comments."""
    fixture = FIXTURE.read_text(encoding="utf-8")
    header = fixture[: fixture.index("\t<item>")]
    first, second = 2 * n + 1, 2 * n + 2
    comments = _COMMENT.format(id=first, parent=0, minute=1) + _COMMENT.format(
        id=second, parent=first, minute=2
    )
    item = _ITEM.format(n=n, post=1000 + n, comments=comments)
    return (header + item + "</channel>\n</rss>\n").encode("utf-8")


def build_zip(path: Path, members: int) -> Path:
    """Write a zip of ``members`` small exports (deflated, as WordPress.com's are)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(members):
            archive.writestr(f"site.wordpress.2024-01-01.{n}.xml", tiny_export(n))
    return path


def run(archive: Path, jobs: int) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system, all its processes) of one
    ``wpmigrate extract ARCHIVE -j JOBS -q``, and its output's digest."""
    command = [sys.executable, "-m", "wpmigrate", "extract", str(archive), "-q", "-j", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, hashlib.sha256(done.stdout).hexdigest()


def default_jobs() -> int:
    """What ``-j`` defaults to: every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    """Build the zip, time both ways, print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="default: every core")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wpmigrate-zip-") as folder:
        archive = build_zip(Path(folder) / "big.zip", args.members)
        times: dict[int, list[float]] = {1: [], args.jobs: []}
        cpu: dict[int, list[float]] = {1: [], args.jobs: []}
        digests = set()
        for _ in range(args.repeat):
            for jobs in times:  # alternated, so that drift on a shared machine hits both
                elapsed, used, digest = run(archive, jobs)
                times[jobs].append(elapsed)
                cpu[jobs].append(used)
                digests.add(digest)
    if len(digests) != 1:
        print("the outputs differ between -j 1 and -j", args.jobs, file=sys.stderr)
        return 1
    for jobs, runs in times.items():
        listed = ", ".join(f"{t:.2f}" for t in runs)
        print(
            f"-j {jobs}: best {min(runs):.2f} s wall (runs: {listed}); "
            f"CPU, all processes: {min(cpu[jobs]):.2f} s at best"
        )
    ratio = min(times[args.jobs]) / min(times[1])
    print(f"{args.members} members: -j {args.jobs} / -j 1 = {ratio:.2f} (best wall times)")
    if hasattr(os, "getloadavg"):  # a busy machine slows -j N more than -j 1
        print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
