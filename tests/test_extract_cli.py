"""``wpmigrate extract``: records, formats, options, inputs, and every kind of bad input."""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS, REPO, Run, error_line

Cli = Callable[..., Run]

FIELDS = [
    "id",
    "post_id",
    "parent_id",
    "author_name",
    "author_email",
    "author_url",
    "author_ip",
    "user_id",
    "date",
    "date_gmt",
    "content_html",
    "status",
    "type",
    "by_post_author",
    "meta",
    "post",
]
POST_FIELDS = [
    "id", "title", "slug", "url", "type", "status", "protected", "author", "author_name", "date",
    "date_gmt",
]
CL_SUMMARY = (
    "wpmigrate: read 3 posts, 45 comments (approved 39, spam 3, pending 2, trash 1; "
    "comment 42, note 1, pingback 1, trackback 1) from {name}"
)


def quirk(name: str) -> Path:
    return QUIRKS / name


def ok(run: Run) -> Run:
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    return run


# --- records ------------------------------------------------------------------------------------


def test_extract_customer_love(run_cli: Cli) -> None:
    run = ok(run_cli(["extract", CUSTOMER_LOVE]))
    assert run.stderr == CL_SUMMARY.format(name=CUSTOMER_LOVE) + "\n"
    records = run.records
    assert len(records) == 45
    assert len({(r["post_id"], r["id"]) for r in records}) == 45
    for record in records:
        assert list(record) == FIELDS
        assert list(record["post"]) == POST_FIELDS
    assert [r["id"] for r in records if r["post_id"] == 108] == list(range(1012, 1020))
    assert run.text.endswith("\n") and run.text.count("\n") == 45
    assert "\\u" not in run.text  # UTF-8 out, not ASCII escapes
    assert "\u2019" in run.text


def test_json_format_is_one_array_of_the_same_records(run_cli: Cli) -> None:
    jsonl = ok(run_cli(["extract", CUSTOMER_LOVE])).records
    run = ok(run_cli(["extract", "--format", "json", CUSTOMER_LOVE]))
    assert json.loads(run.text) == jsonl
    assert run.text.startswith("[\n  {") and run.text.endswith("}\n]\n")


def test_json_without_comments_is_an_empty_array(run_cli: Cli, tmp_path: Path) -> None:
    data = quirk("wxr-1.1.xml").read_text(encoding="utf-8")
    no_comments = re.sub(r"\s*<wp:comment>.*?</wp:comment>", "", data, flags=re.S)
    path = tmp_path / "quiet.xml"
    path.write_text(no_comments, encoding="utf-8")
    run = ok(run_cli(["extract", "--format", "json", path]))
    assert run.text == "[]\n"
    assert run.stderr == f"wpmigrate: read 1 post, 0 comments from {path}\n"


@pytest.mark.parametrize("pretty", [[], ["--pretty"]])
def test_json_stays_valid_after_a_data_error(run_cli: Cli, pretty: list[str]) -> None:
    run = run_cli(["extract", "--format", "json", *pretty, quirk("truncated.xml")])
    line = error_line(run, 4)
    assert [r["id"] for r in json.loads(run.text)] == [2901, 2902]
    assert re.match(rf"Error: {re.escape(str(quirk('truncated.xml')))}:\d+:\d+: ", line)
    assert "truncated" in line


def test_pretty(run_cli: Cli) -> None:
    compact = ok(run_cli(["extract", quirk("wxr-1.1.xml")])).records
    run = ok(run_cli(["extract", "--pretty", quirk("wxr-1.1.xml")]))
    decoder, text, found, at = json.JSONDecoder(), run.text, [], 0
    while text[at:].strip():
        value, end = decoder.raw_decode(text, at)
        found.append(value)
        at = end + 1
    assert found == compact
    assert '\n  "id": 31,\n' in run.text
    pretty_json = ok(run_cli(["extract", "--pretty", "--format", "json", quirk("wxr-1.1.xml")]))
    assert json.loads(pretty_json.text) == compact
    assert '\n    "id": 31,\n' in pretty_json.text


