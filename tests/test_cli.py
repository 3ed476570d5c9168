"""The command line end to end: each command calls one service and prints its result."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qualcode.cli import output
from qualcode.cli.app import app, main

from .conftest import INTERVIEW, SPEAKERS

CODEBOOK = """codebook:
  id: steering
  name: Steering
  version: "1"
  languages: [en, sv]
  description: A small test codebook.
codes:
  - id: followup
    label: {en: Follow-up, sv: Uppföljning}
    definition: Results are followed up.
    inclusion: Talk about following up results.
    exclusion: Plans without follow-up.
    examples: ["Vi går igenom betygen varje höst."]
    colour: "#336699"
  - id: dialogue
    parent: followup
    label: {en: Quality dialogue, sv: Kvalitetsdialog}
    definition: A dialogue about quality.
    colour: "#993366"
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    monkeypatch.setattr(output.console, "width", 200)  # no wrapping inside asserted phrases
    monkeypatch.setattr(output.errors, "width", 200)
    (tmp_path / "interview.md").write_text(INTERVIEW, encoding="utf-8")
    (tmp_path / "speakers.yaml").write_text(SPEAKERS, encoding="utf-8")
    (tmp_path / "steering.yaml").write_text(CODEBOOK, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> tuple[str, str]:
    result = main(list(argv))
    out, err = capsys.readouterr()
    assert result == code, f"exit {result}\n{out}\n{err}"
    assert "Traceback" not in out + err
    return out, err


def test_init_import_docs_show(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "init", "study.qualcode")
    assert "Created project" in out and (workdir / "study.qualcode").exists()
    out, _ = run(capsys, "import", "interview.md", "--speakers", "speakers.yaml", "--attr", "wave=1")
    assert "1 imported, 0 failed" in out
    out, _ = run(capsys, "docs", "--json")
    (doc,) = json.loads(out)
    assert doc["name"] == "interview" and doc["attributes"]["wave"] == "1"
    assert doc["attributes"]["school"] == "skola 2" and doc["turn_count"] == 4
    out, _ = run(capsys, "show", "interview")
    assert "Förstelärare (förstelärare)" in out and "Lärarna ser sällan underlagen." in out
    out, err = run(capsys, "import", "interview.md", code=3)
    assert "already imported" in err and "--force" in err


def test_db_option_and_environment(workdir: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "init", "a.qualcode")
    run(capsys, "init", "b.qualcode")
    _, err = run(capsys, "docs", code=5)
    assert "a.qualcode" in err and "b.qualcode" in err and "--db" in err
    run(capsys, "import", "interview.md", "--db", "b.qualcode", "--quiet")
    monkeypatch.setenv("QUALCODE_DB", str(workdir / "b.qualcode"))
    out, _ = run(capsys, "docs", "--json")
    assert len(json.loads(out)) == 1
    out, _ = run(capsys, "docs", "--json", "--db", "a.qualcode")
    assert json.loads(out) == []


def test_codebook_code_memo_retrieve_search(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init", "study.qualcode")
    run(capsys, "import", "interview.md", "--speakers", "speakers.yaml", "--quiet")
    out, _ = run(capsys, "codebook", "load", "steering.yaml")
    assert "Loaded codebook steering" in out and "2 added" in out
    out, _ = run(capsys, "codebook", "show", "steering")
    assert "Follow-up" in out and "Quality dialogue" in out
    out, _ = run(capsys, "show", "interview", "--json")
    turns = json.loads(out)["turns"]
    out, _ = run(capsys, "code", "apply", "interview", "dialogue", "--turn", "1", "--json")
    made = json.loads(out)
    assert (made["start"], made["end"]) == (turns[1]["start"], turns[1]["end"])
    start = turns[2]["start"]
    run(capsys, "code", "apply", "interview", "followup", "--start", str(start), "--end", str(start + 20),
        "--coder", "bo")
    out, _ = run(capsys, "code", "list", "--json")
    assert json.loads(out)["total"] == 2
    out, _ = run(capsys, "retrieve", "dialogue")
    assert "Vi har en kvalitetsdialog" in out and "(rektor, skola 2)" in out
    out, _ = run(capsys, "retrieve", "followup", "--coder", "bo", "--json")
    data = json.loads(out)
    assert data["total"] == 1 and data["passages"][0]["attribution"] == "(förstelärare, skola 2)"
    out, _ = run(capsys, "search", "underlag")
    assert "1 sentence matches" in out and "Lärarna ser sällan underlagen." in out
    out, _ = run(capsys, "memo", "add", "code", "dialogue", "--text", "Mostly principals speak.")
    assert re.search(r"Memo \d+ added", out)
    out, _ = run(capsys, "memo", "list", "--json")
    assert json.loads(out)[0]["text"] == "Mostly principals speak."
    out, _ = run(capsys, "code", "undo")
    assert "memo" in out
    out, _ = run(capsys, "code", "undo")
    assert "removed again" in out
    out, _ = run(capsys, "code", "list", "--json")
    assert json.loads(out)["total"] == 1


def test_codebook_exports_and_qdc_round_trip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init", "study.qualcode")
    run(capsys, "codebook", "load", "steering.yaml")
    run(capsys, "codebook", "export", "table.md", "--codebook", "steering", "--language", "sv")
    table = (workdir / "table.md").read_text(encoding="utf-8")
    assert "Uppföljning" in table and "Vi går igenom betygen varje höst." in table
    run(capsys, "codebook", "export", "table.docx", "-c", "steering")
    assert (workdir / "table.docx").stat().st_size > 0
    _, err = run(capsys, "codebook", "export", "table.md", "-c", "steering", code=9)
    assert "--force" in err
    run(capsys, "codebook", "export-qdc", "steering.qdc", "-c", "steering")
    run(capsys, "init", "other.qualcode")
    out, _ = run(capsys, "codebook", "import-qdc", "steering.qdc", "--as", "copy", "--db", "other.qualcode")
    assert "2 added" in out
    out, _ = run(capsys, "codebook", "show", "copy", "--json", "--db", "other.qualcode")
    codes = {c["key"]: c for c in json.loads(out)["codes"]}
    assert codes["dialogue"]["colour"] == "#993366" and codes["followup"]["exclusion"] == "Plans without follow-up."
    _, err = run(capsys, "codebook", "export", "table.pdf", "-c", "steering", "--db", "study.qualcode", code=9)
    assert ".md, .docx, .qdc" in err


def test_codebook_errors_are_listed_with_lines(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init", "study.qualcode")
    (workdir / "bad.yaml").write_text(CODEBOOK.replace("parent: followup", "parent: nowhere")
                                      .replace('"#993366"', '"red"'), encoding="utf-8")
    _, err = run(capsys, "codebook", "load", "bad.yaml", code=4)
    assert "nowhere" in err and "colour" in err.lower() and "bad.yaml:" in err


@pytest.mark.parametrize("argv, code, message", [
    (["show", "nosuch"], 6, "nosuch"),
    (["code", "apply", "interview", "nosuch", "--start", "0", "--end", "3"], 6, "No code 'nosuch'"),
    (["code", "apply", "interview", "followup", "--start", "5", "--end", "2"], 7, "not inside"),
    (["code", "remove", "999"], 6, "No coding 999"),
    (["code", "undo", "--coder", "nobody"], 7, "Nothing to undo"),
    (["retrieve", "followup", "--coder", "carl"], 6, "No coder 'carl'"),
    (["memo", "add", "document", "nosuch", "--text", "x"], 6, "nosuch"),
    (["import", "missing.md"], 3, "missing.md"),
    (["docs", "--attr", "novalue"], 1, "KEY=VALUE"),
    (["search", "!!"], 1, "no words"),
])
def test_user_errors_give_message_and_exit_code(workdir: Path, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], code: int, message: str) -> None:
    run(capsys, "init", "study.qualcode")
    run(capsys, "import", "interview.md", "--quiet")
    run(capsys, "codebook", "load", "steering.yaml")
    _, err = run(capsys, *argv, code=code)
    assert message in err


def test_missing_project_is_explained(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, err = run(capsys, "docs", code=5)
    assert "qualcode init" in err
    (workdir / "junk.qualcode").write_text("not a database", encoding="utf-8")
    _, err = run(capsys, "docs", code=5)
    assert "junk.qualcode" in err


def _commands(group, prefix=()):  # type: ignore[no-untyped-def]
    import typer.main

    click_group = typer.main.get_command(group)
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            for sub_name, sub in command.commands.items():
                yield (*prefix, name, sub_name), sub
        else:
            yield (*prefix, name), command


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = []
    for path, command in _commands(app):
        assert command.help, f"'qualcode {' '.join(path)}' has no help text"
        if f"qualcode {' '.join(path)}" not in readme:
            missing.append(" ".join(path))
    assert not missing, f"commands not documented in README.md: {missing}"
