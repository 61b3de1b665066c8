"""Properties of the reader over generated and damaged exports (issue 6, item 2).

(a) Round trip: any export ``benchmarks/wxrgen.py`` writes is read, through the
    fast path and the repairing path, with every comment of the generator's
    truth exactly once and every field as the reader's rules make it from the
    stored value (the rules are spelled out in :func:`expected_comment`).
(b) Damage: random byte mutations of small valid exports never make the reader
    raise anything but a :class:`~wpmigrate.errors.WpmigrateError`, and every
    record it yields before stopping is well-formed
    (:func:`fuzz_reader.check_record`, shared with the fuzz target).
(c) The same mutations through ``wpmigrate extract`` and ``wpmigrate thread``
    in-process: exit 0, 3 or 4, never a traceback, stdout always JSON Lines.

Inputs that fail only because of reader bugs already tracked by a strict xfail
test in ``tests/test_fuzz_regressions.py`` are recognised with
:func:`fuzz_reader.known_issue` and skipped (``assume``), so these tests check
everything else meanwhile.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS, invoke
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from wpmigrate.errors import IntegrityError, WpmigrateError
from wpmigrate.models import comment_record
from wpmigrate.parse.exports import ExportReader
from wpmigrate.privacy import public_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "fuzz"))
import fuzz_reader  # noqa: E402
import wxrgen  # type: ignore[import-not-found]  # noqa: E402

Record = dict[str, Any]
ZERO = "0000-00-00 00:00:00"
#: wp:comment_approved values the generator writes, and what the reader names them.
STATUS_NAMES = {"1": "approved", "0": "pending"}

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- reading ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one read produced: records (``extract`` form), post summaries, the error."""

    records: list[Record]
    posts: list[Record]
    error: Exception | None
    reader: ExportReader


def read(data: bytes, fast: bool, chunk: int = 16384) -> Outcome:
    """Read ``data`` in ``chunk``-byte pieces; ``fast`` gives the reader a ``reopen``.

    Never raises: the error, whatever it is, is in the outcome.
    """
    parts = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
    reopen: Callable[[], Iterable[bytes]] | None = (lambda: iter(parts)) if fast else None
    reader = ExportReader()
    records: list[Record] = []
    posts: list[Record] = []
    error: Exception | None = None
    try:
        for post in reader.posts_from(iter(parts), "gen.xml", reopen):
            summary = post.summary()
            posts.append(summary)
            records.extend(comment_record(comment, summary) for comment in post.comments)
    except Exception as exc:
        error = exc
    return Outcome(records, posts, error, reader)


# --- (a) generated exports round-trip -------------------------------------------------------


def iso_local(mysql: str) -> str | None:
    """The reader's local date: ``YYYY-MM-DDTHH:MM:SS``, ``None`` for the zero date."""
    return None if mysql.strip() == ZERO else mysql.strip().replace(" ", "T")


def iso_utc(mysql: str) -> str | None:
    """The reader's UTC date: the local form plus ``Z``."""
    local = iso_local(mysql)
    return None if local is None else local + "Z"


def post_offset(post: wxrgen.GenPost) -> Any:
    """local - UTC of the post, when both its dates are known (else ``None``)."""
    if ZERO in (post.date.strip(), post.date_gmt.strip()):
        return None
    return datetime.fromisoformat(post.date) - datetime.fromisoformat(post.date_gmt)


