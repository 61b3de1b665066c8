"""The bad-input suite (issue 6): exports from strangers, one fixture per case.

wpmigrate is run on files nobody checked, by people who publish the result. For
every case: the exact behaviour (one ``Error:`` line and its exit code, or a
repair and its count, and what is written), and never a traceback, a hang, a
local file read, a connection, a file outside the output folder, a half-written
file, or a comment quietly lost.

The fixtures are in ``fixtures/hostile/`` (see ``fixtures/README.md``), written
by ``scripts/make_hostile_fixtures.py``; the large ones are generated once per
session into a temporary folder. Groups: XML attacks, structure, text, output.
"""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from conftest import FIXTURES, REPO, Run, error_line, invoke, load_script, preorder
from hypothesis import given, settings
from hypothesis import strategies as st

import wpmigrate.write.archive as archive_module
import wpmigrate.write.publish as publish_module
from wpmigrate.conversation.moderation import Policy
from wpmigrate.pipeline import ReadSession
from wpmigrate.render.jsonl import _fallback, encode
from wpmigrate.verify import verify

hostile = load_script("make_hostile_fixtures")
HOSTILE = FIXTURES / "hostile"
REFUSED = (
    "refused: a DOCTYPE declaration (WordPress never writes one; it can define entities "
    "that read local files or expand without bound)"
)
SECRET = "TOP-SECRET-5e1f0c9a"


def fixture(name: str) -> Path:
    return HOSTILE / name


def clean(run: Run) -> Run:
    """A run that succeeded without a word of error."""
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr and "Error" not in run.stderr
    return run


def files_under(folder: Path) -> list[str]:
    """Every file below ``folder`` (hidden ones too), relative, sorted."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def verified(export: Path, archive_dir: Path, **options: Any) -> list[str]:
    """``verify``'s report lines (empty: the archive holds every public comment, once)."""
    session = ReadSession([str(export)])
    session.open()
    report = verify(session.groups(), str(archive_dir), options.pop("policy", Policy()), **options)
    return report.lines()


def python_m(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "wpmigrate", *args],
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_committed_fixtures_are_what_the_script_writes() -> None:
    built = hostile.build()
    assert sorted(built) == sorted(path.name for path in HOSTILE.iterdir())
    for name, data in built.items():
        assert (HOSTILE / name).read_bytes() == data, (
            f"fixtures/hostile/{name} differs from its generator: "
            "run python scripts/make_hostile_fixtures.py"
        )


# ================================================================ XML attacks


class Listener:
    """A local TCP server that counts connections: proof that nothing reached the network
    (libxml2 would connect from C, below any Python monkeypatch)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                fd, _ = self.sock._accept()  # type: ignore[attr-defined]
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            os.close(fd)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, listener: Listener) -> Listener:
    """Python-level network access raises; the listener catches C-level access."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return listener


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


def armed(name: str, folder: Path, secret_uri: str, network_url: str) -> Path:
    """A copy of a fixture whose placeholders point at a real file and a real server."""
    data = fixture(name).read_bytes()
    utf16 = data.startswith(b"\xff\xfe")
    text = data.decode("utf-16" if utf16 else "utf-8")
    assert hostile.SECRET_URI in text or hostile.NETWORK_URL in text
    text = text.replace(hostile.SECRET_URI, secret_uri).replace(hostile.NETWORK_URL, network_url)
    path = folder / name
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le") if utf16 else text.encode())
    return path


COMMANDS = [["extract"], ["thread"], ["stats"], ["archive", "-o", "{out}"]]


def refused_by_every_command(path: Path, tmp_path: Path, expected: str) -> list[Run]:
    """Every command stops with ``expected``, writes nothing, and leaks no secret."""
    out = tmp_path / "archive"
    runs = []
    for command in COMMANDS:
        args = [part.format(out=out) for part in command]
        run = invoke([*args, path])
        assert error_line(run, 4) == f"Error: {path}:{expected}", command
        assert run.stdout == b""
        assert SECRET not in run.stderr
        runs.append(run)
    assert files_under(out) == []
    return runs


