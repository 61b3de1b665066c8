"""Faults with real ones: signals at many moments, a full file system, odd outputs.

Whatever stops a run, an archive folder is afterwards exactly the old archive
or exactly the new one and nothing staged is left; outputs that are streams
(devices, FIFOs, ``-``) are written to, never replaced; stdout and stdin that
fail or are closed give one line and a documented exit code.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wpmigrate.cli import cli
from wpmigrate.errors import OutputError
from wpmigrate.write import publish
from wpmigrate.write.archive import ArchiveOptions, write_archive
from wpmigrate.write.publish import STAGING_PREFIX, StagedFolder, clean_leftovers

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = str(ROOT / "fixtures" / "customer-love.xml")
WXRGEN = ROOT / "benchmarks" / "wxrgen.py"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
FULL = "No space left on device"


def run(*args: str, input: bytes | None = None) -> Any:
    """The CLI in this process; stdout and stderr apart."""
    return CliRunner().invoke(cli, list(args), input=input)


def wpmigrate(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """The CLI as a program (real file descriptors and signals)."""
    return subprocess.run(
        [sys.executable, "-m", "wpmigrate", *args], capture_output=True, env=ENV, **kwargs
    )


def digest(folder: Path) -> dict[str, str]:
    """Every entry under ``folder``: files by content and mode, folders, anything else."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            content = hashlib.sha256(path.read_bytes()).hexdigest()
            found[relative] = f"{content} {stat.S_IMODE(info.st_mode):o}"
        else:
            found[relative] = "folder" if stat.S_ISDIR(info.st_mode) else "other"
    return found


def staged_leftovers(*folders: Path) -> list[str]:
    """Anything wpmigrate stages, under or directly in these folders."""
    left = []
    for folder in folders:
        if not folder.exists():
            continue
        for path in [*folder.rglob(f"{STAGING_PREFIX}*"), *folder.rglob("*.part")]:
            left.append(str(path))
    return left


def threads_of(export: str) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in run("thread", "-q", export).stdout.splitlines()]