def test_posts(run_cli: Cli) -> None:
    comments = ok(run_cli(["extract", CUSTOMER_LOVE])).records
    posts = ok(run_cli(["extract", "--posts", CUSTOMER_LOVE])).records
    assert [p["id"] for p in posts] == [101, 108, 115]
    for post in posts:
        assert list(post) == [*POST_FIELDS, "comment_count", "comments"]
        mine = [c for c in comments if c["post_id"] == post["id"]]
        assert post["comment_count"] == len(mine) == len(post["comments"])
        assert post["comments"] == [{k: v for k, v in c.items() if k != "post"} for c in mine]
        assert {k: post[k] for k in POST_FIELDS} == mine[0]["post"]


def test_posts_includes_posts_without_comments(run_cli: Cli) -> None:
    posts = ok(run_cli(["extract", "--posts", quirk("wxr-1.0.xml")])).records
    assert [(p["id"], p["type"], p["comment_count"]) for p in posts] == [
        (5, "post", 2),
        (2, "page", 0),
    ]


@pytest.mark.parametrize("shape", [[], ["--posts"]])
def test_redact_removes_emails_and_ips(run_cli: Cli, shape: list[str]) -> None:
    full = ok(run_cli(["extract", *shape, CUSTOMER_LOVE]))
    run = ok(run_cli(["extract", "--redact", *shape, CUSTOMER_LOVE]))
    for value in ("@customer-love.example", "colin@example.org", "192.0.2.", "203.0.113."):
        assert value in full.text
        assert value not in run.text
    records = run.records if not shape else [c for p in run.records for c in p["comments"]]
    assert len(records) == 45
    assert all("author_email" not in r and "author_ip" not in r for r in records)
    assert list(records[0]) == [f for f in FIELDS if f not in ("author_email", "author_ip")][
        : len(records[0])
    ]


def test_quiet(run_cli: Cli) -> None:
    run = ok(run_cli(["extract", "-q", quirk("control-chars.xml")]))
    assert run.stderr == ""
    assert len(run.records) == 2


def test_repairs_are_reported(run_cli: Cli) -> None:
    run = ok(run_cli(["extract", quirk("control-chars.xml")]))
    assert run.stderr == (
        f"wpmigrate: read 1 post, 2 comments (approved 2; comment 2) from "
        f"{quirk('control-chars.xml')}; repaired: 5 characters forbidden in XML (control "
        "bytes) removed; 2 character references to forbidden characters replaced\n"
    )


def test_encoding_override(run_cli: Cli) -> None:
    default = ok(run_cli(["extract", quirk("latin1-as-utf8.xml")]))
    assert default.records[0]["content_html"] == "Caf\ufffd \ufffdquoted\ufffd it\ufffds"
    assert "repaired: 5 byte sequences invalid" in default.stderr
    told = ok(run_cli(["extract", "--encoding", "cp1252", quirk("latin1-as-utf8.xml")]))
    assert told.records[0]["content_html"] == "Caf\u00e9 \u201cquoted\u201d it\u2019s"
    assert "repaired" not in told.stderr


def test_unknown_encoding_is_a_usage_error(run_cli: Cli) -> None:
    run = run_cli(["extract", "--encoding", "klingon-8", CUSTOMER_LOVE])
    assert run.exit_code == 2
    assert "unknown encoding 'klingon-8'" in run.stderr
    assert run.stdout == b""


# --- -o -----------------------------------------------------------------------------------------


def test_output_file(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "comments.jsonl"
    run = ok(run_cli(["extract", "-o", out, CUSTOMER_LOVE]))
    assert run.stdout == b""
    assert out.read_bytes() == ok(run_cli(["extract", CUSTOMER_LOVE])).stdout
    assert os.listdir(tmp_path) == ["comments.jsonl"]


def test_output_file_is_not_replaced_without_force(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "comments.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    line = error_line(run_cli(["extract", "-o", out, CUSTOMER_LOVE]), 5)
    assert line == f"Error: {out}: already exists (use --force to replace it)"
    assert out.read_text(encoding="utf-8") == "precious\n"
    ok(run_cli(["extract", "-o", out, "--force", CUSTOMER_LOVE]))
    assert len(out.read_text(encoding="utf-8").splitlines()) == 45
    assert os.listdir(tmp_path) == ["comments.jsonl"]


def test_output_file_after_a_data_error_holds_what_was_read(run_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "partial.json"
    error_line(run_cli(["extract", "--format", "json", "-o", out, quirk("truncated.xml")]), 4)
    assert [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))] == [2901, 2902]


def test_output_file_after_an_unreadable_input_holds_what_was_read(
    run_cli: Cli, tmp_path: Path
) -> None:
    """Like a data error: what was read before the fault is written, as valid JSON,
    and no temporary file is left behind."""
    bad = tmp_path / "bad.xml.gz"
    bad.write_bytes(gzip.compress(CUSTOMER_LOVE.read_bytes())[:-2000])
    out = tmp_path / "out" / "comments.json"
    out.parent.mkdir()
    line = error_line(run_cli(["extract", "--format", "json", "-o", out, CUSTOMER_LOVE, bad]), 3)
    assert line.startswith(f"Error: {bad}: corrupt gzip data: ")
    assert os.listdir(out.parent) == ["comments.json"]
    records = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) >= 45 and records[0]["id"] == 1001


