"""Inputs that are not plain files, through the command line: FIFOs, ``<(…)``, pipes, zips.

Whatever way an export arrives, ``extract`` writes the same bytes as for the
regular file, whatever ``-j``; only the name in the summary differs.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, REPO, Run, invoke

Cli = Callable[..., Run]

sys.path.insert(0, str(REPO / "benchmarks"))
import zip_members  # noqa: E402

SUMMARY = (
    "wpmigrate: read 3 posts, 45 comments (approved 39, spam 3, pending 2, trash 1; "
    "comment 42, note 1, pingback 1, trackback 1) from {name}\n"
)
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")


@pytest.fixture(scope="module")
def reference() -> bytes:
    """``wpmigrate extract fixtures/customer-love.xml``'s output."""
    run = invoke(["extract", CUSTOMER_LOVE])
    assert (run.exit_code, run.stderr) == (0, SUMMARY.format(name=CUSTOMER_LOVE))
    return run.stdout


def _feed(fifo: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(fifo, "wb") as out:  # blocks until wpmigrate opens it
            out.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _wpmigrate(*args: str) -> list[str]:
    return [sys.executable, "-m", "wpmigrate", *args]


# --- FIFOs -------------------------------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_fifo_reads_like_the_file(
    run_cli: Cli, tmp_path: Path, reference: bytes, jobs: str, compress: bool
) -> None:
    # Was: wpmigrate hung (the probe read 8 bytes and closed the FIFO).
    fifo = tmp_path / "export"
    os.mkfifo(fifo)
    data = CUSTOMER_LOVE.read_bytes()
    writer = _feed(fifo, gzip.compress(data) if compress else data)
    run = run_cli(["extract", fifo, "-j", jobs])
    writer.join(10)
    assert (run.exit_code, run.stderr) == (0, SUMMARY.format(name=fifo))
    assert run.stdout == reference


@needs_fifo
def test_zip_through_a_fifo(run_cli: Cli, tmp_path: Path, reference: bytes) -> None:
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(CUSTOMER_LOVE, "customer-love.xml")
    fifo = tmp_path / "export"
    os.mkfifo(fifo)
    writer = _feed(fifo, archive.read_bytes())
    run = run_cli(["extract", fifo, "-j", "2"])
    writer.join(10)
    assert (run.exit_code, run.stderr) == (0, SUMMARY.format(name=f"{fifo}:customer-love.xml"))
    assert run.stdout == reference


@needs_fifo
def test_empty_fifo_is_an_empty_file(run_cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "export"
    os.mkfifo(fifo)
    writer = _feed(fifo, b"")
    run = run_cli(["extract", fifo])
    writer.join(10)
    assert run.exit_code == 4
    assert run.stderr == f"Error: {fifo}: empty file: no XML in it\n"


# --- process substitution and pipes, in a real shell ---------------------------------------


@needs_bash
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("command", ["cat", "gzip -c"])
def test_process_substitution_reads_like_the_file(
    reference: bytes, jobs: str, command: str
) -> None:
    # Was: "Error: /dev/fd/63: empty file: no XML in it" (the probe had eaten the pipe).
    script = f'"$0" -m wpmigrate extract -j {jobs} <({command} "$1")'
    done = subprocess.run(
        ["bash", "-c", script, sys.executable, str(CUSTOMER_LOVE)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        re.escape(SUMMARY.format(name="@")).replace("@", r"/dev/fd/\d+"),
        done.stderr.decode(),
    ), done.stderr
    assert done.stdout == reference


@needs_bash
def test_two_process_substitutions_read_as_two_exports(reference: bytes) -> None:
    done = subprocess.run(
        ["bash", "-c", '"$0" -m wpmigrate extract -q <(cat "$1") <(gzip -c "$1")',
         sys.executable, str(CUSTOMER_LOVE)],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == reference  # the second repeats the first: deduplicated


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_stdin_pipe_reads_like_the_file(reference: bytes, jobs: str, compress: bool) -> None:
    data = CUSTOMER_LOVE.read_bytes()
    done = subprocess.run(
        _wpmigrate("extract", "-", "-j", jobs),
        input=gzip.compress(data) if compress else data,
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stderr.decode()) == (0, SUMMARY.format(name="<stdin>"))
    assert done.stdout == reference


def test_cat_into_wpmigrate(reference: bytes) -> None:
    cat = subprocess.Popen(["cat", str(CUSTOMER_LOVE)], stdout=subprocess.PIPE)
    done = subprocess.run(_wpmigrate("extract", "-"), stdin=cat.stdout, capture_output=True)
    assert cat.stdout is not None
    cat.stdout.close()
    assert cat.wait() == 0
    assert (done.returncode, done.stderr.decode()) == (0, SUMMARY.format(name="<stdin>"))
    assert done.stdout == reference


# --- zips: members of the same name, many members ---------------------------------------------


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a repeated name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


@pytest.mark.parametrize("command", [["extract"], ["thread", "--all-posts"], ["stats", "--json"]])
def test_members_of_the_same_name_are_all_read_whatever_jobs(
    run_cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    # Was: with -j 2 each worker opened the member by name, so the first one of a
    # repeated name was read every time and the others were lost.
    archive = _zip(
        tmp_path / "a.zip",
        [
            ("export.xml", zip_members.tiny_export(1)),
            ("export.xml", zip_members.tiny_export(2)),
            ("b.xml", zip_members.tiny_export(3)),
            ("export.xml", zip_members.tiny_export(4)),
        ],
    )
    runs = [run_cli([*command, archive, "-j", jobs]) for jobs in ("1", "2")]
    assert runs[0].exit_code == runs[1].exit_code == 0
    assert runs[1].stdout == runs[0].stdout
    assert runs[1].stderr == runs[0].stderr
    if command == ["extract"]:
        names = ", ".join(
            f"{archive}:{label}"
            for label in ("b.xml", "export.xml", "export.xml#2", "export.xml#3")
        )
        assert runs[0].stderr == (
            f"wpmigrate: read 4 posts, 8 comments (approved 8; comment 8) from {names}\n"
        )
        assert [r["post_id"] for r in runs[0].records] == [1003, 1003, 1001, 1001, 1002, 1002,
                                                           1004, 1004]  # fmt: skip


def test_a_zip_of_many_members_opens_the_zip_once_per_process(
    run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wpmigrate.parse import sources

    archive = zip_members.build_zip(tmp_path / "big.zip", 300)
    opened = tmp_path / "opened.log"
    real = sources._open_zip

    def logged(path_or_file: object, name: str) -> object:
        with open(opened, "a", encoding="utf-8") as log:  # forked workers log here too
            log.write(f"{os.getpid()}\n")
        return real(path_or_file, name)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "_open_zip", logged)
    serial = run_cli(["extract", archive, "-j", "1", "-q"])
    opened.unlink()
    parallel = run_cli(["extract", archive, "-j", "2", "-q"])
    assert serial.exit_code == parallel.exit_code == 0
    assert parallel.stdout == serial.stdout
    assert len(serial.records) == 600
    pids = opened.read_text(encoding="utf-8").split()
    assert len(pids) == len(set(pids)) <= 3  # the main process and each of 2 workers: once
    assert len(pids) == 3  # the workers did read members
