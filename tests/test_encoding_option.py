"""``--encoding`` with any codec name, and UTF-16/32 exports without a BOM.

A codec an export can be read in reads it (``utf-16`` without a BOM too: the
byte order comes from the first characters); a name that is no such codec is a
usage error (exit 2) naming the option; bytes that decode to nonsense are the
ordinary data error (exit 4). Never an internal error (exit 70).
"""

from __future__ import annotations

import codecs
import contextlib
import encodings
import encodings.aliases
import pkgutil
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, Run, error_line

from wpmigrate.errors import WpmigrateError
from wpmigrate.parse.encoding import detect_encoding, forced_encoding, usable_codec
from wpmigrate.parse.exports import ExportReader
from wpmigrate.parse.repairs import Repairs

Cli = Callable[..., Run]

TEXT = CUSTOMER_LOVE.read_text(encoding="utf-8")
#: The fixture without its XML declaration: it starts "<!-- This is a WordPress…".
NO_DECLARATION = TEXT[TEXT.index("?>") + 2 :].lstrip()
#: … and without the comments before the root: it starts "<rss".
RSS_FIRST = NO_DECLARATION[NO_DECLARATION.index("<rss") :]

SUMMARY = (
    "wpmigrate: read 3 posts, 45 comments (approved 39, spam 3, pending 2, trash 1; "
    "comment 42, note 1, pingback 1, trackback 1) from {name}\n"
)


@pytest.fixture(scope="module")
def reference() -> bytes:
    """What ``extract`` writes for the fixture as it is (UTF-8)."""
    from conftest import invoke

    run = invoke(["extract", CUSTOMER_LOVE])
    assert run.exit_code == 0
    return run.stdout


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- BOM-less UTF-16 and UTF-32, without --encoding ------------------------------------------


@pytest.mark.parametrize(
    ("start", "codec"),
    [
        ("<?xml ", "utf-16-le"),
        ("<rss ", "utf-16-le"),
        ("<!-- ", "utf-16-le"),
        ("\n\t <rss ", "utf-16-le"),
        ("<?xml ", "utf-16-be"),
        ("<rss ", "utf-16-be"),
        ("\r\n<!-- ", "utf-16-be"),
        ("<rss ", "utf-32-le"),
        ("\n<?xml ", "utf-32-le"),
        ("<rss ", "utf-32-be"),
        (" <!-- ", "utf-32-be"),
    ],
)
def test_bomless_16_and_32_bit_encodings_are_recognised(start: str, codec: str) -> None:
    assert detect_encoding(start.encode(codec), Repairs()) == codec


@pytest.mark.parametrize("start", ["<rss ", "<?xml ", "\n<!-- ", "", "\x00"])
def test_utf8_stays_utf8(start: str) -> None:
    assert detect_encoding(start.encode("utf-8"), Repairs()) == "utf-8"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", [RSS_FIRST, NO_DECLARATION], ids=["rss-first", "comment-first"])
def test_bomless_export_without_declaration_reads_like_utf8(
    run_cli: Cli, tmp_path: Path, reference: bytes, codec: str, text: str
) -> None:
    # Was: "file.xml:1:1: the file ends before its first element: not a WXR export".
    path = write(tmp_path, "export.xml", text.encode(codec))
    run = run_cli(["extract", path, "-j", "1"])
    assert (run.exit_code, run.stderr) == (0, SUMMARY.format(name=path))
    assert run.stdout == reference


# --- --encoding: codecs an export can be read in --------------------------------------------


def _variants() -> dict[str, bytes]:
    return {
        "utf-8": TEXT.encode("utf-8"),
        "utf-8-bom": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        "utf-16-le": TEXT.encode("utf-16-le"),
        "utf-16-be": TEXT.encode("utf-16-be"),
        "utf-16-le-bom": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        "utf-16-be-bom": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        "utf-16-le-rss": RSS_FIRST.encode("utf-16-le"),
        "utf-32-le": TEXT.encode("utf-32-le"),
        "utf-32-be-rss": RSS_FIRST.encode("utf-32-be"),
        "utf-32-bom": TEXT.encode("utf-32"),
    }


VARIANTS = _variants()


