"""The console script's quick path to the workbench, and its fall-back to the full CLI."""

from __future__ import annotations

import pytest

from qualcode.cli import launch


@pytest.mark.parametrize("argv, expected", [
    (["open"], (None, None, None)),
    (["open", "study.qualcode"], ("study.qualcode", None, None)),
    (["open", "--coder", "anna", "s.qualcode"], ("s.qualcode", "anna", None)),
    (["open", "--db", "postgresql://h/db"], (None, None, "postgresql://h/db")),
])
def test_open_is_recognised(argv: list[str], expected: tuple) -> None:  # type: ignore[type-arg]
    parsed = launch._open_arguments(argv)
    assert parsed is not None and (parsed.project, parsed.coder, parsed.db) == expected


@pytest.mark.parametrize("argv", [[], ["docs"], ["open", "--help"], ["open", "--bogus"], ["open", "a", "b"]])
def test_everything_else_goes_to_the_full_cli(argv: list[str]) -> None:
    assert launch._open_arguments(argv) is None


def test_quick_open_explains_a_missing_project(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    assert launch.open_quickly(None, None) == 5
    assert "qualcode init" in capsys.readouterr().err
