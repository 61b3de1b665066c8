"""Counting what was read, and saying it in one line on stderr."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .parse.repairs import Repairs


@dataclass
class Tally:
    """Running counts over the posts and comments read."""

    posts: int = 0
    comments: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)

    def add(self, records: list[dict[str, Any]], is_post: bool = True) -> None:
        """Count one post and its comment records (``is_post`` False: comments outside items)."""
        self.posts += is_post
        self.comments += len(records)
        for record in records:
            self.by_status[record["status"]] += 1
            self.by_type[record["type"]] += 1

    def line(self) -> str:
        """``3 posts, 42 comments (approved 38, spam 4; comment 40, pingback 2)``."""
        text = f"{plural(self.posts, 'post')}, {plural(self.comments, 'comment')}"
        if self.comments:
            text += f" ({counts(self.by_status)}; {counts(self.by_type)})"
        return text


def plural(count: int, noun: str) -> str:
    """``1 post``, ``2 posts``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def counts(counter: Counter[str]) -> str:
    """``approved 38, spam 4``: most frequent first, ties by name."""
    return ", ".join(
        f"{key} {value}" for key, value in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def repairs_line(repairs: Repairs) -> str:
    """``repaired: 2 characters forbidden in XML removed; …`` or ``''``."""
    lines = repairs.lines()
    return "repaired: " + "; ".join(lines) if lines else ""
