"""The reader on exports that are cut, not well-formed the way old WordPress wrote them, or
oddly structured: what was complete is read whole, nothing half-read is written, nothing
vanishes without a count (issue 12)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import QUIRKS, Read, error_line, invoke, read_documents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.errors import WpmigrateError
from wpmigrate.models import comment_record
from wpmigrate.parse.exports import ExportReader
from wpmigrate.parse.repair import normalise
from wpmigrate.parse.repairs import Repairs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from repair_linear import pathological  # a benchmark script, not a package

OLD_SCRIPTS = QUIRKS / "old-inline-scripts.xml"
STRAYS = QUIRKS / "stray-comments.xml"


def read_fast(data: bytes, chunk: int = 0) -> Read:
    """Read as the commands do for a file: fast path first, a repairing re-read at a defect."""
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
    reader = ExportReader()
    records = []
    error: WpmigrateError | None = None
    try:
        for post in reader.posts_from(iter(pieces), "doc0.xml", lambda: iter(pieces)):
            summary = post.summary()
            records.extend(comment_record(comment, summary) for comment in post.comments)
    except WpmigrateError as exc:
        error = exc
    return Read(records, {k: v for k, v in reader.repairs.items() if v}, error, reader)


# --- ']]>' inside CDATA (WordPress up to 3.x) ----------------------------------------------------


def test_raw_cdata_ends_are_repaired_and_every_comment_is_read() -> None:
    for read in (read_documents([OLD_SCRIPTS]), read_fast(OLD_SCRIPTS.read_bytes())):
        assert read.error is None
        assert [r["id"] for r in read.records] == [4101, 4102, 4201, 4301, 4302, 4303]
        assert read.repairs == {"raw_cdata_ends": 6}
        by_id = read.by_id()
        assert by_id[4102]["content_html"] == (
            "How do I embed this?\n<code>&lt;script&gt;// <![CDATA[ x(); // ]]>&lt;/script&gt;"
            "</code>\nIt says ]]> is not allowed."
        )
        # The split WordPress 3.3+ writes reads as one ']]>' and is no repair.
        assert by_id[4302]["content_html"] == "The last ]]> one, split as WordPress 3.3+ writes it."


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_raw_cdata_ends_repaired_whatever_the_chunks(chunk: int) -> None:
    whole = read_documents([OLD_SCRIPTS])
    assert read_documents([OLD_SCRIPTS], chunk=chunk).records == whole.records
    assert read_fast(OLD_SCRIPTS.read_bytes(), chunk=chunk).records == whole.records


def test_raw_cdata_end_summary_and_thread() -> None:
    run = invoke(["thread", OLD_SCRIPTS])
    assert run.exit_code == 0, run.stderr
    assert run.stderr.endswith(
        "repaired: 6 ']]>' inside CDATA (an old WordPress's inline scripts) kept as text; "
        "6 read = 5 kept + 1 dropped (pending 1)\n"
    )


def post_contents(data: bytes) -> list[str]:
    """Each item's ``content:encoded`` after repair, read with a plain tree parser."""
    from lxml import etree

    repaired = b"".join(normalise([data], "x.xml", Repairs()))
    root = etree.fromstring(repaired)
    return [
        element.text or ""
        for element in root.iter("{http://purl.org/rss/1.0/modules/content/}encoded")
    ]


def test_repaired_cdata_holds_what_the_wordpress_importer_reads() -> None:
    """WXR_Parser_Regex takes an element's content up to its own closing tag, CDATA
    markers at its ends removed: the inline script survives whole."""
    contents = post_contents(OLD_SCRIPTS.read_bytes())
    assert contents[0].endswith(
        '// <![CDATA[\ngoogle_ad_client = "pub-0000000000000000";\n'
        "google_ad_width = 468; google_ad_height = 60;\n// ]]></script>\n"
        '<script type="text/javascript" src="http://pagead2.example/show_ads.js"></script>'
        "\n\nMore text after the ad."
    )
    assert contents[2] == "Plain text, and a tag-like ]]> in prose."


def test_the_wordpress_importers_crazy_cdata_reads_as_its_tests_expect() -> None:
    """The case from the WordPress Importer's own test data (its expected values)."""
    data = (
        b'<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.1/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        b"<content:encoded><![CDATA[Content with nested <![CDATA[ tags ]]> :)]]>"
        b"</content:encoded><wp:post_id>1</wp:post_id></item></channel></rss>"
    )
    assert post_contents(data) == ["Content with nested <![CDATA[ tags ]]> :)"]