def fifo_opened(path_of: Callable[[str], Path], tmp_path: Path, args: list[str]) -> tuple[
    bool, subprocess.CompletedProcess[bytes]
]:
    """Whether ``wpmigrate ARGS FILE`` opens a FIFO the file points at.

    Opening a FIFO for reading blocks until a writer comes, so a reader that
    touches it waits; the test then sees a reader (a non-blocking open for
    writing succeeds) and lets it go on. A reader that never touches it just
    finishes. No timing is involved.
    """
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)
    path = path_of(fifo.as_uri())
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    process = subprocess.Popen(
        [sys.executable, "-m", "wpmigrate", *args, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    opened = False
    while process.poll() is None and not opened:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            assert exc.errno == errno.ENXIO  # nobody reading: the normal case
            time.sleep(0.01)
            continue
        opened = True
        os.close(fd)  # the reader sees the end of the file and goes on
    stdout, stderr = process.communicate(timeout=60)
    return opened, subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def test_external_entity_reads_no_file(tmp_path: Path, secret: Path, no_network: Listener) -> None:
    path = armed("xxe-file.xml", tmp_path, secret.as_uri(), no_network.url)
    refused_by_every_command(path, tmp_path, f"5:1: {REFUSED}")
    assert no_network.connections == 0


@needs_fifo
def test_external_entity_does_not_even_open_the_file(tmp_path: Path) -> None:
    opened, done = fifo_opened(
        lambda uri: armed("xxe-file.xml", tmp_path, uri, "http://127.0.0.1:9/"),
        tmp_path,
        ["extract"],
    )
    assert not opened
    assert done.returncode == 4 and done.stdout == b""
    assert done.stderr.decode().endswith(f":5:1: {REFUSED}\n")


def test_external_dtd_touches_no_network(
    tmp_path: Path, secret: Path, no_network: Listener
) -> None:
    path = armed("external-dtd.xml", tmp_path, secret.as_uri(), no_network.url)
    refused_by_every_command(path, tmp_path, f"5:1: {REFUSED}")
    assert no_network.connections == 0


def test_parameter_entities_read_nothing_and_send_nothing(
    tmp_path: Path, secret: Path, no_network: Listener
) -> None:
    path = armed("parameter-entities.xml", tmp_path, secret.as_uri(), no_network.url)
    refused_by_every_command(path, tmp_path, f"5:1: {REFUSED}")
    assert no_network.connections == 0


@pytest.mark.parametrize("name", ["billion-laughs.xml", "quadratic-blowup.xml"])
def test_entity_expansion_is_refused_at_once(name: str, tmp_path: Path) -> None:
    """Run as a real process with a deadline: an expansion would take minutes and gigabytes
    (the deadline is a hang detector, not a performance test)."""
    path = hostile.write_large(name, tmp_path) if name in hostile.LARGE else fixture(name)
    for args in (["extract", str(path)], ["archive", str(path), "-o", str(tmp_path / "out")]):
        done = python_m(args, timeout=10)
        assert done.returncode == 4
        assert done.stdout == b""
        assert done.stderr.decode() == f"Error: {path}:5:1: {REFUSED}\n"
    assert files_under(tmp_path / "out") == []


def test_xinclude_of_a_file_is_never_processed(
    tmp_path: Path, secret: Path, no_network: Listener
) -> None:
    path = armed("xinclude-file.xml", tmp_path, secret.as_uri(), no_network.url)
    run = clean(invoke(["extract", path]))
    [record] = run.records
    assert record["post"]["title"] == "Included"
    assert record["content_html"] == "Beforeafter"
    assert SECRET not in run.text
    out = tmp_path / "out"
    clean(invoke(["archive", path, "-o", out]))
    assert all(SECRET.encode() not in (out / name).read_bytes() for name in files_under(out))


@needs_fifo
def test_xinclude_of_a_file_does_not_even_open_it(tmp_path: Path) -> None:
    opened, done = fifo_opened(
        lambda uri: armed("xinclude-file.xml", tmp_path, uri, "http://127.0.0.1:9/"),
        tmp_path,
        ["extract"],
    )
    assert not opened
    assert done.returncode == 0
    assert json.loads(done.stdout)["content_html"] == "Beforeafter"


def test_xinclude_over_http_is_never_fetched(
    tmp_path: Path, secret: Path, no_network: Listener
) -> None:
    path = armed("xinclude-http.xml", tmp_path, secret.as_uri(), no_network.url)
    run = clean(invoke(["thread", path]))
    [record] = run.records
    assert record["post"]["title"] == "Included"
    assert [node["content_html"] for node in record["comments"]] == ["Beforeafter"]
    assert no_network.connections == 0


def test_a_doctype_hidden_in_utf16_is_refused_too(
    tmp_path: Path, secret: Path, no_network: Listener
) -> None:
    path = armed("xxe-utf16.xml", tmp_path, secret.as_uri(), no_network.url)
    refused_by_every_command(path, tmp_path, f"5:1: {REFUSED}")


_BYPASS = """
import json, sys
import wpmigrate.parse.wxr as wxr
from wpmigrate.errors import DataError
wxr.normalise = lambda chunks, *args, **kwargs: iter(chunks)  # no DOCTYPE check
try:
    posts = list(wxr.WxrReader("x.xml").posts([open(sys.argv[1], "rb").read()]))
    print(json.dumps([c.content_html for p in posts for c in p.comments]))
except DataError as exc:
    print(json.dumps({"error": str(exc)}))
"""


def bypass(path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", _BYPASS, str(path)], capture_output=True, timeout=10, check=False
    )


@pytest.mark.parametrize("name", ["billion-laughs.xml", "quadratic-blowup.xml"])
def test_the_parser_itself_does_not_expand_entities(name: str, tmp_path: Path) -> None:
    """Defence in depth: with the DOCTYPE check bypassed, the parser still refuses or
    leaves the references alone; it never expands them (deadline: a hang detector)."""
    path = hostile.write_large(name, tmp_path) if name in hostile.LARGE else fixture(name)
    done = bypass(path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    if isinstance(result, dict):
        assert result["error"].startswith("x.xml:")
        assert "malformed XML" in result["error"]
    else:
        assert all(len(content) < 1000 for content in result)


def test_the_parser_itself_connects_nowhere(tmp_path: Path, listener: Listener) -> None:
    path = armed("external-dtd.xml", tmp_path, "file:///nonexistent", listener.url)
    done = bypass(path)
    assert done.returncode == 0, done.stderr
    assert listener.connections == 0


@needs_fifo
def test_the_parser_itself_opens_no_external_parameter_entity(tmp_path: Path) -> None:
    fifo = tmp_path / "entity.fifo"
    os.mkfifo(fifo)
    data = fixture("parameter-entities.xml").read_text(encoding="utf-8")
    path = tmp_path / "pe.xml"
    path.write_text(
        data.replace(hostile.SECRET_URI, fifo.as_uri()).replace(
            f"{hostile.NETWORK_URL}exfiltrate.dtd", fifo.as_uri()
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-c", _BYPASS, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    opened = False
    while process.poll() is None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.01)
            continue
        opened = True
        os.close(fd)
    process.communicate(timeout=60)
    assert not opened


# ================================================================ structure


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("empty.xml", "empty file: no XML in it"),
        ("bom-only.xml", "empty file: no XML in it"),
        ("html-login-page.xml", "1:1: not a WXR export: this is an HTML page"),
        (
            "rss-feed.xml",
            "5: not a WXR export: an RSS feed without WordPress export data "
            "(no wordpress.org/export namespace); export from Tools > Export",
        ),
    ],
    ids=["empty file", "only a BOM", "HTML instead of XML", "RSS that is not WXR"],
)
def test_not_an_export(name: str, expected: str, tmp_path: Path) -> None:
    path = fixture(name)
    where = f"{path}: {expected}" if expected[0].isalpha() else f"{path}:{expected}"
    for command in COMMANDS:
        out = tmp_path / "archive"
        args = [part.format(out=out) for part in command]
        run = invoke([*args, path])
        assert error_line(run, 4) == f"Error: {where}", command
        assert run.stdout == b""
        assert files_under(out) == []


TRUNCATED = (
    "89:47: malformed XML: the export is truncated: it ends inside an item; "
    "1 post was read before the cut"
)


def test_truncated_mid_comment(tmp_path: Path) -> None:
    """What was read before the cut is written by extract and thread (never a half-read
    comment), then exit 4; archive writes nothing, as half an archive looks complete."""
    path = fixture("truncated-mid-comment.xml")
    extract = invoke(["extract", path])
    assert error_line(extract, 4) == f"Error: {path}:{TRUNCATED}"
    assert [(r["post_id"], r["id"]) for r in extract.records] == [(20, 200), (20, 201)]
    thread = invoke(["thread", path])
    assert error_line(thread, 4) == f"Error: {path}:{TRUNCATED}"
    assert [(t["post"]["id"], [n["id"] for n in t["comments"]]) for t in thread.records] == [
        (20, [200, 201])
    ]
    out = tmp_path / "out"
    archive = invoke(["archive", path, "-o", out])
    assert error_line(archive, 4) == f"Error: {path}:{TRUNCATED}"
    assert files_under(out) == []


def test_truncated_right_after_a_cdata_start_says_what_is_wrong(tmp_path: Path) -> None:
    data = fixture("truncated-mid-comment.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: data.index(b"This one never") + 1])
    line = error_line(invoke(["extract", path]), 4)
    assert line.endswith(
        "malformed XML: the export is truncated: it ends inside an item; "
        "1 post was read before the cut"
    )


def test_a_second_channel_is_read_and_counted() -> None:
    path = fixture("two-channels.xml")
    run = clean(invoke(["extract", path]))
    assert [(r["post_id"], r["id"]) for r in run.records] == [(22, 220), (23, 230)]
    assert run.stderr == (
        f"wpmigrate: read 2 posts, 2 comments (approved 2; comment 2) from {path}; "
        "repaired: 1 extra <channel> elements read as part of the export\n"
    )


def test_items_and_comments_without_ids_get_negative_ids(tmp_path: Path) -> None:
    path = fixture("items-without-ids.xml")
    run = clean(invoke(["extract", path]))
    assert [(r["post_id"], r["id"], r["content_html"]) for r in run.records] == [
        (-1, -2, "No comment id."),
        (25, 250, "Fine."),
        (-3, -4, "No id either."),
    ]
    assert run.stderr == (
        f"wpmigrate: read 3 posts, 3 comments (approved 3; comment 3) from {path}; "
        "repaired: 2 items without a numeric post id given a negative id; "
        "2 comments without a numeric id given a negative id; "
        "1 items without a post id identified by their ?p= link\n"
    )
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out, "--format", "json"]))
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [(p["post_id"], p["file"]) for p in index["posts"]] == [
        (-1, "empty-id.json"),
        (25, "link-only.json"),
        (-3, "a-word.json"),
    ]
    assert verified(path, out) == []


