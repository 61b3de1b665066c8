"""What fuzzing the reader found (issue 6, item 3), kept so it stays fixed.

* Every file of ``fuzz/regressions/`` (and of ``fuzz/seeds/``, so this is never
  empty) is replayed through the whole fuzz target, strictly: the reader on both
  paths and several chunk sizes, moderation and threading, the well-formedness
  of every record, chunking independence (see ``fuzz/fuzz_reader.py``).
* The bugs fixed in ``repair.py`` and ``models.py`` are pinned by behaviour.
* The bugs in ``wxr.py`` (not ours to edit while the lead works on it) are
  strict xfail tests saying what the reader should do; each matches an entry of
  ``fuzz_reader.KNOWN_ISSUES``. When a fix lands, its test passes, strict xfail
  turns that into a failure: remove the mark, the ``KNOWN_ISSUES`` entry and the
  file's line in ``KNOWN_FILES``.

``docs/fuzzing.md`` tells how each was found.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from conftest import Read, read_documents

from wpmigrate.errors import DataError
from wpmigrate.models import gmt_from_local
from wpmigrate.parse.exports import ExportReader

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
sys.path.insert(0, str(FUZZ))
import fuzz_reader  # noqa: E402

REGRESSIONS = sorted(p for p in (FUZZ / "regressions").glob("*") if p.is_file())
SEEDS = sorted(p for p in (FUZZ / "seeds").glob("*") if p.is_file())

#: Regression files that still fail, by the xfail test that tracks their bug.
KNOWN_FILES: dict[str, str] = {}


def replay_case(path: Path) -> object:
    if path.name in KNOWN_FILES:
        reason = f"wxr.py bug, tracked by {KNOWN_FILES[path.name]}"
        return pytest.param(path, id=path.name, marks=pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(path, id=f"{path.parent.name}/{path.name}")


def test_there_is_something_to_replay() -> None:
    assert SEEDS, "fuzz/seeds/ is empty"
    assert set(KNOWN_FILES) <= {path.name for path in REGRESSIONS}
    assert {issue.test for issue in fuzz_reader.KNOWN_ISSUES} == set(KNOWN_FILES.values())


@pytest.mark.parametrize("path", [replay_case(path) for path in REGRESSIONS + SEEDS])
def test_replay(path: Path) -> None:
    """Strict: a known issue fails too (that is what the xfail marks expect)."""
    fuzz_reader.fuzz_one(path.read_bytes(), strict=True)


def test_replay_command_line_runs_without_atheris() -> None:
    result = subprocess.run(
        [sys.executable, str(FUZZ / "fuzz_reader.py"), "--replay", str(FUZZ / "seeds")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 failing" in result.stdout


@pytest.mark.parametrize("seed", range(20))
def test_value_mutator_replaces_one_element_text(seed: int) -> None:
    """The fuzz target's structure-aware mutator swaps one leaf value, nothing else."""
    data = (FUZZ / "seeds" / "wxrgen-seed2-wxr1.0-6000.xml").read_bytes()
    mutated = fuzz_reader.mutate_value(data, seed)
    assert mutated is not None
    if mutated == data:  # the value drawn was the one already there
        return
    pairs = enumerate(zip(data, mutated, strict=False))
    start = next((i for i, (a, b) in pairs if a != b), min(len(data), len(mutated)))
    # Everything outside one >…</ span is as it was.
    head_end = data.rindex(b">", 0, start + 1) + 1
    assert mutated[:head_end] == data[:head_end]
    tail = data[data.index(b"</", start) :]
    assert mutated.endswith(tail)


def test_value_mutator_on_json_lines_and_on_nothing() -> None:
    line = b'{"id":7,"post_id":1,"status":"approved"}\n'
    assert any(fuzz_reader.mutate_value(line, seed) != line for seed in range(10))
    assert fuzz_reader.mutate_value(b"no markup at all", 1) is None


