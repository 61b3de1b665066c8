"""Shared fixtures: where the fixtures and the corpus are, and two ways to read an export.

* ``read_export`` runs the library reader (:class:`wpmigrate.parse.exports.ExportReader`) on bytes
  and returns the ``extract`` records, the repair counts and the error, if any.
* ``run_cli`` runs the ``wpmigrate`` command in-process with click's ``CliRunner`` and
  returns stdout, stderr and the exit code, with stdout's JSON Lines already parsed.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from wpmigrate.cli import cli
from wpmigrate.errors import WpmigrateError
from wpmigrate.models import comment_record
from wpmigrate.parse.exports import ExportReader
from wpmigrate.render.json_archive_reader import KEEP, JsonSkeleton

REPO = Path(__file__).resolve().parent.parent


def load_script(name: str) -> ModuleType:
    """A script of ``scripts/`` imported as a module (scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module
FIXTURES = REPO / "fixtures"
QUIRKS = FIXTURES / "quirks"
GOLDEN = FIXTURES / "golden"
CUSTOMER_LOVE = FIXTURES / "customer-love.xml"
CORPUS = REPO.parent / "shared" / "corpus"

Record = dict[str, Any]


@dataclass
class Read:
    """What the library reader made of one or more export documents."""

    records: list[Record]
    repairs: dict[str, int]
    """Repair counts, without kinds counted zero."""
    error: WpmigrateError | None = None
    reader: ExportReader = field(default_factory=ExportReader)

    def by_id(self) -> dict[int, Record]:
        """Records keyed by comment id (the fixtures' ids are unique)."""
        keyed = {record["id"]: record for record in self.records}
        assert len(keyed) == len(self.records), "comment ids are not unique: use .records"
        return keyed


def read_documents(
    documents: Iterable[bytes | Path], encoding: str | None = None, chunk: int = 0
) -> Read:
    """Read documents (bytes, or paths to read) as one export, never raising.

    ``chunk`` > 0 feeds each document in pieces of that many bytes.
    """
    reader = ExportReader(encoding=encoding)
    records: list[Record] = []
    error: WpmigrateError | None = None
    try:
        for number, document in enumerate(documents):
            data = document.read_bytes() if isinstance(document, Path) else document
            name = document.name if isinstance(document, Path) else f"doc{number}.xml"
            pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
            for post in reader.posts_from(pieces, name):
                summary = post.summary()
                records.extend(comment_record(comment, summary) for comment in post.comments)
    except WpmigrateError as exc:
        error = exc
    return Read(records, {k: v for k, v in reader.repairs.items() if v}, error, reader)


@pytest.fixture
def read_export() -> Callable[..., Read]:
    """``read_export(data_or_path, ..., encoding=None, chunk=0) -> Read``."""

    def read(*documents: bytes | Path, encoding: str | None = None, chunk: int = 0) -> Read:
        return read_documents(documents, encoding, chunk)

    return read


@dataclass
class Run:
    """One CLI run."""

    exit_code: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")

    @property
    def records(self) -> list[Record]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error: ")]


def _runner() -> CliRunner:
    # click < 8.2 mixes stderr into stdout unless told not to; 8.2 dropped the argument.
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


def invoke(args: Sequence[str | os.PathLike[str]], stdin: bytes | None = None) -> Run:
    """Run ``wpmigrate ARGS`` in-process; exceptions are not caught (a traceback fails)."""
    result = _runner().invoke(
        cli, [os.fspath(arg) for arg in args], input=stdin, catch_exceptions=False
    )
    return Run(result.exit_code, result.stdout_bytes, result.stderr)


def error_line(run: Run, code: int) -> str:
    """The one line a failed run prints: ``Error: …`` (and exit ``code``, no traceback)."""
    assert run.exit_code == code, (run.exit_code, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    return lines[0]


def preorder(forest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of a ``thread`` forest in reading order (parents before replies),
    written here without the package's own walkers, to check them."""
    out, stack = [], list(reversed(forest))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node["replies"]))
    return out


@pytest.fixture
def run_cli() -> Callable[..., Run]:
    """``run_cli(["extract", path, ...], stdin=None) -> Run``."""
    return invoke


def _shared(present: bool, reason: str) -> None:
    """Skip when a ../shared folder is absent, except under CI=true, where it must be there."""
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def corpus_dir() -> Path:
    """``../shared/corpus`` beside the repository: skipped when absent, required in CI."""
    _shared(
        (CORPUS / "MANIFEST.tsv").is_file(),
        f"real-export corpus not found at {CORPUS} (it lives in the shared folder beside "
        "the repository, never in the repo)",
    )
    return CORPUS


@pytest.fixture
def seeds_dir() -> Path:
    """``../shared/seeds`` (the fixture's source pages): skipped when absent, required in CI."""
    seeds = CORPUS.parent / "seeds"
    _shared(seeds.is_dir(), f"seed pages not found at {seeds} (the shared folder beside the repo)")
    return seeds


def skeleton_fed(data: bytes, size: int) -> Any:
    """What :class:`JsonSkeleton` makes of ``data`` fed in pieces of ``size`` bytes."""
    skeleton = JsonSkeleton()
    for start in range(0, len(data), size):
        skeleton.feed(data[start : start + size])
    skeleton.feed(b"", final=True)
    return skeleton.load()


def shortened(value: Any) -> Any:
    """What the skeleton keeps of a value: strings over KEEP bytes of JSON text emptied."""
    if isinstance(value, str):
        size = len(json.dumps(value, ensure_ascii=False)[1:-1].encode())
        return value if size <= KEEP else ""
    if isinstance(value, list):
        return [shortened(item) for item in value]
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    return value
