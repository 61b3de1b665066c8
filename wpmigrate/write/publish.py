"""Publish an output all at once: stage it beside its target, then rename it into place.

This is wpmigrate's one way of writing a file or a folder. Whatever stops a run
(an error, a full disk, Ctrl-C, SIGTERM), the target afterwards is exactly what
it was before or exactly the new result, and nothing staged is left behind:

* The new content is written under a hidden name starting with
  :data:`STAGING_PREFIX` and the writer's process id, in the folder where it is
  published (same file system, so publishing is a rename).
* The commit (:meth:`Publication.commit`) runs with SIGINT and SIGTERM deferred
  (:func:`deferred_signals`): a signal that arrives then takes effect once the
  commit is complete, never half-way.
* A file is published by one :func:`os.replace`; a folder that does not exist
  yet by one :func:`os.rename` of the staged tree. A folder that exists is
  updated in place, keeping its inode, owner and mode (a shell's working
  directory, a watcher such as ``hugo server``, a bind mount stay valid): each
  staged file replaces its target, the replaced file moving into the staging
  folder first, and any error rolls every move back. A journal written before
  the first move lets the next run roll back a commit that was killed outright
  (SIGKILL, power cut) half-way.
* A failed or interrupted run removes its staging; the next run removes (or rolls
  back) the staging of runs whose process is gone (:func:`clean_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, BinaryIO

from ..errors import Interrupted, OutputError, Terminated

STAGING_PREFIX = ".wpmigrate-staging-"
#: Inside a folder's staging: the journal of a commit in progress.
JOURNAL = ".journal"
#: Inside a folder's staging: the files a commit replaced (removed once it is done).
REPLACED = ".replaced"
_LEFTOVER = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-")
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def staging_prefix() -> str:
    """This process's staging names start with this (its pid tells leftovers apart)."""
    return f"{STAGING_PREFIX}{os.getpid()}-"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _umask() -> int:
    umask = os.umask(0)  # the only way to read it
    os.umask(umask)
    return umask


# ---------------------------------------------------------------- signals


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # The first signal starts the cleanup (staging removed, workers stopped);
    # a second one would interrupt it and leave staging behind, so it is ignored.
    for other in _SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise Interrupted()  # not KeyboardInterrupt itself: see Interrupted