def test_comment_ids_that_are_not_numbers_or_shared(tmp_path: Path) -> None:
    path = fixture("bad-comment-ids.xml")
    run = clean(invoke(["extract", path]))
    assert [(r["id"], r["parent_id"], r["content_html"]) for r in run.records] == [
        (260, 0, "The real 260."),
        (-5, 0, "Another comment claiming 260."),
        (261, 260, "Reply to 260."),
        (-1, 0, "Id abc."),
        (-2, 0, "Id 12a."),
        (-3, 0, "Id 5.0."),
        (-4, 0, "Id -7."),
    ]
    assert run.stderr.endswith(
        "; repaired: 4 comments without a numeric id given a negative id; "
        "1 duplicate comments skipped; "
        "1 comments sharing an id with a different comment given a negative id\n"
    )
    [thread] = clean(invoke(["thread", path])).records
    assert [(n["id"], [r["id"] for r in n["replies"]]) for n in thread["comments"]] == [
        (-5, []), (-4, []), (-3, []), (-2, []), (-1, []), (260, [261])
    ]  # fmt: skip
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out]))
    assert verified(path, out) == []


def test_a_parent_that_points_to_itself(tmp_path: Path) -> None:
    path = fixture("self-parent.xml")
    records = clean(invoke(["extract", path])).records
    assert [(r["id"], r["parent_id"]) for r in records] == [
        (270, 270), (271, 270), (272, 273), (273, 272)
    ]  # fmt: skip
    [thread] = clean(invoke(["thread", path])).records

    def shape(forest: list[dict[str, Any]]) -> list[Any]:
        return [(n["id"], n["depth"], n.get("cycle", False), shape(n["replies"])) for n in forest]

    assert shape(thread["comments"]) == [
        (270, 0, True, [(271, 1, False, [])]),
        (272, 0, True, [(273, 1, False, [])]),
    ]
    assert thread["stats"]["cycles"] == 2 and thread["stats"]["kept"] == 4
    for fmt in ("markdown", "json"):
        out = tmp_path / fmt
        clean(invoke(["archive", "-q", path, "-o", out, "--format", fmt]))
        assert verified(path, out) == []