@pytest.mark.parametrize(
    ("variant", "encoding"),
    [
        # Python's utf-16 and utf-32 without a BOM crashed (exit 70): the first
        # characters give the byte order.
        ("utf-16-le", "utf-16"),
        ("utf-16-be", "utf-16"),
        ("utf-16-le-rss", "utf-16"),
        ("utf-16-le-bom", "utf-16"),
        ("utf-16-be-bom", "UTF16"),
        ("utf-32-le", "utf-32"),
        ("utf-32-be-rss", "utf-32"),
        ("utf-32-bom", "utf-32"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf_16_be"),
        # A BOM that fits the codec named is a BOM, not text before "<?xml".
        ("utf-16-le-bom", "utf-16-le"),
        ("utf-16-be-bom", "utf-16-be"),
        ("utf-8-bom", "utf-8"),
        ("utf-8", "utf-8"),
    ],
)
def test_encoding_that_fits_reads_the_export(
    run_cli: Cli, tmp_path: Path, reference: bytes, variant: str, encoding: str
) -> None:
    path = write(tmp_path, f"{variant}.xml", VARIANTS[variant])
    run = run_cli(["extract", "--encoding", encoding, path, "-j", "1"])
    assert (run.exit_code, run.stderr) == (0, SUMMARY.format(name=path))
    assert run.stdout == reference


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "shift_jis", "koi8-r", "iso8859-15"])
def test_ascii_compatible_encoding_reads_a_utf8_export_as_it_says(
    run_cli: Cli, tmp_path: Path, encoding: str
) -> None:
    # Told a UTF-8 file is in another ASCII-compatible encoding, wpmigrate reads it so:
    # the records are those of the text that encoding makes of the bytes.
    told = run_cli(["extract", "--encoding", encoding, CUSTOMER_LOVE, "-j", "1", "-q"])
    assert (told.exit_code, told.stderr) == (0, "")
    decoded = TEXT.encode("utf-8").decode(encoding, "replace")
    converted = write(tmp_path, "converted.xml", decoded.encode("utf-8"))
    assert told.stdout == run_cli(["extract", converted, "-j", "1", "-q"]).stdout
    assert len(told.records) == 45


def _first_chars(data: bytes, codec: str) -> str:
    """The snippet "not an XML document" quotes: 20 characters of what ``codec`` made."""
    return repr(data.decode(codec, "replace")[:20])


@pytest.mark.parametrize(
    ("variant", "encoding", "decoded_as"),
    [
        ("utf-8", "utf-16", "utf-16-le"),  # no BOM, no byte pattern: little-endian
        ("utf-8", "utf-16-be", "utf-16-be"),
        ("utf-16-le", "utf-16-be", "utf-16-be"),
        ("utf-16-be", "utf-16-le", "utf-16-le"),
        ("utf-8", "cp037", "cp037"),  # EBCDIC
    ],
)
def test_encoding_that_does_not_fit_is_a_data_error(
    run_cli: Cli, tmp_path: Path, variant: str, encoding: str, decoded_as: str
) -> None:
    data = VARIANTS[variant]
    path = write(tmp_path, "export.xml", data)
    line = error_line(run_cli(["extract", "--encoding", encoding, path, "-j", "1"]), 4)
    snippet = _first_chars(data[:160], decoded_as)
    assert line == f"Error: {path}:1:1: not an XML document (it starts with {snippet})"


@pytest.mark.parametrize(
    ("variant", "encoding"),
    [
        ("utf-16-le", "utf-8"),
        ("utf-16-le", "cp1252"),
        ("utf-32-le", "utf-16"),
    ],
)
def test_encoding_that_leaves_nul_characters_is_a_data_error(
    run_cli: Cli, tmp_path: Path, variant: str, encoding: str
) -> None:
    path = write(tmp_path, "export.xml", VARIANTS[variant])
    line = error_line(run_cli(["extract", "--encoding", encoding, path, "-j", "1"]), 4)
    assert line == (f"Error: {path}:1:1: the file ends before its first element: not a WXR export")


