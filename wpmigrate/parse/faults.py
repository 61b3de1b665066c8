"""What a parse error means, said in one line: a defect for the repairing read, or the end.

On the fast path (no repairs) any fault is :class:`NeedsRepair`: the document
is read again with repairs. On a repairing read a fault ends the document with
a :class:`~wpmigrate.errors.DataError` that says where, what, and how much was
read before it, without quoting comment text. What the fault is rests on what
the reader knows (libxml2's error code, whether the input had ended with
``<rss>`` still open), never on libxml2's wording, which changes between versions.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import DataError


class NeedsRepair(Exception):
    """The fast path cannot read this document as it is: read it again with repairs."""


#: libxml2 error codes, by what they mean here (lxml's ErrorTypes has the numbers).
_ERROR_TEXT = {
    etree.ErrorTypes.ERR_CDATA_NOT_FINISHED: "CDATA section not finished",
    etree.ErrorTypes.ERR_TAG_NAME_MISMATCH: "opening and ending tag mismatch",
    etree.ErrorTypes.ERR_TAG_NOT_FINISHED: "premature end of data in a tag",
    etree.ErrorTypes.ERR_DOCUMENT_END: "extra content at the end of the document",
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY: "undeclared entity",
    etree.ErrorTypes.ERR_NAME_REQUIRED: "a name was expected",
    etree.ErrorTypes.ERR_GT_REQUIRED: "'>' was expected",
    etree.ErrorTypes.ERR_LT_IN_ATTRIBUTE: "'<' in an attribute value",
    etree.ErrorTypes.ERR_INVALID_CHAR: "a character not allowed in XML",
    etree.ErrorTypes.ERR_MISPLACED_CDATA_END: "']]>' outside a CDATA section",
}


def format_size(size: int) -> str:
    """``67108864`` -> ``64 MiB`` (what ``--max-comment-size`` reads back)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size:,} bytes"


def _were_read(read: int) -> str:
    return f"{read} {'post was' if read == 1 else 'posts were'} read"


def libxml2_message(exc: etree.XMLSyntaxError) -> str:
    """What went wrong, in one line that quotes no comment text.

    libxml2's own first line is used (it names the tags involved), behind a
    wording of ours for the error codes that matter: its text has changed
    between versions (2.14 lost some messages), its code has not.
    """
    code: int = exc.code  # type: ignore[attr-defined]  # lxml's ParseError.code; stubs lag
    ours = _ERROR_TEXT.get(code)
    # libxml2 appends a quote of the text to some messages ("CData section not
    # finished\n<the comment so far>"): the error must stay one line, and must
    # not echo comment text.
    theirs = re.sub(r",? line \d+, column \d+.*$", "", (exc.msg or "").strip().split("\n", 1)[0])
    if ours is None:
        return theirs or f"libxml2 error {code}"
    detail = theirs.partition(":")[2].strip() if ":" in theirs else ""
    return f"{ours}: {detail}" if detail else ours


def syntax_error(
    exc: etree.XMLSyntaxError,
    source: str,
    read: int,
    *,
    at_end: bool,
    root_closed: bool,
    in_item: bool,
) -> DataError:
    """A parse error as one line: where, what, and how much was read before it.

    ``read`` posts were complete; ``at_end``: raised only when the input ended;
    ``root_closed``: ``</rss>`` had been read; ``in_item``: an item was open.
    An error at the end with ``<rss>`` still open is a truncated file.
    """
    line, column = exc.position if exc.position else (0, 0)
    if at_end and not root_closed:
        where = "inside an item" if in_item else "before the end of the channel"
        return DataError(
            f"malformed XML: the export is truncated: it ends {where}; "
            f"{_were_read(read)} before the cut",
            source,
            line,
            column,
        )
    message = libxml2_message(exc)
    if in_item:
        posts = f"{read} complete {'post' if read == 1 else 'posts'}"
        message += (
            f" (inside the item after {posts}: that item and everything after it "
            "were not read)"
        )
    return DataError(f"malformed XML: {message}", source, line, column)


def lost_place(source: str, line: int, read: int) -> DataError:
    """The parser gave an element outside the document: a fault it did not report."""
    return DataError(
        f"malformed XML: the parser stopped here without saying why; "
        f"{_were_read(read)} before it",
        source,
        line,
    )


def comment_too_large(source: str, line: int, limit: int, read: int) -> DataError:
    """A comment starting at ``line`` is larger than ``limit`` bytes of XML."""
    return DataError(
        f"a comment larger than {format_size(limit)} starts here "
        f"(raise the limit with --max-comment-size); {_were_read(read)} before it",
        source,
        line,
    )