# ---------------------------------------------------------------- the large ones


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``large(name)``: the generated case, written once per session."""
    folder = tmp_path_factory.mktemp("hostile-large")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            made[name] = hostile.write_large(name, folder)
        return made[name]

    return get


def jsonl_file(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for line in handle:
            yield json.loads(line)


def test_deep_chain_extract(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("deep-chain.xml")
    out = tmp_path / "chain.jsonl"
    clean(invoke(["extract", "-q", path, "-o", out]))
    assert [(r["id"], r["parent_id"]) for r in jsonl_file(out)] == [
        (n, n - 1) for n in range(1, 10_001)
    ]


def test_deep_chain_thread(large: Callable[[str], Path], tmp_path: Path) -> None:
    """Regression: a thread nested more than 126 levels made the JSON encoder give up
    (orjson's limit), so `thread` failed with exit 70 on any long argument."""
    path = large("deep-chain.xml")
    out = tmp_path / "chain.jsonl"
    clean(invoke(["thread", "-q", path, "-o", out]))
    [record] = jsonl_file(out)
    nodes = list(preorder(record["comments"]))
    assert [n["id"] for n in nodes] == list(range(1, 10_001))
    assert [n["depth"] for n in nodes] == [*range(128), *[128] * (10_000 - 128)]
    assert record["stats"]["max_depth"] == 128 and record["stats"]["kept"] == 10_000
    piped = invoke(["archive", "-q", "-o", tmp_path / "piped"], stdin=out.read_bytes())
    assert piped.exit_code == 0, piped.stderr
    assert files_under(tmp_path / "piped") == ["index.json", "index.md", "long-argument.md"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values, pretty=st.booleans())
def test_the_deep_fallback_writes_what_orjson_writes(value: Any, pretty: bool) -> None:
    """The encoder used for what orjson refuses (deep trees, huge ints, lone surrogates)
    writes the very bytes orjson would for everything orjson accepts."""
    expected = orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)
    assert b"".join(_fallback(value, pretty)) == expected