def expected_comment(comment: wxrgen.GenComment, post: wxrgen.GenPost) -> Record:
    """The record the reader must make of a generated comment (``post`` omitted).

    The rules, from ``wpmigrate/parse/wxr.py``: the author name is decoded text with
    surrounding whitespace stripped (``plain_text``); e-mail, URL and IP are
    stripped of surrounding whitespace, nothing else (case is kept); content is
    stripped; meta values are kept as written, a repeated key becomes the list
    of its values in file order; a zero GMT date is derived from the post's
    offset (local - UTC) when the post has both dates, else ``None``.
    """
    date_gmt = iso_utc(comment.date_gmt)
    offset = post_offset(post)
    if date_gmt is None and iso_local(comment.date) is not None and offset is not None:
        moment = datetime.fromisoformat(comment.date) - offset
        date_gmt = moment.isoformat(timespec="seconds") + "Z"
    meta: dict[str, Any] = {}
    for key, value in comment.meta:
        if key in meta:
            present = meta[key]
            meta[key] = [*present, value] if isinstance(present, list) else [present, value]
        else:
            meta[key] = value
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "author_name": comment.author_name.strip(),
        "author_email": comment.author_email.strip(),
        "author_url": comment.author_url.strip(),
        "author_ip": comment.author_ip.strip(),
        "user_id": comment.user_id,
        "date": iso_local(comment.date),
        "date_gmt": date_gmt,
        "content_html": comment.content_html.strip(),
        "status": STATUS_NAMES.get(comment.approved_raw, comment.approved_raw),
        "type": comment.type_raw or "comment",
        "by_post_author": comment.by_post_author,
        "meta": meta,
    }


def expected_post(post: wxrgen.GenPost, names: dict[str, str]) -> Record:
    """The ``post`` summary the reader must make of a generated item.

    ``names`` maps logins to display names (the ``<wp:author>`` table: none in
    WXR 1.0); ``author_name`` is the display name, else the login.
    """
    return {
        "id": post.id,
        "title": post.title.strip(),
        "slug": post.slug.strip(),
        # The one URL check applies to every post link (a script link is never written).
        "url": public_url(post.url.strip()),
        "type": post.post_type or "post",
        "status": post.status,
        "protected": False,  # wxrgen writes no password
        "author": post.author_login,
        "author_name": names.get(post.author_login, "").strip() or post.author_login,
        "date": iso_local(post.date),
        "date_gmt": iso_utc(post.date_gmt),
    }


@dataclass
class Generated:
    """A generated export and its truth."""

    cfg: wxrgen.GenConfig
    data: bytes
    truth: list[wxrgen.GenPost]

    def display_names(self) -> dict[str, str]:
        """Login -> display name, as far as the file tells (WXR 1.0 has no author table)."""
        if self.cfg.wxr_version == "1.0":
            return {}
        return {author.login: author.display_name for author in wxrgen.authors(self.cfg)}


def generate(cfg: wxrgen.GenConfig) -> Generated:
    out = io.BytesIO()
    stats = wxrgen.write_wxr(cfg, out)
    return Generated(cfg, out.getvalue(), list(itertools.islice(wxrgen.posts(cfg), stats.posts)))


CONFIGS = st.builds(
    wxrgen.GenConfig,
    seed=st.integers(0, 10**6),
    target_bytes=st.integers(20_000, 200_000),
    wxr_version=st.sampled_from(["1.0", "1.1", "1.2"]),
    https_namespace=st.booleans(),
    markup=st.sampled_from(["auto", "legacy", "modern"]),
    plain_type=st.sampled_from(["auto", "", "comment", "mixed"]),
)


def assert_round_trip(generated: Generated, outcome: Outcome) -> None:
    assert outcome.error is None, outcome.error
    truth_posts = {post.id: post for post in generated.truth}
    assert len(truth_posts) == len(generated.truth), "generator post ids are unique"
    names = generated.display_names()
    assert outcome.posts == [expected_post(post, names) for post in generated.truth]

    read_keys = [(r["post_id"], r["id"]) for r in outcome.records]
    truth_keys = [(c.post_id, c.id) for p in generated.truth for c in p.comments]
    assert len(set(read_keys)) == len(read_keys), "a comment was read twice"
    assert sorted(read_keys) == sorted(truth_keys), "comments lost or invented"

    by_key = {(r["post_id"], r["id"]): r for r in outcome.records}
    for post in generated.truth:
        summary = expected_post(post, names)
        for comment in post.comments:
            record = by_key[(comment.post_id, comment.id)]
            assert record == {**expected_comment(comment, post), "post": summary}
            fuzz_reader.check_record(record)

    derived = sum(
        1
        for post in generated.truth
        if post_offset(post) is not None
        for c in post.comments
        if c.date_gmt.strip() == ZERO and c.date.strip() != ZERO
    )
    # A generated export is clean: deriving zero GMT dates is the only repair.
    assert dict(+outcome.reader.repairs) == ({"derived_gmt_dates": derived} if derived else {})


