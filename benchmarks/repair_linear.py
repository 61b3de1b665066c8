"""The repairing reader on the inputs that once made it quadratic, against a well-formed twin.

    python benchmarks/repair_linear.py                  # 4 MB and 16 MB, 3 runs each
    python benchmarks/repair_linear.py --size 64MB --repeat 5

Two pathological exports (see :func:`pathological`): the case the issue reported, and
one mixing every kind of repair it named, each over a quarter of the file. Each has a
twin of the same size with nothing to repair. Both are read by ``wpmigrate extract`` in a
process of its own; the figure to quote is the ratio, best of ``--repeat`` runs, which
the goal puts at 3x or less (it was about 40x at 4 MB before the linear scanner, and a
quadratic reader's ratio grows with the size).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _export(comments: list[str]) -> bytes:
    body = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_content>{text}</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
        for n, text in enumerate(comments, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/">'
        f"<channel><item><wp:post_id>1</wp:post_id>{body}</item></channel></rss>\n"
    ).encode("utf-8", "surrogateescape")


def pathological(size: int) -> dict[str, bytes]:
    """Exports of about ``size`` bytes whose repair was quadratic, and a clean twin as large.

    ``issue``: the case as reported (half the file one run of ``]``, 30 % ``tom & jerry``
    in another comment, one control byte); ``mixed``: a quarter each of ``]``, bare ``&``
    outside CDATA, ``&`` inside CDATA, and stray UTF-8 continuation bytes (each becomes a
    three-byte U+FFFD, so the parser reads a larger document than the file).
    """
    half, third, quarter = size // 2, size * 3 // 10, size // 4
    issue = _export(
        ["<![CDATA[" + "]" * half + "]]>", "tom & jerry " * (third // 12), "x\x01"]
    )
    mixed = _export(
        [
            "<![CDATA[" + "]" * quarter + "]]>",
            "tom & jerry " * (quarter // 12),
            "<![CDATA[" + "tom & jerry " * (quarter // 12) + "]]>",
            "x\x01" + "\udc80" * quarter,
        ]
    )
    twin = {
        name: _export(["<![CDATA[" + "a" * (len(data) // 4 - 12) + "]]>"] * 4)
        for name, data in (("issue", issue), ("mixed", mixed))
    }
    return {"issue": issue, "mixed": mixed} | {f"{k} twin": v for k, v in twin.items()}


def _parse_size(text: str) -> int:
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def _best(path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "wpmigrate", "extract", "-q", "-j", "1", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - began)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print one table row per size: seconds for each export and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append", help="export size (default 4MB and 16MB)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| size | case | pathological (s) | well-formed twin (s) | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for text in args.size or ["4MB", "16MB"]:
            exports = pathological(_parse_size(text))
            for case in ("issue", "mixed"):
                bad_path, good_path = Path(folder, "bad.xml"), Path(folder, "good.xml")
                bad_path.write_bytes(exports[case])
                good_path.write_bytes(exports[case + " twin"])
                slow, fast = _best(bad_path, args.repeat), _best(good_path, args.repeat)
                print(
                    f"| {len(exports[case]) / (1 << 20):.1f} MB | {case} | {slow:.2f} | "
                    f"{fast:.2f} | {slow / fast:.2f}x |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
