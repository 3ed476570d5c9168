"""Usage errors through the installed ``qualcode`` script: a message and exit code 2, no traceback.

The console script is run in a subprocess, as a user runs it, because the exceptions
the parser raises depend on the installed Typer (0.29 has a vendored Click whose
exceptions are not ``click``'s) and CliRunner would hide a traceback in its result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.cli.app import USAGE_EXIT_CODE, main, usage_error_types

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("qualcode")


def qualcode(*argv: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    environment.pop("QUALCODE_DB", None)
    return subprocess.run([str(SCRIPT), *argv], cwd=cwd, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("usage")
    done = qualcode("init", "study.qualcode", cwd=where)
    assert done.returncode == 0, done.stderr
    return where


USAGE_ERRORS = [
    (["frobnicate"], "No such command 'frobnicate'"),
    (["code", "apply"], "Missing argument"),
    (["code", "apply", "intervju"], "Missing argument"),
    (["--bogus"], "No such option: --bogus"),
    (["docs", "--bogus"], "No such option: --bogus"),
    (["code", "apply", "intervju", "styrning", "--start", "abc", "--end", "4"], "Invalid value for '--start'"),
    (["code", "remove", "-1"], "No such option: -1"),
    (["code", "remove", "abc"], "Invalid value for"),
    (["open", "--bogus"], "No such option: --bogus"),
]


@pytest.mark.skipif(not SCRIPT.exists(), reason="the qualcode console script is not installed next to python")
@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_in_the_real_script(project_dir: Path, argv: list[str], message: str) -> None:
    done = qualcode(*argv, cwd=project_dir)
    assert done.returncode == USAGE_EXIT_CODE, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "Usage: qualcode" in done.stderr  # the user is shown how to call it


def test_a_group_without_command_shows_its_help(project_dir: Path) -> None:
    done = qualcode("code", cwd=project_dir)
    assert done.returncode == USAGE_EXIT_CODE
    assert "apply" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_the_caught_types_are_what_the_parser_raises() -> None:
    """Catching by type only works when the types are the ones the installed Typer raises."""
    import typer.main

    command = typer.main.get_command(__import__("qualcode.cli.app", fromlist=["app"]).app)
    with pytest.raises(usage_error_types()):
        command.main(args=["frobnicate"], standalone_mode=False)


def test_in_process_usage_errors_return_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == USAGE_EXIT_CODE
    assert main(["--version"]) == 0
    assert "No such command" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["import", "\x00"], ["init", "\x00"], ["docs", "--db", "a\x00b"]])
def test_a_nul_character_in_an_argument_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the fuzz test: the parser's path check raised ValueError('embedded null byte')."""
    assert main(argv) == USAGE_EXIT_CODE
    assert "an argument holds a NUL character" in capsys.readouterr().err
