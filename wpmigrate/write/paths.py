"""File names for archive posts: from the slug, unique, and never outside the folder.

:class:`PostNamer` gives each post a relative path such as ``my-post.md`` or,
with the ``dated`` layout, ``2010/11/my-post.md``. The rules:

* The stem is the post's slug, else its title, else ``post-<id>``, through
  python-slugify: lower-case ASCII letters, digits and single hyphens, nothing
  else. So there is no ``.``, ``/``, ``\\`` or NUL to climb out of the folder
  with, whatever the export holds. WordPress stores non-Latin slugs
  percent-encoded (``%e6%97%a5``): they are decoded first, then transliterated.
* At most :data:`MAX_STEM` characters (cut at a hyphen), suffix included.
* Unique within the folder, compared case-insensitively (macOS and Windows
  folders are): the first post keeps ``slug``, a later one gets
  ``slug-<post id>``, then ``slug-<post id>-2``, ``-3``… Names reserved on
  Windows (``con``, ``nul``, ``com1``, ``lpt9``…) are treated as taken.
* ``dated``: ``YYYY/MM/`` from the post's local date, ``undated/`` without one.

Names depend only on the posts given and their order, so re-runs are identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import unquote

from slugify import slugify

Layout = Literal["flat", "dated"]

#: Longest stem (the name without its extension), suffixes included.
MAX_STEM = 80
#: Device names Windows reserves whatever the extension (``con.md`` too).
RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(10)}
    | {f"lpt{digit}" for digit in range(10)}
)
_DATE = re.compile(r"^(\d{4})-(\d{2})")


def _slug(text: object, limit: int = MAX_STEM) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    # A percent-encoded slug (WordPress's form for non-ASCII) decodes first;
    # errors="replace" keeps a broken escape from failing the run.
    decoded = unquote(text, errors="replace") if "%" in text else text
    return str(slugify(decoded, max_length=limit, word_boundary=True, lowercase=True))


def _fit(stem: str, suffix: str) -> str:
    """``stem + suffix`` within :data:`MAX_STEM`, cutting the stem (not the suffix)."""
    room = MAX_STEM - len(suffix)
    return stem[:room].rstrip("-") + suffix


def folder_for(date: object, layout: Layout) -> str:
    """``""`` (flat), ``YYYY/MM/`` from an ISO date, or ``undated/``."""
    if layout == "flat":
        return ""
    match = _DATE.match(date) if isinstance(date, str) else None
    if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) > 0:
        return f"{match.group(1)}/{match.group(2)}/"
    return "undated/"


class PostNamer:
    """Hands out unique relative paths (POSIX separators) for posts, in call order."""

    def __init__(
        self, extension: str, layout: Layout = "flat", reserved: Iterable[str] = ()
    ) -> None:
        """``extension`` like ``.md``; ``reserved``: top-level names already spoken for."""
        if layout not in ("flat", "dated"):
            raise ValueError(f"unknown layout {layout!r}")
        self.extension = extension
        self.layout: Layout = layout
        self._taken: set[str] = {name.lower() for name in reserved}

    def _free(self, folder: str, stem: str) -> bool:
        return bool(stem) and stem not in RESERVED and (
            f"{folder}{stem}{self.extension}".lower() not in self._taken
        )

    def stem_for(self, post: Mapping[str, Any]) -> str:
        """The base stem of a post before uniqueness: slug, else title, else ``post-<id>``."""
        post_id = post.get("id")
        return (
            _slug(post.get("slug"))
            or _slug(post.get("title"))
            or _slug(f"post {post_id}")
            or "post"
        )

    def name(self, post: Mapping[str, Any]) -> str:
        """The next unique path for ``post`` (a post summary: id, slug, title, date)."""
        folder = folder_for(post.get("date"), self.layout)
        base = self.stem_for(post)
        post_id = post.get("id")
        ident = _slug(str(post_id)) if isinstance(post_id, int) else ""
        tag = f"-{ident}" if ident else ""
        stem = base
        if not self._free(folder, stem):
            stem = _fit(base, tag) if tag else ""
        counter = 2
        while not self._free(folder, stem):
            stem = _fit(base, f"{tag}-{counter}")
            counter += 1
        path = f"{folder}{stem}{self.extension}"
        self._taken.add(path.lower())
        return path
