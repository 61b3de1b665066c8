"""Text from the input, made safe to show on a terminal.

Names come from strangers: a zip member, a post title, an author, a status a
plugin wrote. Shown raw, an ESC starts a terminal escape sequence (colours,
cursor moves, a window title, on some terminals a hyperlink or worse), a
carriage return or backspace hides what came before, and bidirectional
overrides make a name read differently from what it is. :func:`printable`
escapes all of them; every message the CLI writes goes through it, once, where
it is written (so no message built anywhere can forget it).
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, lone surrogates (unwritable as UTF-8), line and
#: paragraph separators, and the bidirectional marks, embeddings, overrides and
#: isolates ("Trojan Source"). Letters, emoji (their joiners included) and
#: spaces pass unchanged.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    r"""``text`` with every character a terminal would act on escaped as ``\xNN``/``\uNNNN``.

    >>> printable("a\x1b[31m.xml")
    'a\\x1b[31m.xml'
    >>> printable("Café ☕ — ok")
    'Café ☕ — ok'
    """
    return _UNSAFE.sub(_escape, text)
