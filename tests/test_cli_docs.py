"""The CLI reference in docs/cli.md is the commands' own --help, and shared behaviour
(help, version, a missing export) holds for every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import load_script

from wpmigrate import __version__
from wpmigrate.cli import cli

ROOT = Path(__file__).resolve().parent.parent
gen = load_script("gen_cli_docs")

READING = ["extract", "thread", "stats"]


def test_docs_cli_md_is_up_to_date() -> None:
    assert gen.TARGET.read_text(encoding="utf-8") == gen.reference(), (
        "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"
    )


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize("command", READING)
def test_every_reading_command_reports_a_missing_export(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    result = CliRunner().invoke(cli, [command, str(missing)])
    assert result.exit_code == 3
    assert result.stderr == f"Error: {missing}: cannot open: No such file or directory\n"


@pytest.mark.parametrize("command", READING)
def test_every_reading_command_reports_an_empty_export(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, [command, str(empty)])
    assert result.exit_code == 4
    assert result.stderr == f"Error: {empty}: empty file: no XML in it\n"


@pytest.mark.parametrize("command", READING)
def test_every_reading_command_reads_stdin_when_given_dash(command: str) -> None:
    data = (ROOT / "fixtures" / "customer-love.xml").read_bytes()
    result = CliRunner().invoke(cli, [command, "-", "-q"], input=data)
    assert result.exit_code == 0 and result.stdout
