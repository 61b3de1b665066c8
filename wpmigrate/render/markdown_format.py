"""The Markdown archive's format, defined once: what :mod:`wpmigrate.render.markdown`
and :mod:`wpmigrate.write.archive` write and :mod:`wpmigrate.render.markdown_reader`
reads back.

A page is YAML front matter between two :data:`FENCE` lines, then the comments,
each starting with its :func:`anchor` (the only raw HTML a page holds), then the
pingbacks and trackbacks under :data:`MENTIONS_HEADING`, each also with its anchor.
"""

from __future__ import annotations

#: The line before and after the front matter.
FENCE = "---"
#: Front matter keys the reader reads back: the post's id, how many comments the
#: page shows and their ids (sorted); ``index.md`` says how many posts.
POST_ID = "post_id"
COMMENT_COUNT = "comment_count"
COMMENT_IDS = "comment_ids"
POST_COUNT = "post_count"

#: The heading above the pingback and trackback list.
MENTIONS_HEADING = "## Mentions"
#: What a comment's header line says when the comment is not shown under the one
#: it answers (nested too deep, or a broken thread), before the link to it.
IN_REPLY_TO = " · in reply to "

#: A comment's anchor name is this and its id (``comment-1020``), as WordPress's own.
ANCHOR_NAME = "comment-"
ANCHOR_START = f'<a id="{ANCHOR_NAME}'
ANCHOR_END = '"></a>'


def anchor(comment_id: int) -> str:
    """The anchor a comment's header (or mention) starts with.

    >>> anchor(1020)
    '<a id="comment-1020"></a>'
    """
    return f"{ANCHOR_START}{comment_id}{ANCHOR_END}"


def anchor_href(comment_id: int) -> str:
    """A link to a comment's anchor on the same page.

    >>> anchor_href(1020)
    '#comment-1020'
    """
    return f"#{ANCHOR_NAME}{comment_id}"
