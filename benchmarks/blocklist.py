"""``thread --blocklist`` with 0, 1,000 and 40,000 keys, on one generated export.

    python benchmarks/blocklist.py                       # 100 MB export, best of 3
    python benchmarks/blocklist.py --size 20MB --keys 0,1000,10000,40000 --before 1000,10000

Real "Disallowed Comment Keys" lists have about 40,000 keys: words and phrases,
domains, IP addresses and ranges, e-mail addresses, URL fragments.
:func:`realistic_keys` writes such a list (seeded). Each case runs ``wpmigrate
thread EXPORT --blocklist KEYS`` as its own process (``--jobs`` as given, the
command's default otherwise); the figure to quote is each case's time over the
time without a blocklist, best of ``--repeat`` runs. ``--before N,…`` also
times the key-by-key matching wpmigrate had before the automaton (the same
command, with ``blocklist_match`` replaced by that implementation), for comparison.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (a sibling script, not an installed module)

# Made-up words of three or more of these: like the brand and domain names of
# real lists, they seldom occur in an honest comment (a list that dropped most
# comments would not be kept by anyone, and would measure the drops, not the match).
_SYLLABLES = [
    "ba", "ca", "da", "fe", "ge", "hi", "jo", "ku", "li", "mo", "ne", "po", "qui", "ra", "se",
    "ti", "vu", "wa", "xe", "yo", "zu", "zo", "vi", "ky", "pla", "tro", "sky", "berg", "ville",
]  # fmt: skip
_SPAM = [
    "viagra", "cialis", "casino", "poker", "loan", "replica", "pharmacy", "porn", "xxx",
    "payday", "bitcoin", "forex", "seo", "escort", "pills", "dating", "crypto", "backlinks",
    "essay", "writing", "cheap", "outlet", "rolex", "louis", "vuitton", "mortgage",
]  # fmt: skip
_TLDS = (".com", ".net", ".org", ".ru", ".info", ".biz", ".cn", ".pl", ".xyz", ".top", ".online")


def realistic_keys(count: int, seed: int = 1) -> list[str]:
    """``count`` distinct keys shaped like a published blocklist (seeded).

    About a third made-up words, a fifth spam words with another word, a
    quarter domains, the rest IP addresses and ranges (``10.2.3.``), e-mail
    addresses and URL parts.
    """
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(3, 5)))

    def one() -> str:
        draw = rng.random()
        if draw < 0.33:
            return word()
        if draw < 0.53:
            return f"{rng.choice(_SPAM)}{rng.choice(['', '-', ' '])}{word()}"
        if draw < 0.78:
            second = word() if draw < 0.65 else ""
            return f"{word()}{rng.choice(['', '-'])}{second}{rng.choice(_TLDS)}"
        if draw < 0.92:
            parts = [str(rng.randint(1, 254)) for _ in range(rng.choice([3, 4]))]
            return ".".join(parts) + ("." if len(parts) == 3 else "")
        if draw < 0.97:
            return f"{word()}{rng.randint(1, 99)}@{word()}{rng.choice(_TLDS)}"
        return f"/{word()}/{rng.choice(['?ref=', '.php', '.html', '/'])}"

    keys: dict[str, None] = {}
    while len(keys) < count:
        keys[one()] = None
    return list(keys)


_TAG = re.compile(r"<[^>]*>")


def key_by_key_match(record: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The blocklist matching wpmigrate had before the automaton: every key, then every
    field (for ``--before``, and the oracle of tests/test_blocklist.py)."""
    if not keys:
        return None
    content = str(record.get("content_html", ""))
    fields = (
        ("name", str(record.get("author_name", ""))),
        ("email", str(record.get("author_email", ""))),
        ("url", str(record.get("author_url", ""))),
        ("ip", str(record.get("author_ip", ""))),
        ("content", content),
        ("content", _TAG.sub("", content)),
    )
    lowered = [(where, text.lower()) for where, text in fields]
    for key in keys:
        for where, text in lowered:
            if key in text:
                return f"{key!r} in {where}"
    return None


