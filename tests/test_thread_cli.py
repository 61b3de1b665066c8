"""`wpmigrate thread` and `wpmigrate stats` end to end, on the seed fixture and bad input."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import preorder

from wpmigrate.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "customer-love.xml"


def run(*args: str, stdin: bytes | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def threads(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def outline(record: dict[str, Any]) -> list[tuple[int, str, bool]]:
    return [
        (n["depth"], n["author_name"], n["by_post_author"]) for n in preorder(record["comments"])
    ]


@pytest.fixture(scope="module")
def seed_threads() -> dict[int, dict[str, Any]]:
    result = run("thread", str(FIXTURE))
    assert result.exit_code == 0, result.output
    return {record["post"]["id"]: record for record in threads(result.stdout)}


def test_seed_conversations_as_readers_saw_them(seed_threads: dict[int, dict[str, Any]]) -> None:
    lavonne = outline(seed_threads[115])
    replies = [(1, "LaVonne Ellis", True)]
    assert lavonne == (
        [
            (0, "eagledove11", False),
            *replies,
            (0, "LaShae Dorsey", False),
            *replies,
            (0, "Marlene Hielema", False),
            *replies,
            (0, "Abby Kerr", False),
            *replies,
            (2, "Abby Kerr", False),
            (0, "Peggie", False),
            *replies,
            (0, "Linda Eaves", False),
            *replies,
            (0, "PicsieChick", False),
            *replies,
            (2, "PicsieChick", False),
            (3, "LaVonne Ellis", True),
            (0, "bagarner", False),
            *replies,
            (0, "Anonymous", False),
            *replies,
        ]
    )
    susan = outline(seed_threads[108])
    assert susan == [
        (0, "El", False),
        (1, "Susan", True),
        (0, "Patty K", False),
        (1, "Susan", True),  # Patty K is not the author of this post
        (0, "Jennifer", False),
        (1, "Susan", True),  # written logged out: matched by e-mail
    ]
    patty = outline(seed_threads[101])
    assert patty[0][1].startswith("Tweets that mention Day 10")
    assert [a for d, a, _ in patty[1:] if d == 0] == ["Colin", "Mandy", "Thanh", "Sandi", "Dawn"]
    assert all(flag for d, _, flag in patty if d == 1)
    assert preorder(seed_threads[101]["comments"])[0]["type"] == "pingback"


def _text(content_html: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content_html))).strip()


def test_comment_texts_appear_in_the_seed_pages_in_reading_order(
    seed_threads: dict[int, dict[str, Any]], seeds_dir: Path
) -> None:
    pages = {
        115: "000_c6495af7a264b3ed.txt",
        108: "001_d4a6c1e09d6e4c0a.txt",
        101: "002_68056f1362a7ae7a.txt",
    }
    for post_id, name in pages.items():
        page = re.sub(r"\s+", " ", (seeds_dir / name).read_text(encoding="utf-8"))
        position = 0
        for node in preorder(seed_threads[post_id]["comments"]):
            found = page.find(_text(node["content_html"]), position)
            assert found >= 0, (post_id, node["id"])
            position = found


def test_rejects_hold_every_dropped_comment_with_its_reason(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = run("thread", str(FIXTURE), "--rejects", str(rejects))
    assert result.exit_code == 0
    dropped = {r["id"]: r["reason"] for r in map(json.loads, rejects.read_text().splitlines())}
    assert dropped == {
        1012: "private",
        1017: "spam",
        1021: "spam",
        1030: "trash",
        1036: "pending",
        1041: "spam",
        1045: "pending",
    }
    assert "45 read = 38 kept + 7 dropped (spam 3, pending 2, private 1, trash 1)" in result.stderr
    kept = sum(len(preorder(t["comments"])) for t in threads(result.stdout))
    assert kept == 38
    # a second run may not replace the rejects file silently
    again = run("thread", str(FIXTURE), "--rejects", str(rejects))
    assert again.exit_code == 5 and "already exists" in again.stderr


def test_include_pending_and_drop_orphaned_replies(tmp_path: Path) -> None:
    result = run("thread", str(FIXTURE), "--include", "pending", "-q")
    kept = {n["id"] for t in threads(result.stdout) for n in preorder(t["comments"])}
    assert {1036, 1045} <= kept
    # the pending reply to Colin nests under Colin's comment
    colin = next(
        n for t in threads(result.stdout) for n in preorder(t["comments"]) if n["id"] == 1002
    )
    assert [r["id"] for r in colin["replies"]] == [1003, 1036]


def test_piped_extract_output_threads_like_the_export() -> None:
    direct = run("thread", str(FIXTURE), "-q").stdout
    extracted = run("extract", str(FIXTURE), "-q").stdout
    assert run("thread", "-q", stdin=extracted.encode()).stdout == direct
    posts = run("extract", "--posts", str(FIXTURE), "-q").stdout
    assert run("thread", "-q", stdin=posts.encode()).stdout == direct
    # thread's own output threads to the same conversations (its stats can only
    # count what it was given: the dropped comments are not in it)
    again = threads(run("thread", "-q", stdin=direct.encode()).stdout)
    assert [t["comments"] for t in again] == [t["comments"] for t in threads(direct)]


def test_json_format_is_one_array_and_all_posts_adds_empty_ones(tmp_path: Path) -> None:
    result = run("thread", str(FIXTURE), "--format", "json", "--all-posts", "-q")
    records = json.loads(result.stdout)
    assert [r["post"]["id"] for r in records] == [101, 108, 115]
    redacted = run("thread", str(FIXTURE), "--redact", "-q").stdout
    assert "@" not in "".join(
        json.dumps({k: v for k, v in n.items() if k in ("author_email", "author_ip")})
        for t in threads(redacted)
        for n in preorder(t["comments"])
    )
    assert "author_email" not in redacted and "author_ip" not in redacted


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b'{"id": 1}\n', "<stdin>:1: not a wpmigrate extract record: missing field 'post_id'"),
        (
            b'{"id":1,"post_id":2,"parent_id":0,"status":"approved","type":"comment"}\n{oops\n',
            "<stdin>:2: invalid JSON",
        ),
        (
            b'{"id":"1","post_id":2,"parent_id":0,"status":"approved","type":"comment"}\n',
            "<stdin>:1: not a wpmigrate extract record: field 'id' should be int",
        ),
        (b"[]\n", "<stdin>:1: a JSON array"),
    ],
)
def test_bad_json_lines_name_the_line(stdin: bytes, message: str) -> None:
    result = run("thread", stdin=stdin)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_stats_table_and_json() -> None:
    table = run("stats", str(FIXTURE), "-q").stdout
    assert "comments             45" in table
    assert "max depth            3 (post 115)" in table
    assert "public (default)     45 read = 38 kept + 7 dropped" in table
    data = json.loads(run("stats", "--json", str(FIXTURE), "-q").stdout)
    assert data["comments_by_status"] == {"approved": 39, "spam": 3, "pending": 2, "trash": 1}
    assert data["comments_by_type"] == {"comment": 42, "note": 1, "pingback": 1, "trackback": 1}
    assert data["author_replies"] == 19
    assert data["threads"] == 23 and data["max_depth"] == 3 and data["orphans"] == 0
    assert data["public"] == {
        "kept": 38,
        "dropped": 7,
        "dropped_by_reason": {"pending": 2, "private": 1, "spam": 3, "trash": 1},
    }


def test_blocklist_and_max_links_options(tmp_path: Path) -> None:
    blocklist = tmp_path / "keys.txt"
    blocklist.write_text("Mandy\n\n", encoding="utf-8")
    result = run(
        "thread",
        str(FIXTURE),
        "--blocklist",
        str(blocklist),
        "--rejects",
        str(tmp_path / "r.jsonl"),
    )
    dropped = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reason"]) for r in dropped if r["reason"] == "blocklist"] == [
        (1004, "blocklist")
    ]
    # Patty's reply to Mandy moved to the top level
    top = {n["id"]: n for t in threads(result.stdout) for n in t["comments"]}
    assert top[1005]["reparented_from"] == 1004 and top[1005]["parent_id"] == 0
    missing = run("thread", str(FIXTURE), "--blocklist", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 3 and "cannot read blocklist" in missing.stderr
