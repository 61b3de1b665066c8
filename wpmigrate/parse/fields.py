"""The values a record holds, from the raw text of its WXR fields: dates, ids, authorship.

Kept apart from the XML walk (:mod:`.wxr`), which finds the fields: here each
is normalised, and what had to be repaired on the way is counted. MySQL
datetimes become ISO 8601, ids become non-negative ints (or ``None`` where the
text is no id), items and comments without one get negative ids from an
:class:`IdPool`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import Author, iso_utc
from .repairs import Repairs

_MYSQL_DATE = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
)
_ZERO_DATES = frozenset({"", "0000-00-00 00:00:00", "0000-00-00"})


@dataclass(slots=True)
class Dates:
    """Turns MySQL datetimes into ISO 8601, counting what had to be repaired.

    WordPress writes ``YYYY-MM-DD HH:MM:SS``: that form is converted by slicing
    (the hot path) once it is known to be a real date. Anything else is parsed
    as ISO 8601; a local time keeps its wall clock, a UTC time is converted to
    UTC; an impossible date becomes ``None`` and is counted.
    """

    repairs: Repairs

    def local(self, raw: str) -> tuple[str | None, datetime | None]:
        """ISO local time, and its datetime when parsing it was needed anyway."""
        value = raw.strip()
        if _MYSQL_DATE.fullmatch(value) and _real_day(value):
            return value[:10] + "T" + value[11:], None
        moment = self._parse(value, to_utc=False)
        return (None if moment is None else moment.isoformat(timespec="seconds")), moment

    def utc(self, raw: str) -> str | None:
        """ISO UTC time with ``Z``."""
        value = raw.strip()
        if _MYSQL_DATE.fullmatch(value) and _real_day(value):
            return value[:10] + "T" + value[11:] + "Z"
        return iso_utc(self._parse(value, to_utc=True))

    def moment(self, raw: str, to_utc: bool = False) -> datetime | None:
        """The datetime of a value :meth:`local` or :meth:`utc` already accepted."""
        value = raw.strip()
        if value in _ZERO_DATES:
            return None
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None and to_utc:
                moment = moment - (moment.utcoffset() or timedelta())
        except (ValueError, OverflowError):
            return None
        return moment.replace(tzinfo=None)

    def _parse(self, value: str, to_utc: bool) -> datetime | None:
        if value in _ZERO_DATES:
            return None
        moment = self.moment(value, to_utc)
        if moment is None:
            self.repairs["bad_dates"] += 1
        return moment


def _real_day(value: str) -> bool:
    """Whether a ``YYYY-MM-DD …`` the pattern accepted names a real day (not 02-30)."""
    if value[8:10] <= "28":
        return True
    try:
        datetime.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


class IdPool:
    """Negative ids for items and comments that have none: -1, -2, …

    Shared by every reader of one run (ids stay unique across files) and
    rewindable, so a document read a second time gets the same ids.
    """

    def __init__(self) -> None:
        self.next_id = -1

    def __iter__(self) -> IdPool:
        return self

    def __next__(self) -> int:
        value = self.next_id
        self.next_id -= 1
        return value


_MAX_ID = 1 << 64
_ID_IN_LINK = re.compile(r"[?&](?:p|page_id|attachment_id)=(\d+)(?:&|#|$)")


def id_from_link(link: str) -> int | None:
    """The post id in a default WordPress permalink (``/?p=42``), else ``None``."""
    found = _ID_IN_LINK.search(link.strip())
    return (int_or_none(found.group(1)) or None) if found else None


def number_or_none(raw: str) -> int | None:
    """:func:`int_or_none`, with the common case (a few digits, no spaces) first."""
    if raw.isdigit() and raw.isascii() and len(raw) < 19:
        return int(raw)
    return int_or_none(raw)


def int_or_none(raw: str) -> int | None:
    """A non-negative ASCII integer (WordPress ids, parents, user ids), else ``None``."""
    value = raw.strip()
    # Past 20 digits it is no id (2**64 has 20): do not even make it an int.
    if not (value.isascii() and value.isdigit()) or len(value) > 20:
        return None
    number = int(value)
    # WordPress ids are BIGINT UNSIGNED: a bigger "id" is not one (and would not
    # fit the JSON encoder or the (post, comment) dedupe keys).
    return number if number < _MAX_ID else None


def by_post_author(author: Author | None, user_id: int, email: str) -> bool:
    """The post author wrote it: same user id, or failing that the same e-mail.

    A name proves nothing (anyone can type one), and a user id only counts when
    the export's author table gives the post author that id.
    """
    if author is None:
        return False
    if user_id and author.id is not None and user_id == author.id:
        return True
    own = author.email.strip().lower()
    return bool(own) and email.lower() == own
