"""Issue 13, private data: one allow-list of what may leave, and published means what
WordPress showed (fixtures/privacy/published.xml; its header says what each post holds)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, error_line, invoke

from wpmigrate.privacy import public_meta, redact
from wpmigrate.terminal import printable

FIXTURE = FIXTURES / "privacy" / "published.xml"
#: Every commenter e-mail and IP in the fixture (Bob's 12 also typed his into its text).
PRIVATE = [
    "alice@readers.example", "192.0.2.11", "bob@readers.example", "198.51.100.12",
    "carol@spam.example", "203.0.113.13", "dave@readers.example", "192.0.2.21",
    "eve@readers.example", "finn@readers.example", "gail@readers.example",
    "hank@readers.example", "ivy@readers.example", "mallory@readers.example", "192.0.2.121",
]  # fmt: skip
#: Bob's own, in the public text of his comment 12: WordPress showed them.
BOBS = ("bob@readers.example", "198.51.100.12")


def leaks(data: bytes, allowed: tuple[str, ...] = ()) -> list[str]:
    return [value for value in PRIVATE if value not in allowed and value.encode() in data]


def test_redact_keeps_only_allow_listed_fields_and_meta() -> None:
    record = {
        "id": 1, "author_email": "a@b.example", "author_ip": "192.0.2.1", "user_agent": "X",
        "author_url": "javascript:alert(1)", "content_html": "hi",
        "meta": {"akismet_as_submitted": "a:1:{s:7:\"user_ip\";s:9:\"192.0.2.1\";}",
                 "akismet_result": "true", "akismet_user": "alice", "rating": "x",
                 "akismet_history": ['a:2:{s:5:"event";s:10:"report-ham";s:4:"user";'
                                     's:5:"admin";}']},
        "post": {"id": 2, "url": "javascript:x", "password": "hunter2"},
        "reason": "spam", "replies": [{"id": 3, "author_email": "c@d.example", "replies": []}],
    }  # fmt: skip
    assert redact(record) == {
        "id": 1, "author_url": "", "content_html": "hi",
        "meta": {"akismet_result": "true",
                 "akismet_history": ['a:1:{s:5:"event";s:10:"report-ham";}']},
        "post": {"id": 2, "url": ""}, "reason": "spam", "replies": [{"id": 3, "replies": []}],
    }  # fmt: skip
    assert public_meta({"rating": "5", "verified": "1", "secret": "x"}) == {
        "rating": "5", "verified": "1"
    }


@pytest.mark.parametrize(
    "args",
    [
        ["extract", "--redact"],
        ["extract", "--redact", "--posts"],
        ["thread", "--redact", "--all-posts"],
    ],
)
def test_redacted_streams_and_their_rejects_hold_no_email_or_ip(
    tmp_path: Path, args: list[str]
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    extra = ["--rejects", str(rejects)] if args[0] == "thread" else []
    run = invoke([*args, "-q", *extra, FIXTURE])
    assert run.exit_code == 0, run.stderr
    data = run.stdout + (rejects.read_bytes() if extra else b"")
    assert b"akismet_as_submitted" not in data and b"akismet_user\"" not in data
    assert b"my_plugin_ip" not in data and b"hunter2" not in data
    # Bob's own address is in his comment's text, which --redact does not rewrite.
    assert leaks(data, BOBS) == []
    if args[0] == "extract":
        assert len(run.records) >= 10


def test_redacted_stream_is_moderated_as_the_export() -> None:
    direct = invoke(["thread", FIXTURE])
    redacted = invoke(["extract", "-q", "--redact", FIXTURE])
    piped = invoke(["thread", "-"], stdin=redacted.stdout)
    ledger = re.compile(r"\d+ read = .*")
    assert ledger.search(piped.stderr).group() == ledger.search(direct.stderr).group()  # type: ignore[union-attr]


def test_unpublished_protected_and_non_page_posts_drop_their_comments(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    run = invoke(["thread", FIXTURE, "--rejects", rejects])
    assert run.exit_code == 0, run.stderr
    dropped = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["id"], r["reason"], r["detail"]) for r in dropped] == [
        (13, "spam", "status spam"),
        (21, "protected", "password-protected post"),
        (31, "unpublished", "draft post"),
        (41, "unpublished", "pending post (awaiting review)"),
        (51, "unpublished", "private post"),
        (61, "unpublished", "scheduled post (not yet published)"),
        (91, "not-a-page", "post type revision"),
    ]
    assert run.stderr.endswith(
        "10 read = 3 kept + 7 dropped (unpublished 4, not-a-page 1, protected 1, spam 1)\n"
    )
    assert {r["post"]["id"]: r["post"]["protected"] for r in run.records} == {1: False, 12: False}


def test_include_protected_keeps_a_protected_posts_comments() -> None:
    run = invoke(["thread", "-q", "--include-protected", FIXTURE])
    posts = {r["post"]["id"]: r for r in run.records}
    assert posts[2]["post"]["protected"] is True
    assert [c["id"] for c in posts[2]["comments"]] == [21]
    assert b"hunter2" not in run.stdout


def test_all_posts_adds_only_public_posts_and_pages() -> None:
    run = invoke(["thread", "-q", "--all-posts", FIXTURE])
    assert [(r["post"]["id"], r["post"]["type"]) for r in run.records] == [
        (1, "post"), (10, "page"), (12, "post"), (13, "post")
    ]


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_archive_all_posts_publishes_nothing_unseen_and_no_script_url(
    tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    run = invoke(["archive", "-q", FIXTURE, "-o", out, "--format", fmt, "--all-posts"])
    assert run.exit_code == 0, run.stderr
    ext = ".md" if fmt == "markdown" else ".json"
    names = sorted(path.name for path in out.iterdir())
    posts = ["about", "click-me", "open-letter", "quiet-post"]
    assert names == sorted([f"{name}{ext}" for name in posts] + ["index.json"]
                           + (["index.md"] if fmt == "markdown" else []))  # fmt: skip
    data = b"".join(path.read_bytes() for path in out.iterdir())
    assert b"javascript" not in data.lower()
    assert b"Erin" not in data and b"hunter2" not in data
    assert leaks(data, BOBS) == []
    index = json.loads((out / "index.json").read_text())
    assert {entry["post_id"]: entry["url"] for entry in index["posts"]}[12] == ""
    verified = invoke(["verify", FIXTURE, out])
    assert verified.exit_code == 0, verified.stdout


def test_extract_never_writes_a_script_post_link() -> None:
    run = invoke(["extract", "-q", FIXTURE])
    post = next(r["post"] for r in run.records if r["post_id"] == 12)
    assert post["url"] == ""
    assert b"javascript:alert(document" not in run.stdout


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_verify_notes_an_address_the_commenter_published_and_passes(
    tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    invoke(["archive", "-q", FIXTURE, "-o", out, "--format", fmt])
    run = invoke(["verify", FIXTURE, out])
    assert run.exit_code == 0, run.stdout
    name = "open-letter.md" if fmt == "markdown" else "open-letter.json"
    lines = run.text.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"note: {name}:") for line in lines)
    assert lines[0].endswith(
        ": the e-mail address of the author of comment 12 (post 1) appears in the text of "
        "public comment 12, as written by its author"
    )
    assert lines[1].endswith(
        ": the IP address of the author of comment 12 (post 1) appears in the text of "
        "public comment 12, as written by its author"
    )
    assert "(2 notes); no problems" in run.stderr


@pytest.mark.parametrize("fmt", ["markdown", "json"])
@pytest.mark.parametrize("where", ["title", "other-comment", "author-name"])
def test_verify_still_fails_the_same_address_outside_its_comments_text(
    tmp_path: Path, fmt: str, where: str
) -> None:
    out = tmp_path / "out"
    invoke(["archive", "-q", FIXTURE, "-o", out, "--format", fmt])
    path = out / ("open-letter.md" if fmt == "markdown" else "open-letter.json")
    text = path.read_text()
    if where == "title":
        text = text.replace("Open letter", "Open letter bob@readers.example", 1)
    elif where == "other-comment":  # Alice's 11 never held it
        text = text.replace("Lovely post.", "Lovely post. bob@readers.example", 1)
    elif fmt == "json":  # a field of Alice's 11
        text = text.replace('"Alice"', '"Alice bob@readers.example"', 1)
    else:  # the header line of Bob's own 12: not its text
        text = text.replace("**Bob**", "**Bob bob@readers.example**", 1)
    path.write_text(text)
    run = invoke(["verify", FIXTURE, out])
    assert run.exit_code == 1
    private = [line for line in run.text.splitlines() if line.startswith("private: ")]
    assert private and ": the e-mail address of the author of comment 12 (post 1)" in private[0]


def test_verify_fails_a_file_for_a_post_no_reader_saw(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["archive", "-q", FIXTURE, "-o", out, "--format", "json"])
    (out / "half-written.json").write_text(
        json.dumps({"post": {"id": 3}, "comments": [], "stats": {}})
    )
    run = invoke(["verify", FIXTURE, out])
    assert run.exit_code == 1
    assert (
        "unexpected: half-written.json: post 3: a file for a post no reader saw "
        "(unpublished: draft post)" in run.text.splitlines()
    )


def test_printable_escapes_what_a_terminal_acts_on() -> None:
    assert printable("a\x1b[31m.xml\r\x07\u202e\x9b") == "a\\x1b[31m.xml\\x0d\\x07\\u202e\\x9b"
    assert printable("Café ☕ 👩‍👩‍👧") == "Café ☕ 👩‍👩‍👧"


def _zip(tmp_path: Path, member: str, data: bytes) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, data)
    path = tmp_path / "site.zip"
    path.write_bytes(buffer.getvalue())
    return path


def test_zip_member_names_are_escaped_in_the_summary(tmp_path: Path) -> None:
    path = _zip(tmp_path, "a\x1b[31m.xml", FIXTURE.read_bytes())
    run = invoke(["extract", path])
    assert run.exit_code == 0
    assert "\x1b" not in run.stderr
    assert f"from {path}:a\\x1b[31m.xml\n" in run.stderr


def test_zip_member_names_are_escaped_in_errors(tmp_path: Path) -> None:
    path = _zip(tmp_path, "b\x1b]0;owned\x07.xml", b"<rss><channel><item>")
    line = error_line(invoke(["extract", path]), 4)
    assert line.startswith(f"Error: {path}:b\\x1b]0;owned\\x07.xml:")
    assert "\x1b" not in line and "\x07" not in line


def test_statuses_from_the_export_are_escaped_in_stats(tmp_path: Path) -> None:
    # XML cannot hold an ESC (the reader removes it): a right-to-left override it can.
    data = FIXTURE.read_bytes().replace(b"<![CDATA[spam]]>", "<![CDATA[sp\u202eam]]>".encode())
    export = tmp_path / "x.xml"
    export.write_bytes(data)
    run = invoke(["stats", export])
    assert run.exit_code == 0
    assert "\u202e" not in run.text and "sp\\u202eam" in run.text