def test_what_orjson_refuses_is_still_written() -> None:
    deep: dict[str, Any] = {"id": 0, "replies": []}
    node = deep
    for number in range(1, 300):
        node["replies"].append({"id": number, "replies": []})
        node = node["replies"][0]
    assert json.loads(encode(deep)) == deep
    assert encode({"id": 2**70, "text": "a\ud800b"}) == (
        b'{"id":1180591620717411303424,"text":"a\\ud800b"}'
    )


def test_deep_chain_archive_and_verify(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("deep-chain.xml")
    out = tmp_path / "out"
    run = clean(invoke(["archive", path, "-o", out]))
    assert run.stderr.endswith(f"10000 read = 10000 kept + 0 dropped; wrote 3 files to {out}\n")
    page = (out / "long-argument.md").read_text(encoding="utf-8")
    assert page.count('<a id="comment-') == 10_000
    assert "\n" + "> " * 10 + '<a id="comment-11">' in page  # nested ten deep, then flat
    assert "\n" + "> " * 10 + '<a id="comment-10000">' in page
    assert verified(path, out) == []


def test_big_comment_extract_and_thread(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("big-comment.xml")
    out = tmp_path / "big.jsonl"
    clean(invoke(["extract", "-q", path, "-o", out]))
    records = list(jsonl_file(out))
    assert [(r["id"], r["parent_id"]) for r in records] == [(320, 0), (321, 320)]
    content = records[0]["content_html"]
    block = (hostile.BIG_LINE[:-1] + b"\n") * 15 + hostile.BIG_LINE[:-1] + b"\n\n"
    assert content == (block * ((50 << 20) // len(block))).decode().strip()
    del records, content
    clean(invoke(["thread", "-q", path, "-o", out, "--force"]))
    [record] = jsonl_file(out)
    assert [(n["id"], [r["id"] for r in n["replies"]]) for n in record["comments"]] == [
        (320, [321])
    ]


def test_big_comment_archive_and_verify(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("big-comment.xml")
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out, "--format", "json"]))
    assert files_under(out) == ["index.json", "one-long-comment.json"]
    assert (out / "one-long-comment.json").stat().st_size > 50 << 20
    assert verified(path, out) == []


def test_many_comments_extract(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("many-comments.xml")
    out = tmp_path / "many.jsonl"
    run = clean(invoke(["extract", path, "-o", out]))
    assert run.stderr == (
        f"wpmigrate: read 1 post, 100000 comments (approved 100000; comment 100000) from {path}\n"
    )
    ids = [record["id"] for record in jsonl_file(out)]
    assert ids == list(range(1, 100_001))


def test_many_comments_thread(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("many-comments.xml")
    out = tmp_path / "many.jsonl"
    clean(invoke(["thread", "-q", path, "-o", out]))
    [record] = jsonl_file(out)
    assert [node["id"] for node in record["comments"]] == list(range(1, 100_001))
    assert record["stats"]["threads"] == 100_000 and record["stats"]["max_depth"] == 0


def test_many_comments_archive_and_verify(large: Callable[[str], Path], tmp_path: Path) -> None:
    path = large("many-comments.xml")
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out, "--format", "json"]))
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["comment_count"] == 100_000
    assert verified(path, out) == []


# ================================================================ text


def only(run: Run) -> dict[str, Any]:
    [record] = run.records
    return record


def test_utf8_bom() -> None:
    path = fixture("utf8-bom.xml")
    run = clean(invoke(["extract", path]))
    record = only(run)
    assert (record["post"]["title"], record["content_html"]) == ("Café", "Déjà vu ☃.")
    assert "repaired" not in run.stderr


def test_utf16_file(tmp_path: Path) -> None:
    path = fixture("utf16be-bom.xml")
    run = clean(invoke(["extract", path]))
    record = only(run)
    assert (record["post"]["title"], record["content_html"]) == ("Grüße", "Köln 😀.")
    assert "repaired" not in run.stderr
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out]))
    assert "Köln 😀." in (out / "grusse.md").read_text(encoding="utf-8")


