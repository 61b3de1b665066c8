"""wpmigrate.sources: paths, stdin, compression by content, zips, and what cannot be read."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS

from wpmigrate.errors import InputError
from wpmigrate.sources import Source, _natural_key, open_sources, read_all, sniff

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
