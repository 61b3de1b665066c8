"""Where a command's output goes: stdout, a stream (device, FIFO), or a file published at once.

``-o FILE`` and ``--rejects FILE`` name a regular file, written through
:func:`wpmigrate.write.publish.staged_file` (never half a file, never replaced
without ``--force``); a character device or a FIFO (``/dev/null``, a terminal,
``>(gzip > x.gz)``) is written to as it is, never replaced; ``-`` is stdout.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from typing import BinaryIO

import click

from ..errors import OutputError
from .publish import output_kind, staged_file, stream_file

STDOUT_NAME = "<stdout>"


def quiet_stdout() -> None:
    """Point fd 1 at /dev/null: what is still buffered for stdout is lost anyway, and
    flushing it again at exit would print Python's own complaint after our error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _Stdout:
    """stdout, binary: write errors become :class:`OutputError` (exit 5).

    A broken pipe stays a :class:`BrokenPipeError`: the CLI ends quietly on it
    (``wpmigrate extract x.xml | head``), which is not an error.
    """

    def __init__(self) -> None:
        if sys.stdout is None:  # started with fd 1 closed (``>&-``)
            raise OutputError(f"{STDOUT_NAME}: cannot write: standard output is closed")
        self._handle: BinaryIO = sys.stdout.buffer

    def _failed(self, exc: OSError) -> OutputError:
        quiet_stdout()
        return OutputError(f"{STDOUT_NAME}: cannot write: {exc.strerror or exc}")

    def write(self, data: bytes) -> int:
        try:
            return self._handle.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def flush(self) -> None:
        try:
            self._handle.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc


def stdout_stream() -> BinaryIO:
    """stdout as a binary stream whose failures are :class:`OutputError`."""
    return _Stdout()  # type: ignore[return-value]


def is_stdout(path: str | None) -> bool:
    """Whether an output option means stdout (``-`` or not given)."""
    return path is None or path == "-"


@contextlib.contextmanager
def output_stream(path: str | None, force: bool = False) -> Iterator[BinaryIO]:
    """Where ``-o``/``--rejects`` writes: stdout, a stream, or a staged regular file."""
    if is_stdout(path):
        stdout = stdout_stream()
        yield stdout
        stdout.flush()
        return
    assert path is not None
    if output_kind(path) == "stream":
        with stream_file(path) as handle:
            yield handle
        return
    with staged_file(path, force) as handle:
        yield handle


def _identity(path: str) -> tuple[object, ...]:
    """What tells two spellings of one output apart: the file, or where it would be made."""
    if is_stdout(path):
        return ("stdout",)
    try:
        info = os.stat(path)
        return ("inode", info.st_dev, info.st_ino)
    except OSError:
        real = os.path.realpath(path)
        try:
            parent = os.stat(os.path.dirname(real))
        except OSError:
            return ("path", real)
        return ("entry", parent.st_dev, parent.st_ino, os.path.basename(real))


def check_distinct(outputs: dict[str, str | None]) -> None:
    """Refuse (a usage error, exit 2) two options that name the same output.

    ``-o x --rejects ./x`` (or a link to x) would have one output replace the
    other. ``-o`` not given is stdout. Character devices are the exception:
    ``/dev/null`` twice is fine.
    """
    seen: dict[tuple[object, ...], str] = {}
    for option, path in outputs.items():
        if path is None and option != "-o":
            continue
        shown = path or "-"
        if not is_stdout(shown) and _is_device(shown):
            continue  # writing to a device twice is writing to it
        key = _identity(shown)
        if key in seen:
            what = "stdout" if is_stdout(shown) else shown
            raise click.UsageError(f"{seen[key]} and {option} name the same output ({what})")
        seen[key] = option


def _is_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False