def test_latin1_export_that_declares_utf8() -> None:
    path = fixture("latin1-as-utf8.xml")
    run = clean(invoke(["extract", path]))
    assert only(run)["content_html"] == "Caf\ufffd, cr\ufffdme, \ufffd la carte."
    assert run.stderr.endswith(
        "; repaired: 3 byte sequences invalid in the file's encoding replaced with U+FFFD\n"
    )
    told = clean(invoke(["extract", "--encoding", "latin-1", path]))
    assert only(told)["content_html"] == "Café, crème, à la carte."
    assert "repaired" not in told.stderr


def test_double_encoded_utf8_is_kept_as_written(tmp_path: Path) -> None:
    """Decision: mojibake is valid UTF-8 and could be what someone typed ("Ã©" is a real
    word in no language, but "Â£" quoted in a comment about encodings is real text), so
    wpmigrate never rewrites it; the README says how to fix it before or after."""
    path = fixture("double-encoded-utf8.xml")
    run = clean(invoke(["extract", path]))
    record = only(run)
    assert record["post"]["title"] == "CafÃ©"
    assert record["content_html"] == "CrÃ¨me brÃ»lÃ©e â€“ sâ€™il vous plaÃ®t."
    assert "repaired" not in run.stderr
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out]))
    assert "CrÃ¨me brÃ»lÃ©e â€“ sâ€™il vous plaÃ®t." in (out / "cafe-twice.md").read_text("utf-8")


def test_lone_surrogates_as_character_references(tmp_path: Path) -> None:
    path = fixture("surrogate-refs.xml")
    run = clean(invoke(["extract", path]))
    records = run.records
    assert records[0]["post"]["title"] == "Half\ufffdmoon \ufffd \ufffd"
    assert records[0]["content_html"] == "In CDATA &#xD800; is text."
    assert run.stderr.endswith(
        "; repaired: 3 character references to forbidden characters replaced\n"
    )
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out, "--format", "json"]))
    published = json.loads((out / "halfmoon.json").read_text(encoding="utf-8"))
    assert published["comments"][0]["content_html"] == "<p>In CDATA \ufffd is text.</p>"


def surrogate_line() -> bytes:
    record = clean(invoke(["extract", fixture("surrogate-refs.xml")])).records[1]
    line = json.dumps(record).replace('"Fine."', '"Fine \\ud800 then \\udfff."')
    assert "\\ud800" in line
    return line.encode() + b"\n"


@pytest.mark.parametrize("command", [["extract"], ["thread"], ["extract", "--posts"]])
def test_lone_surrogates_in_json_input(command: list[str]) -> None:
    """Regression: ``"\\ud800"`` is valid JSON but no character; a JSON Lines input holding
    one stopped extract and thread as an internal error (exit 70). It reads as U+FFFD."""
    run = invoke([*command, "-q"], stdin=surrogate_line())
    assert run.exit_code == 0 and run.stderr == ""
    assert "Fine \ufffd then \ufffd." in run.text


def test_lone_surrogates_in_json_input_are_counted() -> None:
    run = invoke(["extract"], stdin=surrogate_line())
    assert run.stderr.endswith(
        "; repaired: 2 character references to forbidden characters replaced\n"
    )


def test_nul_bytes() -> None:
    path = fixture("nul-bytes.xml")
    run = clean(invoke(["extract", path]))
    record = only(run)
    assert (record["post"]["title"], record["content_html"]) == ("Nullbyte", "ABC")
    assert run.stderr.endswith(
        "; repaired: 2 characters forbidden in XML (control bytes) removed; "
        "1 character references to forbidden characters replaced\n"
    )


