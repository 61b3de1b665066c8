"""Moderation: what is public, why the rest is not, and that nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.conversation.moderation import (
    Ledger,
    Policy,
    akismet_says_spam,
    blocklist_match,
    count_links,
    drop_reason,
    load_blocklist,
    moderate,
)
from wpmigrate.conversation.thread import flatten, thread
from wpmigrate.errors import IntegrityError

DEFAULT = Policy()


def rec(cid: int, parent: int = 0, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": cid,
        "parent_id": parent,
        "date_gmt": f"2010-01-01T00:00:{cid % 60:02d}Z",
        "status": "approved",
        "type": "comment",
        "author_name": "Reader",
        "author_email": "reader@example.org",
        "author_url": "",
        "author_ip": "192.0.2.1",
        "content_html": "Nice post.",
        "meta": {},
    }
    base.update(fields)
    return base


def history(*events: str) -> list[str]:
    return [f'a:2:{{s:5:"event";s:{len(e)}:"{e}";s:4:"time";d:1.5;}}' for e in events]


@pytest.mark.parametrize(
    ("fields", "post_status", "expected"),
    [
        ({}, "publish", None),
        ({"type": "pingback"}, "publish", None),
        ({"type": "trackback"}, "publish", None),
        ({}, "inherit", None),  # attachments count as published
        ({"status": "spam"}, "publish", "spam"),
        ({"status": "trash"}, "publish", "trash"),
        ({"status": "post-trashed"}, "publish", "post-trashed"),
        ({"status": "pending"}, "publish", "pending"),
        ({"status": "my-plugin-hold"}, "publish", "status"),
        ({"type": "note"}, "publish", "private"),
        ({"type": "order_note"}, "publish", "private"),
        ({"type": "action_log"}, "publish", "private"),
        ({"type": "webhook_delivery"}, "publish", "private"),
        ({"type": "review"}, "publish", "unknown-type"),
        ({}, "draft", "unpublished"),
        ({}, "private", "unpublished"),
        ({}, "future", "unpublished"),
        ({}, "trash", "unpublished"),
        ({"meta": {"akismet_result": "true"}}, "publish", "akismet"),
        ({"status": "spam", "type": "note"}, "draft", "spam"),  # status is tested first
    ],
)
def test_default_policy_reasons(
    fields: dict[str, Any], post_status: str, expected: str | None
) -> None:
    verdict = drop_reason(rec(1, **fields), post_status, DEFAULT)
    assert (verdict[0] if verdict else None) == expected


def test_options_widen_and_narrow_the_public_set() -> None:
    assert (
        drop_reason(
            rec(1, status="pending"), "publish", Policy(include_statuses=frozenset({"pending"}))
        )
        is None
    )
    assert (
        drop_reason(rec(1, type="review"), "publish", Policy(allow_types=frozenset({"review"})))
        is None
    )
    assert drop_reason(rec(1, type="pingback"), "publish", Policy(pings=False)) == (
        "ping",
        "type pingback",
    )
    assert drop_reason(rec(1, type="comment"), "publish", Policy(pings=False)) is None
    flagged = rec(1, meta={"akismet_result": "true"})
    assert drop_reason(flagged, "publish", Policy(akismet=False)) is None


@pytest.mark.parametrize(
    ("meta", "spam"),
    [
        ({}, False),
        ({"akismet_result": "false"}, False),
        ({"akismet_result": "true"}, True),
        ({"akismet_result": "true", "akismet_history": history("check-spam")}, True),
        ({"akismet_result": "true", "akismet_history": history("check-spam", "report-ham")}, False),
        (
            {"akismet_result": "true", "akismet_history": history("check-spam", "status-approved")},
            False,
        ),
        ({"akismet_result": "true", "akismet_history": history("status-approved")[0]}, False),
        ({"akismet_result": "true", "akismet_user_result": "false"}, False),
        ({"akismet_result": "true", "akismet_user_result": "true"}, True),
        ({"akismet_result": ["false", "true"]}, True),
    ],
)
def test_akismet_verdict_and_the_owners_word(meta: dict[str, Any], spam: bool) -> None:
    assert akismet_says_spam(meta) is spam


def test_blocklist_matches_like_wordpress() -> None:
    keys = load_blocklist(["  Viagra \n", "\n", "203.0.113.", "spam.example", "viagra"])
    assert keys == ("viagra", "203.0.113.", "spam.example")
    assert blocklist_match(rec(1, content_html="Buy VIAGRA now"), keys) == "'viagra' in content"
    assert blocklist_match(rec(1, author_ip="203.0.113.9"), keys) == "'203.0.113.' in ip"
    assert (
        blocklist_match(rec(1, author_url="http://www.spam.example/x"), keys)
        == "'spam.example' in url"
    )
    assert blocklist_match(rec(1, author_name="viagra king"), keys) == "'viagra' in name"
    # tags do not hide a key: WordPress checks the text without them too
    assert (
        blocklist_match(rec(1, content_html="via<b></b>gra"), ("viagra",)) == "'viagra' in content"
    )
    assert blocklist_match(rec(1), keys) is None
    assert blocklist_match(rec(1), ()) is None


def test_link_count_and_limit() -> None:
    body = '<a href="http://a.example">a</a> and http://b.example and //c.example'
    assert count_links(body) == 3
    assert drop_reason(rec(1, content_html=body), "publish", Policy(max_links=3)) == (
        "links",
        "3 links (limit 3)",
    )
    assert drop_reason(rec(1, content_html=body), "publish", Policy(max_links=4)) is None


def test_reply_to_dropped_comment_moves_to_nearest_kept_ancestor() -> None:
    records = [rec(1), rec(2, 1, status="spam"), rec(3, 2, status="trash"), rec(4, 3), rec(5, 4)]
    kept, dropped = moderate(records, "publish", DEFAULT)
    assert {r["id"]: r["reason"] for r in dropped} == {2: "spam", 3: "trash"}
    by_id = {r["id"]: r for r in kept}
    assert by_id[4]["parent_id"] == 1 and by_id[4]["reparented_from"] == 3
    assert by_id[5]["parent_id"] == 4 and "reparented_from" not in by_id[5]
    forest = thread(kept)
    assert [(n["id"], [c["id"] for c in n["replies"]]) for n in forest] == [(1, [4])]
    # the input records are untouched
    assert records[3]["parent_id"] == 3 and "reparented_from" not in records[3]


def test_reply_with_no_kept_ancestor_goes_to_top_level() -> None:
    kept, _ = moderate([rec(1, status="spam"), rec(2, 1)], "publish", DEFAULT)
    assert kept[0]["parent_id"] == 0 and kept[0]["reparented_from"] == 1


def test_drop_orphaned_replies_drops_the_whole_subtree() -> None:
    records = [rec(1), rec(2, 1, status="spam"), rec(3, 2), rec(4, 3), rec(5, 1)]
    kept, dropped = moderate(records, "publish", Policy(drop_orphaned_replies=True))
    assert [r["id"] for r in kept] == [1, 5]
    assert {r["id"]: (r["reason"], r["detail"]) for r in dropped} == {
        2: ("spam", "status spam"),
        3: ("parent-dropped", "under dropped comment 2"),
        4: ("parent-dropped", "under dropped comment 2"),
    }


def test_loop_of_dropped_comments_does_not_hang() -> None:
    records = [rec(1, 2, status="spam"), rec(2, 1, status="spam"), rec(3, 1)]
    kept, _ = moderate(records, "publish", DEFAULT)
    assert kept[0]["parent_id"] == 0 and kept[0]["reparented_from"] == 1


def test_ledger_adds_up_and_refuses_losses() -> None:
    ledger = Ledger()
    records = [rec(1), rec(2, status="spam"), rec(3, type="note")]
    kept, dropped = moderate(records, "publish", DEFAULT)
    ledger.add(records, kept, dropped)
    ledger.check()
    assert ledger.line() == "3 read = 1 kept + 2 dropped (private 1, spam 1)"
    with pytest.raises(IntegrityError):
        ledger.add(records, kept, dropped[:1])
    with pytest.raises(IntegrityError):
        ledger.add(records, kept + kept, dropped[:1])


# --- invariants over random forests with random statuses ---------------------------

STATUSES = ["approved", "approved", "approved", "pending", "spam", "trash", "post-trashed", "x"]
TYPES = ["comment", "comment", "comment", "pingback", "trackback", "note", "review"]


@st.composite
def posts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], str]:
    n = draw(st.integers(0, 30))
    ids = draw(st.lists(st.integers(1, 100), min_size=n, max_size=n, unique=True))
    records = []
    for cid in ids:
        parent = draw(
            st.one_of(
                st.just(0), st.sampled_from(ids) if ids else st.just(0), st.integers(101, 105)
            )
        )
        akismet = draw(
            st.sampled_from([{}, {"akismet_result": "true"}, {"akismet_result": "false"}])
        )
        records.append(
            rec(
                cid,
                parent,
                status=draw(st.sampled_from(STATUSES)),
                type=draw(st.sampled_from(TYPES)),
                meta=akismet,
            )
        )
    return records, draw(st.sampled_from(["publish", "publish", "inherit", "draft"]))


@settings(max_examples=300, deadline=None)
@given(posts(), st.booleans(), st.booleans())
def test_nothing_lost_nothing_twice(
    post: tuple[list[dict[str, Any]], str], drop_orphans: bool, no_pings: bool
) -> None:
    records, post_status = post
    policy = Policy(drop_orphaned_replies=drop_orphans, pings=not no_pings)
    kept, dropped = moderate(records, post_status, policy)
    Ledger().add(records, kept, dropped)  # raises if anything was lost or doubled
    read_ids = sorted(r["id"] for r in records)
    assert sorted([r["id"] for r in kept] + [r["id"] for r in dropped]) == read_ids
    assert all(r["reason"] for r in dropped)
    kept_ids = {r["id"] for r in kept}
    all_ids = {r["id"] for r in records}
    for record in kept:
        # a kept reply answers a kept comment, the top level, or an id not in the post
        parent = record["parent_id"]
        assert parent == 0 or parent in kept_ids or parent not in all_ids
        assert drop_reason(record, post_status, policy) is None
        if drop_orphans:
            assert "reparented_from" not in record
    forest = thread(kept)
    nodes = flatten(forest)
    assert sorted(n["id"] for n in nodes) == sorted(kept_ids)
    # depth = number of kept ancestors
    by_id = {r["id"]: r for r in kept}
    stack = [(node, 0) for node in forest]
    while stack:
        node, depth = stack.pop()
        assert node["depth"] == depth
        if depth:
            assert by_id[node["parent_id"]]["id"] in kept_ids
        stack.extend((child, depth + 1) for child in node["replies"])