# --- inputs ---------------------------------------------------------------------------------------


def test_stdin(run_cli: Cli) -> None:
    expected = ok(run_cli(["extract", CUSTOMER_LOVE])).stdout
    run = ok(run_cli(["extract", "-"], stdin=CUSTOMER_LOVE.read_bytes()))
    assert run.stdout == expected
    assert run.stderr == CL_SUMMARY.format(name="<stdin>") + "\n"
    gz = ok(run_cli(["extract", "-"], stdin=gzip.compress(CUSTOMER_LOVE.read_bytes())))
    assert gz.stdout == expected


@pytest.mark.parametrize(
    ("compress", "name"),
    [
        (gzip.compress, "export.xml.gz"),
        (bz2.compress, "export.xml.bz2"),
        (lzma.compress, "export.xml.xz"),
        (gzip.compress, "export.xml"),  # misnamed: content decides
        (lzma.compress, "export.gz"),
    ],
)
def test_compressed_inputs(
    run_cli: Cli, tmp_path: Path, compress: Callable[[bytes], bytes], name: str
) -> None:
    expected = ok(run_cli(["extract", CUSTOMER_LOVE])).stdout
    path = tmp_path / name
    path.write_bytes(compress(CUSTOMER_LOVE.read_bytes()))
    assert ok(run_cli(["extract", path])).stdout == expected


def test_zip_of_several_exports_in_natural_order(run_cli: Cli, tmp_path: Path) -> None:
    """WordPress.com splits big sites; the parts are read in natural order (9 before 10)
    and deduplicated, giving exactly what the unsplit export gives."""
    split = QUIRKS / "duplicates-split"
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("site.wordpress.10.xml", (split / "part-2.xml").read_bytes())
        zipped.writestr("site.wordpress.9.xml", (split / "part-1.xml").read_bytes())
    run = ok(run_cli(["extract", archive]))
    assert run.stdout == ok(run_cli(["extract", quirk("duplicates.xml")])).stdout
    assert run.stderr.startswith(
        f"wpmigrate: read 4 posts, 5 comments (approved 5; comment 5) from "
        f"{archive}:site.wordpress.9.xml, {archive}:site.wordpress.10.xml; repaired: "
    )


def test_several_files_deduplicated(run_cli: Cli) -> None:
    split = QUIRKS / "duplicates-split"
    run = ok(run_cli(["extract", split / "part-1.xml", split / "part-2.xml"]))
    assert run.stdout == ok(run_cli(["extract", quirk("duplicates.xml")])).stdout
    assert [(r["post_id"], r["id"]) for r in run.records] == [
        (40, 400),
        (40, 401),
        (41, 410),
        (41, 411),
        (40, 402),
    ]
    assert run.stderr.endswith(
        "; repaired: 3 duplicate comments skipped; "
        "1 items repeating a post already read, with nothing new, skipped\n"
    )


def test_the_same_file_twice_gives_each_comment_once(run_cli: Cli) -> None:
    once = ok(run_cli(["extract", CUSTOMER_LOVE]))
    twice = ok(run_cli(["extract", CUSTOMER_LOVE, CUSTOMER_LOVE]))
    assert twice.stdout == once.stdout


# --- bad input ----------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def empty_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w"):
        pass
    return path