def test_known_issues_are_skipped_only_when_not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    # No issue is known today: check the mechanism with a stand-in.
    def broken(data: bytes) -> None:
        raise ValueError("stand-in reader bug")

    issue = fuzz_reader.KnownIssue(
        "stand-in", "test_stand_in", lambda error, _frames: isinstance(error, ValueError)
    )
    monkeypatch.setattr(fuzz_reader, "check_input", broken)
    monkeypatch.setattr(fuzz_reader, "KNOWN_ISSUES", (issue,))
    fuzz_reader.fuzz_one(b"x")  # lenient: known, skipped
    with pytest.raises(ValueError):
        fuzz_reader.fuzz_one(b"x", strict=True)
    data = (FUZZ / "regressions" / "impossible-calendar-date.xml").read_bytes()
    monkeypatch.undo()
    fuzz_reader.fuzz_one(data, strict=True)  # the bug it once was: fixed


# --- minimal exports -------------------------------------------------------------------------

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>T</title><link>http://t.example</link><wp:wxr_version>1.2</wp:wxr_version>
"""


def export(
    *,
    post_date: str = "2024-01-01 10:00:00",
    post_gmt: str = "2024-01-01 09:00:00",
    comment_id: str = "7",
    comment_date: str = "2024-01-02 10:00:00",
    comment_gmt: str = "2024-01-02 09:00:00",
    extra: str = "",
    padding: int = 0,
    title: str = "P",
) -> bytes:
    """A one-post, one-comment export; ``padding`` bytes of channel description first."""
    pad = f"<description>{'p' * padding}</description>\n" if padding else ""
    return (
        f"{HEAD}{pad}<item><title>{title}</title><dc:creator>a</dc:creator>"
        f"<wp:post_id>1</wp:post_id><wp:post_date>{post_date}</wp:post_date>"
        f"<wp:post_date_gmt>{post_gmt}</wp:post_date_gmt>\n"
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
        f"<wp:comment_date>{comment_date}</wp:comment_date>"
        f"<wp:comment_date_gmt>{comment_gmt}</wp:comment_date_gmt>{extra}</wp:comment>"
        "</item>\n</channel></rss>\n"
    ).encode()


def read_both(data: bytes, chunk: int = 0) -> Read:
    """Read through the repairing path and the fast path; they must agree."""
    slow = read_documents([data], chunk=chunk)
    parts = fuzz_reader.pieces(data, chunk)
    reader = ExportReader()
    fast: list[int] = []
    try:
        for post in reader.posts_from(iter(parts), "doc0.xml", lambda: iter(parts)):
            fast.extend(comment.id for comment in post.comments)
    except DataError:
        pass
    assert fast == [record["id"] for record in slow.records]
    return slow


# --- fixed: repair.py ------------------------------------------------------------------------


def test_undeclared_prefix_first_used_past_the_head_is_declared_where_used() -> None:
    """Found by the fuzz target's chunking check: only prefixes in the document's head
    (its first 256 KB) were declared, so one first used later failed the whole read
    with "Namespace prefix foo on bar is not defined"."""
    data = export(extra="<foo:bar>x<foo:baz/></foo:bar>", padding=300_000)
    read = read_both(data, chunk=1 << 16)
    assert read.error is None
    assert [r["id"] for r in read.records] == [7]
    assert read.repairs == {"undeclared_prefixes": 2}
    assert read_documents([data]).repairs == read.repairs  # same as when it is in the head


def test_late_prefix_inside_cdata_is_left_as_text() -> None:
    data = export(
        extra="<wp:comment_content><![CDATA[<zz:b> is text]]></wp:comment_content><zz:x/>",
        padding=300_000,
    )
    read = read_both(data, chunk=1 << 16)
    assert read.error is None
    [record] = read.records
    assert record["content_html"] == "<zz:b> is text"


def test_prefix_hidden_by_a_control_character_is_declared() -> None:
    """``<f\\x01oo:bar>`` is ``<foo:bar>`` once the control byte is removed: the prefix
    scan now looks at the text as the parser will see it."""
    read = read_documents([export(extra="<f\x01oo:bar>x</f\x01oo:bar>")])
    assert read.error is None
    assert read.repairs == {"control_chars": 2, "undeclared_prefixes": 1}


@pytest.mark.parametrize(
    "declared",
    ["UTF7", "utf-7", "unicode_escape", "raw-unicode-escape", "idna", "punycode", "undefined",
     "base64", "hex", "zlib", "bz2", "uu", "quopri", "rot13"],
)  # fmt: skip
def test_declared_encoding_that_is_no_text_encoding_is_unknown(declared: str) -> None:
    """Found by fuzzing (``<?xml encoding="UTF7"+146…``): Python knows these names, but
    they are transforms or yield lone surrogates; decoding with them crashed."""
    data = export(title="Caf\u00e9 +ZeVnLIqe-").replace(
        b'encoding="UTF-8"', f'encoding="{declared}"'.encode(), 1
    )
    read = read_documents([data])
    assert read.error is None
    assert read.repairs == {"unknown_encoding": 1}  # read as UTF-8, as any unknown name
    assert read.records[0]["post"]["title"] == "Caf\u00e9 +ZeVnLIqe-"


def test_explicit_encoding_that_is_no_text_encoding_is_refused() -> None:
    read = read_documents([export()], encoding="utf-7")
    assert isinstance(read.error, DataError)
    assert "not a text encoding" in str(read.error)
    assert read_documents([export()], encoding="cp1252").error is None


@pytest.mark.parametrize(
    "reference", ["&#" + "9" * 5000 + ";", "&#" + "0" * 5000 + "1;", "&#x" + "f" * 5000 + ";"]
)
def test_character_reference_of_thousands_of_digits_is_repaired(reference: str) -> None:
    """A decimal reference of more than 4300 digits made int() raise ValueError."""
    read = read_documents([export(title=f"A{reference}B")])
    assert read.error is None
    assert read.repairs == {"bad_char_refs": 1}
    assert read.records[0]["post"]["title"] in ("A\ufffdB", "AB")


# --- fixed: models.py ------------------------------------------------------------------------


def test_gmt_derivation_out_of_datetime_range_is_unknown() -> None:
    """A post dated 9999 with a GMT date in year 1 gives an offset no comment date survives."""
    data = export(
        post_date="9999-12-31 23:00:00",
        post_gmt="0001-01-01 00:00:00",
        comment_date="0001-01-02 00:00:00",
        comment_gmt="0000-00-00 00:00:00",
    )
    read = read_documents([data])
    assert read.error is None
    [record] = read.records
    assert (record["date"], record["date_gmt"]) == ("0001-01-02T00:00:00", None)


@pytest.mark.parametrize("empty", ["", " ", "<![CDATA[]]>", "<![CDATA[ \n ]]>"])
def test_empty_comment_status_is_pending(empty: str) -> None:
    """An empty ``wp:comment_approved`` was status ``""``; WordPress shows such a comment
    to no one, so it is pending. (A missing element is WordPress's default, approved.)"""
    approved = f"<wp:comment_approved>{empty}</wp:comment_approved>"
    read = read_documents([export(extra=approved)])
    assert [r["status"] for r in read.records] == ["pending"]
    assert read_documents([export()]).records[0]["status"] == "approved"


def test_gmt_from_local_overflow() -> None:
    assert gmt_from_local(datetime(1, 1, 1), timedelta(hours=1)) is None
    assert gmt_from_local(datetime(9999, 12, 31, 23), timedelta(hours=-2)) is None
    assert gmt_from_local(datetime(2024, 1, 1, 10), timedelta(hours=1)) == datetime(2024, 1, 1, 9)


# --- fixed: jsonl.py -------------------------------------------------------------------------

COMMENT = '"id":1,"post_id":1,"parent_id":0,"status":"approved","type":"comment"'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"post":{"id":1},"comments":[{' + COMMENT + "}]}", "without its replies list"),
        ('{"post":{"id":1},"comments":[{' + COMMENT + ',"replies":[5]}]}', "replies list"),
        ('{"post":{"id":1},"comments":[7]}', "without its replies list"),
        ('{"id":1,"title":"P","comments":[5]}', "expected a JSON object"),
        (
            '{"id":18446744073709551616,"post_id":1,"parent_id":0,"status":"a","type":"c"}',
            "beyond 64 bits",
        ),
        ("{" + COMMENT + ',"meta":{"n":[-9223372036854775809]}}', "beyond 64 bits"),
    ],
)
def test_json_lines_that_are_not_ours_are_data_errors(line: str, message: str) -> None:
    """Each was an internal error (TypeError, KeyError, orjson's TypeError on output)."""
    from wpmigrate.render.jsonl_reader import read_groups

    good = "{" + COMMENT + "}\n"
    with pytest.raises(DataError, match=message) as raised:
        list(read_groups([(good + line + "\n").encode()], "in.jsonl"))
    assert raised.value.line == 2


def test_json_lines_with_the_largest_64_bit_values_are_read() -> None:
    from wpmigrate.render.jsonl_reader import read_groups

    line = "{" + COMMENT + ',"meta":{"n":[18446744073709551615,-9223372036854775808]}}\n'
    [(_, [record])] = list(read_groups([line.encode()], "in.jsonl"))
    orjson.dumps(record)


# --- known: wxr.py (xfail until fixed) -----------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["2024-02-30 10:00:00", "2023-02-29 10:00:00", "2024-04-31 00:00:00"]
)
def test_impossible_calendar_dates_are_bad_dates(bad: str) -> None:
    derived = read_documents([export(comment_date=bad, comment_gmt="0000-00-00 00:00:00")])
    assert derived.error is None
    assert (derived.records[0]["date"], derived.records[0]["date_gmt"]) == (None, None)
    written = read_documents([export(post_date=bad, comment_gmt=bad)])
    assert written.error is None
    [record] = written.records
    assert (record["date_gmt"], record["post"]["date"]) == (None, None)
    assert written.repairs["bad_dates"] == 2


