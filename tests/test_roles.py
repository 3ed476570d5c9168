"""Roles: reader, coder and supervisor, in force once a project has a supervisor.

Checked in the service layer on SQLite and PostgreSQL, and through the console script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qualcode.errors import QualcodeError, RoleError
from qualcode.services import agreement, codebook, coders, coding, corpus, roles
from qualcode.services.coding import Span
from qualcode.storage.store import Store
from tests.conftest import REPO, SMALL_BOOK


@pytest.fixture(autouse=True)
def _nobody_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.setenv("USER", "roles-test-user")


def _team(store: Store) -> None:
    """anna, bo and rita each code once; no roles yet."""
    for name in ("anna", "bo", "rita"):
        coding.apply_code(store, 1, "followup", name, Span(0, 20))


def test_without_a_supervisor_everyone_may_do_everything(coded_store: Store) -> None:
    _team(coded_store)
    roles.set_role(coded_store, "rita", "reader")  # set, but not in force: nobody supervises
    assert not roles.roles_in_force(coded_store)
    coding.apply_code(coded_store, 1, "voice", "rita", Span(5, 25))
    coding.rename_code(coded_store, "voice", "rita", label_en="Voices")
    codebook.load_spec(coded_store, SMALL_BOOK)  # no coder named at all: allowed too


def test_a_reader_changes_nothing_and_is_told_why(coded_store: Store) -> None:
    _team(coded_store)
    roles.set_role(coded_store, "anna", "supervisor")
    roles.set_role(coded_store, "rita", "reader", by="anna")
    with coded_store.unit_of_work() as uow:
        counts = uow.content_counts()
    own = coding.list_codings(coded_store, coder="rita")[0]
    attempts = [
        lambda: coding.apply_code(coded_store, 1, "voice", "rita", Span(30, 40)),
        lambda: coding.remove_coding(coded_store, own.id, "rita"),
        lambda: coding.add_memo(coded_store, "coding", own.id, "a thought", "rita"),
        lambda: coding.set_weight(coded_store, own.id, 50, "rita"),
        lambda: coding.undo(coded_store, "rita"),
    ]
    for attempt in attempts:
        with pytest.raises(RoleError) as refused:
            attempt()
        assert "'rita' is a reader" in refused.value.message
        assert "anna" in (refused.value.hint or "")  # whom to ask
    with coded_store.unit_of_work() as uow:
        assert uow.content_counts() == counts  # not even an event was written


def test_a_coder_codes_but_does_not_supervise(coded_store: Store) -> None:
    _team(coded_store)
    roles.set_role(coded_store, "anna", "supervisor")
    made = coding.apply_code(coded_store, 1, "voice", "bo", Span(30, 40))  # bo has no role: a coder
    coding.add_memo(coded_store, "coding", made.id, "why", "bo")
    assert coding.undo(coded_store, "bo").startswith("memo")  # undoing their own change is coding work
    refusals = {
        "rename a code": lambda: coding.rename_code(coded_store, "voice", "bo", label_en="X"),
        "merge codes": lambda: coding.merge_codes(coded_store, "voice", "followup", "bo"),
        "load or change a codebook": lambda: codebook.load_spec(coded_store, SMALL_BOOK, coder="bo"),
        "draw a double-coding sample": lambda: agreement.draw_sample(
            coded_store, "round1", ["bo", "rita"], size=1, supervisor="bo"),
        "set coders' roles": lambda: roles.set_role(coded_store, "rita", "reader", by="bo"),
        "rename coders": lambda: coders.rename_coder(coded_store, "rita", "Rita", by="bo"),
    }
    for what, attempt in refusals.items():
        with pytest.raises(RoleError, match="Only a supervisor may") as refused:
            attempt()
        assert what in refused.value.message
    # The supervisor may do all of it.
    coding.rename_code(coded_store, "voice", "anna", label_en="Voices")
    codebook.load_spec(coded_store, SMALL_BOOK, coder="anna")
    agreement.draw_sample(coded_store, "round1", ["bo", "rita"], size=1, supervisor="anna")
    roles.set_role(coded_store, "rita", "reader", by="anna")


def test_the_acting_coder_comes_from_the_environment(coded_store: Store, interview_files,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _team(coded_store)
    roles.set_role(coded_store, "anna", "supervisor")
    doc, _ = interview_files
    with pytest.raises(RoleError, match="must know who wants to import documents"):
        corpus.import_paths(coded_store, [doc])
    monkeypatch.setenv("QUALCODE_CODER", "bo")
    with pytest.raises(RoleError, match="'bo' is a coder"):
        corpus.import_paths(coded_store, [doc])
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    corpus.import_paths(coded_store, [doc], force=True)


def test_the_last_supervisor_stays_unless_roles_are_lifted(coded_store: Store) -> None:
    _team(coded_store)
    roles.set_role(coded_store, "anna", "supervisor")
    with pytest.raises(RoleError, match="only supervisor"):
        roles.set_role(coded_store, "anna", "coder", by="anna")
    roles.set_role(coded_store, "bo", "supervisor", by="anna")
    assert roles.set_role(coded_store, "anna", "coder", by="bo") == ("supervisor", "coder")
    assert roles.set_role(coded_store, "bo", "none", by="bo") == ("supervisor", None)
    assert not roles.roles_in_force(coded_store)
    with pytest.raises(QualcodeError, match="'boss' is not a role"):
        roles.set_role(coded_store, "bo", "boss")
    summary = {c.name: c.role for c in coders.list_coders(coded_store)}
    assert summary == {"anna": "coder", "bo": None, "rita": None}
    with coded_store.unit_of_work() as uow:
        logged = sorted((e.id, e.payload) for e in uow.events.list(kind="coder.role"))
    assert [(p["name"], p["old"], p["new"]) for _, p in logged] == [
        ("anna", None, "supervisor"), ("bo", None, "supervisor"), ("anna", "supervisor", "coder"),
        ("bo", "supervisor", None)]


def test_the_database_refuses_an_unknown_role(coded_store: Store) -> None:
    from sqlalchemy import text

    _team(coded_store)
    with pytest.raises(Exception, match="(?i)check"), coded_store.unit_of_work() as uow:
        uow.session.execute(text("UPDATE coders SET role = 'boss' WHERE name = 'bo'"))


def test_roles_through_the_console_script(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.reliability import env

    project = tmp_path / "p.qualcode"
    environment = {**env(), "USER": "roles-cli"}
    environment.pop("QUALCODE_CODER", None)

    def qualcode(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qualcode", *args, "--db", str(project)],
                              capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=120)

    subprocess.run([sys.executable, "-m", "qualcode", "init", str(project)], check=True, capture_output=True,
                   cwd=tmp_path, env=environment, timeout=120)
    assert qualcode("codebook", "load", "loose-coupling").returncode == 0
    assert qualcode("import", str(REPO / "corpora" / "english-demo")).returncode == 0
    for name in ("anna", "rita"):
        assert qualcode("code", "apply", "01_director", "lc.tight", "--start", "0", "--end", "9",
                        "--coder", name).returncode == 0
    assert qualcode("coders", "role", "anna", "supervisor").returncode == 0
    assert qualcode("coders", "role", "rita", "reader", "--coder", "anna").returncode == 0
    refused = qualcode("code", "apply", "01_director", "lc.tight", "--start", "10", "--end", "19",
                       "--coder", "rita")
    assert refused.returncode == RoleError.exit_code
    assert "'rita' is a reader" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    listed = json.loads(qualcode("coders", "--json").stdout)
    assert {r["name"]: r["role"] for r in listed} == {"anna": "supervisor", "rita": "reader"}
    assert os.path.exists(project)
