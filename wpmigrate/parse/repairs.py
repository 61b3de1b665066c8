"""The run-wide count of repaired defects, and the summary line each kind gets.

Every stage of the reader (encoding, the byte repairs, the XML walk, the
deduplication) counts what it fixed in one :class:`Repairs`, so a run reports
every repair once, whatever part of the reader made it.
"""

from __future__ import annotations

from collections import Counter

#: Messages for the summary, by repair kind.
REPAIR_MESSAGES = {
    "invalid_bytes": "byte sequences invalid in the file's encoding replaced with U+FFFD",
    "control_chars": "characters forbidden in XML (control bytes) removed",
    "bad_char_refs": "character references to forbidden characters replaced",
    "html_entities": "HTML entities unknown to XML converted to characters",
    "bare_ampersands": "unescaped '&' escaped",
    "undeclared_prefixes": "elements with an undeclared namespace prefix read",
    "unknown_encoding": "files with an unknown declared encoding read as UTF-8",
    "missing_post_ids": "items without a numeric post id given a negative id",
    "post_ids_from_links": "items without a post id identified by their ?p= link",
    "missing_comment_ids": "comments without a numeric id given a negative id",
    "bad_parent_ids": "comments with a non-numeric parent treated as top level",
    "bad_user_ids": "comments with a non-numeric user id treated as logged out",
    "bad_dates": "unreadable dates set to null",
    "derived_gmt_dates": "missing GMT dates derived from the post's time offset",
    "duplicate_comments": "duplicate comments skipped",
    "duplicate_posts": "items repeating a post already read, with nothing new, skipped",
    "renumbered_comments": "comments sharing an id with a different comment given a negative id",
    "extra_channels": "extra <channel> elements read as part of the export",
    "nested_items": "<item> elements nested in an item read as posts of their own",
    "nested_comments": "comments nested in a comment read as comments of the post",
    "comments_outside_items": "comments outside any <item> read (as post 0: no-post)",
    "raw_cdata_ends": "']]>' inside CDATA (an old WordPress's inline scripts) kept as text",
}


class Repairs(Counter[str]):
    """Counts of repaired defects by kind (keys of :data:`REPAIR_MESSAGES`)."""

    def lines(self) -> list[str]:
        """One human-readable line per kind of repair made, most frequent first."""
        return [
            f"{count} {REPAIR_MESSAGES.get(kind, kind)}"
            for kind, count in self.most_common()
            if count
        ]
