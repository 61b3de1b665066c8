"""``wpmigrate stats``: what an export holds, before deciding what to do with it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .conversation.moderation import NO_POST, Ledger, Policy, moderate
from .conversation.thread import max_depth_of, thread
from .parse.repairs import Repairs
from .render.jsonl_reader import Group
from .report import counts


@dataclass
class ExportStats:
    """Counts over every post and comment of an export, raw and as published by default."""

    posts: int = 0
    posts_by_type: Counter[str] = field(default_factory=Counter)
    posts_with_comments: int = 0
    comments: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    threads: int = 0
    replies: int = 0
    max_depth: int = 0
    deepest_post: int | None = None
    author_replies: int = 0
    orphans: int = 0
    cycles: int = 0
    largest_post: int = 0
    largest_post_id: int | None = None
    ledger: Ledger = field(default_factory=Ledger)

    def add_all(self, groups: Iterable[Group], policy: Policy | None = None) -> None:
        """Count every group; the public view uses ``policy`` (default: WordPress's)."""
        policy = policy or Policy()
        for summary, records in groups:
            self.add(summary, records, policy)

    def add(self, summary: dict[str, Any], records: list[dict[str, Any]], policy: Policy) -> None:
        """Count one post (or the comments found outside any item: post 0)."""
        is_post = summary.get("id") != NO_POST
        if is_post:
            self.posts += 1
            self.posts_by_type[str(summary.get("type", "post"))] += 1
        if not records:
            return
        self.posts_with_comments += is_post
        self.comments += len(records)
        if is_post and len(records) > self.largest_post:
            self.largest_post, self.largest_post_id = len(records), summary.get("id")
        for record in records:
            self.by_status[record["status"]] += 1
            self.by_type[record["type"]] += 1
            self.author_replies += bool(record.get("by_post_author"))
            self.replies += bool(record["parent_id"])
        forest = thread(records)
        self.threads += len(forest)
        self.orphans += sum(1 for node in forest if node.get("orphan"))
        self.cycles += sum(1 for node in forest if node.get("cycle"))
        depth = max_depth_of(forest)
        if depth > self.max_depth:
            self.max_depth, self.deepest_post = depth, summary.get("id")
        kept, dropped = moderate(records, summary, policy)
        self.ledger.add(records, kept, dropped)

    def as_dict(self, repairs: Repairs) -> dict[str, Any]:
        """The ``--json`` form."""
        return {
            "posts": self.posts,
            "posts_by_type": dict(self.posts_by_type.most_common()),
            "posts_with_comments": self.posts_with_comments,
            "comments": self.comments,
            "comments_by_status": dict(self.by_status.most_common()),
            "comments_by_type": dict(self.by_type.most_common()),
            "threads": self.threads,
            "replies": self.replies,
            "max_depth": self.max_depth,
            "deepest_post": self.deepest_post,
            "largest_post": {"id": self.largest_post_id, "comments": self.largest_post},
            "author_replies": self.author_replies,
            "orphans": self.orphans,
            "cycles": self.cycles,
            "public": {
                "kept": self.ledger.kept,
                "dropped": self.ledger.dropped_total,
                "dropped_by_reason": dict(sorted(self.ledger.dropped.items())),
            },
            "repairs": dict(sorted(repairs.items())),
        }

    def table(self, repairs: Repairs) -> str:
        """A readable table."""
        rows = [
            ("posts", f"{self.posts} ({counts(self.posts_by_type)})" if self.posts else "0"),
            ("posts with comments", str(self.posts_with_comments)),
            ("comments", str(self.comments)),
            ("  by status", counts(self.by_status) or "-"),
            ("  by type", counts(self.by_type) or "-"),
            ("threads (top-level)", str(self.threads)),
            ("replies", str(self.replies)),
            (
                "max depth",
                f"{self.max_depth}" + (f" (post {self.deepest_post})" if self.max_depth else ""),
            ),
            (
                "largest post",
                f"{self.largest_post} comments (post {self.largest_post_id})"
                if self.largest_post_id is not None
                else "-",
            ),
            ("author replies", str(self.author_replies)),
            ("orphans", str(self.orphans)),
            ("cycles", str(self.cycles)),
            ("public (default)", self.ledger.line()),
            ("repairs", "; ".join(repairs.lines()) or "none"),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows) + "\n"
