"""What remembering every (post id, comment id) read costs, structure by structure.

    python benchmarks/seen_cost.py                            # 2,000,000 comments, best of 3
    python benchmarks/seen_cost.py --comments 1000000 --repeat 5 --only wpmigrate,tuples

The reader outputs each comment once across items and files, so it remembers
every key it read until the end of the run: the one part of its memory that
grows with the export. This script feeds the keys of a large generated export
(:func:`wxrgen.posts`, the posts ``wxrgen.py`` writes, without writing the
XML) to each candidate structure, as the reader does: one call per item with
its comment ids, and the post's header fingerprint. Each structure runs in a
process of its own (so one's garbage is not another's peak), twice: timed, and
under ``tracemalloc`` for the peak of what it allocated. The peak RSS the
process grew by is reported too (what the allocator really took).

Two readings: ``once`` (the export as it is: nearly every item is the first of
its post) and ``twice`` (the export, then the same export again, as when two
overlapping exports are read: every item of the second pass is a repeat).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import wxrgen  # noqa: E402  (a sibling script, not an installed module)

#: Bytes of XML per comment in wxrgen's exports (93,182 comments in 200 MB), to
#: shape the site as an export of that many comments would be.
_BYTES_PER_COMMENT = 2150


class Seen(Protocol):
    """What the deduplication asks of a structure (see ``wpmigrate.parse.dedupe``)."""

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]: ...

    def swap(self, post_id: int, fingerprint: int) -> int | None: ...


# --- the plain candidates -------------------------------------------------------------


class Tuples:
    """A set of (post id, comment id) tuples, a dict of fingerprints."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()
        self.posts: dict[int, int] = {}

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        keys = self.keys
        flags = []
        for comment_id in comment_ids:
            key = (post_id, comment_id)
            flags.append(key not in keys)
            keys.add(key)
        return flags

    def swap(self, post_id: int, fingerprint: int) -> int | None:
        previous = self.posts.get(post_id)
        self.posts[post_id] = fingerprint
        return previous


class Packed(Tuples):
    """A set of ints packing both ids (the comment id offset into 65 bits)."""

    def __init__(self) -> None:
        super().__init__()
        self.packed: set[int] = set()

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        packed = self.packed
        base = (post_id << 65) + (1 << 64)
        flags = []
        for comment_id in comment_ids:
            key = base + comment_id
            flags.append(key not in packed)
            packed.add(key)
        return flags


class SetPerPost(Tuples):
    """A dict from post id to the set of its comment ids."""

    def __init__(self) -> None:
        super().__init__()
        self.by_post: dict[int, set[int]] = {}

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        known = self.by_post.get(post_id)
        if known is None:
            known = self.by_post[post_id] = set()
        flags = []
        for comment_id in comment_ids:
            flags.append(comment_id not in known)
            known.add(comment_id)
        return flags


class ArrayPerPost(Tuples):
    """A dict from post id to an ``array('q')`` of its comment ids (a set while repeated).

    The least a plain structure can take: 8 bytes a comment id and a dict entry
    per post, no hand-written table.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_post: dict[int, array[int] | set[int]] = {}

    def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
        known = self.by_post.get(post_id)
        if known is None and len(set(comment_ids)) == len(comment_ids):
            try:
                self.by_post[post_id] = array("q", comment_ids)
                return [True] * len(comment_ids)
            except OverflowError:
                pass
        taken = set(known) if isinstance(known, array) else known or set()
        flags = []
        for comment_id in comment_ids:
            flags.append(comment_id not in taken)
            taken.add(comment_id)
        self.by_post[post_id] = taken
        return flags


def _wpmigrate() -> type:
    """The structure the reader uses, whatever it is now (with its dict of headers)."""
    from wpmigrate.parse.dedupe import SeenComments

    class Ours(Tuples):
        def __init__(self) -> None:
            super().__init__()
            self.comments = SeenComments()

        def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
            return self.comments.add_many(post_id, comment_ids)

    return Ours


def _revision(rev: str) -> type:
    """``seen.py``'s table as it was at git revision ``rev`` (before it was replaced)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:wpmigrate/parse/seen.py"],
        cwd=HERE.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    namespace: dict[str, object] = {"__name__": "seen_at_" + rev}
    exec(compile(source, f"{rev}:seen.py", "exec"), namespace)
    keys, posts = namespace["SeenKeys"], namespace["SeenPosts"]

    class Then:
        def __init__(self) -> None:
            self.keys = keys()  # type: ignore[operator]
            self.posts = posts()  # type: ignore[operator]

        def add_many(self, post_id: int, comment_ids: list[int]) -> list[bool]:
            return self.keys.add_many(post_id, comment_ids)  # type: ignore[no-any-return]

        def swap(self, post_id: int, fingerprint: int) -> int | None:
            return self.posts.swap(post_id, fingerprint)  # type: ignore[no-any-return]

    return Then


CANDIDATES: dict[str, Callable[[], type]] = {
    "wpmigrate": _wpmigrate,
    "tuples": lambda: Tuples,
    "packed": lambda: Packed,
    "set-per-post": lambda: SetPerPost,
    "array-per-post": lambda: ArrayPerPost,
}


