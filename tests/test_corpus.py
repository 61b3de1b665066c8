"""The reader against real exports in ../shared/corpus (see its MANIFEST.tsv).

Each valid file is checked against a count made independently with the standard
library's xml.etree: every <wp:comment> of every item appears exactly once in the
output, under the right post, with the right parent, status and type. The two broken
files of the WordPress importer's test data must end in a clean error with FILE:LINE:COL.
Without the corpus these tests skip (and fail under CI=true: see conftest.corpus_dir).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, invoke, read_documents

from wpmigrate.errors import DataError
from wpmigrate.render.html import comment_html
from wpmigrate.render.markdown import comment_markdown, html_to_markdown

pytestmark = pytest.mark.corpus

BROKEN = {"wordpress-importer/malformed.xml": "opening and ending tag mismatch"}
#: Not well-formed, and repaired as the WordPress Importer reads them (no stdlib oracle).
REPAIRED = {"wordpress-importer/crazy-cdata.xml": {"raw_cdata_ends": 4}}
_WP = re.compile(r"^\{https?://wordpress\.org/export/\d+\.\d+/\}(.+)$")
_STATUS = {"1": "approved", "0": "pending"}


def manifest() -> list[str]:
    """Corpus files named in MANIFEST.tsv, or one placeholder so the fixture can skip/fail."""
    path = CORPUS / "MANIFEST.tsv"
    if not path.is_file():
        return ["(corpus missing)"]
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [row.split("\t")[0] for row in rows if row.strip()]


FILES = manifest()
VALID = [name for name in FILES if name not in BROKEN and name not in REPAIRED]


def wp_fields(element: ET.Element) -> dict[str, str]:
    """``{local name: text}`` of an element's children in a WordPress namespace (first wins)."""
    fields: dict[str, str] = {}
    for child in element:
        found = _WP.match(child.tag)
        if found and found.group(1) not in fields:
            fields[found.group(1)] = (child.text or "").strip()
    return fields


def expected_comments(path: Path) -> Counter[tuple[int, int, int, str, str]]:
    """(post id, comment id, parent id, status, type) of every comment, counted with the stdlib."""
    root = ET.parse(path).getroot()
    found: Counter[tuple[int, int, int, str, str]] = Counter()
    for item in root.iter("item"):
        fields = wp_fields(item)
        post_id = fields.get("post_id", "")
        if not post_id.isdigit():  # an item without a post id: its ?p= link says it
            link = re.search(r"[?&]p=(\d+)", item.findtext("link") or "")
            assert link, f"{path.name}: an item with neither a post id nor a ?p= link"
            post_id = link.group(1)
        for comment in item:
            if _WP.match(comment.tag) and _WP.match(comment.tag).group(1) == "comment":  # type: ignore[union-attr]
                values = wp_fields(comment)
                status = values.get("comment_approved", "1")
                kind = values.get("comment_type", "")
                found[
                    (
                        int(post_id),
                        int(values["comment_id"]),
                        int(values.get("comment_parent") or 0),
                        _STATUS.get(status, status),
                        kind or "comment",
                    )
                ] += 1
    return found


def test_manifest_lists_files_that_exist(corpus_dir: Path) -> None:
    assert len(FILES) >= 10
    assert set(BROKEN) | set(REPAIRED) <= set(FILES)
    for name in FILES:
        assert (corpus_dir / name).is_file(), name


@pytest.mark.parametrize("name", VALID)
def test_every_comment_once_with_its_post_parent_status_and_type(
    corpus_dir: Path, name: str
) -> None:
    path = corpus_dir / name
    expected = expected_comments(path)
    assert all(count == 1 for count in expected.values()), "the export repeats a comment"
    read = read_documents([path])
    assert read.error is None, str(read.error)
    got = Counter(
        (r["post_id"], r["id"], r["parent_id"], r["status"], r["type"]) for r in read.records
    )
    assert got == expected
    assert len(read.records) == sum(expected.values())


@pytest.mark.parametrize("name", sorted(REPAIRED))
def test_old_cdata_exports_are_repaired_and_read_whole(corpus_dir: Path, name: str) -> None:
    read = read_documents([corpus_dir / name])
    assert read.error is None, str(read.error)
    assert read.repairs == REPAIRED[name]
    run = invoke(["extract", "--posts", corpus_dir / name])
    assert run.exit_code == 0, run.stderr
    items = (corpus_dir / name).read_bytes().count(b"</item>")
    assert items >= 1 and len(run.records) == items


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_exports_end_in_a_clean_data_error(corpus_dir: Path, name: str) -> None:
    path = corpus_dir / name
    read = read_documents([path])
    assert isinstance(read.error, DataError)
    assert read.error.line > 0 and read.error.column > 0
    assert read.records == []

    run = invoke(["extract", path])
    assert run.exit_code == 4
    assert "Traceback" not in run.stderr
    assert run.stdout == b""
    lines = run.stderr.splitlines()
    assert len(lines) == 1
    assert re.match(rf"^Error: {re.escape(str(path))}:\d+:\d+: malformed XML: ", lines[0]), lines
    assert BROKEN[name] in lines[0]


@pytest.mark.parametrize("name", VALID)
def test_every_real_comment_converts_the_same_without_html2text(
    corpus_dir: Path, name: str
) -> None:
    # comment_markdown() calls neither html2text nor its HTML parser; on real
    # comments it must still give html2text's route's bytes.
    read = read_documents([corpus_dir / name])
    for record in read.records:
        content = record.get("content_html")
        if isinstance(content, str):
            assert comment_markdown(content) == html_to_markdown(comment_html(content)), content
