"""Golden outputs: every file in fixtures/golden is rerun and compared byte for byte.

The file names say the command (see scripts/regen_golden.py). After an intended change,
run ``python scripts/regen_golden.py``, read the diff, and commit it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOLDEN, QUIRKS, REPO, invoke, load_script

REGEN = "python scripts/regen_golden.py"




regen = load_script("regen_golden")
make_quirk_fixtures = load_script("make_quirk_fixtures")

GOLDENS = sorted(GOLDEN.rglob("*" + regen.SUFFIX_OUT))


def test_there_are_goldens() -> None:
    assert (GOLDEN / "customer-love.extract.jsonl").is_file()
    assert len(GOLDENS) >= 20


def test_every_case_has_its_goldens() -> None:
    """A new fixture without a golden (or a golden without its fixture) fails here."""
    wanted = {case.stdout_file for case in regen.cases()}
    wanted |= {case.stderr_file for case in regen.cases()}
    present = set(GOLDEN.rglob("*.extract.*"))
    assert sorted(map(str, wanted - present)) == [], f"missing goldens: run {REGEN}"
    assert sorted(map(str, present - wanted)) == [], f"stale goldens: run {REGEN}"


@pytest.mark.parametrize(
    "stdout_file", GOLDENS, ids=[str(path.relative_to(GOLDEN)) for path in GOLDENS]
)
def test_golden(stdout_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = regen.Case.from_golden(stdout_file)
    expected_err = case.stderr_file.read_text(encoding="utf-8")
    expected_code = 4 if "\nError: " in "\n" + expected_err else 0
    monkeypatch.chdir(REPO)  # the goldens name their inputs relative to the repository
    result = invoke(case.args)
    hint = (
        f"wpmigrate {' '.join(case.args)} no longer matches {stdout_file.relative_to(REPO)}; "
        f"if the change is intended, run `{REGEN}` and review the diff"
    )
    assert result.stdout == stdout_file.read_bytes(), hint
    assert result.stderr == expected_err, hint
    assert result.exit_code == expected_code, hint


def test_generated_fixtures_are_up_to_date() -> None:
    """The binary quirk fixtures are exactly what scripts/make_quirk_fixtures.py writes."""
    for name, data in make_quirk_fixtures.build().items():
        assert (QUIRKS / name).read_bytes() == data, (
            f"fixtures/quirks/{name} differs from its generator: "
            "run python scripts/make_quirk_fixtures.py"
        )