def install_signal_handlers() -> None:
    """Make SIGINT and SIGTERM exceptions that clean up: :class:`~wpmigrate.errors.Interrupted`,
    :class:`~wpmigrate.errors.Terminated` (the CLI's entry point calls it).

    Python's default SIGTERM kills the process on the spot: no ``finally``
    runs, staging and worker processes are left behind.
    """
    for signum in _SIGNALS:
        signal.signal(signum, _on_signal)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """SIGINT and SIGTERM received inside the block take effect when it ends.

    Handlers, not the signal mask: the mask is per thread, and a worker pool's
    threads would take the signal for the process.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread handles signals: nothing can interrupt here
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous: dict[int, Any] = {}
    for signum in _SIGNALS:
        handler = signal.signal(signum, hold)
        previous[signum] = signal.SIG_DFL if handler is None else handler
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            signal.raise_signal(received[0])  # as if it came just after the commit


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread (and in processes forked meanwhile).

    For starting worker processes: a child forked here starts with them blocked
    and sets its own handlers before unblocking (:func:`worker_signals`).
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def worker_signals() -> None:
    """A worker process's signals: they are for the main process, which stops the workers.

    Run first in each worker, started with SIGINT and SIGTERM blocked
    (:func:`signals_blocked`). The worker leaves the process group: Ctrl-C or
    ``kill -TERM -PGID`` reaches only the main process, which then stops the
    workers itself (SIGTERM, silent). A worker killed by the group's signal
    instead would print a ``Process ForkPoolWorker-N`` traceback (SIGINT), or
    die holding the pool's queue lock and be replaced by a worker forked in
    the middle of the cleanup, which hangs it (SIGTERM). If the main process
    dies without stopping them, the workers get SIGTERM (Linux).
    """
    for signum in _SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # also drops one already pending
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    _die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _die_with_parent() -> None:
    """SIGTERM when the main process dies (Linux's PR_SET_PDEATHSIG); elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the main process died before prctl: go now
        os._exit(1)


# ---------------------------------------------------------------- leftovers


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive
    return True


def remove_dead(folder: str, prefix: str) -> None:
    """Remove ``prefix<pid>-…`` entries of ``folder`` whose process is gone."""
    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            if not name.startswith(prefix):
                continue
            digits, dash, _rest = name[len(prefix) :].partition("-")
            if dash and digits.isdigit() and not _alive(int(digits)):
                with contextlib.suppress(OSError):
                    shutil.rmtree(os.path.join(folder, name))


def clean_leftovers(folder: str) -> None:
    """Roll back or remove what runs killed outright (SIGKILL, power cut) staged in ``folder``.

    Only entries of processes that are gone are touched, so a run going on in
    the same place is left alone. A folder staging that holds a journal was
    killed in the middle of its commit: its moves are undone, restoring the old
    content, before it is removed. Errors are ignored: this is tidying, and a
    real problem with the folder shows up when the run writes to it.
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _LEFTOVER.match(name)
        if match is None or _alive(int(match.group(1))):
            continue
        path = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                journal = os.path.join(path, JOURNAL)
                if os.path.exists(journal):
                    _recover(folder, path, journal)
                shutil.rmtree(path)
            else:
                os.unlink(path)


def _recover(target: str, staging: str, journal: str) -> None:
    """Undo a killed commit from its journal: old files back, new ones out."""
    with open(journal, encoding="utf-8", errors="surrogateescape") as handle:
        lines = handle.read().split("\n")
    files = [line[2:] for line in lines if line.startswith("f ")]
    folders = [line[2:] for line in lines if line.startswith("d ")]
    for relative in reversed(files):
        parts = relative.split("/")
        final = os.path.join(target, *parts)
        replaced = os.path.join(staging, REPLACED, *parts)
        staged = os.path.join(staging, *parts)
        if os.path.lexists(replaced):
            os.replace(replaced, final)
        elif not os.path.lexists(staged) and os.path.lexists(final):
            os.unlink(final)  # moved in by the commit, with nothing before it
    for relative in reversed(folders):
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(target, *relative.split("/")))


# ---------------------------------------------------------------- publications


def _chown_like(path: str, before: os.stat_result) -> None:
    # Only root may give a file away; others keep what they can.
    with contextlib.suppress(OSError):
        os.chown(path, before.st_uid, before.st_gid)


@dataclass
class Publication:
    """A file or a folder being staged beside ``target``; see the module's docstring.

    ``staging`` is where to write; :meth:`commit` publishes it, :meth:`discard`
    removes it (and the parent folders :meth:`open` created). Use
    :func:`staged_file` or :class:`StagedFolder` rather than this directly.
    """

    target: str
    folder: bool = False
    staging: str = ""
    _made: list[str] = field(default_factory=list)
    """Parent folders created for the target, deepest last (removed on failure)."""
    committed: bool = False

    def _make_parents(self, parent: str) -> None:
        missing = []
        while parent and not os.path.isdir(parent):
            if os.path.lexists(parent):
                raise OutputError(f"{parent}: not a folder")
            missing.append(parent)
            parent = os.path.dirname(parent)
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(f"{path}: cannot create folder: {_reason(exc)}") from exc
            self._made.append(path)

    def discard(self) -> None:
        """Remove the staging and any parent folder made for it; never raises."""
        if self.staging and not self.committed:
            with contextlib.suppress(OSError):
                if os.path.isdir(self.staging) and not os.path.islink(self.staging):
                    shutil.rmtree(self.staging)
                else:
                    os.unlink(self.staging)
        if not self.committed:
            for path in reversed(self._made):
                with contextlib.suppress(OSError):
                    os.rmdir(path)  # only if still empty: someone may have used it
        self.staging = ""


# ---------------------------------------------------------------- files


def output_kind(path: str) -> str:
    """``missing``, ``file``, ``stream`` (character device, FIFO: written in place),
    ``folder`` or ``other`` (a socket, a block device: never written)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing" if not os.path.lexists(path) else "file"  # a dangling link
    except NotADirectoryError as exc:
        raise OutputError(f"{path}: not a folder: {os.path.dirname(path)}") from exc
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {_reason(exc)}") from exc
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    if stat.S_ISDIR(mode):
        return "folder"
    return "other"


class _File:
    """The staged file: write errors become :class:`OutputError` naming the target."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self._handle = handle
        self._name = name

    def write(self, data: bytes) -> int:
        try:
            return self._handle.write(data)
        except OSError as exc:
            raise OutputError(f"{self._name}: cannot write: {_reason(exc)}") from exc

    def flush(self) -> None:
        try:
            self._handle.flush()
        except OSError as exc:
            raise OutputError(f"{self._name}: cannot write: {_reason(exc)}") from exc


@contextlib.contextmanager
def staged_file(path: str, force: bool = False) -> Iterator[BinaryIO]:
    """Write the regular file ``path`` all at once: published when the block ends.

    Refuses an existing file without ``force``; with it, the new file takes
    the old one's mode (and owner, where allowed). A symbolic link is followed,
    so the link stays and its target is replaced. On any exception (and on
    SIGINT/SIGTERM) ``path`` is untouched and nothing staged is left.
    """
    kind = output_kind(path)
    if kind == "folder":
        raise OutputError(f"{path}: is a folder")
    if kind == "other":
        raise OutputError(f"{path}: not a regular file, character device or FIFO")
    if kind == "file" and not force:
        raise OutputError(f"{path}: already exists (use --force to replace it)")
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    publication = Publication(real)
    try:
        publication._make_parents(folder)
        clean_leftovers(folder)
        try:
            fd, publication.staging = tempfile.mkstemp(
                prefix=staging_prefix(), suffix=f".{os.path.basename(real)}.part", dir=folder
            )
        except OSError as exc:
            raise OutputError(f"{path}: cannot create: {_reason(exc)}") from exc
        handle = os.fdopen(fd, "wb")
        try:
            yield _File(handle, path)  # type: ignore[misc]
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {_reason(exc)}") from exc
        finally:
            # After a failed write (disk full) closing flushes and fails again;
            # the first error already says what went wrong.
            with contextlib.suppress(OSError):
                handle.close()
        _publish_file(publication, path, replacing=kind == "file")
    finally:
        publication.discard()


def _publish_file(publication: Publication, path: str, replacing: bool) -> None:
    staging, real = publication.staging, publication.target
    with deferred_signals():
        try:
            before = os.stat(real) if replacing else None
        except FileNotFoundError:
            before = None
        try:
            if before is not None:
                os.chmod(staging, stat.S_IMODE(before.st_mode))
                _chown_like(staging, before)
            else:  # mkstemp files are private (0600): give the usual mode
                os.chmod(staging, 0o666 & ~_umask())
            os.replace(staging, real)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {_reason(exc)}") from exc
        publication.committed = True


@contextlib.contextmanager
def stream_file(path: str) -> Iterator[BinaryIO]:
    """Write to a character device or FIFO as it is (``/dev/null``, a terminal, a pipe)."""
    try:
        handle = open(path, "wb", buffering=1 << 16)  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {_reason(exc)}") from exc
    try:
        guarded = _File(handle, path)
        yield guarded  # type: ignore[misc]
        guarded.flush()
    finally:
        with contextlib.suppress(OSError):
            handle.close()


# ---------------------------------------------------------------- folders


class StagedFolder(Publication):
    """A folder's new files staged beside (or inside) it, then committed at once.

    A folder that does not exist is staged beside it and appears with one
    rename; an existing one (empty or not) is staged inside and updated in
    place, keeping the folder itself. Files of the folder the new set does not
    name are kept.

        folder = StagedFolder("comments")
        folder.open()
        try:
            ...write files under folder.staging...
            folder.commit(["a.md", "index.json"], force=False)
        finally:
            folder.discard()
    """

    def __init__(self, target: str) -> None:
        super().__init__(target, folder=True)
        self.exists = False

    def open(self) -> None:
        """Make the staging folder (after tidying what killed runs left)."""
        target = self.target
        if os.path.lexists(target) and not os.path.isdir(target):
            raise OutputError(f"{target}: not a folder")
        self.exists = os.path.isdir(target)
        if self.exists:
            where = target
        else:
            where = os.path.dirname(os.path.abspath(target))
            self._make_parents(where)
        clean_leftovers(where)
        try:
            self.staging = tempfile.mkdtemp(prefix=staging_prefix(), dir=where)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{target}: cannot write: {_reason(exc)}") from exc

    def commit(self, files: list[str], force: bool) -> None:
        """Publish the staged ``files`` (relative POSIX paths, all staged) at once.

        Raises :class:`OutputError` with the folder unchanged: without ``force``
        when a target exists, and whenever a move fails (every move before it is
        undone).
        """
        if not self.exists:
            self._commit_new()
            return
        folders = check_targets(self.target, files, force)
        with deferred_signals():
            self._commit_in_place(files, folders)

    def _commit_new(self) -> None:
        target = self.target
        with deferred_signals():
            try:
                os.chmod(self.staging, 0o777 & ~_umask())  # mkdtemp made it 0700
                if os.path.lexists(target):  # appeared meanwhile: never replace it
                    raise OutputError(f"{target}: appeared during the run; run again")
                os.rename(self.staging, target)
            except OSError as exc:
                raise OutputError(f"{target}: cannot write: {_reason(exc)}") from exc
            self.committed = True

    def _commit_in_place(self, files: list[str], folders: list[str]) -> None:
        target, staging = self.target, self.staging
        journal = os.path.join(staging, JOURNAL)
        replaced_root = os.path.join(staging, REPLACED)
        done: list[tuple[str, str, str | None]] = []  # (staged, final, replaced)
        made: list[str] = []
        try:
            with open(journal, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.writelines(f"d {relative}\n" for relative in folders)
                handle.writelines(f"f {relative}\n" for relative in files)
            for relative in folders:
                os.mkdir(os.path.join(target, *relative.split("/")))
                made.append(relative)
            for relative in files:
                parts = relative.split("/")
                staged = os.path.join(staging, *parts)
                final = os.path.join(target, *parts)
                replaced: str | None = None
                if os.path.lexists(final):
                    before = os.lstat(final)
                    if stat.S_ISREG(before.st_mode):
                        os.chmod(staged, stat.S_IMODE(before.st_mode))
                        _chown_like(staged, before)
                    replaced = os.path.join(replaced_root, *parts)
                    os.makedirs(os.path.dirname(replaced), exist_ok=True)
                    os.rename(final, replaced)
                    done.append(("", final, replaced))  # half a step: undone alone
                os.rename(staged, final)
                if replaced is not None:
                    done.pop()
                done.append((staged, final, replaced))
            os.unlink(journal)  # the commit point: from here the new archive stands
        except OSError as exc:
            self._undo(done, made)
            raise OutputError(f"{target}: cannot write: {_reason(exc)}") from exc
        except BaseException:
            self._undo(done, made)
            raise
        self.committed = True
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)  # the replaced files, and what the run kept aside

    def _undo(self, done: list[tuple[str, str, str | None]], made: list[str]) -> None:
        # Renames back where they came from: the entries existed there a moment
        # ago, so this needs no new space even on a full disk.
        for staged, final, replaced in reversed(done):
            with contextlib.suppress(OSError):
                if staged:
                    os.rename(final, staged)
                if replaced is not None:
                    os.rename(replaced, final)
        for relative in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(self.target, *relative.split("/")))
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.staging, JOURNAL))


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def check_targets(out_dir: str, files: Iterable[str], force: bool) -> list[str]:
    """Refuse before moving anything; the folders the commit must make, parents first.

    Refused: existing files (without force), and clashes no force can fix (a
    folder where a file goes, a file where a folder goes, a subfolder that is a
    link leading out of the folder).
    """
    root = os.path.realpath(out_dir)
    existing = []
    needed: dict[str, None] = {}
    for relative in files:
        parts = relative.split("/")
        target = os.path.join(out_dir, *parts)
        parent = os.path.dirname(target)
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in needed:
                continue
            path = os.path.join(out_dir, *parts[:depth])
            if not os.path.lexists(path):
                needed[folder] = None
            elif not os.path.isdir(path):
                raise OutputError(f"{path}: not a folder (needed for {relative})")
        # realpath resolves the existing part: a symlinked "2010/" counts even
        # though "2010/11/" is still to be made.
        if not _inside(os.path.realpath(parent), root):
            raise OutputError(f"{parent}: leads outside {out_dir}")
        if os.path.isdir(target) and not os.path.islink(target):
            raise OutputError(f"{target}: is a folder")
        if os.path.lexists(target):
            existing.append(target)
    if existing and not force:
        more = len(existing) - 1
        also = f" (and {more} more file{'s' if more > 1 else ''})" if more else ""
        raise OutputError(f"{existing[0]}: already exists{also}; use --force to replace")
    return list(needed)


def standard_stream_closed(fd: int) -> bool:
    """Whether file descriptor ``fd`` (0, 1, 2) was closed when the program started."""
    try:
        os.fstat(fd)
    except OSError as exc:
        return exc.errno == errno.EBADF
    return False


def guard_standard_streams() -> set[int]:
    """Put ``/dev/null`` on closed standard descriptors; which of 0, 1, 2 were closed.

    A closed descriptor would be reused by the next file opened, and what is
    meant for stdout would land in it. The CLI reports a closed stdin or stdout
    when it needs one (``sys.stdin``/``sys.stdout`` stay ``None``).
    """
    closed = set()
    for fd in (0, 1, 2):
        if standard_stream_closed(fd):
            closed.add(fd)
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if 2 in closed:
        # Messages go nowhere, but writing them must not fail.
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    return closed
