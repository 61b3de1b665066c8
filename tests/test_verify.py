"""``wpmigrate.verify``: the audit after a migration, as a library.

The CLI (``wpmigrate verify``) is tested in ``test_verify_cli.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import CUSTOMER_LOVE, GOLDEN, invoke, load_script, shortened, skeleton_fed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.conversation.moderation import Policy
from wpmigrate.errors import InputError
from wpmigrate.pipeline import ReadSession
from wpmigrate.render.json_archive_reader import InvalidJson, JsonSkeleton
from wpmigrate.render.markdown_reader import MarkdownScan
from wpmigrate.verify import KINDS, Finding, VerifyReport, verify

hostile = load_script("make_hostile_fixtures")


def audit(folder: Path, export: Path = CUSTOMER_LOVE, **options: Any) -> VerifyReport:
    session = ReadSession([str(export)])
    session.open()
    return verify(session.groups(), str(folder), **options)


def archive(folder: Path, *options: str, export: Path = CUSTOMER_LOVE) -> Path:
    run = invoke(["archive", "-q", export, "-o", folder, *options])
    assert run.exit_code == 0, run.stderr
    return folder


# ---------------------------------------------------------------- a complete archive


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_the_seed_fixtures_archive_passes(fmt: str) -> None:
    report = audit(GOLDEN / "archive" / fmt)
    assert report.ok and report.findings == [] and report.lines() == []
    assert (report.expected, report.found, report.files, report.read) == (38, 38, 3, 45)
    assert report.formats == (fmt,)
    assert report.summary() == "verified 38 public comments: 38 found in 3 files; no problems"


def test_both_formats_in_one_folder_are_each_complete(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    archive(out, "--format", "json", "--force")
    report = audit(out)
    assert report.ok, report.lines()
    assert report.formats == ("json", "markdown") and report.found == 76
    assert report.summary() == (
        "verified 38 public comments: 76 found in 6 files (JSON, Markdown); no problems"
    )


# ---------------------------------------------------------------- gaps


@pytest.mark.parametrize(("fmt", "ext"), [("markdown", "md"), ("json", "json")])
def test_a_removed_file_is_a_gap(tmp_path: Path, fmt: str, ext: str) -> None:
    out = archive(tmp_path / "out", "--format", fmt)
    (out / f"secret-destinations.{ext}").unlink()
    report = audit(out)
    name = "Markdown" if fmt == "markdown" else "JSON"
    missing = [
        f"missing: post 108, comment {cid}: public in the export, in no {name} file"
        for cid in (1013, 1014, 1015, 1016, 1018, 1019)
    ]
    index = [f"inconsistent: index.json: lists secret-destinations.{ext}, which is not in the "
             "archive"]  # fmt: skip
    if fmt == "markdown":
        index += [
            "inconsistent: index.md: post_count says 3, the files hold 2",
            "inconsistent: index.md: comment_count says 38, the files hold 32",
        ]
    assert report.lines() == index + missing
    assert not report.ok and report.counts()["missing"] == 6
    assert report.summary().startswith("verified 38 public comments: 32 found in 2 files; ")


def test_a_copied_file_is_a_duplicate(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    shutil.copy(out / "secret-destinations.md", out / "copy.md")
    report = audit(out)
    assert [line for line in report.lines() if line.startswith("duplicate")] == [
        f"duplicate: post 108, comment {cid}: in 2 files: copy.md, secret-destinations.md"
        for cid in (1013, 1014, 1015, 1016, 1018, 1019)
    ]
    assert "inconsistent: index.json: does not list copy.md" in report.lines()


def test_a_comment_twice_on_one_page(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    page = out / "secret-destinations.md"
    page.write_text(page.read_text("utf-8") + '\n<a id="comment-1013"></a>again\n', "utf-8")
    assert audit(out).lines() == [
        "inconsistent: index.json: post 108: says secret-destinations.md has 6 comments; "
        "it has 7",
        "inconsistent: index.md: comment_count says 38, the files hold 39",
        "inconsistent: secret-destinations.md: post 108: comment_count says 6, the page shows 7",
        "duplicate: post 108, comment 1013: 2 times in secret-destinations.md",
    ]


def test_published_spam_and_strangers_are_unexpected(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--format", "json")
    path = out / "day-11-confessions-of-a-complete-flake.json"
    page = json.loads(path.read_text("utf-8"))
    first = page["comments"][0]
    page["comments"] += [{**first, "id": 1021, "replies": []}, {**first, "id": 9999, "replies": []}]
    path.write_text(json.dumps(page), "utf-8")
    assert audit(out).lines() == [
        "inconsistent: index.json: post 115: says day-11-confessions-of-a-complete-flake.json "
        "has 21 comments; it has 23",
        "unexpected: day-11-confessions-of-a-complete-flake.json: post 115, comment 1021: "
        "not public (spam: status spam)",
        "unexpected: day-11-confessions-of-a-complete-flake.json: post 115, comment 9999: "
        "not in the export",
    ]


def test_verify_and_archive_agree_on_what_is_public(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--include", "pending")
    assert audit(out).lines() == [
        "unexpected: day-10-cynical-about-customer-love.md: post 101, comment 1036: "
        "not public (pending: status pending)",
        "unexpected: day-11-confessions-of-a-complete-flake.md: post 115, comment 1045: "
        "not public (pending: status pending)",
    ]
    pending = Policy(include_statuses=frozenset({"pending"}))
    assert audit(out, policy=pending).ok


# ---------------------------------------------------------------- private data


def test_an_archive_with_private_fields(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--format", "json", "--keep-private-fields")
    report = audit(out)
    counts = report.counts()
    assert set(counts) == {"private"}
    lines = report.lines()
    assert (
        "private: secret-destinations.json: post 108, comment 1013: fields an archive does "
        "not publish (author_email, author_ip, meta) on 6 comments"
    ) in lines
    # every public commenter's address and IP is named, by comment, with its line
    assert any(
        line.startswith("private: secret-destinations.json:")
        and line.endswith(": the e-mail address of the author of comment 1014 (post 108)")
        for line in lines
    )
    assert audit(out, allow_private=True).ok


def small_export(folder: Path) -> Path:
    """Two commenters: one with an IPv4 address, one with IPv6 and an underscore."""
    path = folder / "small.xml"
    path.write_text(
        hostile.wxr(
            "two commenters for the private scan.",
            [
                hostile.item(1, "Small", "small", [
                    hostile.comment(10, "Hi.", email=" Bob@X.example ", ip="192.0.2.1"),
                    hostile.comment(11, "Yo.", email="john_doe@y.example", ip="2001:DB8::1"),
                    hostile.comment(12, "Me.", email="none", ip="127.0.0.1"),
                ]),
            ],
        ),
        "utf-8",
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("jim.bob@x.example bob@x.examples 192.0.2.10 1.192.0.2.1 192.0.2.1.5", []),
        ("2001:db8::10 ab2001:db8::1 john_doe@y.example.org xjohn_doe@y.example", []),
        ("none 127.0.0.1 ::1 localhost", []),
        ("Write to BOB@X.EXAMPLE.", ["e-mail address of the author of comment 10"]),
        ("(192.0.2.1)", ["IP address of the author of comment 10"]),
        ("mailto:john\\_doe@y.example", ["e-mail address of the author of comment 11"]),
        ("at 2001:0db8:0:0::1 today", ["IP address of the author of comment 11"]),
    ],
    ids=[
        "near misses",
        "near misses v6",
        "not private",
        "e-mail in capitals",
        "IPv4",
        "Markdown escape",
        "IPv6 written longer",
    ],
)
def test_the_private_scan_matches_whole_addresses(
    tmp_path: Path, text: str, found: list[str]
) -> None:
    export = small_export(tmp_path)
    out = archive(tmp_path / "out", export=export)
    assert audit(out, export=export).ok
    page = out / "small.md"
    lines = page.read_text("utf-8").count("\n")
    page.write_text(page.read_text("utf-8") + text + "\n", "utf-8")
    assert audit(out, export=export).lines() == [
        f"private: small.md:{lines + 1}: the {what} (post 1)" for what in found
    ]


def test_every_file_is_scanned_hidden_and_foreign_ones_too(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    (out / ".notes").write_text("susan@customer-love.example\n", "utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "log.txt").write_text("x\ny 192.0.2.148\n", "utf-8")
    assert audit(out).lines() == [
        "private: .notes:1: the e-mail address of the author of comment 1014 (post 108)",
        "private: sub/log.txt:2: the IP address of the author of comment 1033 (post 115)",
    ]


def test_private_data_split_across_chunks_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wpmigrate.verify as verify_module

    out = archive(tmp_path / "out")
    (out / "notes.txt").write_bytes(b"a" * 30 + b" susan@customer-love.example 192.0.2.148 z\n")
    monkeypatch.setattr(verify_module, "CHUNK", 7)
    assert audit(out).lines() == [
        "private: notes.txt:1: the e-mail address of the author of comment 1014 (post 108)",
        "private: notes.txt:1: the IP address of the author of comment 1033 (post 115)",
    ]


# ---------------------------------------------------------------- unreadable, inconsistent


def test_unreadable_files(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--format", "json")
    path = out / "secret-destinations.json"
    path.write_bytes(path.read_bytes()[:500])
    (out / "day-10-cynical-about-customer-love.json").write_bytes(b'{"post": {"id": "\xff"}}')
    lines = audit(out).lines()
    assert lines[:2] == [
        "unreadable: day-10-cynical-about-customer-love.json: not UTF-8 text",
        "unreadable: secret-destinations.json: not valid JSON (line 21: the file ends "
        "inside a string)",
    ]
    assert sum(line.startswith("missing: ") for line in lines) == 11 + 6


def test_markdown_without_front_matter_is_unreadable(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    page = out / "secret-destinations.md"
    page.write_text(page.read_text("utf-8").split("---\n", 2)[2], "utf-8")
    assert audit(out).lines()[0] == (
        "unreadable: secret-destinations.md: no front matter "
        "(a wpmigrate archive page starts with ---)"
    )


def test_front_matter_that_disagrees_with_the_page(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    page = out / "secret-destinations.md"
    text = page.read_text("utf-8").replace("comment_ids: [1013, ", "comment_ids: [1012, ")
    page.write_text(text.replace("comment_count: 6", "comment_count: 7"), "utf-8")
    assert audit(out).lines() == [
        "inconsistent: secret-destinations.md: post 108: comment_ids lists 1012 without an "
        "anchor; anchors 1013 are not in comment_ids",
        "inconsistent: secret-destinations.md: post 108: comment_count says 7, the page shows 6",
    ]


def test_a_missing_index_and_a_staging_leftover(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--format", "json")
    (out / "index.json").unlink()
    (out / ".wpmigrate-staging-abc123").mkdir()
    assert audit(out).lines() == [
        "inconsistent: .wpmigrate-staging-abc123: left by an interrupted archive run: remove it",
        "inconsistent: index.json: missing (every archive has one)",
    ]


def test_a_markdown_archive_without_its_index_page(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    (out / "index.md").unlink()
    assert audit(out).lines() == ["inconsistent: index.md: missing (a Markdown archive has one)"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symbolic_links_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("susan@customer-love.example\n", "utf-8")
    out = archive(tmp_path / "out")
    (out / "link.md").symlink_to(outside)
    assert audit(out).lines() == ["unreadable: link.md: a symbolic link (not followed)"]


def test_the_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing: no such folder$"):
        audit(tmp_path / "missing")
    with pytest.raises(InputError, match=r"customer-love.xml: not a folder$"):
        audit(CUSTOMER_LOVE)


def test_an_empty_folder_misses_everything(tmp_path: Path) -> None:
    report = audit(tmp_path)
    assert report.counts() == {"inconsistent": 1, "missing": 38}
    assert report.lines()[1] == (
        "missing: post 101, comment 1001: public in the export, in no file"
    )


# ---------------------------------------------------------------- the report


def test_finding_lines() -> None:
    assert str(Finding("missing", 1, 2, None, "gone")) == "missing: post 1, comment 2: gone"
    assert str(Finding("private", 1, 2, "a/b.md", "x", 7)) == (
        "private: a/b.md:7: post 1, comment 2: x"
    )
    assert str(Finding("inconsistent", None, None, "index.json", "y")) == (
        "inconsistent: index.json: y"
    )
    assert str(Finding("inconsistent", 3, None, "p.md", "z")) == "inconsistent: p.md: post 3: z"
    report = VerifyReport(expected=1, found=0, files=0, findings=[
        Finding("missing", 1, 2, None, "gone"), Finding("private", 1, 2, "a", "x", 1)
    ])  # fmt: skip
    assert report.summary() == (
        "verified 1 public comment: 0 found in 0 files; 2 problems (private 1, missing 1)"
    )
    assert set(report.counts()) <= set(KINDS)


# ---------------------------------------------------------------- streaming readers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=300)
    | st.text(alphabet='"\\\n\t\x01é😀a', max_size=400)
    | st.text(alphabet="\x01a", min_size=40, max_size=260),  # 6-byte escapes: long in bytes
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(alphabet="abc", max_size=3), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, size=st.integers(1, 64), indent=st.sampled_from([None, 2]))
def test_the_json_skeleton_is_the_document_with_long_strings_emptied(
    value: Any, size: int, indent: int | None
) -> None:
    data = json.dumps(value, indent=indent, ensure_ascii=False).encode()
    assert skeleton_fed(data, size) == shortened(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, cut=st.integers(0, 10_000), junk=st.sampled_from(
    [b"", b"\x01", b"\\", b"\\u12", b'"', b"}", b"\\x", b"\n"]), size=st.integers(1, 64))
def test_the_json_skeleton_rejects_what_json_rejects(
    value: Any, cut: int, junk: bytes, size: int
) -> None:
    data = json.dumps(value, ensure_ascii=False).encode()
    cut = cut % (len(data) + 1)
    broken = data[:cut] + junk + data[cut:]
    try:
        json.loads(broken)
        valid = True
    except ValueError:
        valid = False
    try:
        skeleton_fed(broken, size)
        read = True
    except InvalidJson:
        read = False
    assert read == valid


@pytest.mark.parametrize("size", [1, 5, 64, 1 << 20])
def test_a_string_is_measured_in_bytes_of_json_text_whatever_the_chunks(size: int) -> None:
    escaped = "\x01" * 50  # 50 characters, 300 bytes as JSON text
    plain = "a" * 256
    data = json.dumps([escaped, plain, plain + "a", "\n" * 128, "\n" * 129]).encode()
    assert skeleton_fed(data, size) == ["", plain, "", "\n" * 128, ""]


def test_a_50_mb_string_leaves_a_small_skeleton() -> None:
    """Memory grows with the number of values, never with the size of a string."""
    skeleton = JsonSkeleton()
    skeleton.feed(b'{"post": {"id": 1}, "comments": [{"id": 2, "content_html": "')
    block = b"x" * (1 << 20)
    for _ in range(50):
        skeleton.feed(block)
    skeleton.feed(b'", "replies": []}]}', final=True)
    assert sum(len(part) for part in skeleton.parts) < 100
    assert skeleton.load() == {
        "post": {"id": 1}, "comments": [{"id": 2, "content_html": "", "replies": []}]
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(1, 200))
def test_markdown_pages_read_the_same_in_any_chunks(size: int) -> None:
    data = (GOLDEN / "archive" / "markdown" / "day-11-confessions-of-a-complete-flake.md"
            ).read_bytes()  # fmt: skip
    scan = MarkdownScan()
    for start in range(0, len(data), size):
        scan.feed(data[start : start + size])
    scan.feed(b"", final=True)
    assert scan.problem is None
    assert sorted(scan.anchors) == [int(x) for x in scan.front["comment_ids"].strip(b"[]")
                                    .split(b", ")]  # fmt: skip
    assert len(scan.anchors) == 21 and scan.front["post_id"] == b"115"
