"""wpmigrate/schema/comment.schema.json: strict, shipped, and true of everything extract writes."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import CUSTOMER_LOVE, QUIRKS, invoke, read_documents
from jsonschema import Draft202012Validator


def load_schema() -> dict[str, Any]:
    text = resources.files("wpmigrate").joinpath("schema/comment.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


SCHEMA = load_schema()
VALIDATOR = Draft202012Validator(SCHEMA)

FIXTURE_RUNS = [
    [CUSTOMER_LOVE],
    *([path] for path in sorted(QUIRKS.glob("*.xml"))),
    sorted((QUIRKS / "duplicates-split").glob("*.xml")),
    ["--encoding", "cp1252", QUIRKS / "latin1-as-utf8.xml"],
]


def problems(record: object) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in VALIDATOR.iter_errors(record)
    ]


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("redact", [[], ["--redact"]], ids=["full", "redacted"])
@pytest.mark.parametrize(
    "args", FIXTURE_RUNS, ids=[Path(str(run[-1])).parent.name + "/" + Path(str(run[-1])).name
                               for run in FIXTURE_RUNS]
)
def test_every_fixture_record_matches(args: list[str | Path], redact: list[str]) -> None:
    run = invoke(["extract", *redact, *args])
    assert run.exit_code in (0, 4), run.stderr
    records = [json.loads(line) for line in run.stdout.decode().splitlines()]
    for record in records:
        assert problems(record) == [], record["id"]
        assert ("author_email" in record) == (not redact)


def test_every_corpus_record_matches(corpus_dir: Path) -> None:
    checked = 0
    for path in sorted(corpus_dir.rglob("*.xml")):
        for record in read_documents([path]).records:
            assert problems(record) == [], (path.name, record["id"])
            checked += 1
    assert checked > 400


GOOD = read_documents([QUIRKS / "statuses-types.xml"]).records[2]  # spam, with a meta list


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r.update(extra=1), ""),
        (lambda r: r.pop("status"), ""),
        (lambda r: r.update(id="232"), "id"),
        (lambda r: r.update(parent_id=-1), "parent_id"),
        (lambda r: r.update(by_post_author=0), "by_post_author"),
        (lambda r: r.update(date="2024-01-23 10:10:00"), "date"),
        (lambda r: r.update(date="2024-01-23T10:10:00Z"), "date"),
        (lambda r: r.update(date_gmt="2024-01-23T09:10:00"), "date_gmt"),
        (lambda r: r.update(date_gmt="2024-13-23T09:10:00Z"), "date_gmt"),
        (lambda r: r.update(date_gmt=""), "date_gmt"),
        (lambda r: r.update(type=""), "type"),
        (lambda r: r["meta"].update(rating=5), "meta/rating"),
        (lambda r: r["meta"].update(rating=None), "meta/rating"),
        (lambda r: r["meta"].update(rating=["only one"]), "meta/rating"),
        (lambda r: r["meta"].update(rating=["a", 2]), "meta/rating"),
        (lambda r: r["post"].update(comments=[]), "post"),
        (lambda r: r["post"].pop("slug"), "post"),
        (lambda r: r["post"].update(date_gmt="yesterday"), "post/date_gmt"),
    ],
)
def test_schema_is_strict(change: Any, where: str) -> None:
    record = copy.deepcopy(GOOD)
    assert problems(record) == []
    change(record)
    found = problems(record)
    assert found, "the schema accepted a broken record"
    assert any(problem.startswith(where + ":") for problem in found), found


def test_nulls_where_dates_are_unknown_are_valid() -> None:
    record = copy.deepcopy(GOOD)
    record.update(date=None, date_gmt=None)
    record["post"].update(date=None, date_gmt=None)
    assert problems(record) == []