@pytest.mark.parametrize("field", ["comment_id", "post_id", "parent", "user", "author_id"])
def test_ids_of_thousands_of_digits_are_not_numbers(field: str) -> None:
    huge = "9" * 5000
    data = export(comment_id=huge) if field == "comment_id" else export()
    if field == "post_id":
        data = data.replace(b"<wp:post_id>1<", f"<wp:post_id>{huge}<".encode())
    elif field == "author_id":
        author = f"<wp:author><wp:author_id>{huge}</wp:author_id>"
        author += "<wp:author_login>a</wp:author_login></wp:author>\n<item>"
        data = data.replace(b"<item>", author.encode(), 1)
    elif field != "comment_id":
        tag = {"parent": "comment_parent", "user": "comment_user_id"}[field]
        data = data.replace(b"</wp:comment>", f"<wp:{tag}>{huge}</wp:{tag}></wp:comment>".encode())
    read = read_documents([data])
    assert read.error is None
    [record] = read.records
    assert all(abs(record[name]) < 2**64 for name in ("id", "post_id", "parent_id", "user_id"))


def test_ids_beyond_64_bits_are_not_read_as_ids() -> None:
    """Found by reading wxr.py with the fuzz target at hand; fixed there by the lead
    (``_MAX_ID``) while this work went on: an id past 2**64 - 1 is not an id."""
    read = read_documents([export(comment_id=str(2**64))])
    assert read.error is None
    [record] = read.records
    assert record["id"] < 0  # numbered like a missing id, and the repair counted
    assert sum(read.repairs.values()) >= 1
    orjson.dumps(record)


def test_largest_wordpress_id_is_read() -> None:
    """The boundary the fix must keep: 2**64 - 1 is a valid BIGINT UNSIGNED id."""
    read = read_documents([export(comment_id=str(2**64 - 1))])
    assert read.error is None
    assert read.records[0]["id"] == 2**64 - 1
    orjson.dumps(read.records[0])


@pytest.mark.parametrize("bad", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_dates_with_offsets_at_the_ends_of_time_are_bad_dates(bad: str) -> None:
    read = read_documents([export(post_gmt=bad, comment_gmt=bad)])
    assert read.error is None
    [record] = read.records
    assert (record["date_gmt"], record["post"]["date_gmt"]) == (None, None)
    assert read.repairs["bad_dates"] == 2