# --- odd structure -------------------------------------------------------------------------------


def test_comments_outside_items_and_nested_items_are_all_read() -> None:
    for read in (read_documents([STRAYS]), read_fast(STRAYS.read_bytes())):
        assert read.error is None
        assert [(r["post_id"], r["id"], r["parent_id"]) for r in read.records] == [
            (0, 5001, 0),
            (52, 5201, 0),
            (52, 5202, 5201),
            (51, 5101, 0),
            (51, 5102, 5101),
            (0, 5002, 0),
            (0, 5003, 0),
        ]
        assert read.repairs == {
            "comments_outside_items": 3,
            "nested_items": 1,
            "nested_comments": 1,
        }


def test_comments_outside_items_are_dropped_as_no_post_and_listed(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    run = invoke(["thread", STRAYS, "--rejects", rejects])
    assert run.exit_code == 0, run.stderr
    assert [(t["post"]["id"], [n["id"] for n in t["comments"]]) for t in run.records] == [
        (52, [5201]),
        (51, [5101]),
    ]
    assert run.stderr.endswith("7 read = 4 kept + 3 dropped (no-post 3)\n")
    assert "read 2 posts, 7 comments" in run.stderr
    dropped = invoke(["thread", "--all-posts", STRAYS]).records
    assert 0 not in [t["post"]["id"] for t in dropped]
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert [(line.count('"reason":"no-post"'), '"id":500' in line) for line in lines] == [
        (1, True)
    ] * 3


# --- cut anywhere --------------------------------------------------------------------------------


def complete_items(data: bytes, cut: int) -> int:
    return sum(1 for match in re.finditer(rb"</item>", data) if match.end() <= cut)


def expected_before(data: bytes, cut: int) -> list[tuple[int, int]]:
    """(post id, comment id) of the comments of the items complete before ``cut``."""
    full = read_documents([data]).records
    posts: list[int] = []
    for record in full:
        if record["post_id"] not in posts:
            posts.append(record["post_id"])
    wanted = set(_item_post_ids(data)[: complete_items(data, cut)])
    return [(r["post_id"], r["id"]) for r in full if r["post_id"] in wanted]


def _item_post_ids(data: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"<wp:post_id>(\d+)</wp:post_id>", data)]


def cuts_of_interest(data: bytes) -> Iterator[int]:
    """Inside a comment's text, right after ``<![CDATA[``, between items, inside a tag."""
    text = data.index(b"<wp:comment_content><![CDATA[") + len(b"<wp:comment_content><![CDATA[")
    yield text  # right after a CDATA start
    yield text + 3  # inside a comment's text
    end = data.index(b"</item>") + len(b"</item>")
    yield end  # right after an item
    yield end + 2  # between items
    tag = data.index(b"<wp:comment_approved", text)
    yield tag + 5  # inside a tag
    yield data.index(b"</wp:comment>", text) + 4  # inside an end tag


EXPORTS = [QUIRKS / "statuses-types.xml", OLD_SCRIPTS, QUIRKS / "truncated.xml"]


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: p.name)
def test_cut_at_each_kind_of_place(path: Path) -> None:
    data = path.read_bytes()
    if b"</rss>" not in data:
        data = data[: data.rindex(b"</item>") + len(b"</item>")]
    for cut in cuts_of_interest(data):
        check_cut(data, cut)


def check_cut(data: bytes, cut: int) -> None:
    expected = expected_before(data, cut)
    for read in (read_documents([data[:cut]]), read_fast(data[:cut])):
        assert [(r["post_id"], r["id"]) for r in read.records] == expected, cut
        assert read.error is not None
        message = str(read.error)
        assert "malformed XML: the export is truncated: it ends " in message, message
        posts = complete_items(data, cut)
        assert f"; {posts} {'post was' if posts == 1 else 'posts were'} read before the cut" in (
            message
        )
        assert "\n" not in message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fraction=st.floats(0, 1), which=st.sampled_from(EXPORTS[:2]))
def test_cut_anywhere_on_either_path(fraction: float, which: Path) -> None:
    """Invariant, on the fast path and the repairing one: an export cut at any byte after
    ``<channel>`` yields exactly the comments of the items complete before the cut."""
    data = which.read_bytes()
    start = data.index(b"<channel>") + len(b"<channel>")
    end = data.index(b"</channel>")
    cut = start + round(fraction * (end - start))
    check_cut(data, cut)