# ---------------------------------------------------------------- exports with thousands of posts


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two generated exports of about 1,500 posts each (old and new)."""
    folder = tmp_path_factory.mktemp("exports")
    made = []
    for seed in (11, 12):
        path = folder / f"export-{seed}.xml"
        subprocess.run(
            [sys.executable, str(WXRGEN), "--size", "8MB", "--seed", str(seed),
             "--max-comments-per-post", "2", "-o", str(path)],
            check=True, capture_output=True,
        )
        made.append(path)
    return made[0], made[1]


@pytest.fixture(scope="module")
def archives(
    exports: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str], dict[str, str], float]:
    """The old archive (a folder to copy), its digest, the digest of the new one over
    it with --force, and how long writing the new one took."""
    old_export, new_export = exports
    folder = tmp_path_factory.mktemp("archives")
    old = folder / "old"
    done = wpmigrate("archive", "-q", str(old_export), "-o", str(old), "--all-posts", "-j", "1")
    assert done.returncode == 0, done.stderr
    new = folder / "new"
    shutil.copytree(old, new)
    started = time.monotonic()
    done = wpmigrate(
        "archive", "-q", str(new_export), "-o", str(new), "--all-posts", "--force", "-j", "1"
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    old_digest, new_digest = digest(old), digest(new)
    # --all-posts writes public posts and pages only (drafts and the like are left out)
    assert len(old_digest) > 900 and old_digest != new_digest
    return old, old_digest, new_digest, took


def _wait_for_handlers(pid: int) -> None:
    """Until wpmigrate's signal handlers are in place (SIGTERM caught, in /proc).

    Before that the interpreter is still starting (importing ``site``): a signal
    then is Python's, before any of wpmigrate has run.
    """
    bit = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return  # gone already
        caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) & bit:
            return
        time.sleep(0.002)
    pytest.fail("wpmigrate never set its signal handlers")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _interrupted_run(
    new_export: Path, old: Path, where: Path, signum: int, delay: float, jobs: int, group: bool
) -> tuple[int, bytes, Path, int]:
    target = where / "archive"
    shutil.copytree(old, target)
    process = subprocess.Popen(
        [sys.executable, "-m", "wpmigrate", "archive", "-q", str(new_export), "-o",
         str(target), "--all-posts", "--force", "-j", str(jobs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV,
        start_new_session=True,  # its own process group, as a shell job is
    )
    _wait_for_handlers(process.pid)
    time.sleep(delay)
    workers = _children(process.pid)
    try:
        if group:
            os.killpg(process.pid, signum)  # the whole group, as a terminal's Ctrl-C does
        else:
            os.kill(process.pid, signum)  # the main process only, as `kill PID` does
    except ProcessLookupError:
        pass
    _out, err = process.communicate(timeout=120)
    for _ in range(50):  # no worker outlives the main process
        if not any(Path(f"/proc/{pid}").exists() for pid in workers):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"workers {workers} of {process.pid} still running")
    return process.returncode, err, target, process.pid


def test_sigint_and_sigterm_at_20_moments_leave_the_old_or_the_new_archive(
    exports: tuple[Path, Path],
    archives: tuple[Path, dict[str, str], dict[str, str], float],
    tmp_path: Path,
) -> None:
    _old_export, new_export = exports
    old, old_digest, new_digest, took = archives
    trials = []
    for number in range(20):
        signum = signal.SIGINT if number % 2 == 0 else signal.SIGTERM
        # From the start (imports, reading) to past the end (the commit, exit): two
        # runs at a time, and -j, make a run slower than the serial one timed.
        delay = took * 2.2 * number / 19
        trials.append((number, signum, delay, 1 + number % 3, number % 4 != 3))

    def trial(arguments: tuple[int, int, float, int, bool]) -> tuple[Any, ...]:
        number, signum, delay, jobs, group = arguments
        where = tmp_path / f"trial-{number}"
        where.mkdir()
        return (arguments, *_interrupted_run(new_export, old, where, signum, delay, jobs, group))

    outcomes = []
    with ThreadPoolExecutor(2) as pool:
        for (number, signum, delay, jobs, group), code, err, target, pid in pool.map(
            trial, trials
        ):
            label = f"trial {number}: signal {signum} after {delay:.2f}s, -j {jobs}, {group=}"
            message = {
                signal.SIGINT: b"Error: interrupted\n", signal.SIGTERM: b"Error: terminated\n"
            }
            expected = {signal.SIGINT: 130, signal.SIGTERM: 143}[signum]
            assert b"Traceback" not in err and b"ForkPoolWorker" not in err, (label, err)
            # Never -signum: see test_a_signal_in_exec_code_or_on_cli_mains_first_lines_exits_130.
            assert code in (expected, 0), (label, code, err)
            assert err == (message[signum] if code else b""), (label, err)
            state = digest(target)
            assert state in (old_digest, new_digest), label
            assert staged_leftovers(target.parent) == [], label
            assert not list(Path("/tmp").glob(f"wpmigrate-{pid}-*")), label
            outcomes.append((code, state == new_digest))
            shutil.rmtree(target.parent)
    # Most runs were stopped by their signal (the last ones may have finished;
    # the signal during the commit itself is test_a_signal_during_the_commit_waits_for_it).
    assert len([code for code, _new in outcomes if code]) >= 8, outcomes
    assert any(not new for _code, new in outcomes), outcomes


_SIGNAL_AT_START = """
import os, signal, sys
from wpmigrate import __main__ as entry, cli

def signal_in_exec(*args, **kwargs):
    # Code run by exec of a string, as dataclasses and namedtuple make their
    # methods (while wpmigrate's modules are imported).
    exec("os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(3): pass")
    return make_context(*args, **kwargs)

def signal_now():
    os.kill(os.getpid(), signal.SIGINT)

if sys.argv[1] == "exec":  # inside cli.main's try
    make_context = cli.cli.make_context
    cli.cli.make_context = signal_in_exec
else:  # on cli.main's first lines
    cli.guard_standard_streams = signal_now