def test_every_c0_control(tmp_path: Path) -> None:
    path = fixture("c0-controls.xml")
    run = clean(invoke(["extract", path]))
    record = only(run)
    assert record["post"]["title"] == "Control"
    assert record["content_html"] == "[]\t\nend"
    assert run.stderr.endswith(
        "; repaired: 29 characters forbidden in XML (control bytes) removed; "
        "29 character references to forbidden characters replaced\n"
    )
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", path, "-o", out]))
    text = (out / "control.md").read_bytes()
    assert not any(byte < 0x20 and byte not in b"\t\n" for byte in text)


# ================================================================ output


def names(export: Path, tmp_path: Path, *options: str) -> list[str]:
    """The files ``archive`` writes for ``export``; nothing may appear outside the folder."""
    tmp_path.mkdir()
    before = sorted(os.listdir(tmp_path))
    out = tmp_path / "out"
    clean(invoke(["archive", "-q", export, "-o", out, *options]))
    assert sorted(os.listdir(tmp_path)) == sorted([*before, "out"])
    found = files_under(out)
    for name in found:
        assert (out / name).resolve().is_relative_to(out.resolve())
    assert verified(export, out) == []
    return found


@pytest.mark.parametrize(
    ("name", "markdown", "dated_json"),
    [
        (
            "slug-traversal.xml",
            ["etc-passwd.md", "tmp-evil.md", "traversal-1.md", "windows-evil.md"],
            ["etc-passwd.json", "tmp-evil.json", "traversal-1.json", "windows-evil.json"],
        ),
        (
            "absolute-paths.xml",
            ["c-windows-system32-evil-dll.md", "etc-cron-d-evil.md", "server-share-evil.md",
             "ssh-authorized-keys.md"],
            ["c-windows-system32-evil-dll.json", "etc-cron-d-evil.json", "server-share-evil.json",
             "ssh-authorized-keys.json"],
        ),
        (
            "windows-reserved.xml",
            ["aux-62.md", "com1-63.md", "con-60.md", "lpt9-64.md", "nul-61.md", "prn-65.md"],
            ["aux-62.json", "com1-63.json", "con-60.json", "lpt9-64.json", "nul-61.json",
             "prn-65.json"],
        ),
        (
            "same-slug.xml",
            ["hello-71.md", "hello-72.md", "hello.md"],
            ["hello-71.json", "hello-72.json", "hello.json"],
        ),
    ],
    ids=["slugs with ../", "absolute paths", "Windows reserved names", "two posts, one slug"],
)
def test_file_names_stay_inside_and_unique(
    name: str, markdown: list[str], dated_json: list[str], tmp_path: Path
) -> None:
    export = fixture(name)
    assert names(export, tmp_path / "flat") == sorted([*markdown, "index.json", "index.md"])
    dated = names(export, tmp_path / "dated", "--layout", "dated", "--format", "json")
    assert dated == sorted([*(f"2024/03/{n}" for n in dated_json), "index.json"])


def test_a_very_long_title(tmp_path: Path) -> None:
    export = fixture("long-title.xml")
    stem = "word0-word1-word2-word3-word4-word5-word6-word7-word8-word9-word10-word11-word12"
    assert len(stem) <= 80
    assert names(export, tmp_path / "md") == ["index.json", "index.md", f"{stem}.md"]
    assert names(export, tmp_path / "json", "--format", "json") == ["index.json", f"{stem}.json"]
    published = json.loads((tmp_path / "json" / "out" / f"{stem}.json").read_text("utf-8"))
    assert published["post"]["title"] == hostile.LONG_TITLE
    page = (tmp_path / "md" / "out" / f"{stem}.md").read_text("utf-8")
    assert f'title: "{hostile.LONG_TITLE}"\n' in page


WRITERS = {
    "extract -o": (["extract", "-o", "{target}"], "{target}"),
    "thread -o": (["thread", "-o", "{target}"], "{target}"),
    "thread --rejects": (["thread", "--rejects", "{target}"], "{target}"),
    "archive --rejects": (["archive", "-o", "{folder}/arch", "--rejects", "{target}"], "{target}"),
}


def writer_args(name: str, folder: Path, target: Path) -> tuple[list[str], str]:
    args, shown = WRITERS[name]
    return [a.format(target=target, folder=folder) for a in args], shown.format(target=target)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_existing_output_file_is_never_replaced(writer: str, tmp_path: Path) -> None:
    target = tmp_path / "precious.jsonl"
    target.write_bytes(b"precious\n")
    args, shown = writer_args(writer, tmp_path, target)
    run = invoke([*args, fixture("same-slug.xml")])
    assert error_line(run, 5) == f"Error: {shown}: already exists (use --force to replace it)"
    assert run.stdout == b""
    assert target.read_bytes() == b"precious\n"
    assert files_under(tmp_path) == ["precious.jsonl"]


