#!/usr/bin/env python3
"""Regenerate the golden outputs in fixtures/golden/.

    python scripts/regen_golden.py          # rewrite every golden file
    python scripts/regen_golden.py --check  # exit 1 if any extract golden would change

This script makes the ``extract`` goldens and then runs
``scripts/regen_thread_golden.py`` (thread, rejects, stats) and
``scripts/regen_archive_golden.py`` (Markdown and JSON archives), so one
command regenerates everything.

A golden file's name says how it was made, so tests/test_golden.py can find and rerun
every one of them without a list:

    fixtures/golden/<dir>/<stem>[--<option>=<value>...].extract.jsonl   stdout
    fixtures/golden/<dir>/<stem>[--<option>=<value>...].extract.stderr  stderr

is ``wpmigrate extract [--<option>=<value>...] fixtures/<dir>/<stem>.xml`` run from the
repository root; when ``fixtures/<dir>/<stem>/`` is a folder, its ``*.xml`` files are
given in natural order instead (a multi-file export). A run that fails exits 4 and its
stderr is the ``Error:`` line; otherwise it exits 0.

Read every changed golden file before committing it: it is the expected behaviour.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
GOLDEN = FIXTURES / "golden"
SUFFIX_OUT = ".extract.jsonl"
SUFFIX_ERR = ".extract.stderr"

#: Goldens beyond one per fixture: the same input read with options.
VARIANTS = ["quirks/latin1-as-utf8--encoding=cp1252"]


def _natural_key(name: str) -> list[object]:
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class Case:
    """One golden pair and the command that makes it."""

    key: str
    """Path under fixtures/golden without suffix: ``quirks/entities``."""

    @property
    def stdout_file(self) -> Path:
        return GOLDEN / (self.key + SUFFIX_OUT)

    @property
    def stderr_file(self) -> Path:
        return GOLDEN / (self.key + SUFFIX_ERR)

    @property
    def options(self) -> list[str]:
        return ["--" + option for option in Path(self.key).name.split("--")[1:]]

    @property
    def inputs(self) -> list[str]:
        """The export files, relative to the repository root, in the order given."""
        folder, _, name = self.key.rpartition("/")
        stem = name.split("--")[0]
        base = FIXTURES / folder / stem if folder else FIXTURES / stem
        if base.is_dir():
            files = sorted(base.glob("*.xml"), key=lambda path: _natural_key(path.name))
        else:
            files = [base.with_name(base.name + ".xml")]
        missing = [str(path) for path in files if not path.is_file()]
        if not files or missing:
            raise FileNotFoundError(f"golden {self.key}: no input {missing or base}")
        return [path.relative_to(REPO).as_posix() for path in files]

    @property
    def args(self) -> list[str]:
        """``wpmigrate`` arguments (run from the repository root)."""
        return ["extract", *self.options, *self.inputs]

    @staticmethod
    def from_golden(path: Path) -> Case:
        relative = path.relative_to(GOLDEN).as_posix()
        for suffix in (SUFFIX_OUT, SUFFIX_ERR):
            if relative.endswith(suffix):
                return Case(relative.removesuffix(suffix))
        raise ValueError(f"not a golden file: {path}")


def cases() -> list[Case]:
    """What the goldens should cover: customer-love, every quirk fixture, the variants."""
    keys = ["customer-love"]
    quirks = FIXTURES / "quirks"
    for entry in sorted(quirks.iterdir(), key=lambda path: _natural_key(path.name)):
        if entry.suffix == ".xml" and entry.is_file():
            keys.append(f"quirks/{entry.stem}")
        elif entry.is_dir() and any(entry.glob("*.xml")):
            keys.append(f"quirks/{entry.name}")
    return [Case(key) for key in keys + VARIANTS]


def run(case: Case) -> tuple[bytes, bytes, int]:
    """``python -m wpmigrate ARGS`` from the repository root: stdout, stderr, exit code."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "wpmigrate", *case.args],
        cwd=REPO,
        capture_output=True,
        env=env,
        check=False,
    )
    return done.stdout, done.stderr, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    wanted = cases()
    changed = []
    for case in wanted:
        stdout, stderr, code = run(case)
        errors = [line for line in stderr.decode().splitlines() if line.startswith("Error: ")]
        if code not in (0, 4) or (code == 4) != bool(errors) or b"Traceback" in stderr:
            print(f"{case.key}: unexpected exit {code}:\n{stderr.decode()}", file=sys.stderr)
            return 2
        for path, data in ((case.stdout_file, stdout), (case.stderr_file, stderr)):
            if path.is_file() and path.read_bytes() == data:
                continue
            changed.append(path.relative_to(REPO).as_posix())
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    expected = {case.stdout_file for case in wanted} | {case.stderr_file for case in wanted}
    for stale in sorted(GOLDEN.rglob("*.extract.*")):
        if stale not in expected:
            changed.append(f"{stale.relative_to(REPO).as_posix()} (no longer made)")
            if not args.check:
                stale.unlink()
    verb = "differ" if args.check else "written"
    for name in changed:
        print(f"{verb}: {name}")
    print(f"{len(wanted)} goldens, {len(changed)} file(s) {verb}")
    if not args.check:
        for other in ("regen_thread_golden", "regen_archive_golden"):
            subprocess.run([sys.executable, str(REPO / "scripts" / f"{other}.py")], check=True)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
