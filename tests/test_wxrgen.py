"""Tests of the synthetic WXR generator (benchmarks/wxrgen.py).

The generator's truth is checked against the file it writes, parsed with the
standard library only (``xml.etree.ElementTree``), never with wpmigrate or lxml.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import wxrgen

CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"

#: Seed used for the ~1 MB feature-coverage file (every feature appears with it).
COVERAGE_SEED = 3


@dataclass
class Export:
    cfg: wxrgen.GenConfig
    data: bytes
    stats: wxrgen.GenStats
    truth: list[wxrgen.GenPost]

    @property
    def comments(self) -> list[wxrgen.GenComment]:
        return [c for p in self.truth for c in p.comments]

    def root(self) -> ET.Element:
        return ET.fromstring(self.data)

    def wp(self) -> str:
        scheme = "https" if self.cfg.https_namespace else "http"
        return f"{{{scheme}://wordpress.org/export/{self.cfg.wxr_version}/}}"


def generate(**kwargs: object) -> Export:
    cfg = wxrgen.GenConfig(**kwargs)  # type: ignore[arg-type]
    out = io.BytesIO()
    stats = wxrgen.write_wxr(cfg, out)
    truth = list(itertools.islice(wxrgen.posts(cfg), stats.posts))
    return Export(cfg, out.getvalue(), stats, truth)


@pytest.fixture(scope="module")
def coverage_export() -> Export:
    return generate(seed=COVERAGE_SEED, target_bytes=1_000_000, plain_type="mixed")


def _text(el: ET.Element, tag: str) -> str:
    found = el.find(tag)
    assert found is not None, f"missing {tag}"
    return found.text or ""


def _depths(post: wxrgen.GenPost) -> dict[int, int]:
    by_id = {c.id: c for c in post.comments}
    depths: dict[int, int] = {}
    for c in post.comments:
        depth, node, seen = 0, c, {c.id}
        while node.parent_id in by_id and node.parent_id not in seen:
            node = by_id[node.parent_id]
            seen.add(node.id)
            depth += 1
        depths[c.id] = depth
    return depths


# --------------------------------------------------------------------------- determinism


def test_same_config_same_bytes_other_seed_other_bytes() -> None:
    a = generate(seed=7, target_bytes=200_000)
    b = generate(seed=7, target_bytes=200_000)
    c = generate(seed=8, target_bytes=200_000)
    assert a.data == b.data
    assert a.stats.posts == b.stats.posts
    assert a.data != c.data


def test_posts_truth_matches_written_file_in_order() -> None:
    export = generate(seed=3, target_bytes=400_000)
    root = export.root()
    wp = export.wp()
    items = root.findall("./channel/item")
    assert len(items) == export.stats.posts == len(export.truth)
    for item, post in zip(items, export.truth, strict=True):
        assert int(_text(item, f"{wp}post_id")) == post.id
        written = [int(_text(c, f"{wp}comment_id")) for c in item.findall(f"{wp}comment")]
        assert written == [c.id for c in post.comments]


def test_on_post_callback_sees_the_written_posts() -> None:
    cfg = wxrgen.GenConfig(seed=4, target_bytes=150_000)
    seen: list[wxrgen.GenPost] = []
    stats = wxrgen.write_wxr(cfg, io.BytesIO(), seen.append)
    assert len(seen) == stats.posts
    assert seen == list(itertools.islice(wxrgen.posts(cfg), stats.posts))


def test_max_posts_stops_writer_and_truth() -> None:
    cfg = wxrgen.GenConfig(seed=2, target_bytes=10**12, max_posts=25)
    stats = wxrgen.write_wxr(cfg, io.BytesIO())
    assert stats.posts == 25
    assert len(list(wxrgen.posts(cfg))) == 25


def test_streams_one_item_per_write() -> None:
    class Recorder(io.RawIOBase):
        def __init__(self) -> None:
            self.sizes: list[int] = []

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.sizes.append(len(data))
            return len(data)

    out = Recorder()
    stats = wxrgen.write_wxr(wxrgen.GenConfig(seed=1, target_bytes=500_000), out)  # type: ignore[arg-type]
    assert len(out.sizes) == stats.posts + 2  # header, items, footer
    assert max(out.sizes) <= max(stats.max_item_bytes, 20_000)
    assert sum(out.sizes) == stats.bytes


# --------------------------------------------------------------------------- well-formed, fields


def assert_file_matches_truth(export: Export) -> None:
    """Parse the export with ElementTree and compare every field with the truth."""
    version = export.cfg.wxr_version
    assert len(export.data) == export.stats.bytes
    root = export.root()
    wp = export.wp()
    assert root.tag == "rss"
    channel = root.find("channel")
    assert channel is not None
    assert _text(channel, f"{wp}wxr_version") == version

    author_els = channel.findall(f"{wp}author")
    table: dict[str, tuple[int, str]] = {}
    for a in author_els:
        table[_text(a, f"{wp}author_login")] = (
            int(_text(a, f"{wp}author_id")),
            _text(a, f"{wp}author_email"),
        )
    if version == "1.0":
        assert not author_els
    else:
        truth_authors = wxrgen.authors(export.cfg)
        assert 3 <= len(truth_authors) <= 8
        assert [(a.id, a.email) for a in truth_authors] == list(table.values())
        names = [html.unescape(_text(a, f"{wp}author_display_name")) for a in author_els]
        assert names == [a.display_name for a in truth_authors]

    items = channel.findall("item")
    assert len(items) == len(export.truth) == export.stats.posts
    assert sum(export.stats.by_post_type.values()) == export.stats.posts
    written_comments = root.findall(f"./channel/item/{wp}comment")
    assert len(written_comments) == len(export.comments) == export.stats.comments

    for item, post in zip(items, export.truth, strict=True):
        assert int(_text(item, f"{wp}post_id")) == post.id
        assert html.unescape(_text(item, "title").strip()) == post.title
        assert _text(item, "link") == post.url
        assert _text(item, f"{wp}post_name") == post.slug
        assert _text(item, f"{wp}post_type") == post.post_type
        assert _text(item, f"{wp}status") == post.status
        assert _text(item, f"{DC}creator") == post.author_login
        assert _text(item, f"{wp}post_date") == post.date
        assert _text(item, f"{wp}post_date_gmt") == post.date_gmt
        assert int(_text(item, f"{wp}post_parent")) == post.parent_id
        assert item.find(f"{CONTENT}encoded") is not None
        post_author = table.get(post.author_login)
        for el, c in zip(item.findall(f"{wp}comment"), post.comments, strict=True):
            assert int(_text(el, f"{wp}comment_id")) == c.id
            assert c.post_id == post.id
            assert html.unescape(_text(el, f"{wp}comment_author").strip()) == c.author_name
            assert _text(el, f"{wp}comment_author_email") == c.author_email
            assert _text(el, f"{wp}comment_author_url") == c.author_url
            assert _text(el, f"{wp}comment_author_IP") == c.author_ip
            assert _text(el, f"{wp}comment_date") == c.date
            assert _text(el, f"{wp}comment_date_gmt") == c.date_gmt
            assert _text(el, f"{wp}comment_content") == c.content_html
            assert _text(el, f"{wp}comment_approved") == c.approved_raw
            assert _text(el, f"{wp}comment_type") == c.type_raw
            assert int(_text(el, f"{wp}comment_parent")) == c.parent_id
            assert int(_text(el, f"{wp}comment_user_id")) == c.user_id
            meta = [
                (_text(m, f"{wp}meta_key"), _text(m, f"{wp}meta_value"))
                for m in el.findall(f"{wp}commentmeta")
            ]
            assert meta == c.meta
            # by_post_author follows from what the file says, nothing else
            expected = False
            if post_author is not None:
                author_id, author_email = post_author
                mine = author_email.strip().lower()
                expected = (c.user_id != 0 and c.user_id == author_id) or (
                    bool(mine) and c.author_email.strip().lower() == mine
                )
            assert c.by_post_author == expected, c


@pytest.mark.parametrize(
    ("version", "https"),
    [("1.0", False), ("1.1", False), ("1.2", False), ("1.2", True)],
)
def test_well_formed_and_every_field_matches_truth(version: str, https: bool) -> None:
    export = generate(seed=11, target_bytes=300_000, wxr_version=version, https_namespace=https)
    assert export.stats.comments > 50
    assert_file_matches_truth(export)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    version=st.sampled_from(["1.0", "1.1", "1.2"]),
    https=st.booleans(),
    target=st.integers(min_value=1_000, max_value=60_000),
    plain_type=st.sampled_from(["auto", "", "comment", "mixed"]),
)
def test_any_small_export_matches_truth(
    seed: int, version: str, https: bool, target: int, plain_type: str
) -> None:
    export = generate(seed=seed, target_bytes=target, wxr_version=version,
                      https_namespace=https, plain_type=plain_type)
    assert export.stats.bytes >= target
    assert_file_matches_truth(export)


def test_wxr_1_0_has_no_author_table_so_no_comment_is_by_the_post_author() -> None:
    export = generate(seed=12, target_bytes=400_000, wxr_version="1.0")
    assert b"<wp:author>" not in export.data
    assert export.comments
    assert not any(c.by_post_author for c in export.comments)
    # the same site in 1.2 does credit post authors
    modern = generate(seed=12, target_bytes=400_000, wxr_version="1.2")
    assert any(c.by_post_author for c in modern.comments)


def test_namespaces_in_header() -> None:
    http = generate(seed=1, target_bytes=20_000)
    https = generate(seed=1, target_bytes=20_000, https_namespace=True)
    assert b'xmlns:wp="http://wordpress.org/export/1.2/"' in http.data
    assert b'xmlns:wp="https://wordpress.org/export/1.2/"' in https.data
    for tag in (b"<wp:base_site_url>", b"<wp:base_blog_url>", b"<generator>", b"<language>",
                b"<pubDate>", b"<wp:category>", b'xmlns:excerpt="', b'xmlns:content="',
                b'xmlns:wfw="', b'xmlns:dc="'):
        assert tag in http.data
    assert http.data.rstrip().endswith(b"</channel>\n</rss>")


def test_legacy_and_modern_markup() -> None:
    legacy = generate(seed=6, target_bytes=100_000, wxr_version="1.1")
    modern = generate(seed=6, target_bytes=100_000, wxr_version="1.2")
    assert b"<wp:comment_approved><![CDATA[" not in legacy.data
    assert b"<wp:commentmeta>" not in legacy.data
    assert b"<wp:comment_approved><![CDATA[" in modern.data
    assert b"<wp:commentmeta>" in modern.data
    assert {c.type_raw for c in legacy.comments} & {"", "comment"} == {""}
    assert {c.type_raw for c in modern.comments} & {"", "comment"} == {"comment"}
    forced = generate(seed=6, target_bytes=100_000, wxr_version="1.1", markup="modern")
    assert b"<wp:commentmeta>" in forced.data


def test_only_xml_1_0_characters(coverage_export: Export) -> None:
    text = coverage_export.data.decode("utf-8")  # no lone surrogates, valid UTF-8
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\r]", text)


# --------------------------------------------------------------------------- size


@pytest.mark.parametrize("target", [10_000, 100_000, 1_000_000])
def test_target_size_respected(target: int) -> None:
    export = generate(seed=9, target_bytes=target)
    size = export.stats.bytes
    assert size == len(export.data)
    assert size >= target
    # stops at the first item that reaches the target: overshoot < one item + footer
    assert size - target < export.stats.max_item_bytes + 100
    assert size < target * 1.6 + 30_000


def test_parse_size() -> None:
    assert wxrgen.parse_size("200MB") == 200_000_000
    assert wxrgen.parse_size("200M") == 200_000_000
    assert wxrgen.parse_size("10KB") == wxrgen.parse_size("10k") == 10_000
    assert wxrgen.parse_size("1GB") == wxrgen.parse_size("1G") == 10**9
    assert wxrgen.parse_size("1.5GB") == 1_500_000_000
    assert wxrgen.parse_size("1GiB") == 2**30
    assert wxrgen.parse_size("12345") == 12345
    with pytest.raises(ValueError):
        wxrgen.parse_size("ten megs")


# --------------------------------------------------------------------------- content


def test_every_status_and_type_appears(coverage_export: Export) -> None:
    comments = coverage_export.comments
    assert {c.approved_raw for c in comments} == set(wxrgen.RAW_STATUSES)
    assert {c.type_raw for c in comments} == set(wxrgen.RAW_TYPES)
    statuses = Counter(c.approved_raw for c in comments)
    assert statuses.most_common(1)[0][0] == "1"
    assert coverage_export.stats.by_status == dict(statuses)
    assert coverage_export.stats.by_type == dict(Counter(c.type_raw for c in comments))
    types = {p.post_type for p in coverage_export.truth}
    assert {"post", "page", "attachment", "nav_menu_item"} <= types
    assert not any(p.comments for p in coverage_export.truth if p.post_type == "nav_menu_item")
    assert all(p.status == "inherit" and p.parent_id
               for p in coverage_export.truth if p.post_type == "attachment")
    trashed = [p for p in coverage_export.truth if p.status == "trash"]
    assert trashed
    assert all(c.approved_raw == "post-trashed" for p in trashed for c in p.comments)
    assert any(p.comments for p in coverage_export.truth if p.status in ("draft", "private"))


def test_thread_shapes(coverage_export: Export) -> None:
    orphans = parent_after_child = 0
    max_depth = 0
    for post in coverage_export.truth:
        position = {c.id: i for i, c in enumerate(post.comments)}
        for i, c in enumerate(post.comments):
            if c.parent_id and c.parent_id not in position:
                orphans += 1
                assert c.parent_id < c.id  # a deleted earlier comment
            elif c.parent_id:
                assert c.parent_id < c.id  # parents are older
                if position[c.parent_id] > i:
                    parent_after_child += 1
        if post.comments:
            max_depth = max(max_depth, *_depths(post).values())
    total = len(coverage_export.comments)
    assert 1 <= orphans < total * 0.03
    assert parent_after_child >= 1
    assert max_depth >= 10


def test_comment_authors(coverage_export: Export) -> None:
    table = {a.login: a for a in wxrgen.authors(coverage_export.cfg)}
    ids = {a.id for a in table.values()}
    logged_in = logged_out = other_author = impostor = unknown_id = 0
    for post in coverage_export.truth:
        author = table[post.author_login]
        for c in post.comments:
            if c.by_post_author and c.user_id == author.id:
                logged_in += 1
            if c.by_post_author and c.user_id == 0:
                logged_out += 1
                assert c.author_email != author.email  # typed differently
                assert c.author_email.strip().lower() == author.email.strip().lower()
            if c.user_id in ids and c.user_id != author.id:
                other_author += 1
                assert not c.by_post_author
            if c.author_name == author.display_name and not c.by_post_author and not c.user_id:
                impostor += 1
            if c.user_id and c.user_id not in ids:
                unknown_id += 1
    assert logged_in and logged_out and other_author and impostor and unknown_id


def test_ids_unique_and_increasing_with_date(coverage_export: Export) -> None:
    comments = coverage_export.comments
    ids = [c.id for c in comments]
    assert len(ids) == len(set(ids))
    dated = sorted((c.id, c.date_gmt) for c in comments if c.date_gmt != wxrgen.ZERO_DATE)
    gmt = [d for _, d in dated]
    assert gmt == sorted(gmt)
    post_ids = [p.id for p in coverage_export.truth]
    assert post_ids == sorted(set(post_ids))


def test_dates_zero_gmt_and_daylight_saving(coverage_export: Export) -> None:
    comments = coverage_export.comments
    assert any(c.date_gmt == wxrgen.ZERO_DATE for c in comments)
    stamp = "%Y-%m-%d %H:%M:%S"
    offsets = {
        datetime.strptime(p.date, stamp) - datetime.strptime(p.date_gmt, stamp)
        for p in coverage_export.truth
        if p.date_gmt != wxrgen.ZERO_DATE
    }
    assert len(offsets) == 2  # standard and summer time
    for c in comments:
        if c.date_gmt != wxrgen.ZERO_DATE:
            delta = datetime.strptime(c.date, stamp) - datetime.strptime(c.date_gmt, stamp)
            assert delta in offsets


def test_daylight_saving_rules_match_the_tz_database() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    for zone in wxrgen._ZONES:
        try:
            tz = zoneinfo.ZoneInfo(zone.name)
        except zoneinfo.ZoneInfoNotFoundError:
            pytest.skip("no time zone database")
        for year in range(2003, 2026):
            start, end = wxrgen._dst_window(zone.std, zone.rule, year)
            for ts in (start - 1, start, end - 1, end, (start + end) // 2, start - 86400 * 60):
                offset = datetime.fromtimestamp(ts, UTC).astimezone(tz).utcoffset()
                assert offset is not None and offset.total_seconds() == zone.offset(ts)


def test_text_is_rich(coverage_export: Export) -> None:
    data = coverage_export.data
    assert b"]]]]><![CDATA[>" in data
    assert any("]]>" in c.content_html for c in coverage_export.comments)
    contents = "\n".join(c.content_html for c in coverage_export.comments)
    for needle in ("&amp;", "&#8217;", "<a href=", "<blockquote>", "<code>", "\n\n"):
        assert needle in contents, needle
    assert re.search("[\u4e00-\u9fff]", contents)  # CJK
    assert re.search("[\u0590-\u06ff]", contents)  # Hebrew / Arabic
    assert re.search("[\U0001f300-\U0001faff]", contents)  # emoji
    names = {c.author_name for c in coverage_export.comments}
    assert any("&" in n for n in names) or any("'" in n for n in names)
    lengths = sorted(len(c.content_html) for c in coverage_export.comments)
    assert lengths[0] < 20 and lengths[-1] > 2000
    spam = [c for c in coverage_export.comments if c.approved_raw == "spam"]
    assert sum(c.content_html.count("<a href") for c in spam) > 2 * len(spam)


def test_cdata_writer_splits_terminator() -> None:
    assert wxrgen.cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    for text in ("", "plain", "]]>", "x]]>]]>y", "a]]b>c", "&amp; <p>"):
        assert (ET.fromstring(f"<r>{wxrgen.cdata(text)}</r>").text or "") == text


# --------------------------------------------------------------------------- meta


def php_unserialize(text: str) -> object:
    """Strict PHP unserialize (string lengths in UTF-8 bytes must be exact)."""
    data = text.encode("utf-8")

    def parse(i: int) -> tuple[object, int]:
        kind = data[i : i + 1]
        if kind == b"N":
            return None, i + 2
        if kind in (b"i", b"d", b"b"):
            end = data.index(b";", i)
            raw = data[i + 2 : end].decode()
            return (float(raw) if kind == b"d" else int(raw)), end + 1
        colon = data.index(b":", i + 2)
        count = int(data[i + 2 : colon])
        if kind == b"s":
            start = colon + 2
            assert data[colon + 1 : start] == b'"'
            assert data[start + count : start + count + 2] == b'";', text
            return data[start : start + count].decode("utf-8"), start + count + 2
        assert kind == b"a" and data[colon + 1 : colon + 2] == b"{", text
        i, out = colon + 2, {}
        for _ in range(count):
            key, i = parse(i)
            out[key], i = parse(i)
        assert data[i : i + 1] == b"}"
        return out, i + 1

    value, end = parse(0)
    assert end == len(data)
    return value


def test_comment_meta(coverage_export: Export) -> None:
    comments = coverage_export.comments
    keys = Counter(k for c in comments for k, _ in c.meta)
    assert keys["akismet_result"] and keys["akismet_history"]
    assert any(Counter(k for k, _ in c.meta)["akismet_history"] > 1 for c in comments)
    for c in comments:
        for key, value in c.meta:
            if key == "akismet_result":
                assert value in ("true", "false")
            if key == "akismet_history":
                record = php_unserialize(value)
                assert isinstance(record, dict) and {"time", "event", "user"} <= record.keys()
            if value.startswith("a:"):
                php_unserialize(value)
    rescued = [
        c for c in comments
        if c.approved_raw == "1" and ("akismet_result", "true") in c.meta
        and any(k == "akismet_history" and ("report-ham" in v or "status-approved" in v)
                for k, v in c.meta)
    ]
    assert rescued
    # post meta too: every serialized value in the file has exact byte lengths
    root = coverage_export.root()
    wp = coverage_export.wp()
    for value_el in root.iter(f"{wp}meta_value"):
        if (value_el.text or "").startswith("a:"):
            php_unserialize(value_el.text or "")


def test_php_serialize() -> None:
    assert wxrgen.php_serialize({"é": "日本", 3: 1.5, "n": None, "b": True}) == (
        'a:4:{s:2:"é";s:6:"日本";i:3;d:1.5;s:1:"n";N;s:1:"b";b:1;}'
    )
    assert wxrgen.php_serialize([""]) == 'a:1:{i:0;s:0:"";}'


# --------------------------------------------------------------------------- CLI


def test_cli_writes_export_truth_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.xml"
    truth = tmp_path / "truth.jsonl"
    code = wxrgen.main(["--size", "300KB", "--seed", "1", "-o", str(out), "--wxr-version", "1.1",
                        "--https-ns", "--truth", str(truth)])
    assert code == 0
    summary = capsys.readouterr().err
    assert re.search(r"\d+ posts, \d+ comments, \d+ bytes, [\d.]+ s", summary)
    assert out.stat().st_size >= 300_000
    assert b'xmlns:wp="https://wordpress.org/export/1.1/"' in out.read_bytes()
    records = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    cfg = wxrgen.GenConfig(seed=1, target_bytes=300_000, wxr_version="1.1", https_namespace=True)
    count = int(re.search(r"(\d+) posts", summary).group(1))  # type: ignore[union-attr]
    expected = [c for p in itertools.islice(wxrgen.posts(cfg), count) for c in p.comments]
    assert [r["id"] for r in records] == [c.id for c in expected]
    assert set(records[0]) == {"id", "post_id", "parent_id", "status", "type", "by_post_author"}
    names = {"1": "approved", "0": "pending"}
    for r, c in zip(records, expected, strict=True):
        assert r["status"] == names.get(c.approved_raw, c.approved_raw)
        assert r["type"] == (c.type_raw or "comment")
        assert r["parent_id"] == c.parent_id and r["by_post_author"] == c.by_post_author
    assert "" not in {r["type"] for r in records}
    assert {"approved", "spam"} <= {r["status"] for r in records}
