"""Archives publish no commenter e-mail, IP or comment meta; an avatar hash instead."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wpmigrate.cli import cli
from wpmigrate.conversation.thread import thread
from wpmigrate.privacy import PRIVATE_FIELDS, avatar, public_fields, public_forest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = str(ROOT / "fixtures" / "customer-love.xml")


def test_avatar_hashes_the_trimmed_lower_cased_email() -> None:
    expected = b"susan@customer-love.example"
    assert avatar(" Susan@Customer-Love.example ") == {
        "md5": hashlib.md5(expected).hexdigest(),
        "sha256": hashlib.sha256(expected).hexdigest(),
    }
    assert avatar("") is None and avatar("   ") is None and avatar(None) is None


def record(**extra: Any) -> dict[str, Any]:
    return {
        "id": 1, "post_id": 2, "parent_id": 0, "author_name": "A", "author_email": "a@b.example",
        "author_url": "http://a.example/", "author_ip": "192.0.2.9", "user_id": 0,
        "date": None, "date_gmt": None, "content_html": "hi", "status": "approved",
        "type": "comment", "by_post_author": False, "meta": {"akismet_as_submitted": "x"},
        **extra,
    }  # fmt: skip


def test_public_fields_are_an_allow_list_in_a_fixed_order() -> None:
    out = public_fields(record(user_agent="Mozilla", post={"id": 2}, depth=0, replies=[]))
    assert list(out) == [
        "id", "post_id", "parent_id", "author_name", "author_url", "user_id", "date",
        "date_gmt", "content_html", "status", "type", "by_post_author", "avatar", "depth",
    ]  # fmt: skip
    assert out["avatar"] == avatar("a@b.example")


def test_keep_private_keeps_everything_and_adds_the_avatar() -> None:
    out = public_fields(record(user_agent="Mozilla", depth=0), keep_private=True)
    assert list(out) == [
        "id", "post_id", "parent_id", "author_name", "author_url", "author_email",
        "author_ip", "user_id", "date", "date_gmt", "content_html", "status", "type",
        "by_post_author", "meta", "avatar", "user_agent", "depth",
    ]  # fmt: skip


def test_public_forest_copies_a_chain_of_any_depth_without_recursion() -> None:
    chain = [record(id=1)] + [record(id=i, parent_id=i - 1) for i in range(2, 5001)]
    forest = public_forest(thread(chain, max_depth=10_000))
    node, count = forest[0], 1
    while node["replies"]:
        assert not set(PRIVATE_FIELDS) & set(node)
        node, count = node["replies"][0], count + 1
    assert count == 5000


# ---------------------------------------------------------------- the fixture, end to end


def private_values() -> tuple[set[str], set[str]]:
    """Every commenter e-mail (as stored, and trimmed) and IP that ``extract`` reports."""
    result = CliRunner().invoke(cli, ["extract", "-q", FIXTURE])
    assert result.exit_code == 0, result.output
    emails: set[str] = set()
    ips: set[str] = set()
    for line in result.stdout.splitlines():
        comment = json.loads(line)
        if comment["author_email"].strip():
            emails.update({comment["author_email"], comment["author_email"].strip()})
        if comment["author_ip"].strip():
            ips.add(comment["author_ip"].strip())
    return emails, ips


@pytest.mark.parametrize("fmt", ["markdown", "json"])
@pytest.mark.parametrize("layout", ["flat", "dated"])
def test_no_email_or_ip_anywhere_in_an_archive(tmp_path: Path, fmt: str, layout: str) -> None:
    emails, ips = private_values()
    assert len(emails) > 10 and len(ips) > 10  # the fixture has plenty to leak
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["archive", "-q", FIXTURE, "-o", str(out), "--format", fmt, "--layout", layout]
    )
    assert result.exit_code == 0, result.output
    files = [path for path in out.rglob("*") if path.is_file()]
    assert len(files) >= 4
    for path in files:
        data = path.read_bytes().lower()
        for value in emails | ips:
            assert value.lower().encode() not in data, (path.name, value)
        for key in (b'"meta"', b"akismet", b"author_email", b"author_ip"):
            assert key not in data, (path.name, key)


def test_keep_private_fields_keeps_them_for_a_backup(tmp_path: Path) -> None:
    out = tmp_path / "backup"
    result = CliRunner().invoke(
        cli, ["archive", "-q", FIXTURE, "-o", str(out), "--format", "json",
              "--keep-private-fields"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = b"".join(path.read_bytes() for path in out.glob("*.json"))
    assert b'"author_ip": "192.0.2.66"' in data  # Colin's
    assert b'"author_email": "colin@example.org"' in data
    assert b'"akismet_history"' in data and b'"avatar": {' in data


def test_avatar_of_the_logged_out_author_matches_her_logged_in_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["archive", "-q", FIXTURE, "-o", str(out), "--format", "json"])
    post = json.loads((out / "secret-destinations.json").read_text(encoding="utf-8"))
    susan = [c for c in post["comments"] for c in c["replies"] if c["author_name"] == "Susan"]
    assert len(susan) == 3 and len({json.dumps(c["avatar"]) for c in susan}) == 1
    assert susan[0]["avatar"]["md5"] == hashlib.md5(b"susan@customer-love.example").hexdigest()