def test_cut_export_on_the_command_line(tmp_path: Path) -> None:
    data = OLD_SCRIPTS.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: data.index(b"Dan") + 1])
    run = invoke(["extract", path])
    assert error_line(run, 4).endswith(
        "malformed XML: the export is truncated: it ends inside an item; "
        "1 post was read before the cut"
    )
    assert [r["id"] for r in run.records] == [4101, 4102]


# --- linear time ---------------------------------------------------------------------------------


def _seconds(data: bytes) -> float:
    best = float("inf")
    for _ in range(2):
        began = time.perf_counter()
        read = read_documents([data])
        best = min(best, time.perf_counter() - began)
        assert read.error is None
    return best


@pytest.mark.slow
def test_repair_stays_linear() -> None:
    """A generous bound that a quadratic return would break by far (it was 40x at 4 MB and
    grows with the size); benchmarks/repair_linear.py measures the real ratio."""
    exports = pathological(4 << 20)
    for case in ("issue", "mixed"):
        bad, good = exports[case], exports[case + " twin"]
        assert _seconds(bad) < 8 * _seconds(good) + 0.5, case


def test_a_raw_cdata_end_that_leaves_the_file_well_formed_is_still_repaired() -> None:
    """``<![CDATA[a ]]> b <![CDATA[c]]>`` parses, losing both markers from the text: the
    fast path must not take it as it is."""
    content = "Close with ]]> and open with <![CDATA[ in one comment."
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.0/"><channel><item>'
        "<wp:post_id>1</wp:post_id><wp:comment><wp:comment_id>7</wp:comment_id>"
        f"<wp:comment_content><![CDATA[{content}]]></wp:comment_content>"
        "</wp:comment></item></channel></rss>\n"
    ).encode()
    for read in (read_documents([data]), read_fast(data), read_fast(data, chunk=5)):
        assert [r["content_html"] for r in read.records] == [content]
        assert read.repairs == {"raw_cdata_ends": 1}


TOKENS = st.sampled_from(
    [b"<wp:a>", b"</wp:a>", b"<wp:b>", b"</wp:b>", b"<![CDATA[", b"]]>", b"</script>", b"&",
     b"&amp;", b"&laquo;", b"x", b" ", b"]", b"<", b"\n", b"</<wp:a>", b"<wp:a x='1'>"]
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(TOKENS, max_size=60), size=st.integers(1, 40))
def test_the_quick_chunk_route_agrees_with_the_walk(tokens: list[bytes], size: int) -> None:
    """Invariant: a chunk taken whole (every ``]]>`` ends its section) is repaired exactly
    as the section-by-section walk repairs it, however the stream is cut."""
    import wpmigrate.parse.repair as repair

    body = b"".join(tokens)
    pieces = [body[i : i + size] for i in range(0, len(body), size)]

    def scan() -> tuple[bytes, Repairs]:
        repairs = Repairs()
        scanner = repair._Scanner(repairs)
        out = b"".join(scanner.feed(piece) for piece in pieces) + scanner.finish()
        return out, repairs

    quick = scan()
    with pytest.MonkeyPatch.context() as patch:
        # every chunk walked section by section
        patch.setattr(repair._Scanner, "_all_sections_canonical", lambda self, body: False)
        assert scan() == quick


def test_an_error_libxml2_does_not_raise_sends_the_read_to_the_repairs() -> None:
    """Regression (found by the damaged-exports property): with libxml2 2.14 an
    undeclared entity between elements stops the push parser without an error, and it
    takes what follows as a new document (an <item> with no parent). The fast path must
    read the export again with repairs, not crash or lose the rest."""
    from conftest import CUSTOMER_LOVE

    data = CUSTOMER_LOVE.read_bytes()
    at = data.index(b"<wp:comment_author_IP>", 30_000)
    damaged = data[:at] + b"&nbsp;" + data[at:]
    whole = read_documents([damaged])
    assert whole.error is None and len(whole.records) == 45
    for chunk in (0, 4093, 97):
        fast = read_fast(damaged, chunk=chunk)
        assert fast.error is None
        assert fast.records == whole.records
        assert fast.repairs == {"html_entities": 1}