# --- --encoding: names that are no codec to read an export in ---------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nonsense", "unknown encoding 'nonsense' (not a text encoding Python knows)"),
        ("utf-99", "unknown encoding 'utf-99' (not a text encoding Python knows)"),
        ("", "unknown encoding '' (not a text encoding Python knows)"),
        ("utf-8\x00", "unknown encoding 'utf-8\\x00' (not a text encoding Python knows)"),
        ("utf-7", "'utf-7' is not an encoding an XML export can be written in"),
        ("rot13", "'rot13' is not an encoding an XML export can be written in"),
        ("base64", "'base64' is not an encoding an XML export can be written in"),
        ("idna", "'idna' is not an encoding an XML export can be written in"),
        ("unicode_escape", "'unicode_escape' is not an encoding an XML export can be written in"),
        ("zlib", "'zlib' is not an encoding an XML export can be written in"),
    ],
)
@pytest.mark.parametrize("command", ["extract", "thread", "stats"])
def test_unusable_encoding_is_a_usage_error_naming_the_option(
    run_cli: Cli, name: str, message: str, command: str
) -> None:
    run = run_cli([command, "--encoding", name, CUSTOMER_LOVE])
    assert run.exit_code == 2
    assert run.stdout == b""
    assert run.stderr.splitlines()[-1] == f"Error: Invalid value for '--encoding': {message}"


def test_encoding_through_a_subprocess_never_exits_70(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, "export.xml", VARIANTS["utf-16-le"])
    codes = {}
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "rot13", "bogus"):
        done = subprocess.run(
            [sys.executable, "-m", "wpmigrate", "extract", "-q", "--encoding", encoding, path],
            capture_output=True,
            check=False,
        )
        codes[encoding] = done.returncode
    assert codes == {
        "utf-16": 0,
        "utf-16-le": 0,
        "utf-16-be": 4,
        "utf-32": 4,
        "cp1252": 4,
        "rot13": 2,
        "bogus": 2,
    }


# --- every codec Python has -----------------------------------------------------------------------


def _all_codec_names() -> list[str]:
    names = set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
    names |= {module.name for module in pkgutil.iter_modules(encodings.__path__)}
    return sorted(names)


def test_forced_encoding_picks_the_byte_order_and_reads_a_fitting_bom() -> None:
    assert forced_encoding("utf-16", "<rss".encode("utf-16-be")) == "utf-16-be"
    assert forced_encoding("utf-16", "<rss".encode("utf-16-le")) == "utf-16-le"
    assert forced_encoding("utf-16", b"<?xm") == "utf-16-le"
    assert forced_encoding("utf-16", codecs.BOM_UTF16_BE + b"\x00<") == "utf-16"
    assert forced_encoding("utf-32", "<rss".encode("utf-32-be")) == "utf-32-be"
    assert forced_encoding("utf-16-le", codecs.BOM_UTF16_LE + b"<\x00") == "utf-16"
    assert forced_encoding("utf-16-le", codecs.BOM_UTF16_BE + b"\x00<") == "utf-16-le"
    assert forced_encoding("utf-8", codecs.BOM_UTF8 + b"<rss") == "utf-8-sig"
    assert forced_encoding("cp1252", codecs.BOM_UTF8 + b"<rss") == "cp1252"


def test_every_codec_python_has_reads_or_fails_cleanly() -> None:
    """Each name either is refused (usable_codec) or reads any bytes to records or a
    WpmigrateError: UTF-8, UTF-16, random bytes, an odd length, fed whole or in pieces."""
    data = TEXT.encode("utf-8")[:6000]
    noise = bytes(random.Random(7).randrange(256) for _ in range(2000))
    documents = [
        data,
        TEXT[:4000].encode("utf-16-le"),
        TEXT[:4000].encode("utf-16-le")[:-1],
        data[:300] + noise + data[300:],
        noise,
        b"",
    ]
    usable = sorted({codec for name in _all_codec_names() if (codec := usable_codec(name))})
    assert {"utf-8", "utf-16", "utf-32", "cp1252", "shift_jis", "utf-16-le"} <= set(usable)
    for codec in usable:
        for document in documents:
            for piece in (0, 7):
                chunks = (
                    [document[i : i + piece] for i in range(0, len(document), piece)]
                    if piece
                    else [document]
                )
                with contextlib.suppress(WpmigrateError):
                    list(ExportReader(encoding=codec).posts_from(chunks, "x.xml"))