sys.argv = ["wpmigrate", "--version"]
entry.main()
"""


@pytest.mark.parametrize("where", ["exec", "start"])
def test_a_signal_in_exec_code_or_on_cli_mains_first_lines_exits_130(
    tmp_path: Path, where: str
) -> None:
    # exec: CPython takes a KeyboardInterrupt of exactly that type leaving code
    # run by exec of a string for an uncaught one even when it is caught, and
    # `python -m` then ends by killing itself with SIGINT (-2) after wpmigrate's
    # message. test_sigint_and_sigterm_at_20_moments… met it now and then (the
    # signal landed during an import); wpmigrate's handler raises a subclass.
    # start: before cli.main's try, the signal was an uncaught traceback.
    (tmp_path / "signal_at_start.py").write_text(_SIGNAL_AT_START)
    done = subprocess.run(
        [sys.executable, "-m", "signal_at_start", where],
        capture_output=True,
        env={**ENV, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
    )
    assert (done.returncode, done.stderr) == (130, b"Error: interrupted\n")
    assert done.stdout == b""


def test_a_signal_while_nh3_calls_the_attribute_filter_is_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # nh3 prints and drops an exception raised in its callback: a Ctrl-C landing
    # there was lost (the run went on, the post's links gone, a traceback printed).
    from wpmigrate.render import html

    real = html._attribute_filter
    calls: list[str] = []

    def interrupted(tag: str, attribute: str, value: str) -> str | None:
        calls.append(attribute)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # the handler raises in here
        return real(tag, attribute, value)

    monkeypatch.setattr(html, "_attribute_filter", interrupted)
    link = '<a href="http://example.org/">x</a>'
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    publish.install_signal_handlers()
    try:
        with pytest.raises(KeyboardInterrupt):
            html.sanitise(link)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert 'href="http://example.org/"' in html.sanitise(link)  # the next post is whole
    assert len(calls) > 1


# ---------------------------------------------------------------- the commit itself


OldAndNew = tuple[Path, dict[str, str], list[dict[str, Any]], dict[str, str]]


@pytest.fixture
def old_and_new(tmp_path: Path) -> OldAndNew:
    """An archive folder (markdown, with a file of the user's), the records of a new
    archive over it, and the digests of both."""
    out = tmp_path / "out"
    threads = threads_of(FIXTURE)
    write_archive(threads[:2], str(out), ArchiveOptions(layout="dated"))
    (out / "mine.txt").write_text("not ours")
    old = digest(out)
    newer = [dict(record, post=dict(record["post"], title="Changed")) for record in threads]
    check = tmp_path / "check"
    shutil.copytree(out, check)
    write_archive(newer, str(check), ArchiveOptions(layout="dated", force=True))
    new = digest(check)
    assert old != new
    return out, old, newer, new


def _counting_rename(monkeypatch: pytest.MonkeyPatch, when: int, action: Any) -> list[int]:
    real = os.rename
    calls: list[int] = []

    def rename(source: Any, destination: Any) -> None:
        calls.append(1)
        if len(calls) == when:
            action()
        real(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    return calls


def test_a_signal_during_the_commit_waits_for_it(
    old_and_new: OldAndNew,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _old, newer, new = old_and_new
    calls = _counting_rename(monkeypatch, 3, lambda: os.kill(os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        write_archive(newer, str(out), ArchiveOptions(layout="dated", force=True))
    assert len(calls) > 3  # the commit went on after the signal, which came after it
    assert digest(out) == new and staged_leftovers(out.parent) == []


def test_a_failing_move_rolls_the_commit_back(
    old_and_new: OldAndNew,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, old, newer, _new = old_and_new

    def full() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    _counting_rename(monkeypatch, 5, full)
    with pytest.raises(OutputError) as caught:
        write_archive(newer, str(out), ArchiveOptions(layout="dated", force=True))
    assert caught.value.message == f"{out}: cannot write: {FULL}"
    assert digest(out) == old and staged_leftovers(out.parent) == []


_KILLED_COMMIT = """
import os, signal, sys
calls = []
when = int(sys.argv[1])
real = os.rename
def rename(source, destination):
    calls.append(1)
    if len(calls) == when:
        os.kill(os.getpid(), signal.SIGKILL)
    real(source, destination)
os.rename = rename
from wpmigrate.cli import main
sys.argv = ["wpmigrate", *sys.argv[2:]]
main()
"""


def test_a_commit_killed_outright_is_rolled_back_by_the_next_run(
    old_and_new: OldAndNew,
) -> None:
    out, old, _newer, _new = old_and_new
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_COMMIT, "4", "archive", "-q", FIXTURE, "-o", str(out),
         "--layout", "dated", "--force"],
        capture_output=True, env=ENV,
    )
    assert killed.returncode == -signal.SIGKILL
    assert staged_leftovers(out) != [] and digest(out) != old  # half a commit
    clean_leftovers(str(out))  # what the next run does first
    assert digest(out) == old and staged_leftovers(out.parent) == []
    again = wpmigrate("archive", "-q", FIXTURE, "-o", str(out), "--layout", "dated", "--force")
    assert again.returncode == 0 and staged_leftovers(out.parent) == []


def test_leftovers_of_a_live_run_are_left_alone(tmp_path: Path) -> None:
    live = tmp_path / f"{STAGING_PREFIX}{os.getpid()}-abc"
    live.mkdir()
    dead = tmp_path / f"{STAGING_PREFIX}999999999-abc"
    dead.mkdir()
    clean_leftovers(str(tmp_path))
    assert live.exists() and not dead.exists()


def test_an_error_in_a_worker_changes_nothing(
    exports: tuple[Path, Path],
    archives: tuple[Path, dict[str, str], dict[str, str], float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wpmigrate.write import archive as archive_module

    _old_export, new_export = exports
    old, old_digest, _new_digest, _took = archives
    target = tmp_path / "archive"
    shutil.copytree(old, target)
    real = archive_module.render_post

    def flaky(record: dict[str, Any], options: ArchiveOptions) -> bytes:
        if record["post"]["id"] % 97 == 0:
            raise RuntimeError("boom")
        return real(record, options)

    monkeypatch.setattr(archive_module, "render_post", flaky)  # forked workers have it too
    result = run("archive", "-q", str(new_export), "-o", str(target), "--all-posts", "--force",
                 "-j", "2")
    assert result.exit_code == 70 and "RuntimeError: boom" in result.stderr
    assert digest(target) == old_digest and staged_leftovers(tmp_path) == []


# ---------------------------------------------------------------- folders


def test_an_existing_empty_folder_is_filled_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o750)
    before = out.stat()
    result = run("archive", "-q", FIXTURE, "-o", str(out))
    assert result.exit_code == 0, result.output
    after = out.stat()
    assert (after.st_ino, stat.S_IMODE(after.st_mode)) == (before.st_ino, 0o750)
    assert sorted(path.name for path in out.iterdir()) == [
        "day-10-cynical-about-customer-love.md", "day-11-confessions-of-a-complete-flake.md",
        "index.json", "index.md", "secret-destinations.md",
    ]
    assert staged_leftovers(tmp_path) == []


def test_a_failed_archive_into_a_new_folder_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out"
    result = run("archive", "-o", str(out), input=b'{"id": 1, "post_id": 2}\n')
    assert result.exit_code == 4
    assert list(tmp_path.iterdir()) == []


def test_force_keeps_the_mode_of_replaced_archive_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("archive", "-q", FIXTURE, "-o", str(out)).exit_code == 0
    (out / "index.md").chmod(0o600)
    assert run("archive", "-q", FIXTURE, "-o", str(out), "--force").exit_code == 0
    assert stat.S_IMODE((out / "index.md").stat().st_mode) == 0o600


# ---------------------------------------------------------------- a full file system


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB file system (tmpfs): needs root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _one_full_line(err: bytes) -> str:
    text = err.decode()
    assert text.count("\n") == 1 and text.startswith("Error: ") and "Traceback" not in text
    assert text.endswith(f": cannot write: {FULL}\n"), text
    return text


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_a_full_disk_archive_into_a_new_folder_is_exit_5_and_leaves_nothing(
    small_fs: Path, exports: tuple[Path, Path], fmt: str
) -> None:
    out = small_fs / "comments"
    done = wpmigrate("archive", str(exports[0]), "-o", str(out), "--all-posts", "--format", fmt)
    assert done.returncode == 5
    _one_full_line(done.stderr)
    assert list(small_fs.iterdir()) == []
    assert shutil.disk_usage(small_fs).used == 0


def test_a_full_disk_over_an_old_archive_keeps_it(
    small_fs: Path, exports: tuple[Path, Path]
) -> None:
    out = small_fs / "comments"
    assert wpmigrate("archive", "-q", FIXTURE, "-o", str(out)).returncode == 0
    old = digest(out)
    used = shutil.disk_usage(small_fs).used
    done = wpmigrate("archive", str(exports[0]), "-o", str(out), "--all-posts", "--force")
    assert done.returncode == 5
    _one_full_line(done.stderr)
    assert digest(out) == old and staged_leftovers(small_fs) == []
    assert shutil.disk_usage(small_fs).used == used


def test_a_full_disk_in_the_mount_point_itself(small_fs: Path, exports: tuple[Path, Path]) -> None:
    # The mount point cannot be renamed: it is updated in place like any folder.
    done = wpmigrate("archive", str(exports[0]), "-o", str(small_fs), "--all-posts")
    assert done.returncode == 5
    _one_full_line(done.stderr)
    assert list(small_fs.iterdir()) == []
    assert wpmigrate("archive", "-q", FIXTURE, "-o", str(small_fs)).returncode == 0


@pytest.mark.parametrize("command", ["extract", "thread"])
def test_a_full_disk_file_output_is_exit_5_and_keeps_the_old_file(
    small_fs: Path, exports: tuple[Path, Path], command: str
) -> None:
    out = small_fs / "out.jsonl"
    out.write_bytes(b"old\n")
    filler = small_fs / "filler"  # leaves 64 KB: less than either output
    filler.write_bytes(b"x" * (shutil.disk_usage(small_fs).free - (64 << 10)))
    done = wpmigrate(command, str(exports[0]), "-o", str(out), "--force")
    assert done.returncode == 5
    assert _one_full_line(done.stderr) == f"Error: {out}: cannot write: {FULL}\n"
    assert out.read_bytes() == b"old\n" and sorted(small_fs.iterdir()) == [filler, out]


# ---------------------------------------------------------------- output paths


def test_rejects_to_dev_null_is_written_not_replaced() -> None:
    for extra in ([], ["--force"]):
        result = run("thread", "-q", FIXTURE, "--rejects", os.devnull, *extra)
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    result = run("extract", "-q", FIXTURE, "-o", os.devnull, "--force")
    assert result.exit_code == 0 and stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("option", ["-o", "--rejects"])
def test_a_fifo_is_written_to_as_a_stream(tmp_path: Path, option: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("thread", "-q", FIXTURE, option, str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    expected = run("thread", "-q", FIXTURE, "--rejects", str(tmp_path / "r.jsonl"))
    wanted = (tmp_path / "r.jsonl").read_bytes() if option == "--rejects" else expected.stdout_bytes
    assert received == [wanted]


@pytest.mark.parametrize("spelling", ["same", "dot", "link", "parent"])
def test_the_same_path_for_two_outputs_is_refused(tmp_path: Path, spelling: str) -> None:
    target = tmp_path / "x.jsonl"
    target.write_text("keep")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(target)
    other = {
        "same": str(target),
        "dot": f"{tmp_path}/./x.jsonl",
        "link": str(tmp_path / "link"),
        "parent": str(tmp_path / "sub" / ".." / "x.jsonl"),
    }[spelling]
    result = run("thread", "-q", FIXTURE, "-o", str(target), "--rejects", other, "--force")
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: -o and --rejects name the same output ({other})\n")
    assert target.read_text() == "keep"


def test_the_same_new_path_and_stdout_twice_are_refused(tmp_path: Path) -> None:
    result = run("thread", "-q", FIXTURE, "-o", str(tmp_path / "new"), "--rejects",
                 str(tmp_path / "." / "new"))
    assert result.exit_code == 2 and "name the same output" in result.stderr
    assert list(tmp_path.iterdir()) == []
    result = run("thread", "-q", FIXTURE, "--rejects", "-")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: -o and --rejects name the same output (stdout)\n")


def test_force_keeps_the_replaced_files_mode_and_link(tmp_path: Path) -> None:
    target = tmp_path / "x.jsonl"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    result = run("extract", "-q", FIXTURE, "-o", str(link), "--force")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text().startswith("{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


# ---------------------------------------------------------------- stdout and stdin


def _export_and_archives(tmp_path: Path) -> tuple[str, str, str]:
    clean = tmp_path / "clean"
    assert run("archive", "-q", FIXTURE, "-o", str(clean)).exit_code == 0
    dirty = tmp_path / "dirty"
    shutil.copytree(clean, dirty)
    (dirty / "secret-destinations.md").unlink()
    return FIXTURE, str(clean), str(dirty)


COMMANDS = {
    "extract": ["extract", FIXTURE],
    "thread": ["thread", FIXTURE],
    "stats": ["stats", FIXTURE],
    "stats --json": ["stats", "--json", FIXTURE],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_full_or_closed_stdout_is_exit_5_with_one_line(command: str) -> None:
    args = COMMANDS[command]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "wpmigrate", *args, "-q"], stdout=full,
            stderr=subprocess.PIPE, env=ENV,
        )
    full_line = f"Error: <stdout>: cannot write: {FULL}\n".encode()
    assert (done.returncode, done.stderr) == (5, full_line)
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "wpmigrate", *args, "-q"],
        stderr=subprocess.PIPE, env=ENV,
    )
    assert (done.returncode, done.stderr) == (
        5, b"Error: <stdout>: cannot write: standard output is closed\n"
    )


def test_verify_findings_decide_its_exit_whatever_happens_to_stdout(tmp_path: Path) -> None:
    export, clean, dirty = _export_and_archives(tmp_path)
    verify = [sys.executable, "-m", "wpmigrate", "verify", "-q", export]
    # | head -1 that has already gone: a broken pipe at the first line.
    process = subprocess.Popen([*verify, dirty], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=ENV)
    assert process.stdout is not None
    process.stdout.close()
    _out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (1, b"")
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*verify, dirty], stdout=full, stderr=subprocess.PIPE, env=ENV)
    assert (done.returncode, done.stderr) == (
        1, f"Error: <stdout>: cannot write: {FULL} (verify found problems)\n".encode()
    )
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *verify, dirty],
                          stderr=subprocess.PIPE, env=ENV)
    assert (done.returncode, done.stderr) == (
        1, b"Error: <stdout>: cannot write: standard output is closed (verify found problems)\n"
    )
    with open("/dev/full", "wb") as full:  # nothing to report: nothing to write
        done = subprocess.run([*verify, clean], stdout=full, stderr=subprocess.PIPE, env=ENV)
    assert (done.returncode, done.stderr) == (0, b"")


@pytest.mark.parametrize("command", ["extract", "thread", "stats", "archive"])
def test_a_closed_stdin_is_exit_3_with_one_line(tmp_path: Path, command: str) -> None:
    args = ["-o", str(tmp_path / "out")] if command == "archive" else []
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "wpmigrate", command, *args],
        capture_output=True, env=ENV,
    )
    assert (done.returncode, done.stderr) == (
        3, b"Error: <stdin>: cannot read: standard input is closed\n"
    )
    assert not (tmp_path / "out").exists()


def test_verify_does_not_hang_on_a_fifo_in_the_archive(tmp_path: Path) -> None:
    _export, clean, _dirty = _export_and_archives(tmp_path)
    os.mkfifo(Path(clean) / "waiting.md")
    done = wpmigrate("verify", "-q", FIXTURE, clean, timeout=60)
    assert done.returncode == 1
    assert done.stdout == b"unreadable: waiting.md: not a regular file (not read)\n"


def test_publish_defers_signals_only_in_the_block() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), publish.deferred_signals():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        reached = True  # the signal waited for the end of the block
    assert reached
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_staged_folder_discarded_leaves_no_trace(tmp_path: Path) -> None:
    folder = StagedFolder(str(tmp_path / "a" / "b"))
    folder.open()
    (Path(folder.staging) / "x").write_text("x")
    folder.discard()
    assert list(tmp_path.iterdir()) == []
