"""Reading on several cores gives exactly what a serial read gives."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wpmigrate.cli import cli
from wpmigrate.errors import WpmigrateError
from wpmigrate.parallel import _item_start, plan_ranges
from wpmigrate.pipeline import ReadSession

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT / "benchmarks"))
import wxrgen  # noqa: E402


def read(paths: list[Path], jobs: int) -> tuple[list[Any], dict[str, int], str | None, str]:
    session = ReadSession([str(p) for p in paths], jobs=jobs, min_split=1)
    groups: list[Any] = []
    error = None
    try:
        for summary, records in session.groups():
            groups.append((summary, records))
    except WpmigrateError as exc:
        error = str(exc)
    return groups, dict(+session.reader.repairs), error, session.tally.line()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "export.xml"
    with open(path, "wb") as out:
        wxrgen.write_wxr(wxrgen.GenConfig(seed=11, target_bytes=400_000), out)
    return path


def test_cut_points_are_item_starts_outside_cdata(generated: Path) -> None:
    data = generated.read_bytes()
    ranges = plan_ranges(str(generated), 5, min_bytes=1)
    assert 3 <= len(ranges) <= 5  # a big item can swallow a target
    assert ranges[0][0] == 0 and ranges[-1][1] == -1
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start
        assert data[start : start + 5] == b"<item"
        before = data[:start]
        assert before.rfind(b"]]>") > before.rfind(b"<![CDATA[")


def test_an_item_tag_inside_cdata_is_not_a_cut_point() -> None:
    window = b"<wp:comment_content><![CDATA[see <item> here]]></wp:comment_content>\n<item>"
    assert _item_start(window) == window.rindex(b"<item>")
    assert _item_start(b"<![CDATA[ <item> ") == -1


@pytest.mark.parametrize("jobs", [2, 3, 7])
def test_generated_export_reads_the_same_on_several_cores(generated: Path, jobs: int) -> None:
    assert read([generated], jobs) == read([generated], 1)


@pytest.mark.parametrize(
    "name",
    [
        "customer-love.xml",
        "quirks/control-chars.xml",
        "quirks/entities.xml",
        "quirks/truncated.xml",
        "quirks/statuses-types.xml",
        "quirks/duplicates.xml",
        "quirks/stray-comments.xml",
        "quirks/old-inline-scripts.xml",
    ],
)
def test_fixtures_read_the_same_on_several_cores(name: str) -> None:
    path = FIXTURES / name
    assert read([path], 4) == read([path], 1)


def test_several_files_read_the_same_on_several_cores() -> None:
    parts = sorted((FIXTURES / "quirks" / "duplicates-split").glob("*.xml"))
    files = [FIXTURES / "customer-love.xml", *parts, FIXTURES / "quirks" / "duplicates.xml"]
    assert read(files, 3) == read(files, 1)


_BASE = (FIXTURES / "customer-love.xml").read_bytes()
_DAMAGE = [b"\x01", b"&laquo;", b"&", b"<item>", b"]]>", b"<![CDATA[", b"</item>", b"<item>x"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.integers(0, len(_BASE)), st.sampled_from(_DAMAGE)), max_size=3))
def test_damaged_exports_read_the_same_on_several_cores(
    tmp_path: Path, damage: list[tuple[int, bytes]]
) -> None:
    data = bytearray(_BASE)
    for position, piece in sorted(damage, reverse=True):
        data[position:position] = piece
    path = tmp_path / "damaged.xml"
    path.write_bytes(bytes(data))
    assert read([path], 3) == read([path], 1)


def test_cli_output_is_identical_with_and_without_jobs(generated: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    rejects = [["thread", "--rejects", str(tmp_path / f"rejects-{jobs}.jsonl")] for jobs in (1, 2)]
    for command in (
        ["extract"],
        ["extract", "--posts", "--redact"],
        ["thread"],
        ["stats", "--json"],
        ["thread", "--format", "json", "--pretty", "--redact", "--all-posts"],
    ):
        # two exports: each goes to a worker, which stages its posts there
        inputs = [str(generated), str(FIXTURES / "customer-love.xml")]
        serial = runner.invoke(cli, [*command, *inputs, "-q", "-j", "1"])
        parallel = runner.invoke(cli, [*command, *inputs, "-q", "-j", "2"])
        assert serial.exit_code == parallel.exit_code == 0
        assert parallel.stdout == serial.stdout
        assert parallel.stderr == serial.stderr
    for jobs, command in zip((1, 2), rejects, strict=True):
        inputs = [str(generated), str(FIXTURES / "customer-love.xml")]
        assert runner.invoke(cli, [*command, *inputs, "-q", "-j", str(jobs)]).exit_code == 0
    assert (tmp_path / "rejects-1.jsonl").read_bytes() == (
        tmp_path / "rejects-2.jsonl"
    ).read_bytes()
    assert (tmp_path / "rejects-1.jsonl").stat().st_size > 1000


def test_a_failed_range_is_read_again_serially(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wpmigrate import parallel

    real = parallel.run_unit
    calls: list[int] = []

    def flaky(
        unit: parallel.Unit, folder: str, stage: Any = None, out: Any = None
    ) -> parallel.UnitResult:
        result = real(unit, folder, stage, out)
        calls.append(unit.index)
        if unit.part == 2:
            result.failed = "simulated"
        return result

    monkeypatch.setattr(parallel, "run_unit", flaky)
    serial = read([generated], 1)
    assert read([generated], 4) == serial
    assert len(serial[0]) > 10


def test_synthetic_ids_after_the_first_range_fall_back_to_serial(tmp_path: Path) -> None:
    # Items without ids in every part: only a serial read numbers them -1, -2, …
    body = "".join(
        f"<item><title>t{i}</title><wp:status>publish</wp:status>"
        f"<wp:comment><wp:comment_id></wp:comment_id><wp:comment_content>c{i}"
        f"</wp:comment_content></wp:comment></item>\n"
        for i in range(40)
    )
    path = tmp_path / "noids.xml"
    path.write_text(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>x</title>\n'
        + body
        + "</channel></rss>\n",
        encoding="utf-8",
    )
    parallel, serial = read([path], 3), read([path], 1)
    assert parallel == serial
    ids = [s["id"] for s, _ in serial[0]]
    assert ids == list(range(-1, -81, -2))


def test_staged_results_follow_deduplication_across_workers(tmp_path: Path) -> None:
    # The second part repeats posts of the first: the main process drops the repeats
    # and stages again what a worker staged with them.
    parts = sorted((FIXTURES / "quirks" / "duplicates-split").glob("*.xml"))
    runner = CliRunner()
    for command in (["extract"], ["thread", "--all-posts"]):
        serial = runner.invoke(cli, [*command, *map(str, parts), "-j", "1"])
        parallel = runner.invoke(cli, [*command, *map(str, parts), "-j", "2"])
        assert serial.exit_code == parallel.exit_code == 0
        assert (parallel.stdout, parallel.stderr) == (serial.stdout, serial.stderr)
        assert "duplicate comments skipped" in serial.stderr


def _repeat_a_post_at_the_end(export: bytes) -> bytes:
    """The first item with several comments copied before </channel>, one of its
    comments given a new id: a post that deduplication changes in a later range."""
    start = 0
    while True:
        start = export.index(b"<item>", start + 1)
        end = export.index(b"</item>", start) + len(b"</item>")
        item = export[start:end]
        if item.count(b"<wp:comment_id>") >= 2:
            break
    first = item.index(b"<wp:comment_id>") + len(b"<wp:comment_id>")
    close = item.index(b"</wp:comment_id>", first)
    item = item[:first] + b"987654321" + item[close:]
    at = export.rindex(b"</channel>")
    return export[:at] + item + b"\n" + export[at:]


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_a_post_changed_by_deduplication_is_read_again_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # Workers that stage posts keep no full records: the main process reads such a
    # post again (parallel._Replay), in a range cut from the middle of the file.
    import io

    from wpmigrate import parallel

    buffer = io.BytesIO()
    wxrgen.write_wxr(wxrgen.GenConfig(seed=5, target_bytes=3_000_000), buffer)
    export = tmp_path / "export.xml"
    export.write_bytes(_repeat_a_post_at_the_end(buffer.getvalue()))
    replayed: list[int] = []
    group = parallel._Replay.group

    def counted(self: Any, position: int) -> Any:
        replayed.append(self.unit.part)
        return group(self, position)

    monkeypatch.setattr(parallel._Replay, "group", counted)
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):  # (archive cuts exports from 2 MB)
        target = tmp_path / f"archive-{jobs}"
        command = ["archive", str(export), "-o", str(target), "--format", fmt, "-j", jobs]
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
        files = sorted(path for path in target.rglob("*") if path.is_file())
        outputs.append(
            (
                result.stderr.replace(str(target), "DIR"),
                {path.relative_to(target).as_posix(): path.read_bytes() for path in files},
            )
        )
    assert outputs[0] == outputs[1]
    assert "duplicate comments skipped" in outputs[0][0]
    assert replayed and max(replayed) > 0  # read again, from a later range


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_archives_are_byte_identical_with_and_without_jobs(
    tmp_path_factory: pytest.TempPathFactory, fmt: str
) -> None:
    folder = tmp_path_factory.mktemp("big")
    export = folder / "export.xml"
    with open(export, "wb") as out:  # over the 2 MB from which archive reads in parts
        wxrgen.write_wxr(wxrgen.GenConfig(seed=5, target_bytes=3_000_000), out)
    runner = CliRunner()
    trees = []
    for jobs in ("1", "2"):
        target = folder / f"{fmt}-{jobs}"
        rejects = folder / f"rejects-{fmt}-{jobs}.jsonl"
        result = runner.invoke(
            cli,
            [
                "archive",
                str(export),
                "-o",
                str(target),
                "--format",
                fmt,
                "-j",
                jobs,
                "--rejects",
                str(rejects),
            ],
        )
        assert result.exit_code == 0, result.output
        files = sorted(p for p in target.rglob("*") if p.is_file())
        trees.append(
            (
                {p.relative_to(target).as_posix(): p.read_bytes() for p in files},
                rejects.read_bytes(),
                result.stderr.replace(str(target), "DIR"),
            )
        )
    assert trees[0] == trees[1]
    assert len(trees[0][0]) > 50


def test_a_failed_part_leaves_the_next_exports_aligned(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wpmigrate import parallel

    real = parallel.run_unit

    def flaky(
        unit: parallel.Unit, folder: str, stage: Any = None, out: Any = None
    ) -> parallel.UnitResult:
        result = real(unit, folder, stage, out)
        if unit.path == str(generated) and unit.part == 1:
            result.failed = "simulated"
        return result

    monkeypatch.setattr(parallel, "run_unit", flaky)
    files = [generated, FIXTURES / "customer-love.xml", FIXTURES / "quirks" / "entities.xml"]
    assert read(files, 3) == read(files, 1)


# --- zips of many members: batched, each zip opened once per worker ---------------------------


def _units(sizes: list[int], ranges: int = 0) -> list[Any]:
    from wpmigrate.parallel import Unit

    units = [
        Unit(i, "a.zip", f"a.zip:{i}.xml", member=i, size=size) for i, size in enumerate(sizes)
    ]
    base = len(units)
    for part in range(ranges):  # a large file's ranges, after the members
        start, end = part * 100, (part + 1) * 100 if part < ranges - 1 else -1
        units.append(Unit(base + part, "big.xml", "big.xml", start, end, 10, part, size=100))
    return units


def test_small_members_go_to_workers_in_batches_ranges_alone() -> None:
    from wpmigrate.parallel import BATCH_UNITS, PARTS_PER_JOB, batches

    units = _units([2_000] * 1000, ranges=3)
    groups = batches(units, workers=2)
    assert [unit for group in groups for unit in group] == units  # in order, each once
    members, ranges = groups[:-3], groups[-3:]
    assert [len(group) for group in members] == [BATCH_UNITS] * 15 + [1000 - 15 * BATCH_UNITS]
    assert [len(group) for group in ranges] == [1, 1, 1]
    # Few members: still PARTS_PER_JOB groups per worker (20 / (2 * 4): 3 a group).
    assert PARTS_PER_JOB == 4
    assert [len(group) for group in batches(_units([2_000] * 20), workers=2)] == [3] * 6 + [2]


def test_a_batch_holds_at_most_a_megabyte_and_big_or_unknown_members_go_alone() -> None:
    from wpmigrate.parallel import BATCH_BYTES, batches

    sizes = [400_000, 400_000, 400_000, BATCH_BYTES, -1, 10, 10]
    groups = batches(_units(sizes), workers=1)
    assert [[unit.size for unit in group] for group in groups] == [
        [400_000, 400_000],
        [400_000],
        [BATCH_BYTES],
        [-1],
        [10, 10],
    ]


def _zip_of_members(path: Path, count: int, repeat_names: bool = False) -> Path:
    import warnings
    import zipfile

    import zip_members

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for n in range(count):
                name = f"part-{n % 7}.xml" if repeat_names else f"part-{n}.xml"
                archive.writestr(name, zip_members.tiny_export(n))
    return path


@pytest.mark.parametrize("repeat_names", [False, True])
def test_zip_of_many_members_reads_the_same_on_several_cores(
    tmp_path: Path, repeat_names: bool
) -> None:
    archive = _zip_of_members(tmp_path / "big.zip", 150, repeat_names)
    serial = read([archive], 1)
    assert serial[2] is None and len(serial[0]) == 150
    for jobs in (2, 3):
        assert read([archive], jobs) == serial


def test_a_zip_read_through_a_pipe_stays_in_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from wpmigrate.parallel import plan
    from wpmigrate.parse.sources import open_sources

    archive = _zip_of_members(tmp_path / "big.zip", 5)

    class Stdin:
        buffer = io.BytesIO(archive.read_bytes())

    monkeypatch.setattr(sys, "stdin", Stdin())
    sources = list(open_sources(["-"]))
    assert len(sources) == 5 and all(source.reopenable for source in sources)
    assert plan(sources, 2) == [[]] * 5  # a worker could not open the spool
    from_file = plan(list(open_sources([str(archive)])), 2)
    assert [[(unit.path, unit.member) for unit in units] for units in from_file] == [
        [(str(archive), member)] for member in range(5)
    ]


def test_a_failed_member_in_a_batch_leaves_the_next_exports_aligned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wpmigrate import parallel

    archive = _zip_of_members(tmp_path / "big.zip", 150)
    real = parallel.run_unit

    def flaky(
        unit: parallel.Unit, folder: str, stage: Any = None, out: Any = None
    ) -> parallel.UnitResult:
        result = real(unit, folder, stage, out)
        if unit.member == 40:  # in the middle of a batch
            result.failed = "simulated"
        return result

    monkeypatch.setattr(parallel, "run_unit", flaky)
    files = [archive, FIXTURES / "customer-love.xml", archive]
    serial = read(files, 1)
    assert read(files, 2) == serial
    assert len(serial[0]) == 153


def test_comments_outside_items_read_the_same_in_ranges(generated: Path, tmp_path: Path) -> None:
    """A comment in the header (before the first item) is read once, not once per range;
    one between items and one after the last come out where a serial read puts them."""
    stray = (FIXTURES / "quirks" / "stray-comments.xml").read_bytes()
    comment = stray[stray.index(b"\t<wp:comment>") : stray.index(b"</wp:comment>") + 13]
    data = generated.read_bytes()
    first = data.index(b"<item>")
    middle = data.index(b"<item>", len(data) // 2)
    last = data.rindex(b"</channel>")
    data = (
        data[:first] + comment + data[first:middle] + comment.replace(b">5001<", b">5003<")
        + data[middle:last] + comment.replace(b">5001<", b">5004<") + data[last:]
    )
    path = tmp_path / "strays.xml"
    path.write_bytes(data)
    serial = read([path], 1)
    assert serial[1]["comments_outside_items"] == 3
    assert [g[0]["id"] for g in serial[0]].count(0) == 3
    assert read([path], 4) == serial
