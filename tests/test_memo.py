"""The bounded memos: the same results, and no string too long kept."""

from __future__ import annotations

import pytest

from wpmigrate import memo as module
from wpmigrate.privacy import avatar
from wpmigrate.render.html import safe_url


def test_the_memo_keeps_a_bounded_number_of_results() -> None:
    calls: list[str] = []

    @module.memo
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert shout("ann") == shout("ann") == "ANN"
    assert calls == ["ann"]
    for number in range(module.ENTRIES + 10):
        shout(str(number))
    shout("0")  # the oldest was let go
    shout(str(module.ENTRIES + 9))  # the newest was kept
    assert len(calls) == 1 + module.ENTRIES + 10 + 1


@pytest.mark.parametrize("size", [10, module.MAX_CHARS, module.MAX_CHARS + 1, 100_000])
def test_remembered_or_not_the_answers_are_the_same(size: int) -> None:
    url = "http://x.example/" + "a" * size
    assert safe_url(url) == safe_url(url) == url
    email = "a" * size + "@x.example"
    assert avatar(email) == avatar(email.upper())


def test_long_strings_are_not_kept() -> None:
    from wpmigrate.render import html

    html._remembered_url.cache_clear()
    safe_url("http://x.example/" + "a" * module.MAX_CHARS)
    assert html._remembered_url.cache_info().currsize == 0
    safe_url("http://x.example/")
    assert html._remembered_url.cache_info().currsize == 1
