"""Archive file names: from the slug, unique, lower-case ASCII, never outside the folder."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wpmigrate.write.paths import MAX_STEM, RESERVED, PostNamer, folder_for


def names(posts: list[dict[str, Any]], layout: str = "flat", **kw: Any) -> list[str]:
    namer = PostNamer(".md", layout, **kw)  # type: ignore[arg-type]
    return [namer.name(post) for post in posts]


def test_slug_then_title_then_id() -> None:
    assert names(
        [
            {"id": 1, "slug": "hello-world", "title": "Ignored"},
            {"id": 2, "slug": "", "title": "Café: Zürich & more!"},
            {"id": 3, "slug": "", "title": ""},
            {"id": 4},
            {"id": -7, "slug": "  ", "title": "¿?"},
        ]
    ) == ["hello-world.md", "cafe-zurich-more.md", "post-3.md", "post-4.md", "post-7.md"]


def test_percent_encoded_slugs_are_decoded_then_transliterated() -> None:
    slug = "%e6%97%a5%e6%9c%ac%e6%97%85%e8%a1%8c"  # 日本旅行, as WordPress stores it
    assert names([{"id": 1, "slug": slug}]) == ["ri-ben-lu-xing.md"]
    assert names([{"id": 1, "slug": "%zz-broken%e6"}]) == ["zz-broken.md"]


def test_collisions_first_comer_keeps_the_slug() -> None:
    posts = [
        {"id": 10, "slug": "about", "type": "page"},
        {"id": 11, "slug": "about", "type": "post"},
        {"id": 11, "slug": "About"},  # same id again (two exports): then -2, -3
        {"id": 11, "slug": "ABOUT"},
        {"id": 12, "slug": "about-11"},  # the name a suffix took: suffixed in turn
    ]
    assert names(posts) == ["about.md", "about-11.md", "about-11-2.md", "about-11-3.md",
                            "about-11-12.md"]


def test_names_are_unique_case_insensitively_and_index_is_reserved() -> None:
    namer = PostNamer(".md", reserved=["index.md", "INDEX.json"])
    assert namer.name({"id": 1, "slug": "index"}) == "index-1.md"
    namer = PostNamer(".json", reserved=["index.json"])
    assert namer.name({"id": 1, "slug": "Index"}) == "index-1.json"


@pytest.mark.parametrize("reserved", sorted(RESERVED))
def test_windows_device_names_are_never_used(reserved: str) -> None:
    assert names([{"id": 5, "slug": reserved.upper()}]) == [f"{reserved}-5.md"]


def test_long_titles_are_cut_at_a_word_and_suffixes_fit() -> None:
    title = "word " * 100
    first, second = names([{"id": 1, "title": title}, {"id": 123456, "title": title}])
    assert len(first) <= MAX_STEM + 3 and first.endswith("word.md")
    assert len(second) <= MAX_STEM + 3 and second.endswith("-123456.md")


@pytest.mark.parametrize(
    ("date", "folder"),
    [
        ("2010-11-12T03:07:12", "2010/11/"),
        ("1999-01-01T00:00:00", "1999/01/"),
        (None, "undated/"),
        ("", "undated/"),
        ("2010-13-01T00:00:00", "undated/"),
        ("0000-00-00T00:00:00", "undated/"),
        ("../../etc", "undated/"),
        ("2010/../../x", "undated/"),
    ],
)
def test_dated_folders(date: str | None, folder: str) -> None:
    assert folder_for(date, "dated") == folder
    assert folder_for(date, "flat") == ""


def test_dated_names_are_unique_per_folder() -> None:
    posts = [
        {"id": 1, "slug": "a", "date": "2010-11-01T00:00:00"},
        {"id": 2, "slug": "a", "date": "2010-12-01T00:00:00"},
        {"id": 3, "slug": "a", "date": "2010-11-30T00:00:00"},
        {"id": 4, "slug": "a"},
    ]
    assert names(posts, "dated") == ["2010/11/a.md", "2010/12/a.md", "2010/11/a-3.md",
                                     "undated/a.md"]


HOSTILE = [
    "../", "..", "/", "\\", "..\\..\\", "\x00", "C:\\Windows", "/etc/passwd", "con", "NUL",
    "com1", "lpt9", "aux.txt", ".", ".hidden", "~", "%2e%2e%2f", "%00", "%2F", " ", "\n",
    "日本語", "Ærøskøbing", "🎉", "İ", "ß", "\u202e", "\ufeff", "-", "--", "a" * 300,
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=10)), max_size=6).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.one_of(st.integers(), st.none(), st.text(max_size=5)),
                "slug": st.one_of(hostile, st.none()),
                "title": st.one_of(hostile, st.none(), st.integers()),
                "date": st.one_of(hostile, st.none(), st.just("2010-11-12T03:07:12")),
            }
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["flat", "dated"]),
)
def test_any_post_gets_a_safe_unique_name_inside_the_folder(
    posts: list[dict[str, Any]], layout: str
) -> None:
    root = Path("/tmp/wpmigrate-archive-root").resolve()
    given_names = names(posts, layout, reserved=["index.md", "index.json"])
    lowered = [name.lower() for name in given_names]
    assert len(set(lowered)) == len(lowered)
    assert "index.md" not in lowered
    for name in given_names:
        assert name.isascii() and name == name.lower()
        assert re.fullmatch(r"(\d{4}/\d{2}/|undated/)?[a-z0-9]+(-[a-z0-9]+)*\.md", name), name
        stem = name.rsplit("/", 1)[-1].removesuffix(".md")
        assert 0 < len(stem) <= MAX_STEM and stem not in RESERVED
        resolved = Path(os.path.normpath(root / name))
        assert resolved.is_relative_to(root) and resolved != root
