"""Open what the user names as byte streams: a path, ``-``, compressed files, zips.

An export may arrive as plain XML, gzip/bzip2/xz-compressed XML (recognised by
content first, so a misnamed file still works), or a ``.zip`` holding one or
more XML files (WordPress.com splits large sites into several). Every input
becomes one or more :class:`Source` objects; each opens a fresh, decompressed,
read-only byte stream. Nothing here parses XML.

Only a regular file is opened more than once: once to recognise its content,
then each time it is read. Anything else (standard input, a FIFO, a process
substitution such as ``<(cat export)``, a device) is opened once: its first
bytes are kept and given back before the rest, and it can be read only once (a
zip that comes that way is copied to a temporary file first: a zip is read by
seeking).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

from ..errors import InputError

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
    """Whether :meth:`open` may be called again (not for stdin or a pipe)."""
    path: str = ""
    """The regular file another process can read this source from (for a zip
    member, the zip); ``''`` when only this process can (stdin, a pipe, a zip
    that came through one)."""
    member: int = -1
    """A zip member's position in the zip's ``infolist()`` (``-1``: no zip member).
    Names need not be unique in a zip; positions are."""

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


def _is_export_member(info: zipfile.ZipInfo) -> bool:
    return (
        not info.is_dir()
        and info.filename.lower().endswith(".xml")
        and not info.filename.startswith("__MACOSX/")
        and not os.path.basename(info.filename).startswith("._")
    )


def _zip_members(archive: zipfile.ZipFile, name: str) -> list[tuple[int, str]]:
    """``(position in infolist(), label)`` of each export in the zip, in natural order.

    Fix: a zip may hold several members of the same name, and
    ``ZipFile.open(name)`` opens only the last. Every one is read, each by its
    position; the second is labelled ``export.xml#2``, the third
    ``export.xml#3``, so that messages tell them apart.
    """
    members = [
        (position, info.filename)
        for position, info in enumerate(archive.infolist())
        if _is_export_member(info)
    ]
    if not members:
        raise InputError(f"{name}: the zip holds no .xml file")
    members.sort(key=lambda member: _natural_key(member[1]))  # stable: repeats keep their order
    seen: Counter[str] = Counter()
    labelled: list[tuple[int, str]] = []
    for position, filename in members:
        seen[filename] += 1
        repeat = seen[filename]
        # No export member is named "….xml#2" (it would not end in .xml): a label
        # is never another member's name.
        labelled.append((position, f"{filename}#{repeat}" if repeat > 1 else filename))
    return labelled


def _member_source(
    archive: zipfile.ZipFile, zip_name: str, position: int, label: str, path: str
) -> Source:
    """Member number ``position`` of ``archive`` as a source named ``zip_name:label``."""
    info = archive.infolist()[position]
    name = f"{zip_name}:{label}"

    def open_member() -> BinaryIO:
        try:
            return archive.open(info)  # type: ignore[return-value]
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            # RuntimeError: encrypted member; NotImplementedError: unknown method.
            raise InputError(f"{name}: cannot read: {exc}") from exc

    return Source(
        name=name,
        opener=open_member,
        size=info.file_size,
        compression="zip",
        path=path,
        member=position,
    )


def _open_zip(path_or_file: str | BinaryIO, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{name}: not a readable zip archive: {_reason(exc)}") from exc


def _zip_sources(path_or_file: str | BinaryIO, name: str) -> list[Source]:
    archive = _open_zip(path_or_file, name)
    members = _zip_members(archive, name)
    path = path_or_file if isinstance(path_or_file, str) else ""
    return [_member_source(archive, name, position, label, path) for position, label in members]


#: Zips :func:`zip_member` opened in this process, by path and file identity,
#: the most recently used last.
_OPEN_ZIPS: dict[tuple[str, int, int, int, int], zipfile.ZipFile] = {}
_MAX_OPEN_ZIPS = 8
# A forked worker opens its own: a zip inherited from the parent would share
# the parent's file offset.
os.register_at_fork(after_in_child=_OPEN_ZIPS.clear)


def zip_member(path: str, position: int, name: str) -> Source:
    """Member ``position`` of the zip file ``path`` as a source named ``name``.

    For a worker process, which is handed one member at a time: the zip is
    opened (its directory read) once per process and kept open for the next
    member, and nothing is listed or sorted again. ``name`` is the name the
    main process gave the member (``path:label``); the member must still be
    there under it.
    """
    try:
        status = os.stat(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {_reason(exc)}") from exc
    key = (path, status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    archive = _OPEN_ZIPS.pop(key, None)
    if archive is None:
        archive = _open_zip(path, path)
        for stale in [known for known in _OPEN_ZIPS if known[0] == path]:
            _OPEN_ZIPS.pop(stale).close()  # the file was replaced since
        while len(_OPEN_ZIPS) >= _MAX_OPEN_ZIPS:
            _OPEN_ZIPS.pop(next(iter(_OPEN_ZIPS))).close()
    _OPEN_ZIPS[key] = archive
    infos = archive.infolist()
    label = name.removeprefix(f"{path}:")
    filename = infos[position].filename if 0 <= position < len(infos) else None
    if filename is None or (label != filename and not label.startswith(f"{filename}#")):
        raise InputError(f"{name}: not found in the zip (it changed while it was read)")
    return _member_source(archive, path, position, label, path)


class _Replay(io.RawIOBase):
    """A stream that gives back bytes already read from it, then the rest.

    Closing it closes the rest too if ``owned`` (a pipe opened here, not stdin).
    """

    def __init__(self, head: bytes, rest: BinaryIO, owned: bool = False) -> None:
        self._head = head
        self._rest = rest
        self._owned = owned

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

    def close(self) -> None:
        if self._owned and not self.closed:
            self._rest.close()
        super().close()


def _decompressing(raw: BinaryIO, kind: str) -> BinaryIO:
    return _OPENERS[kind](raw) if kind in _OPENERS else raw


def _read_head(stream: BinaryIO, size: int = 8) -> bytes:
    """The first ``size`` bytes of ``stream`` (fewer only at its end): a pipe may
    give them in several reads."""
    head = b""
    while len(head) < size:
        data = stream.read(size - len(head))
        if not data:
            break
        head += data
    return head


def _stream_sources(stream: BinaryIO, name: str, owned: bool = False) -> list[Source]:
    """The sources of a stream that can be read only once: stdin, a pipe, a device.

    Its first bytes tell what it holds without losing them: they are kept and
    replayed. Such a source is not reopenable (no fast-path retry, no parallel
    read); a zip is copied to a temporary file, whose members are.
    """
    try:
        head = _read_head(stream)
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {_reason(exc)}") from exc
    kind = sniff(head)
    if kind == "zip":
        try:
            spool = _copy_to_spool(_Replay(head, stream))
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {_reason(exc)}") from exc
        finally:
            if owned:
                stream.close()
        return _zip_sources(spool, name)
    used = False

    def open_stream() -> BinaryIO:
        nonlocal used
        if used:
            raise InputError(f"{name} can be read only once: name it once")
        used = True
        replay = io.BufferedReader(_Replay(head, stream, owned), 1 << 16)
        return _decompressing(cast(BinaryIO, replay), kind)

    return [Source(name=name, opener=open_stream, compression=kind, reopenable=False)]


def _stdin_sources() -> list[Source]:
    if sys.stdin is None:  # started with fd 0 closed (``<&-``)
        raise InputError(f"{STDIN_NAME}: cannot read: standard input is closed")
    return _stream_sources(sys.stdin.buffer, STDIN_NAME)


def _copy_to_spool(stream: BinaryIO | io.RawIOBase) -> BinaryIO:
    """Copy a stream to a temporary file (in memory up to 8 MB): zips need to seek."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (returned open)
    shutil.copyfileobj(cast(BinaryIO, stream), spool, 1 << 20)
    spool.seek(0)
    return cast(BinaryIO, spool)


def _path_sources(path: str) -> list[Source]:
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise InputError(f"{path}: is a directory, not an export file")
        if not stat.S_ISREG(status.st_mode):
            # A FIFO, ``<(cat export)`` (/dev/fd/63, a pipe), a device: opened
            # once, never probed and reopened (that would lose what the probe read).
            return _stream_sources(open(path, "rb"), path, owned=True)
        with open(path, "rb") as probe:
            head = probe.read(8)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {_reason(exc)}") from exc
    kind = sniff(head)
    if kind == "zip":
        return _zip_sources(path, path)

    def open_path() -> BinaryIO:
        return _decompressing(open(path, "rb"), kind)

    size = None if kind else status.st_size
    return [Source(name=path, opener=open_path, size=size, compression=kind, path=path)]


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


__all__ = ["STDIN", "Source", "open_sources", "read_all", "sniff", "zip_member"]
