"""wpmigrate.parse.sources: paths, stdin, compression by content, zips, and what cannot be read."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import sys
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS

from wpmigrate.errors import InputError
from wpmigrate.parse.sources import Source, _natural_key, open_sources, read_all, sniff

XML = (QUIRKS / "wxr-1.1.xml").read_bytes()

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
}


def content(source: Source) -> bytes:
    return b"".join(read_all(source, chunk_size=1000))


def sources_of(*names: str | Path) -> list[Source]:
    return list(open_sources([str(name) for name in names]))


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"BZh91AY", "bzip2"),
        (b"\xfd7zXZ\x00\x00", "xz"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"PK\x05\x06\x00\x00", "zip"),
        (b"<?xml ve", ""),
        (b"\xef\xbb\xbf<?xml", ""),
        (b"", ""),
    ],
)
def test_sniff(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_plain_path(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(XML)
    [source] = sources_of(path)
    assert (source.name, source.size, source.compression) == (str(path), len(XML), "")
    assert content(source) == XML
    assert content(source) == XML  # a path can be opened again


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("suffix", [".xml", ".gz", ".bz2", ".xz", ""])
def test_compression_is_recognised_by_content_not_name(
    tmp_path: Path, kind: str, suffix: str
) -> None:
    path = tmp_path / f"export{suffix}"
    path.write_bytes(COMPRESSORS[kind](XML))
    [source] = sources_of(path)
    assert source.compression == kind
    assert source.size is None  # the decompressed size is not known in advance
    assert content(source) == XML


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip"])
def test_plain_xml_with_a_compressed_name_is_read_as_xml(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"export.xml{suffix}"
    path.write_bytes(XML)
    [source] = sources_of(path)
    assert source.compression == ""
    assert content(source) == XML


def test_natural_order() -> None:
    names = ["part-10.xml", "part-2.xml", "Part-1.xml", "part-2b.xml", "a.xml"]
    assert sorted(names, key=_natural_key) == [
        "a.xml",
        "Part-1.xml",
        "part-2.xml",
        "part-2b.xml",
        "part-10.xml",
    ]


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_in_natural_order_skipping_what_is_not_an_export(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "site.zip",
        {
            "site.wordpress.2024-02-01.10.xml": b"ten",
            "site.wordpress.2024-02-01.9.xml": b"nine",
            "__MACOSX/site.wordpress.2024-02-01.1.xml": b"resource fork",
            "._site.wordpress.2024-02-01.1.xml": b"apple double",
            "readme.txt": b"not xml",
            "media/": b"",
            "nested/site.wordpress.2024-02-01.11.XML": b"eleven",
        },
    )
    sources = sources_of(archive)
    assert [source.name for source in sources] == [
        f"{archive}:nested/site.wordpress.2024-02-01.11.XML",
        f"{archive}:site.wordpress.2024-02-01.9.xml",
        f"{archive}:site.wordpress.2024-02-01.10.xml",
    ]
    assert [content(source) for source in sources] == [b"eleven", b"nine", b"ten"]
    assert [source.size for source in sources] == [6, 4, 3]
    assert {source.compression for source in sources} == {"zip"}


def test_misnamed_zip_is_still_a_zip(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "export.xml", {"a.xml": XML})
    [source] = sources_of(archive)
    assert source.name == f"{archive}:a.xml"
    assert content(source) == XML


def test_several_inputs_in_order(tmp_path: Path) -> None:
    gz = tmp_path / "b.xml.gz"
    gz.write_bytes(gzip.compress(XML))
    sources = sources_of(CUSTOMER_LOVE, gz)
    assert [source.name for source in sources] == [str(CUSTOMER_LOVE), str(gz)]
    assert content(sources[1]) == XML


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize("kind", ["", *sorted(COMPRESSORS)])
def test_stdin(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    data = COMPRESSORS[kind](XML) if kind else XML
    monkeypatch.setattr(sys, "stdin", FakeStdin(data))
    [source] = sources_of("-")
    assert (source.name, source.compression) == ("<stdin>", kind)
    assert content(source) == XML
    with pytest.raises(InputError, match="<stdin> can be read only once"):
        source.open()


def test_no_name_means_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(XML))
    [source] = list(open_sources([]))
    assert source.name == "<stdin>"
    assert content(source) == XML


def test_zip_on_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", {"p-2.xml": b"two", "p-10.xml": b"ten"})
    monkeypatch.setattr(sys, "stdin", FakeStdin(archive.read_bytes()))
    sources = sources_of("-")
    assert [source.name for source in sources] == ["<stdin>:p-2.xml", "<stdin>:p-10.xml"]
    assert [content(source) for source in sources] == [b"two", b"ten"]


# --- what cannot be read -------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    with pytest.raises(InputError) as caught:
        sources_of(missing)
    assert str(caught.value) == f"{missing}: cannot open: No such file or directory"
    assert caught.value.exit_code == 3


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        sources_of(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a directory, not an export file"


@pytest.mark.parametrize(
    ("members", "message"),
    [({}, "the zip holds no .xml file"), ({"notes.txt": b"x"}, "the zip holds no .xml file")],
)
def test_zip_without_exports(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    archive = make_zip(tmp_path / "e.zip", members)
    with pytest.raises(InputError) as caught:
        sources_of(archive)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(archive))


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 20 + b"garbage")
    with pytest.raises(InputError, match=r"bad\.zip: not a readable zip archive"):
        sources_of(path)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:12] + b"\xff" * 40 + data[52:], id="garbled"),
    ],
)
@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_corrupt_compressed_data_is_an_input_error(
    tmp_path: Path, kind: str, damage: object
) -> None:
    path = tmp_path / "export.xml.x"
    path.write_bytes(damage(COMPRESSORS[kind](XML * 3)))  # type: ignore[operator]
    [source] = sources_of(path)
    with pytest.raises(InputError) as caught:
        content(source)
    assert str(caught.value).startswith(f"{path}: corrupt {kind} data: ")
    assert caught.value.exit_code == 3


# --- zips: members of the same name, and members read in another process ----------------------


def make_zip_with_repeats(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """A zip that may hold several members of one name (zipfile warns, and allows it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name: 'export.xml'"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def test_members_of_the_same_name_are_all_read_each_with_its_own_name(tmp_path: Path) -> None:
    # ZipFile.open(name) gives only the last of them: each is opened by its position.
    archive = make_zip_with_repeats(
        tmp_path / "a.zip",
        [
            ("export.xml", b"first"),
            ("other.xml", b"other"),
            ("export.xml", b"second"),
            ("export.xml", b"third"),
        ],
    )
    sources = sources_of(archive)
    assert [source.name for source in sources] == [
        f"{archive}:export.xml",
        f"{archive}:export.xml#2",
        f"{archive}:export.xml#3",
        f"{archive}:other.xml",
    ]
    assert [content(source) for source in sources] == [b"first", b"second", b"third", b"other"]
    assert [source.member for source in sources] == [0, 2, 3, 1]
    assert {source.path for source in sources} == {str(archive)}


def test_zip_member_opens_the_zip_once_per_process(tmp_path: Path) -> None:
    from wpmigrate.parse import sources as module

    archive = make_zip_with_repeats(
        tmp_path / "a.zip", [("export.xml", b"one"), ("export.xml", b"two"), ("b.xml", b"b")]
    )
    module._OPEN_ZIPS.clear()
    listed = sources_of(archive)
    got = [module.zip_member(str(archive), s.member, s.name) for s in listed]
    assert [(s.name, content(s)) for s in got] == [(s.name, content(s)) for s in listed]
    assert len(module._OPEN_ZIPS) == 1  # one ZipFile for every member
    [opened] = module._OPEN_ZIPS.values()
    assert module.zip_member(str(archive), 0, f"{archive}:export.xml") is not None
    assert list(module._OPEN_ZIPS.values()) == [opened]
    # A zip replaced by another is opened again, and a member no longer there is an error.
    make_zip_with_repeats(archive, [("renamed.xml", b"new content, other size")])
    with pytest.raises(InputError) as caught:
        module.zip_member(str(archive), 0, f"{archive}:export.xml")
    assert str(caught.value) == (
        f"{archive}:export.xml: not found in the zip (it changed while it was read)"
    )
    assert opened not in module._OPEN_ZIPS.values()
    module._OPEN_ZIPS.clear()


# --- FIFOs, process substitution, devices: opened once, never probed --------------------------


def _write_later(path: Path, data: bytes) -> threading.Thread:
    """A writer for a FIFO: opening it blocks until the reader opens it too."""

    def write() -> None:
        with open(path, "wb") as fifo:
            fifo.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", ["", *sorted(COMPRESSORS)])
def test_fifo_is_read_once_like_stdin(tmp_path: Path, kind: str) -> None:
    # Was: the probe opened the FIFO, read 8 bytes and closed it; the writer then
    # failed with EPIPE and the real read waited for a writer for ever.
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    writer = _write_later(fifo, COMPRESSORS[kind](XML) if kind else XML)
    [source] = sources_of(fifo)
    assert (source.name, source.compression, source.reopenable) == (str(fifo), kind, False)
    assert (source.path, source.size) == ("", None)
    assert content(source) == XML
    writer.join(5)
    assert not writer.is_alive()
    with pytest.raises(InputError) as caught:
        source.open()
    assert str(caught.value) == f"{fifo} can be read only once: name it once"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_zip_through_a_fifo_is_spooled(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", {"p-2.xml": b"two", "p-10.xml": b"ten"})
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    writer = _write_later(fifo, archive.read_bytes())
    sources = sources_of(fifo)
    writer.join(5)
    assert [source.name for source in sources] == [f"{fifo}:p-2.xml", f"{fifo}:p-10.xml"]
    assert [content(source) for source in sources] == [b"two", b"ten"]
    assert [content(source) for source in sources] == [b"two", b"ten"]  # the spool seeks
    assert {source.path for source in sources} == {""}  # no other process can read it


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_empty_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    writer = _write_later(fifo, b"")
    [source] = sources_of(fifo)
    writer.join(5)
    assert content(source) == b""


class _Trickle(io.RawIOBase):
    """A pipe that gives one byte per read."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._data:
            return 0
        buffer[0] = self._data[0]
        self._data = self._data[1:]
        return 1


class TrickleStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = _Trickle(data)


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_stdin_that_gives_a_byte_at_a_time_is_still_recognised(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(sys, "stdin", TrickleStdin(COMPRESSORS[kind](XML)))
    [source] = sources_of("-")
    assert source.compression == kind
    assert content(source) == XML


def test_a_device_is_read_once(tmp_path: Path) -> None:
    [source] = sources_of(os.devnull)
    assert (source.reopenable, source.path) == (False, "")
    assert content(source) == b""


def test_a_regular_file_can_be_read_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(XML)
    [source] = sources_of(path)
    assert (source.reopenable, source.path, source.member) == (True, str(path), -1)