def test_existing_archive_files_are_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "hello.md").write_bytes(b"mine\n")
    run = invoke(["archive", fixture("same-slug.xml"), "-o", out])
    assert error_line(run, 5) == (
        f"Error: {out / 'hello.md'}: already exists; use --force to replace"
    )
    assert files_under(out) == ["hello.md"] and (out / "hello.md").read_bytes() == b"mine\n"


class _Module:
    """A stand-in for a module inside one wpmigrate module: everything is the real one's,
    except the attributes given."""

    def __init__(self, real: ModuleType, **overrides: Any) -> None:
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _refuse(*args: object, **kwargs: object) -> Any:
    raise PermissionError(errno.EACCES, "Permission denied")


@pytest.mark.parametrize("writer", ["extract -o", "thread --rejects"])
def test_an_unwritable_output_folder(
    writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated: these tests may run as root, who can write anywhere."""
    import tempfile

    monkeypatch.setattr(publish_module, "tempfile", _Module(tempfile, mkstemp=_refuse))
    target = tmp_path / "out.jsonl"
    args, shown = writer_args(writer, tmp_path, target)
    run = invoke([*args, fixture("same-slug.xml")])
    assert error_line(run, 5) == f"Error: {shown}: cannot create: Permission denied"
    assert run.stdout == b""
    assert files_under(tmp_path) == []


def test_an_unwritable_archive_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(publish_module, "tempfile", _Module(tempfile, mkdtemp=_refuse))
    out = tmp_path / "out"
    run = invoke(["archive", fixture("same-slug.xml"), "-o", out])
    assert error_line(run, 5) == f"Error: {out}: cannot write: Permission denied"
    assert files_under(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
@pytest.mark.parametrize("writer", ["extract -o", "thread --rejects"])
def test_a_read_only_output_folder(writer: str, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    args, shown = writer_args(writer, folder, folder / "out.jsonl")
    run = invoke([*args, fixture("same-slug.xml")])
    assert error_line(run, 5) == f"Error: {shown}: cannot create: Permission denied"
    assert files_under(folder) == []


class _FullDisk(io.RawIOBase):
    """A file on a full disk: every write fails with ENOSPC."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


@pytest.mark.parametrize("writer", ["extract -o", "thread --rejects", "thread -o"])
def test_a_full_disk(writer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression for thread --rejects: the rejects are few, so they sat in the file's buffer
    until it was closed, and the second failure (at close) turned exit 5 into exit 70."""

    def fdopen(fd: int, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedWriter:
        return io.BufferedWriter(_FullDisk(fd))

    monkeypatch.setattr(publish_module, "os", _Module(os, fdopen=fdopen))
    target = tmp_path / "out.jsonl"
    args, shown = writer_args(writer, tmp_path, target)
    run = invoke([*args, FIXTURES / "customer-love.xml"])  # 7 comments to reject
    assert error_line(run, 5) == f"Error: {shown}: cannot write: No space left on device"
    assert files_under(tmp_path) == []  # neither the file nor its temporary file


def test_a_full_disk_under_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_open(path: str, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 (closed by the caller)
        assert "w" in mode or "x" in mode

        class Full:
            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                handle.close()

            def write(self, data: bytes) -> int:
                handle.write(data[: len(data) // 2])  # half of it made it to the disk
                handle.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()

    monkeypatch.setattr(archive_module, "open", full_open, raising=False)
    out = tmp_path / "out"
    run = invoke(["archive", fixture("same-slug.xml"), "-o", out])
    # Which file meets the full disk first (a post's, or the index) is a detail of
    # the writing order; what matters is the clean error and that nothing is left.
    line = error_line(run, 5)
    assert line in (
        f"Error: {out / 'hello.md'}: cannot write: No space left on device",
        f"Error: {out / 'index.json'}: cannot write: No space left on device",
    )
    assert files_under(tmp_path) == []
    assert not out.exists()  # a new folder appears only complete; no staging left either


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_behind_stdout() -> None:
    """Regression: a write error on stdout was an internal error (exit 70)."""
    for command in (["extract"], ["thread"]):
        with open("/dev/full", "wb") as full:
            done = subprocess.run(
                [sys.executable, "-m", "wpmigrate", *command, str(fixture("same-slug.xml"))],
                stdout=full,
                stderr=subprocess.PIPE,
                cwd=REPO,
                timeout=60,
                check=False,
            )
        assert done.returncode == 5, done.stderr
        assert done.stderr.decode() == "Error: <stdout>: cannot write: No space left on device\n"
