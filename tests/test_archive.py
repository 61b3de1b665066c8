"""``wpmigrate archive``: goldens, the CLI, and the safety of the output folder."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import preorder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.cli import cli
from wpmigrate.conversation.thread import thread
from wpmigrate.errors import DataError, OutputError
from wpmigrate.render.json_archive import render_json
from wpmigrate.write import archive as archive_module
from wpmigrate.write.archive import STAGING_PREFIX, ArchiveOptions, write_archive

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = str(ROOT / "fixtures" / "customer-love.xml")
GOLDEN = ROOT / "fixtures" / "golden" / "archive"
ANCHOR = re.compile(rb'<a id="comment-(\d+)"></a>')


def run(*args: str, input: bytes | None = None) -> Any:
    """Invoke the CLI; stdout and stderr apart."""
    return CliRunner().invoke(cli, list(args), input=input)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative POSIX path -> bytes), hidden ones included."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Staging folders left inside the archive folder, or beside it."""
    inside = [path.name for path in folder.rglob(f"{STAGING_PREFIX}*")]
    beside = [path.name for path in folder.parent.glob(f"{STAGING_PREFIX}*")]
    return inside + beside


# ---------------------------------------------------------------- goldens


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_output_matches_the_golden_files(tmp_path: Path, fmt: str) -> None:
    """Regenerate with ``python scripts/regen_archive_golden.py`` and review the diff."""
    out = tmp_path / fmt
    result = run("archive", "-q", FIXTURE, "-o", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert tree(out) == tree(GOLDEN / fmt)


def test_golden_markdown_reads_like_the_blog() -> None:
    """The LaVonne post (seed 000) as its readers saw it."""
    from markdown_it import MarkdownIt

    text = (GOLDEN / "markdown" / "day-11-confessions-of-a-complete-flake.md").read_text("utf-8")
    html = MarkdownIt("commonmark", {"html": True}).render(text.split("\n---\n", 1)[1])
    # LaVonne's hard line breaks stay line breaks; "~LaVonne" is its own paragraph.
    assert ("<p>I just love getting comments and tweets from you because you always make me<br />"
            "\nfeel warm and fuzzy. Thank you, dear heart!</p>\n<p>~LaVonne</p>") in html
    assert html.count("<p>~LaVonne</p>") == 10
    # Her ten replies are marked; Abby's and PicsieChick's are not.
    assert text.count("— post author") == 10
    # PicsieChick's exchange: 1035 > 1037 > 1038 > 1039, four levels.
    picsie = html[html.index('id="comment-1035"') : html.index('id="comment-1040"')]
    assert picsie.count("<blockquote>") == 3
    assert "Hugs and butterflies,<br />\n~Teresa~" in picsie
    assert "<script" not in html and "*Applause*" not in html
    day10 = (GOLDEN / "markdown" / "day-10-cynical-about-customer-love.md").read_text("utf-8")
    mentions = day10[day10.index("## Mentions") :]
    assert '<a id="comment-1001"></a>[Tweets that mention Day 10' in mentions
    assert "\\*Applause\\*" in day10  # shown literally, as on the blog


def test_golden_json_has_the_thread_tree_and_sanitised_html() -> None:
    post = json.loads((GOLDEN / "json" / "day-11-confessions-of-a-complete-flake.json").read_text())
    assert list(post) == ["post", "comments", "stats"]
    ids = [node["id"] for node in preorder(post["comments"])]
    assert len(ids) == post["stats"]["kept"] == 21
    first = post["comments"][0]
    assert first["replies"][0]["content_html"] == (
        "<p>I just love getting comments and tweets from you because you always make me<br>\n"
        "feel warm and fuzzy. Thank you, dear heart!</p>\n<p>~LaVonne</p>"
    )
    assert "author_email" not in first and "author_ip" not in first and "meta" not in first


# ---------------------------------------------------------------- CLI


def test_cli_markdown_flat(tmp_path: Path) -> None:
    result = run("archive", FIXTURE, "-o", str(tmp_path / "out"), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "wrote 5 files to" in result.stderr
    assert sorted(tree(tmp_path / "out")) == [
        "day-10-cynical-about-customer-love.md",
        "day-11-confessions-of-a-complete-flake.md",
        "index.json",
        "index.md",
        "secret-destinations.md",
    ]
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [(p["post_id"], p["comment_count"], p["file"]) for p in index["posts"]] == [
        (101, 11, "day-10-cynical-about-customer-love.md"),
        (108, 6, "secret-destinations.md"),
        (115, 21, "day-11-confessions-of-a-complete-flake.md"),
    ]
    assert index["comment_count"] == 38 and index["post_count"] == 3


def test_cli_json_dated(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("archive", "-q", FIXTURE, "-o", str(out), "--format", "json", "--layout", "dated")
    assert result.exit_code == 0, result.output
    assert sorted(tree(out)) == [
        "2010/11/day-10-cynical-about-customer-love.json",
        "2010/11/day-11-confessions-of-a-complete-flake.json",
        "2010/11/secret-destinations.json",
        "index.json",
    ]
    flat = tree(GOLDEN / "json")
    for name, data in tree(out).items():
        if name != "index.json":
            assert data == flat[name.rsplit("/", 1)[1]]


def same_but_stats(ours: dict[str, bytes], golden: dict[str, bytes]) -> None:
    """Equal trees, except the per-post ``stats``: re-read from ``thread``/``extract``
    output, a post's dropped comments are no longer there to count."""
    assert sorted(ours) == sorted(golden)
    for name, data in ours.items():
        if name.endswith(".json") and name != "index.json":
            mine, theirs = json.loads(data), json.loads(golden[name])
            assert mine["stats"]["kept"] == theirs["stats"]["kept"]
            del mine["stats"], theirs["stats"]
            assert mine == theirs
        else:
            assert data == golden[name], name


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_cli_reads_thread_output_on_stdin(tmp_path: Path, fmt: str) -> None:
    threads = run("thread", "-q", FIXTURE)
    assert threads.exit_code == 0
    out = tmp_path / "out"
    result = run("archive", "-q", "-o", str(out), "--format", fmt, input=threads.stdout_bytes)
    assert result.exit_code == 0, result.output
    same_but_stats(tree(out), tree(GOLDEN / fmt))


def test_cli_reads_extract_output_on_stdin(tmp_path: Path) -> None:
    extracted = run("extract", "-q", FIXTURE)
    out = tmp_path / "out"
    result = run("archive", "-q", "-o", str(out), "--format", "json", input=extracted.stdout_bytes)
    assert result.exit_code == 0, result.output
    assert tree(out) == tree(GOLDEN / "json")  # all comments are there: stats agree too


def test_cli_dir_that_is_a_file_is_exit_5_with_one_line(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep me")
    result = run("archive", FIXTURE, "-o", str(target))
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "not a folder" in result.stderr and "Traceback" not in result.output
    assert target.read_text() == "keep me"


def test_cli_dir_below_a_file_is_exit_5(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run("archive", FIXTURE, "-o", str(tmp_path / "file" / "sub"))
    assert result.exit_code == 5 and result.stderr.startswith("Error: ")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_cli_unwritable_dir_is_exit_5(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run("archive", FIXTURE, "-o", str(locked))
    assert result.exit_code == 5 and result.stderr.startswith("Error: ")
    assert result.stderr.count("\n") == 1


def test_cli_bad_input_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("archive", "-o", str(out), input=b'{"id": 1, "post_id": 2}\n')
    assert result.exit_code == 4
    assert tree(out) == {} and leftovers(out) == []


# ---------------------------------------------------------------- the output folder


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("archive", "-q", FIXTURE, "-o", str(out)).exit_code == 0
    (out / "secret-destinations.md").write_text("edited by hand")
    (out / "mine.txt").write_text("not ours")
    before = tree(out)
    stamps = {path: path.stat().st_mtime_ns for path in out.iterdir()}
    result = run("archive", FIXTURE, "-o", str(out))
    assert result.exit_code == 5
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "day-10-cynical-about-customer-love.md: already exists (and 4 more files)" in (
        result.stderr
    )
    assert "--force" in result.stderr
    assert tree(out) == before and leftovers(out) == []
    assert {path: path.stat().st_mtime_ns for path in out.iterdir()} == stamps


def test_one_conflict_moves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.json").write_text("{}")
    result = run("archive", FIXTURE, "-o", str(out), "--format", "json")
    assert result.exit_code == 5
    assert "index.json: already exists; use --force" in result.stderr
    assert tree(out) == {"index.json": b"{}"}


def test_force_reruns_are_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for fmt in ("markdown", "json"):
        assert run("archive", "-q", FIXTURE, "-o", str(out), "--format", fmt).exit_code in (0, 5)
    first = tree(out)
    (out / "secret-destinations.md").write_text("stale")
    for fmt in ("markdown", "json"):
        result = run("archive", "-q", FIXTURE, "-o", str(out), "--format", fmt, "--force")
        assert result.exit_code == 0, result.output
    second = tree(out)
    assert second["secret-destinations.md"] == first["secret-destinations.md"]
    assert set(second) >= set(first) and leftovers(out) == []
    result = run("archive", "-q", FIXTURE, "-o", str(out), "--format", "json", "--force")
    assert tree(out) == second


def test_a_folder_where_a_file_goes_is_refused_even_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "index.json").mkdir(parents=True)
    result = run("archive", FIXTURE, "-o", str(out), "--force")
    assert result.exit_code == 5 and "is a folder" in result.stderr
    assert tree(out) == {} and leftovers(out) == []


def test_a_subfolder_linking_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "2010").symlink_to(outside, target_is_directory=True)
    result = run("archive", FIXTURE, "-o", str(out), "--layout", "dated", "--force")
    assert result.exit_code == 5 and "leads outside" in result.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_interrupted_run_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("untouched")
    real = archive_module.render_post
    calls = []

    def flaky(record: dict[str, Any], options: ArchiveOptions) -> bytes:
        calls.append(record["post"]["id"])
        if len(calls) == 2:
            raise error
        return real(record, options)

    monkeypatch.setattr(archive_module, "render_post", flaky)
    threads = [json.loads(line) for line in run("thread", "-q", FIXTURE).stdout.splitlines()]
    with pytest.raises(type(error)):
        write_archive(threads, str(out), ArchiveOptions())
    assert calls == [101, 108]
    assert tree(out) == {"mine.txt": b"untouched"} and leftovers(out) == []
    # Through the CLI: an internal error (70), still nothing written.
    if isinstance(error, RuntimeError):
        calls.clear()
        result = run("archive", FIXTURE, "-o", str(out))
        assert result.exit_code == 70 and "internal error" in result.stderr
        assert tree(out) == {"mine.txt": b"untouched"} and leftovers(out) == []


def test_bad_input_part_way_writes_nothing(tmp_path: Path) -> None:
    threads = [json.loads(line) for line in run("thread", "-q", FIXTURE).stdout.splitlines()]

    def records() -> Iterator[dict[str, Any]]:
        yield threads[0]
        raise DataError("truncated", "x.xml", 9)

    with pytest.raises(DataError):
        write_archive(records(), str(tmp_path), ArchiveOptions(fmt="json"))
    assert tree(tmp_path) == {}


def test_empty_input_writes_just_the_index(tmp_path: Path) -> None:
    result = write_archive([], str(tmp_path / "out"), ArchiveOptions())
    assert result.files == ["index.json", "index.md"] and result.posts == result.comments == 0
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["posts"] == [] and index["format"] == "markdown"


def test_result_counts(tmp_path: Path) -> None:
    threads = [json.loads(line) for line in run("thread", "-q", FIXTURE).stdout.splitlines()]
    result = write_archive(threads, str(tmp_path), ArchiveOptions(fmt="json"))
    assert result.posts == 3 and result.comments == 38
    assert result.files[-1] == "index.json" and len(result.files) == 4


# ---------------------------------------------------------------- JSON archive HTML


def comment(cid: int, parent: int, body: str, name: str, url: str) -> dict[str, Any]:
    return {
        "id": cid, "post_id": 1, "parent_id": parent, "author_name": name,
        "author_email": f"x{cid}@example.org", "author_url": url, "author_ip": "192.0.2.3",
        "user_id": 0, "date": None, "date_gmt": None, "content_html": body,
        "status": "approved", "type": "comment", "by_post_author": False, "meta": {"k": "v"},
    }  # fmt: skip


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs.extend(value or "" for name, value in attrs if name in ("href", "cite"))


HOSTILE = [
    "<script>alert(1)</script>", "<iframe src=//x>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<b onclick=alert(1)>", "</b>", "<p>", "\n\n",
    "&lt;script&gt;", "javascript:", "onload=", "<", ">", "&", '"', "<svg/onload=alert(1)>",
    '<a href="http://ok.example/" onmouseover="x">', "</a>", "<style>x</style>", "\n",
    '<a href=" java\nscript:alert(1)">', "<blockquote>", "<code>", "\x00", "]]>",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), max_size=12).map(
    "".join
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(hostile, hostile, st.integers(0, 6), hostile), min_size=1, max_size=6))
def test_json_archive_html_is_publishable(rows: list[tuple[str, str, int, str]]) -> None:
    comments = [
        comment(i, parent if parent < i else 0, body, name, url)
        for i, (body, name, parent, url) in enumerate(rows, start=1)
    ]
    record = {"post": {"id": 1}, "comments": thread(comments), "stats": {}}
    data = json.loads(render_json(record))
    seen = 0
    for node in preorder(data["comments"]):
        seen += 1
        lowered = node["content_html"].lower()
        for needle in ("<script", "<iframe", "<img", "<svg", "<style", "javascript:"):
            assert needle not in lowered
        assert not re.search(r"\bon[a-z]+\s*=", lowered)
        tags = re.findall(r"</?([a-z0-9]+)", lowered)
        assert set(tags) <= {"a", "abbr", "b", "blockquote", "cite", "code", "del", "em", "i",
                             "q", "s", "strike", "strong", "p", "br"}
        links = _Links()
        links.feed(node["content_html"])
        for href in links.hrefs:
            assert re.match(r"(https?://|mailto:)", href)
        assert node["author_url"] == "" or re.match(r"https?://", node["author_url"])
        assert "author_email" not in node and "author_ip" not in node and "meta" not in node
    assert seen == len(rows)


# ---------------------------------------------------------------- a large unseen export


@pytest.fixture(scope="module")
def generated_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few MB of synthetic WXR from the benchmarks' generator (or a small one of ours)."""
    path = tmp_path_factory.mktemp("gen") / "export.xml"
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import wxrgen
    except ImportError:  # the generator is not there: a small export of our own
        path.write_bytes(_small_wxr())
        return path
    with path.open("wb") as handle:
        wxrgen.write_wxr(wxrgen.GenConfig(seed=7, target_bytes=3_000_000), handle)
    return path


def _small_wxr() -> bytes:
    items = []
    for post in range(1, 40):
        comments = "".join(
            f"<wp:comment><wp:comment_id>{post * 100 + c}</wp:comment_id>"
            f"<wp:comment_author><![CDATA[Person {c}]]></wp:comment_author>"
            f"<wp:comment_author_email>p{c}@example.org</wp:comment_author_email>"
            f"<wp:comment_author_IP>198.51.100.{c}</wp:comment_author_IP>"
            f"<wp:comment_date>2011-01-0{1 + c % 9} 10:00:00</wp:comment_date>"
            f"<wp:comment_content><![CDATA[Comment {c}\n\nsecond para]]></wp:comment_content>"
            f"<wp:comment_approved>{'spam' if c % 7 == 0 else '1'}</wp:comment_approved>"
            f"<wp:comment_parent>{post * 100 + c - 1 if c % 3 else 0}</wp:comment_parent>"
            "</wp:comment>"
            for c in range(1, 25)
        )
        items.append(
            f"<item><title>Post {post % 5}</title><wp:post_id>{post}</wp:post_id>"
            f"<wp:post_name>post-{post % 5}</wp:post_name><wp:status>publish</wp:status>"
            f"<wp:post_type>post</wp:post_type><wp:post_date>2011-01-01 00:00:00</wp:post_date>"
            f"{comments}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
        "</wp:wxr_version>" + "".join(items) + "</channel></rss>"
    ).encode()


def test_every_public_comment_is_in_exactly_one_file(
    generated_export: Path, tmp_path: Path
) -> None:
    threads = run("thread", "-q", str(generated_export))
    assert threads.exit_code == 0, threads.output
    kept = Counter(
        node["id"]
        for line in threads.stdout.splitlines()
        for node in preorder(json.loads(line)["comments"])
    )
    assert sum(kept.values()) > 500
    out = tmp_path / "json"
    result = run("archive", "-q", str(generated_export), "-o", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    files = {name: data for name, data in tree(out).items() if name != "index.json"}
    written: Counter[int] = Counter()
    for data in files.values():
        written.update(node["id"] for node in preorder(json.loads(data)["comments"]))
    assert written == kept
    index = json.loads((out / "index.json").read_text())
    assert sorted(entry["file"] for entry in index["posts"]) == sorted(files)
    assert index["comment_count"] == sum(kept.values())

    # The Markdown archive has an anchor for every one of them, once.
    md = tmp_path / "md"
    result = run("archive", "-q", str(generated_export), "-o", str(md), "--format", "markdown")
    assert result.exit_code == 0, result.output
    anchors: Counter[int] = Counter()
    for name, data in tree(md).items():
        if name.endswith(".md") and name != "index.md":
            anchors.update(int(match) for match in ANCHOR.findall(data))
    assert anchors == kept

    # And no commenter e-mail or IP anywhere.
    extracted = run("extract", "-q", str(generated_export))
    private = set()
    for line in extracted.stdout.splitlines():
        record = json.loads(line)
        private.update({record["author_email"].strip().lower(), record["author_ip"].strip()})
    private.discard("")
    blob = io.BytesIO()
    for folder in (out, md):
        for data in tree(folder).values():
            blob.write(data.lower() + b"\0")
    everything = blob.getvalue()
    leaked = [value for value in private if value.encode() in everything]
    assert not leaked, leaked[:5]


def test_write_archive_rejects_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_archive([], str(tmp_path), ArchiveOptions(fmt="html"))  # type: ignore[arg-type]
    with pytest.raises(OutputError):
        write_archive([], str(Path(FIXTURE)), ArchiveOptions())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "post_id": st.integers(-5, 10**6),
                "title": st.text(max_size=20),
                "type": st.sampled_from(["post", "page"]),
                "date": st.one_of(st.none(), st.just("2010-11-12T03:07:12")),
                "date_gmt": st.none(),
                "url": st.text(max_size=10),
                "file": st.text(max_size=10),
                "comment_count": st.integers(0, 50),
            }
        ),
        max_size=6,
    )
)
def test_streamed_index_json_is_the_whole_document(entries: list[dict[str, object]]) -> None:
    import orjson

    from wpmigrate.write.archive import ArchiveOptions, render_index_json

    options = ArchiveOptions(fmt="json")
    whole = {
        "format": "json",
        "layout": "flat",
        "post_count": len(entries),
        "comment_count": sum(int(e["comment_count"]) for e in entries),  # type: ignore[call-overload]
        "posts": entries,
    }
    expected = orjson.dumps(whole, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    assert render_index_json(entries, options) == expected