# ``wpmigrate`` with the matching above in place of the automaton, for --before.
_KEY_BY_KEY = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
import wpmigrate.conversation.moderation as moderation
from blocklist import key_by_key_match
moderation.blocklist_match = key_by_key_match
from wpmigrate.cli import main
sys.argv[0] = "wpmigrate"
main()
"""


def _trie_pattern(keys: list[str]) -> str:
    """One regex for ``keys`` with shared prefixes factored out (a prefix tree)."""
    trie: dict[str, dict] = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return pattern(trie)


def compare_matchers(keys: list[str], texts: list[str]) -> list[tuple[str, float, float]]:
    """Build time and time per text of the ways to match every key at once.

    ``(name, build seconds, seconds per text)``: one regex alternation of the
    keys (``re`` tries its alternatives one by one at every position), the same
    as a prefix tree (fast to match, slow to compile), and the automaton
    wpmigrate uses (:class:`wpmigrate.conversation.moderation.KeyMatcher`).
    """
    from wpmigrate.conversation.moderation import KeyMatcher

    def automaton() -> Callable[[str], object]:
        matcher = KeyMatcher(tuple(keys))
        return lambda text: matcher.first([text])

    builders: list[tuple[str, Callable[[], Callable[[str], object]]]] = [
        ("one regex alternation", lambda: re.compile("|".join(map(re.escape, keys))).search),
        ("prefix-tree regex", lambda: re.compile(_trie_pattern(keys)).search),
        ("Aho-Corasick automaton (wpmigrate)", automaton),
    ]
    results = []
    for name, build in builders:
        start = time.perf_counter()
        match = build()
        built = time.perf_counter() - start
        # The alternation takes a tenth of a second a comment: a sample does.
        sample = texts[:20] if name.startswith("one regex") else texts
        start = time.perf_counter()
        for text in sample:
            match(text)
        results.append((name, built, (time.perf_counter() - start) / len(sample)))
    return results


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the report (a Markdown table)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100MB", help="size of the generated export")
    parser.add_argument("--export", help="an export to use instead of a generated one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keys", default="0,1000,40000", help="key counts to time")
    parser.add_argument("--before", default="", help="key counts to time key by key too")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before-repeat", type=int, default=1, help="runs of each --before case (they are slow)"
    )
    parser.add_argument("--jobs", help="wpmigrate's --jobs (default: its own)")
    parser.add_argument(
        "--matchers",
        action="store_true",
        help="also time, in this process, three ways to match every key at once",
    )
    args = parser.parse_args(argv)

    if args.export:
        export, stats = Path(args.export), bench._count(Path(args.export))
    else:
        export, stats = bench.export_for(args.size, args.seed)
    jobs = ["--jobs", args.jobs] if args.jobs else []
    counts = _numbers(args.keys)
    before = _numbers(args.before)
    longest = max([*counts, *before, 1])
    keys = realistic_keys(longest, args.seed)
    rows: list[tuple[str, int, bench.Run]] = []
    with tempfile.TemporaryDirectory() as work:
        for label, command, numbers, repeat in (
            ("automaton", bench.WPMIGRATE, counts, args.repeat),
            ("key by key (before)", [bench.PYTHON, "-c", _KEY_BY_KEY], before, args.before_repeat),
        ):
            for count in numbers:
                argv_ = [*command, "thread", str(export), "-q", *jobs]
                if count:
                    path = Path(work) / f"keys-{count}.txt"
                    path.write_text("".join(f"{key}\n" for key in keys[:count]), "utf-8")
                    argv_ += ["--blocklist", str(path)]
                name = f"thread, {count:,} keys" + (f", {label}" if count else "")
                rows.append((label, count, bench.measure(name, argv_, repeat)))
                print(f"{name}: {rows[-1][2].seconds:.2f} s", file=sys.stderr)
    base = next((run.seconds for _, count, run in rows if count == 0), None)
    print(
        f"Export: {export.name}, {stats.get('bytes', 0) / 1e6:.0f} MB, "
        f"{stats.get('comments', 0):,} comments; best of {args.repeat} "
        f"(key by key: of {args.before_repeat}); {bench.machine()}\n"
    )
    print("| case | seconds | x no blocklist | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for _label, _count, run in rows:
        ratio = f"{run.seconds / base:.2f}" if base else "-"
        print(f"| {run.name} | {run.seconds:.2f} | {ratio} | {run.peak_mb:.0f} |")
    if args.matchers:
        _print_matchers(export, keys)
    return 0


def _print_matchers(export: Path, keys: list[str]) -> None:
    from wpmigrate.pipeline import ReadSession

    texts = []
    for _summary, records in ReadSession([str(export)], jobs=1).groups():
        texts.extend(str(record.get("content_html", "")).lower() for record in records)
        if len(texts) >= 2000:
            break
    average = sum(map(len, texts)) / len(texts)
    print(f"\nMatching {len(keys):,} keys in {len(texts):,} comment texts ({average:.0f} chars "
          "on average), in one process:\n")
    print("| matcher | build (s) | per comment (µs) |")
    print("| --- | ---: | ---: |")
    for name, built, each in compare_matchers(keys, texts):
        print(f"| {name} | {built:.2f} | {each * 1e6:,.0f} |")


if __name__ == "__main__":
    raise SystemExit(main())
