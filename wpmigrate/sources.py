"""Open what the user names as byte streams: a path, ``-``, compressed files, zips.

An export may arrive as plain XML, gzip/bzip2/xz-compressed XML (recognised by
content first, so a misnamed file still works), or a ``.zip`` holding one or
more XML files (WordPress.com splits large sites into several). Every input
becomes one or more :class:`Source` objects; each opens a fresh, decompressed,
read-only byte stream. Nothing here parses XML.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

from .errors import InputError

STDIN = "-"
STDIN_NAME = "<stdin>"

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip: still a zip, reported as holding no XML
)
# The decompressors are binary file objects in all but name (typeshed does not
# call them BinaryIO); they are closed with the stream they wrap.
_OPENERS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "gzip": lambda raw: cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb")),
    "bzip2": lambda raw: cast(BinaryIO, bz2.BZ2File(raw, mode="rb")),
    "xz": lambda raw: cast(BinaryIO, lzma.LZMAFile(raw, mode="rb")),  # noqa: SIM115
}
#: What a corrupt compressed stream raises while being read.
DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


@dataclass(slots=True)
class Source:
    """One export document: a file, stdin, or one XML member of a zip."""

    name: str
    """Name for messages: the path, ``<stdin>``, or ``archive.zip:member.xml``."""
    opener: Callable[[], BinaryIO]
    """Opens a fresh stream of the decompressed XML bytes."""
    size: int | None = None
    """Decompressed size in bytes when known (plain files, zip members): for progress."""
    compression: str = ""
    """``gzip``, ``bzip2``, ``xz``, ``zip`` or ``''``."""
    reopenable: bool = True
    """Whether :meth:`open` may be called again (not for stdin)."""

    def open(self) -> BinaryIO:
        """Open the decompressed byte stream; errors become :class:`InputError`."""
        try:
            return self.opener()
        except OSError as exc:
            raise InputError(f"{self.name}: cannot read: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def sniff(head: bytes) -> str:
    """Compression of a stream from its first bytes (``''`` for none).

    Content decides, not the name: a ``.gz`` that is really plain XML is read as
    XML, and a compressed file without a suffix is still decompressed.
    """
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return ""


def _natural_key(name: str) -> list[object]:
    """Sort ``part-2.xml`` before ``part-10.xml``."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def _zip_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith(".xml")
        and not info.filename.startswith("__MACOSX/")
        and not os.path.basename(info.filename).startswith("._")
    ]
    if not members:
        raise InputError(f"{name}: the zip holds no .xml file")
    return sorted(members, key=lambda info: _natural_key(info.filename))


def _zip_sources(path_or_file: str | BinaryIO, name: str) -> list[Source]:
    try:
        archive = zipfile.ZipFile(path_or_file)
        members = _zip_members(archive, name)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{name}: not a readable zip archive: {_reason(exc)}") from exc

    def member_opener(info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
        def open_member() -> BinaryIO:
            try:
                return archive.open(info)  # type: ignore[return-value]
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
                # RuntimeError: encrypted member; NotImplementedError: unknown method.
                raise InputError(f"{name}:{info.filename}: cannot read: {exc}") from exc

        return open_member

    return [
        Source(
            name=f"{name}:{info.filename}",
            opener=member_opener(info),
            size=info.file_size,
            compression="zip",
        )
        for info in members
    ]


class _Replay(io.RawIOBase):
    """A stream that gives back bytes already read from it, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _decompressing(raw: BinaryIO, kind: str) -> BinaryIO:
    return _OPENERS[kind](raw) if kind in _OPENERS else raw


def _stdin_sources() -> list[Source]:
    if sys.stdin is None:  # started with fd 0 closed (``<&-``)
        raise InputError(f"{STDIN_NAME}: cannot read: standard input is closed")
    stream = sys.stdin.buffer
    head = stream.read(8)
    kind = sniff(head)
    if kind == "zip":
        spool = _Replay(head, stream)
        return _zip_sources(_copy_to_spool(spool), STDIN_NAME)
    used = False

    def open_stdin() -> BinaryIO:
        nonlocal used
        if used:
            raise InputError("<stdin> can be read only once: name it once")
        used = True
        replay = io.BufferedReader(_Replay(head, stream), 1 << 16)
        return _decompressing(cast(BinaryIO, replay), kind)

    return [Source(name=STDIN_NAME, opener=open_stdin, compression=kind, reopenable=False)]


def _copy_to_spool(stream: BinaryIO | io.RawIOBase) -> BinaryIO:
    """Copy a stream to a temporary file (in memory up to 8 MB): zips need to seek."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (returned open)
    shutil.copyfileobj(cast(BinaryIO, stream), spool, 1 << 20)
    spool.seek(0)
    return cast(BinaryIO, spool)


def _path_sources(path: str) -> list[Source]:
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not an export file")
    try:
        with open(path, "rb") as probe:
            head = probe.read(8)
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {_reason(exc)}") from exc
    kind = sniff(head)
    if kind == "zip":
        return _zip_sources(path, path)

    def open_path() -> BinaryIO:
        return _decompressing(open(path, "rb"), kind)

    return [Source(name=path, opener=open_path, size=None if kind else size, compression=kind)]


def open_sources(names: list[str] | tuple[str, ...]) -> Iterator[Source]:
    """Yield a :class:`Source` for every export named; ``-`` (or nothing) is stdin.

    Inputs are checked as they are reached, so an error in the third file comes
    after the first two were processed, as a user reading the output expects.
    """
    for name in names or (STDIN,):
        yield from (_stdin_sources() if name == STDIN else _path_sources(name))


def read_all(source: Source, chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Yield the decompressed bytes of ``source`` in chunks, closing it at the end."""
    stream = source.open()
    try:
        while True:
            try:
                chunk = stream.read(chunk_size)
            except DECOMPRESSION_ERRORS as exc:
                raise InputError(
                    f"{source.name}: corrupt {source.compression or 'compressed'} data: "
                    f"{_reason(exc)}"
                ) from exc
            if not chunk:
                return
            yield chunk
    finally:
        stream.close()


__all__ = ["STDIN", "Source", "open_sources", "read_all", "sniff"]
