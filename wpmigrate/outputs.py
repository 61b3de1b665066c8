"""Write files atomically and never replace one without being asked.

Every file wpmigrate writes goes to a temporary file beside its target and is
renamed into place only when complete, so an interrupted run or a full disk
leaves the old file (or nothing), never half a file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from .errors import OutputError


class _GuardedFile:
    """A binary file whose write errors become :class:`OutputError` naming the target.

    A broken pipe stays a :class:`BrokenPipeError`: the CLI ends quietly on it
    (``wpmigrate extract x.xml | head``), which is not an error.
    """

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self._handle = handle
        self._name = name

    def write(self, data: bytes) -> int:
        try:
            return self._handle.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"{self._name}: cannot write: {exc.strerror or exc}") from exc

    def flush(self) -> None:
        try:
            self._handle.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"{self._name}: cannot write: {exc.strerror or exc}") from exc


def check_writable_target(path: str, force: bool) -> None:
    """Refuse to replace an existing file unless ``force``."""
    if os.path.lexists(path) and not force:
        raise OutputError(f"{path}: already exists (use --force to replace it)")
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory")


@contextlib.contextmanager
def atomic_file(path: str, force: bool = False) -> Iterator[BinaryIO]:
    """Open ``path`` for writing via a temporary file renamed into place on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    check_writable_target(path, force)
    folder = os.path.dirname(path) or "."
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot create: {exc.strerror or exc}") from exc
    try:
        handle = os.fdopen(fd, "wb")
        try:
            yield _GuardedFile(handle, path)  # type: ignore[misc]
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        finally:
            # Fix: closing flushes what is still buffered, so after a failed write
            # (disk full) close() failed again and its bare OSError replaced the
            # OutputError: exit 70 "internal error" instead of exit 5. The first
            # error already says what went wrong; close() closes the file anyway.
            if not handle.closed:
                with contextlib.suppress(OSError):
                    handle.close()
        try:
            # Files from mkstemp are private (0600); give the result the usual mode.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except OSError as exc:  # Fix: was an internal error (exit 70), like the above
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def output_stream(path: str | None, force: bool = False) -> Iterator[BinaryIO]:
    """``-``/``None`` is stdout (binary); anything else an :func:`atomic_file`."""
    if path is None or path == "-":
        # Fix: a write error on stdout (``> /dev/full``, a full disk) was a bare
        # OSError, reported as an internal error (exit 70); it is exit 5 now.
        stdout = _GuardedFile(sys.stdout.buffer, "<stdout>")
        yield stdout  # type: ignore[misc]
        stdout.flush()
        return
    with atomic_file(path, force) as handle:
        yield handle
