"""``--blocklist``: one automaton for every key, reporting what checking key by key reported.

The matcher must give the same ``detail`` as the implementation it replaced
(the first key in file order that is a substring of a field, in the first field
that holds it), kept here as the oracle.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wpmigrate.conversation.moderation import (
    KeyMatcher,
    Policy,
    blocklist_match,
    drop_reason,
    load_blocklist,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from blocklist import key_by_key_match as oracle  # a benchmark script, not a package

# A small alphabet, so that keys match often, overlap, and nest in each other;
# with case pairs whose lower() changes the length (İ) or depends on context (Σ).
ALPHABET = "abAB <>/.\n@İiΣ\u03c3ς1"  # (U+03C3 escaped: ruff flags it)
texts = st.text(alphabet=ALPHABET, max_size=14)
keys_lists = st.lists(st.text(alphabet=ALPHABET.lower(), max_size=4), max_size=12).map(tuple)
records = st.fixed_dictionaries(
    {},
    optional={
        "author_name": texts,
        "author_email": texts,
        "author_url": texts,
        "author_ip": texts,
        "content_html": texts,
    },
)


@settings(max_examples=3000, deadline=None)
@given(records, keys_lists)
@example({"author_name": "Ab", "content_html": "xab"}, ("b", "ab"))  # two keys, same place
@example({"content_html": "<b>ab</b>"}, ("b>a", "ba", "<b"))  # only with the tags
@example({"content_html": "a<i>b"}, ("ab",))  # only without them
@example({"author_url": "a\nb"}, ("a\nb",))  # a key holding a newline (API only)
@example({"author_name": "a", "author_email": "b"}, ("a\nb",))  # never across fields
@example({"author_name": "x"}, ("b", "", "x"))  # "" is in every text
def test_the_automaton_reports_what_checking_each_key_reported(
    record: dict[str, Any], keys: tuple[str, ...]
) -> None:
    assert blocklist_match(record, keys) == oracle(record, keys)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab\r\n\t Ǆǅ", max_size=5), max_size=8), records)
def test_keys_loaded_from_a_file_match_as_before(lines: list[str], record: dict[str, Any]) -> None:
    keys = load_blocklist(lines)
    assert blocklist_match(record, keys) == oracle(record, keys)


def test_the_first_key_in_the_file_is_reported_not_the_first_in_the_text() -> None:
    record = {"author_name": "Casino Bob", "content_html": "Cheap viagra at the casino"}
    keys = load_blocklist(["viagra\n", "casino\n", "bob\n"])
    assert blocklist_match(record, keys) == "'viagra' in content"
    keys = load_blocklist(["bob", "viagra"])
    assert blocklist_match(record, keys) == "'bob' in name"


def test_a_copy_of_the_keys_gets_the_same_answers() -> None:
    # Worker processes unpickle their own copy of the policy's keys.
    keys = tuple(f"key{n}" for n in range(1000))
    copy = tuple(key[:] for key in list(keys))
    record = {"content_html": "has key999 and key5"}
    assert blocklist_match(record, keys) == blocklist_match(record, copy) == "'key5' in content"
    policy = Policy(blocklist=copy)
    assert drop_reason({**record, "status": "approved"}, "publish", policy) == (
        "blocklist",
        "'key5' in content",
    )


def test_forty_thousand_keys_in_one_matcher() -> None:
    keys = tuple(f"spam{n}.example" for n in range(40_000))
    matcher = KeyMatcher(keys)
    assert matcher.first(["nothing here", "spam39999.example"]) == "spam39999.example"
    assert matcher.first(["spam7.example and spam3.example"]) == "spam3.example"
    assert matcher.first(["spam.example"]) is None
