"""Bounded memos for pure functions of a few short strings.

Commenters come back again and again: the same name, site and address are
escaped, judged or hashed for each of their comments. :func:`memo` remembers
the last results, within fixed bounds, so memory stays flat whatever the
export holds: at most :data:`ENTRIES` results, and callers ask it only for
strings of at most :data:`MAX_CHARS` characters in all (a hostile export's
megabyte-long URLs are worked out each time, never kept). The check is the
caller's, one ``len()`` where a wrapper would cost a call per use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

ENTRIES = 2048
MAX_CHARS = 256

Function = TypeVar("Function", bound=Callable[..., object])


def memo(function: Function) -> Function:
    """``function`` remembering its last :data:`ENTRIES` results (see the module)."""
    return functools.lru_cache(maxsize=ENTRIES)(function)  # type: ignore[return-value]
