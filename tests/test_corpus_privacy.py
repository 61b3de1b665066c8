"""No commenter e-mail or IP leaves through --redact or a default archive, on every real
export of ../shared/corpus (see its MANIFEST.tsv).

The values looked for are every commenter's e-mail and IP the export holds, in any form:
its comment fields, and any e-mail or IPv4 address inside any comment or post meta value
(Akismet's serialised ``akismet_as_submitted`` holds ``comment_author_email``, ``user_ip``,
``REMOTE_ADDR``). They are taken from the XML with the standard library, not with
wpmigrate. The only place one may appear is the text of a public comment whose own
author typed it there (WordPress showed it): those are left out of the scan of that
text only.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import invoke
from test_corpus import BROKEN, FILES, wp_fields

pytestmark = pytest.mark.corpus

_WP = re.compile(r"^\{https?://wordpress\.org/export/\d+\.\d+/\}(.+)$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_IPV4 = re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9]|\.[0-9])")
#: Identify nobody (and the pseudonymised corpus uses 127.0.0.1 for real IPs).
_ANONYMOUS = {"127.0.0.1", "0.0.0.0", "::1", ""}
READABLE = [name for name in FILES if name not in BROKEN]


def _local(tag: str) -> str | None:
    found = _WP.match(tag)
    return found.group(1) if found else None


def private_values(path: Path) -> set[str]:
    """Every commenter e-mail and IP of the export (lower-cased): comment fields, and
    any e-mail or IPv4 address in any comment or post meta value."""
    values: set[str] = set()
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        # An old export the stdlib cannot read (raw "]]>" in CDATA): the same fields by
        # their tags in the text.
        raw = path.read_text(encoding="utf-8", errors="replace")
        for tag in ("comment_author_email", "comment_author_IP", "meta_value"):
            for value in re.findall(rf"<wp:{tag}>(.*?)</wp:{tag}>", raw, re.S):
                values.update(match.lower() for match in _EMAIL.findall(value))
                values.update(_IPV4.findall(value))
        return values - _ANONYMOUS
    for element in root.iter():
        name = _local(element.tag)
        if name == "comment":
            fields = wp_fields(element)
            values.add(fields.get("comment_author_email", "").strip().lower())
            for ip in re.split(r"[\s,]+", fields.get("comment_author_IP", "")):
                values.add(ip.strip().lower())
        elif name in ("commentmeta", "postmeta"):
            value = wp_fields(element).get("meta_value", "")
            values.update(match.lower() for match in _EMAIL.findall(value))
            values.update(_IPV4.findall(value))
    return values - _ANONYMOUS


def scan(data: bytes, values: set[str]) -> list[str]:
    text = data.decode("utf-8", "replace").lower().replace("\\", "")
    return sorted(value for value in values if value in text)


def own_text_values(path: Path) -> set[str]:
    """Values that a comment's own author typed into its text (published by them)."""
    own: set[str] = set()
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return own  # nothing excused
    for element in root.iter():
        if _local(element.tag) == "comment":
            fields = wp_fields(element)
            text = fields.get("comment_content", "").lower()
            mine = (fields.get("comment_author_email", ""), fields.get("comment_author_IP", ""))
            for value in mine:
                if value.strip() and value.strip().lower() in text:
                    own.add(value.strip().lower())
    return own


@pytest.mark.parametrize("name", READABLE)
@pytest.mark.parametrize(
    "args", [["extract", "--redact"], ["extract", "--redact", "--posts"],
             ["thread", "--redact", "--all-posts", "--include-protected"]]
)  # fmt: skip
def test_redacted_output_holds_no_commenter_email_or_ip(
    corpus_dir: Path, tmp_path: Path, name: str, args: list[str]
) -> None:
    path = corpus_dir / name
    values = private_values(path)
    rejects = tmp_path / "rejects.jsonl"
    extra = ["--rejects", str(rejects)] if args[0] == "thread" else []
    run = invoke([*args, "-q", *extra, path])
    assert run.exit_code == 0, run.stderr
    data = run.stdout + (rejects.read_bytes() if extra else b"")
    assert b"akismet_as_submitted" not in data
    assert scan(data, values - own_text_values(path)) == []


@pytest.mark.parametrize("name", READABLE)
@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_default_archive_holds_no_commenter_email_or_ip_and_verifies(
    corpus_dir: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    path = corpus_dir / name
    values = private_values(path)
    out = tmp_path / "out"
    run = invoke(["archive", "-q", path, "-o", out, "--format", fmt, "--all-posts"])
    assert run.exit_code == 0, run.stderr
    data = b"".join(file.read_bytes() for file in out.rglob("*") if file.is_file())
    assert scan(data, values - own_text_values(path)) == []
    verified = invoke(["verify", path, out])
    assert verified.exit_code == 0, verified.stdout