def zip_without_xml(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("media/photo.jpg", b"\xff\xd8\xff")
    return path


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Feed</title>
<item><title>Hi</title></item></channel></rss>
"""

BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], int, str]] = {
    "missing file": (lambda d: d / "missing.xml", 3, "{p}: cannot open: No such file or directory"),
    "directory": (lambda d: d, 3, "{p}: is a directory, not an export file"),
    "corrupt gzip": (
        lambda d: write(d / "x.xml.gz", gzip.compress(RSS * 50)[:40]),
        3,
        "{p}: corrupt gzip data: ",
    ),
    "zip without xml": (lambda d: zip_without_xml(d / "x.zip"), 3, "{p}: the zip holds no .xml"),
    "empty zip": (lambda d: empty_zip(d / "x.zip"), 3, "{p}: the zip holds no .xml file"),
    "empty file": (lambda d: write(d / "x.xml", b""), 4, "{p}: empty file: no XML in it"),
    "only a BOM": (lambda d: write(d / "x.xml", codecs.BOM_UTF8), 4, "{p}: empty file"),
    "not XML": (
        lambda d: write(d / "x.xml", b"id,author\n1,ann\n"),
        4,
        "{p}:1:1: not an XML document (it starts with 'id,author\\n1,ann\\n')",
    ),
    "HTML page": (
        lambda d: write(d / "x.xml", b"\n<!DOCTYPE html>\n<html><body>Login</body></html>"),
        4,
        "{p}:2:1: not a WXR export: this is an HTML page",
    ),
    "Atom feed": (
        lambda d: write(d / "x.xml", b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'),
        4,
        "{p}:2:1: not a WXR export: an Atom feed",
    ),
    "RSS without wp": (
        lambda d: write(d / "x.xml", RSS),
        4,
        "{p}:2: not a WXR export: an RSS feed without WordPress export data",
    ),
    "truncated": (
        lambda d: write(d / "x.xml", (QUIRKS / "truncated.xml").read_bytes()),
        4,
        "{p}:126:64: malformed XML: the export is truncated: ",
    ),
    "malformed": (
        lambda d: write(
            d / "x.xml", (QUIRKS / "wxr-1.1.xml").read_bytes().replace(b"</item>", b"</iten>")
        ),
        4,
        "{p}:88:9: malformed XML: opening and ending tag mismatch: ",
    ),
    "DOCTYPE": (
        lambda d: write(d / "x.xml", (QUIRKS / "doctype-xxe.xml").read_bytes()),
        4,
        "{p}:7:1: refused: a DOCTYPE declaration",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_line_and_its_exit_code(
    run_cli: Cli, tmp_path: Path, case: str
) -> None:
    make, code, message = BAD_INPUTS[case]
    path = make(tmp_path)
    line = error_line(run_cli(["extract", path]), code)
    assert line.startswith("Error: " + message.format(p=path)), line


def test_an_error_in_a_later_file_comes_after_the_earlier_records(
    run_cli: Cli, tmp_path: Path
) -> None:
    bad = write(tmp_path / "b.xml", RSS)
    run = run_cli(["extract", quirk("wxr-1.1.xml"), bad])
    error_line(run, 4)
    assert [r["id"] for r in run.records] == [31, 32]


def test_a_missing_later_file_fails_before_any_output(run_cli: Cli, tmp_path: Path) -> None:
    run = run_cli(["extract", CUSTOMER_LOVE, tmp_path / "missing.xml"])
    error_line(run, 3)
    assert run.stdout == b""


def test_xxe_does_not_leak_a_local_file(run_cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-c0ffee\n", encoding="utf-8")
    data = (QUIRKS / "doctype-xxe.xml").read_bytes()
    doc = write(tmp_path / "x.xml", data.replace(b"file:///etc/passwd", secret.as_uri().encode()))
    run = run_cli(["extract", doc])
    error_line(run, 4)
    assert run.stdout == b""
    assert "TOP-SECRET" not in run.stderr


# --- as a real process ------------------------------------------------------------------------


def python_m(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "wpmigrate", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        env=env,
        check=False,
    )


def test_python_m_wpmigrate_extract(run_cli: Cli) -> None:
    expected = ok(run_cli(["extract", "fixtures/customer-love.xml"])).stdout
    done = python_m(["extract", "fixtures/quirks/../customer-love.xml"])
    assert done.returncode == 0
    assert done.stdout == expected
    name = "fixtures/quirks/../customer-love.xml"
    assert done.stderr.decode() == CL_SUMMARY.format(name=name) + "\n"


def test_python_m_wpmigrate_bad_input_from_stdin() -> None:
    done = python_m(["extract", "-"], stdin=gzip.compress(b"<html><body>Not found</body></html>"))
    assert done.returncode == 4
    assert done.stdout == b""
    assert done.stderr.decode() == "Error: <stdin>:1:1: not a WXR export: an HTML page\n"