@settings(SETTINGS, max_examples=40)
@given(cfg=CONFIGS, fast=st.booleans(), chunk=st.sampled_from([1 << 16, 4093, 257]))
def test_every_generated_comment_is_read_once_with_its_fields(
    cfg: wxrgen.GenConfig, fast: bool, chunk: int
) -> None:
    """Invariant: whatever the generator writes, the reader gets all of it back, through
    either path and however the bytes arrive."""
    generated = generate(cfg)
    assert_round_trip(generated, read(generated.data, fast=fast, chunk=chunk))


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_generated_export_reads_the_same_on_both_paths(version: str) -> None:
    generated = generate(wxrgen.GenConfig(seed=11, target_bytes=150_000, wxr_version=version))
    fast, slow = read(generated.data, fast=True), read(generated.data, fast=False)
    assert_round_trip(generated, fast)
    assert (fast.records, fast.posts) == (slow.records, slow.posts)
    assert fast.reader.repairs == slow.reader.repairs


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_generated_author_table_is_read(version: str) -> None:
    cfg = wxrgen.GenConfig(seed=4, target_bytes=30_000, wxr_version=version)
    outcome = read(generate(cfg).data, fast=True)
    assert outcome.error is None
    got = {
        login: (author.id, author.email, author.display_name)
        for login, author in outcome.reader.authors.items()
    }
    assert got == {a.login: (a.id, a.email, a.display_name) for a in wxrgen.authors(cfg)}


# --- (b) damaged exports ------------------------------------------------------------------


@cache
def small_exports() -> tuple[bytes, ...]:
    """Valid exports to damage: small generated ones, customer-love, a few quirks."""
    generated = tuple(
        generate(wxrgen.GenConfig(seed=seed, target_bytes=20_000, wxr_version=version)).data
        for seed, version in ((1, "1.0"), (2, "1.1"), (3, "1.2"))
    )
    fixtures = (CUSTOMER_LOVE, QUIRKS / "zero-dates.xml", QUIRKS / "utf16-bom.xml")
    return generated + tuple(path.read_bytes() for path in fixtures)


#: Bytes and fragments where damage matters most to a parser and the repairs.
SPECIAL = [
    b"<", b">", b"&", b"]", b"\x00", b"\xff", b"]]>", b"<!DOCTYPE", b"<![CDATA[", b"&#0;",
    b"&#x1F;", b"&nbsp;", b"\xc3", b"\xef\xbf\xbe", b"</item>", b"<item>", b"<wp:comment>",
    b"\n", b"'", b'"', b"xmlns:wp=", b"0000-00-00 00:00:00",
]  # fmt: skip


@cache
def hot_spots(index: int) -> tuple[int, ...]:
    """Offsets in export ``index`` where an edit is most likely to matter: markup
    characters and digits (ids, dates) from the first item on."""
    data = small_exports()[index]
    start = max(data.find(b"<item>"), 0)
    return tuple(
        offset for offset in range(start, len(data)) if data[offset] in b"<>&];0123456789"
    )


