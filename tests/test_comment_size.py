"""``--max-comment-size``: a comment too large to hold stops the read early, with its limit named.

Before the limit, a 4 MB .gz holding one 4 GB comment took over 5 GB of memory
and then failed with "malformed XML: unknown error". The exports here are
written as a stream (a gzip of one repeated character compresses about
1000:1), never held in memory or written out at full size.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wpmigrate.cli import cli, parse_size
from wpmigrate.parse.exports import ExportReader
from wpmigrate.parse.faults import format_size
from wpmigrate.parse.wxr import MAX_COMMENT_SIZE

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n'
    "<channel>\n<title>Big</title>\n<wp:wxr_version>1.2</wp:wxr_version>\n"
    "<item>\n<title>First</title>\n<wp:post_id>1</wp:post_id>\n<wp:status>publish</wp:status>\n"
    "<wp:comment>\n<wp:comment_id>1</wp:comment_id>\n"
    "<wp:comment_content><![CDATA[Small.]]></wp:comment_content>\n"
    "<wp:comment_approved>1</wp:comment_approved>\n</wp:comment>\n"
    "</item>\n"
    "<item>\n<title>Second</title>\n<wp:post_id>2</wp:post_id>\n<wp:status>publish</wp:status>\n"
)
#: The line the big comment starts on (the line of its <wp:comment>).
BIG_LINE = HEAD.count("\n") + 1
COMMENT_OPEN = "<wp:comment>\n<wp:comment_id>2</wp:comment_id>\n<wp:comment_content><![CDATA["
TAIL = (
    "]]></wp:comment_content>\n<wp:comment_approved>1</wp:comment_approved>\n</wp:comment>\n"
    "</item>\n</channel>\n</rss>\n"
)


def write_export(path: Path, text_size: int, compress: bool) -> None:
    """An export whose second post holds one comment of ``text_size`` bytes of "a"."""
    opener = gzip.open if compress else open
    block = b"a" * (1 << 20)
    with opener(path, "wb") as out:  # type: ignore[operator]
        out.write((HEAD + COMMENT_OPEN).encode())
        left = text_size
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
        out.write(TAIL.encode())


def message(path: Path, limit: str) -> str:
    return (
        f"Error: {path}:{BIG_LINE}: a comment larger than {limit} starts here "
        "(raise the limit with --max-comment-size); 1 post was read before it\n"
    )


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 MB of one comment in about 300 KB of gzip."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xml.gz"
    write_export(path, 300 << 20, compress=True)
    assert path.stat().st_size < 2 << 20
    return path


#: Runs wpmigrate and prints its peak RSS. A process forked from pytest inherits the
#: high-water mark of pytest's memory (Linux keeps it across exec), so the process
#: measured is started from this small one instead.
_MEASURE = """
import os, subprocess, sys
process = subprocess.Popen([sys.executable, "-m", "wpmigrate", *sys.argv[1:]],
                           stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_measured(*args: str) -> tuple[int, str, float]:
    """``wpmigrate ARGS`` in a process of its own: exit code, stderr, peak RSS in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args], capture_output=True, check=True
    )
    code, peak = done.stdout.split()
    return int(code), done.stderr.decode(), int(peak) / 1024


@pytest.mark.slow
@pytest.mark.parametrize("command", ["extract", "thread", "stats"])
def test_a_gzip_bomb_stops_at_the_limit_in_bounded_memory(bomb: Path, command: str) -> None:
    code, errors, peak_mb = run_measured(command, str(bomb), "--max-comment-size", "1M", "-q")
    assert (code, errors) == (4, message(bomb, "1 MiB"))
    # The comment's 300 MB never reach memory (a generous bound: Python, lxml,
    # the first megabyte of the comment, and a read chunk).
    assert peak_mb < 150, peak_mb


@pytest.mark.slow
def test_the_default_limit_applies_without_the_flag(bomb: Path) -> None:
    code, errors, peak_mb = run_measured("extract", str(bomb), "-q", "-j", "1")
    assert (code, errors) == (4, message(bomb, "64 MiB"))
    assert peak_mb < 64 * 6, peak_mb  # a limit's worth of text, a few times over at most


@pytest.mark.slow
def test_a_plain_export_read_in_parallel_ranges_stops_the_same(tmp_path: Path) -> None:
    # 20 MB: cut into ranges read by worker processes (-j 2), each with the limit.
    path = tmp_path / "big.xml"
    write_export(path, 20 << 20, compress=False)
    code, errors, _peak = run_measured("thread", str(path), "--max-comment-size", "2M", "-j", "2")
    assert (code, errors) == (4, message(path, "2 MiB"))


def test_raising_the_limit_reads_the_comment(tmp_path: Path) -> None:
    path = tmp_path / "big.xml.gz"
    write_export(path, 3 << 20, compress=True)
    runner = CliRunner()
    refused = runner.invoke(cli, ["extract", str(path), "--max-comment-size", "1M", "-j", "1"])
    assert refused.exit_code == 4
    assert refused.stderr == message(path, "1 MiB")
    # What was read before the comment is still written.
    assert refused.stdout.count("\n") == 1 and '"Small."' in refused.stdout
    taken = runner.invoke(cli, ["extract", str(path), "--max-comment-size", "4M", "-q"])
    assert taken.exit_code == 0, taken.stderr
    assert taken.stdout.count("\n") == 2 and "a" * 1000 in taken.stdout


def test_the_library_reader_has_the_limit(tmp_path: Path) -> None:
    # (Counted a piece of the stream at a time: 256 KB here. 1 MB is well past.)
    path = tmp_path / "big.xml"
    write_export(path, 1 << 20, compress=False)
    data = path.read_bytes()
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    reader = ExportReader(max_comment_size=100_000)
    posts = []
    with pytest.raises(Exception, match="a comment larger than 100,000 bytes") as caught:
        posts.extend(reader.posts_from(iter(chunks), "big.xml"))
    assert getattr(caught.value, "exit_code", None) == 4
    assert [post.id for post in posts] == [1]
    assert len(list(ExportReader().posts_from(iter(chunks), "big.xml"))) == 2


@pytest.mark.parametrize(
    ("text", "size"),
    [("64M", 64 << 20), ("64MiB", 64 << 20), ("64mb", 64 << 20), ("1g", 1 << 30),
     ("500K", 500 << 10), ("123", 123), (" 2 M ", 2 << 20)],
)  # fmt: skip
def test_sizes_read_as_powers_of_1024(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1", "1T", "1.5M", "M", "lots"])
def test_a_bad_size_is_a_usage_error(text: str) -> None:
    result = CliRunner().invoke(cli, ["stats", "--max-comment-size", text, "x.xml"])
    assert result.exit_code == 2
    assert "--max-comment-size" in result.stderr and "is not a size" in result.stderr


def test_the_default_is_named_as_it_is_given() -> None:
    assert format_size(MAX_COMMENT_SIZE) == "64 MiB"
    assert parse_size(format_size(MAX_COMMENT_SIZE).replace(" ", "")) == MAX_COMMENT_SIZE


def test_an_element_named_comment_inside_does_not_restart_the_count(tmp_path: Path) -> None:
    # The text around a nested <x:comment/> is one text (read with itertext).
    block = "a" * (256 << 10)
    inner = "]]><x:comment xmlns:x='urn:x'/><![CDATA[".join([block] * 8)
    path = tmp_path / "nested.xml"
    path.write_text(HEAD + COMMENT_OPEN + inner + TAIL, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["extract", str(path), "--max-comment-size", "1M", "-j", "1", "-q"]
    )
    assert result.exit_code == 4
    assert result.stderr == message(path, "1 MiB")