# --- the keys -------------------------------------------------------------------------


def keys_for(comments: int, seed: int, out: Path = HERE / "out") -> Path:
    """A cached file of the (post id, comment ids) of a generated export of ``comments``."""
    out.mkdir(exist_ok=True)
    path = out / f"seen-keys-{comments}-seed{seed}.bin"
    if path.exists():
        return path
    config = wxrgen.GenConfig(seed=seed, target_bytes=comments * _BYTES_PER_COMMENT)
    posts, counts, ids = array("q"), array("q"), array("q")
    for post in wxrgen.posts(config):
        posts.append(post.id)
        counts.append(len(post.comments))
        ids.extend(comment.id for comment in post.comments)
        if len(ids) >= comments:
            break
    staged = path.with_suffix(".tmp")
    with open(staged, "wb") as handle:
        array("q", [len(posts), len(ids)]).tofile(handle)
        for part in (posts, counts, ids):
            part.tofile(handle)
    staged.rename(path)
    return path


def load(path: Path) -> tuple[array[int], array[int], array[int]]:
    """The post ids, comment counts and comment ids of a keys file."""
    with open(path, "rb") as handle:
        sizes = array("q")
        sizes.fromfile(handle, 2)
        posts, counts, ids = array("q"), array("q"), array("q")
        posts.fromfile(handle, sizes[0])
        counts.fromfile(handle, sizes[0])
        ids.fromfile(handle, sizes[1])
    return posts, counts, ids


def items(
    posts: array[int], counts: array[int], ids: array[int], passes: int
) -> Iterator[tuple[int, int, list[int]]]:
    """(post id, fingerprint, comment ids) per item, as the reader hands them over."""
    for _ in range(passes):
        start = 0
        for post_id, count in zip(posts, counts, strict=True):
            # A new list of new ints, as each post's Comment records give them.
            yield post_id, hash((post_id, "title")), ids[start : start + count].tolist()
            start += count


# --- one measured run -----------------------------------------------------------------


def run_one(name: str, path: Path, passes: int, traced: bool) -> dict[str, float]:
    """Feed every item to a new structure: seconds in its calls, and memory."""
    posts, counts, ids = load(path)
    # Made item by item (not beforehand): the ints a structure keeps are then its own cost.
    stream = items(posts, counts, ids, passes)
    structure = CANDIDATES[name]()()
    gc.collect()
    if traced:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds = 0.0
    new = 0
    clock = time.perf_counter
    for post_id, fingerprint, comment_ids in stream:
        start = clock()
        structure.swap(post_id, fingerprint)
        flags = structure.add_many(post_id, comment_ids)
        seconds += clock() - start
        new += flags.count(True)
    result = {
        "seconds": seconds,
        "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024,
        "new": new,
    }
    if traced:
        current, peak = tracemalloc.get_traced_memory()
        result.update(traced_mb=current / 2**20, traced_peak_mb=peak / 2**20)
    return result


def measure(name: str, path: Path, passes: int, repeat: int) -> dict[str, float]:
    """Best time of ``repeat`` runs, each in its own process, then one traced run."""
    runs = [_child(name, path, passes, traced=False) for _ in range(repeat)]
    best = min(runs, key=lambda run: run["seconds"])
    best.update(_child(name, path, passes, traced=True))
    best["seconds"] = min(run["seconds"] for run in runs)
    best["rss_mb"] = min(run["rss_mb"] for run in runs)
    return best


def _child(name: str, path: Path, passes: int, traced: bool) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child", name, str(path), str(passes)]
    if traced:
        argv.append("--traced")
    output = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: the table of every candidate, both readings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--comments", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated candidates (default: all)")
    parser.add_argument("--rev", help="also measure seen.py's table as at this git revision")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where keys are cached")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, path, passes = args.child
        if name.startswith("rev:"):
            CANDIDATES[name] = lambda: _revision(name[4:])
        print(json.dumps(run_one(name, Path(path), int(passes), args.traced)))
        return 0
    names = args.only.split(",") if args.only else list(CANDIDATES)
    if args.rev:
        names.insert(0, "rev:" + args.rev)
    path = keys_for(args.comments, args.seed, args.out)
    posts, _counts, ids = load(path)
    print(
        f"{len(ids):,} comments in {len(posts):,} items (wxrgen seed {args.seed}); "
        f"best of {args.repeat}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print()
    print("| structure | reading | seconds | x first | traced peak (MB) | retained (MB) "
          "| RSS growth (MB) | bytes a comment |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for passes, reading in ((1, "once"), (2, "twice")):
        first = None
        for name in names:
            result = measure(name, path, passes, args.repeat)
            first = first or result["seconds"]
            print(
                f"| {name} | {reading} | {result['seconds']:.2f} | "
                f"{result['seconds'] / first:.2f} | {result['traced_peak_mb']:.1f} | "
                f"{result['traced_mb']:.1f} | {result['rss_mb']:.1f} | "
                f"{result['traced_mb'] * 2**20 / len(ids):.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