@st.composite
def mutations(draw: st.DrawFn) -> tuple[int, bytes]:
    """One of the small exports with a few random byte-level edits.

    Positions come from a seeded :class:`random.Random`, uniform over the file or
    over its hot spots: hypothesis's own integers favour small offsets, which
    only ever break the prolog.
    """
    index = draw(st.integers(0, len(small_exports()) - 1), label="export")
    data = bytearray(small_exports()[index])
    where = random.Random(draw(st.integers(0, 2**32), label="positions"))
    fragment = st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=8))
    for _ in range(draw(st.integers(1, 3), label="edits")):
        size = len(data)
        spots = hot_spots(index)
        at = where.choice(spots) if spots and where.random() < 0.7 else where.randrange(size + 1)
        at = min(at, size)
        length = draw(st.integers(1, 64), label="length")
        kind = draw(
            st.sampled_from(["insert", "delete", "replace", "duplicate"] * 3 + ["truncate"]),
            label="kind",
        )
        if kind == "insert":
            data[at:at] = draw(fragment)
        elif kind == "delete":
            del data[at : at + length]
        elif kind == "replace":
            piece = draw(fragment)
            data[at : at + len(piece)] = piece
        elif kind == "duplicate":
            data[at:at] = data[at : at + length]
        else:
            del data[at:]
    return index, bytes(data)


def skip_known(error: BaseException | None) -> None:
    """Skip an example that fails only because of a tracked, xfailed reader bug."""
    assume(error is None or fuzz_reader.known_issue(error) is None)


def check_records(records: list[Record]) -> None:
    """The fuzz target's record checks, skipping what a tracked reader bug explains."""
    for record in records:
        try:
            fuzz_reader.check_record(record)
        except Exception as exc:
            skip_known(exc)
            raise


@settings(SETTINGS, max_examples=300)
@given(case=mutations(), fast=st.booleans())
def test_damaged_exports_raise_only_our_errors_and_yield_well_formed_records(
    case: tuple[int, bytes], fast: bool
) -> None:
    """Invariant: a damaged export is read as far as it can be, or refused with a
    WpmigrateError of one line; never another exception, never a malformed record."""
    _, data = case
    outcome = read(data, fast=fast, chunk=4093)
    event("error" if outcome.error is not None else "read to the end")
    event("some records" if outcome.records else "no record")
    skip_known(outcome.error)
    if outcome.error is not None:
        assert isinstance(outcome.error, WpmigrateError), repr(outcome.error)
        assert not isinstance(outcome.error, IntegrityError)
        assert "\n" not in str(outcome.error)
    check_records(outcome.records)


@settings(SETTINGS, max_examples=60)
@given(case=mutations())
def test_damaged_exports_pass_the_whole_fuzz_target(case: tuple[int, bytes]) -> None:
    """Everything the fuzz target checks (both paths, chunk sizes, moderation and
    threading, chunking independence), on hypothesis's own mutations."""
    fuzz_reader.fuzz_one(case[1])


# --- (c) the same through the command line ----------------------------------------------------


def assert_json_lines(stdout: bytes) -> list[Record]:
    records = []
    for line in stdout.decode("utf-8").splitlines():
        value = json.loads(line)
        assert isinstance(value, dict)
        records.append(value)
    return records


@settings(SETTINGS, max_examples=60)
@given(case=mutations(), command=st.sampled_from(["extract", "thread"]))
def test_damaged_exports_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[int, bytes], command: str
) -> None:
    """Invariant: exit 0 (read), 3 (unreadable) or 4 (not a usable export); every
    error one ``Error:`` line, never a traceback; stdout valid JSON Lines."""
    _, data = case
    path = tmp_path_factory.mktemp("cli") / "damaged.xml"
    path.write_bytes(data)
    known = read(data, fast=True)
    skip_known(known.error)
    check_records(known.records)
    run = invoke([command, "-q", path])
    event(f"{command} exit {run.exit_code}")
    assert run.exit_code in (0, 3, 4), (run.exit_code, run.stderr)
    assert "Traceback" not in run.stderr
    if run.exit_code:
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    records = assert_json_lines(run.stdout)
    if command == "extract":
        for record in records:
            fuzz_reader.check_record(record)
    else:
        for record in records:
            assert set(record) == {"post", "comments", "stats"}
