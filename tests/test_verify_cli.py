"""``wpmigrate verify EXPORT... ARCHIVE_DIR``: the audit a user runs after a migration.

The command is wired in ``cli.py`` by the lead (the library is ``wpmigrate.verify``,
tested in ``test_verify.py``). Until then every test here fails, as marked; once
wired they pass, and ``strict`` turns that into a reminder to drop the mark.

Interface: the last argument is the archive folder, the ones before are the
exports (none: standard input). The moderation options of ``archive`` decide
what is public; ``--allow-private`` is for archives made with
``--keep-private-fields``. stdout: one line per finding (nothing when clean).
stderr: the reading summary and the verdict on one line (``-q``: nothing).
Exit 0 clean, 1 findings, 2 usage, 3 unreadable input or no such folder,
4 an export that is not usable.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CUSTOMER_LOVE, GOLDEN, Run, invoke

READ = (
    "wpmigrate: read 3 posts, 45 comments (approved 39, spam 3, pending 2, trash 1; "
    "comment 42, note 1, pingback 1, trackback 1) from {name}"
)
CLEAN = "verified 38 public comments: 38 found in 3 files; no problems"
MISSING = [
    f"missing: post 108, comment {cid}: public in the export, in no Markdown file"
    for cid in (1013, 1014, 1015, 1016, 1018, 1019)
]


def no_traceback(run: Run) -> Run:
    assert "Traceback" not in run.stderr
    return run


def archive(folder: Path, *options: str) -> Path:
    run = invoke(["archive", "-q", CUSTOMER_LOVE, "-o", folder, *options])
    assert run.exit_code == 0, run.stderr
    return folder


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_a_complete_archive_passes(fmt: str) -> None:
    run = no_traceback(invoke(["verify", CUSTOMER_LOVE, GOLDEN / "archive" / fmt]))
    assert run.exit_code == 0
    assert run.stdout == b""
    assert run.stderr == f"{READ.format(name=CUSTOMER_LOVE)}; {CLEAN}\n"


def test_a_removed_file_fails_with_one_line_per_finding(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    (out / "secret-destinations.md").unlink()
    run = no_traceback(invoke(["verify", CUSTOMER_LOVE, out]))
    assert run.exit_code == 1
    assert run.text.splitlines() == [
        "inconsistent: index.json: lists secret-destinations.md, which is not in the archive",
        "inconsistent: index.md: post_count says 3, the files hold 2",
        "inconsistent: index.md: comment_count says 38, the files hold 32",
        *MISSING,
    ]
    assert run.stderr == (
        f"{READ.format(name=CUSTOMER_LOVE)}; verified 38 public comments: 32 found in 2 files; "
        "9 problems (inconsistent 3, missing 6)\n"
    )


def test_quiet_keeps_the_report_and_the_exit_code(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    assert invoke(["verify", "-q", CUSTOMER_LOVE, out]).stderr == ""
    (out / "secret-destinations.md").unlink()
    run = no_traceback(invoke(["verify", "-q", CUSTOMER_LOVE, out]))
    assert (run.exit_code, run.stderr) == (1, "")
    assert run.text.splitlines()[-6:] == MISSING


def test_the_export_on_stdin() -> None:
    run = no_traceback(
        invoke(["verify", GOLDEN / "archive" / "markdown"], stdin=CUSTOMER_LOVE.read_bytes())
    )
    assert run.exit_code == 0
    assert run.stderr == f"{READ.format(name='<stdin>')}; {CLEAN}\n"


def test_private_fields_fail_unless_allowed(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--format", "json", "--keep-private-fields")
    run = no_traceback(invoke(["verify", "-q", CUSTOMER_LOVE, out]))
    assert run.exit_code == 1
    assert run.text.splitlines()[0].startswith("private: ")
    assert all(line.startswith("private: ") for line in run.text.splitlines())
    allowed = no_traceback(invoke(["verify", "--allow-private", CUSTOMER_LOVE, out]))
    assert (allowed.exit_code, allowed.stdout) == (0, b"")


def test_the_moderation_options_of_archive(tmp_path: Path) -> None:
    out = archive(tmp_path / "out", "--include", "pending", "--no-pings")
    run = no_traceback(invoke(["verify", "-q", CUSTOMER_LOVE, out]))
    assert run.exit_code == 1
    assert run.text.splitlines() == [
        "unexpected: day-10-cynical-about-customer-love.md: post 101, comment 1036: "
        "not public (pending: status pending)",
        "unexpected: day-11-confessions-of-a-complete-flake.md: post 115, comment 1045: "
        "not public (pending: status pending)",
        "missing: post 101, comment 1001: public in the export, in no Markdown file",
    ]
    same = ["--include", "pending", "--no-pings"]
    assert invoke(["verify", *same, CUSTOMER_LOVE, out]).exit_code == 0


def test_no_such_folder(tmp_path: Path) -> None:
    run = no_traceback(invoke(["verify", CUSTOMER_LOVE, tmp_path / "nope"]))
    assert run.exit_code == 3
    assert run.stderr == f"Error: {tmp_path / 'nope'}: no such folder\n"
    assert run.stdout == b""


def test_an_export_that_is_not_one(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_bytes(b"<html><body>Log in</body></html>")
    run = no_traceback(invoke(["verify", page, GOLDEN / "archive" / "markdown"]))
    assert run.exit_code == 4
    assert run.stderr == f"Error: {page}:1:1: not a WXR export: an HTML page\n"


def test_the_folder_is_required() -> None:
    run = invoke(["verify"])
    assert run.exit_code == 2
    assert "Missing argument" in run.stderr and "ARCHIVE_DIR" in run.stderr


def test_a_copy_in_the_folder_is_a_duplicate(tmp_path: Path) -> None:
    out = archive(tmp_path / "out")
    shutil.copy(out / "secret-destinations.md", out / "old-copy.md")
    run = no_traceback(invoke(["verify", "-q", CUSTOMER_LOVE, out]))
    assert run.exit_code == 1
    assert (
        "duplicate: post 108, comment 1019: in 2 files: old-copy.md, secret-destinations.md"
        in run.text.splitlines()
    )
