"""``qualcode team init`` on a real PostgreSQL server: groups, logins and what each may do.

Creates a database, runs the console script, then connects as the logins it made: the
database itself refuses a coder's DELETE on documents and a reader's INSERT, and lets the
coder code. Logins (and the groups, where this test made them) are dropped afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from qualcode.errors import StoreError
from qualcode.services import coding
from qualcode.services.coding import Span
from qualcode.storage.store import Store
from tests.conftest import REPO, SMALL_BOOK, _pg_connect
from tests.reliability import env

GROUPS = ("qualcode_reader", "qualcode_coder", "qualcode_supervisor")


def _qualcode(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True,
                          cwd=REPO, env=env(), timeout=180)


def _existing_roles(admin, names) -> set[str]:  # type: ignore[no-untyped-def]
    rows = admin.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(names),)).fetchall()
    return {r[0] for r in rows}


@pytest.fixture
def logins(pg_url: str) -> Iterator[dict[str, str]]:
    """Login names for this test (unique), dropped with any groups this test created."""
    import psycopg

    tag = uuid.uuid4().hex[:8]
    names = {role: f"qc_{role}_{tag}" for role in ("supervisor", "coder", "reader")}
    admin = _pg_connect()
    groups_before = _existing_roles(admin, GROUPS)
    try:
        yield names
    finally:
        database = pg_url.rsplit("/", 1)[1]
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for login in names.values():
            admin.execute(f'DROP ROLE IF EXISTS "{login}"')
        for group in set(GROUPS) - groups_before:
            try:
                admin.execute(f'DROP ROLE IF EXISTS "{group}"')
            except psycopg.errors.DependentObjectsStillExist:
                pass  # another database on this server was set up meanwhile and still uses it
        admin.close()


def _as(url: str, login: str) -> str:
    return url.replace("://", f"://{login}@", 1)


@pytest.mark.postgres
def test_team_init_gives_each_login_the_privileges_of_its_role(pg_url: str, logins: dict[str, str],
                                                               interview_files) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    from qualcode.services import codebook, corpus
    from qualcode.services.project import create_project

    owner = create_project(pg_url, name="team")
    doc, speakers = interview_files
    assert not corpus.import_paths(owner, [doc], speaker_map=speakers).failed
    codebook.load_spec(owner, SMALL_BOOK)
    owner.close()

    done = _qualcode("team", "init", pg_url, "--user", f"{logins['supervisor']}:supervisor",
                     "--user", f"{logins['coder']}:coder", "--user", f"{logins['reader']}:reader")
    assert done.returncode == 0, done.stderr
    assert f"Login '{logins['coder']}' created" in done.stdout
    again = _qualcode("team", "init", pg_url)
    assert again.returncode != 0 and "already set up for a team" in again.stderr and "--force" in again.stderr

    # The coder's login codes (a coding and its event), through the service layer.
    coder_store = Store.open(_as(pg_url, logins["coder"]))
    try:
        made = coding.apply_code(coder_store, 1, "voice", logins["coder"], Span(0, 30))
        coding.add_memo(coder_store, "coding", made.id, "why I coded it", logins["coder"])
        assert coding.undo(coder_store, logins["coder"]).startswith("memo")
        with pytest.raises(StoreError, match="may not make this change"):
            # The service layer lets through a change of the codebook by a supervisor's name;
            # the database stops the coder's login all the same.
            coding.rename_code(coder_store, "voice", logins["supervisor"], label_en="Voices")
    finally:
        coder_store.close()

    with psycopg.connect(_as(pg_url, logins["coder"])) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("DELETE FROM documents")
        connection.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("DELETE FROM codebooks")
        connection.rollback()
        assert connection.execute("SELECT count(*) FROM codings").fetchone() == (1,)

    with psycopg.connect(_as(pg_url, logins["reader"])) as connection:
        assert connection.execute("SELECT count(*) FROM documents").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("INSERT INTO coders (name, created_at) VALUES ('x', now())")

    with psycopg.connect(_as(pg_url, logins["supervisor"])) as connection:
        connection.execute("UPDATE codes SET label_en = label_en")
        connection.rollback()

    # The logins are the project's coders, with the same roles.
    listed = _qualcode("coders", "--json", "--db", pg_url)
    roles = {row["name"]: row["role"] for row in json.loads(listed.stdout)}
    assert {roles[logins[r]] for r in ("supervisor", "coder")} == {"supervisor", "coder"}

    # --force moves a login to another group.
    moved = _qualcode("team", "init", pg_url, "--force", "--user", f"{logins['reader']}:coder")
    assert moved.returncode == 0, moved.stderr
    with psycopg.connect(_as(pg_url, logins["reader"])) as connection:
        connection.execute("INSERT INTO coders (name, created_at) VALUES ('newcomer', now())")


def test_team_init_on_sqlite_says_it_is_for_postgresql(tmp_path) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "p.qualcode"
    assert _qualcode("init", str(project)).returncode == 0
    done = _qualcode("team", "init", str(project))
    assert done.returncode == 1
    assert "sets up a PostgreSQL server" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.postgres
def test_team_init_refuses_a_bad_user_option(pg_url: str) -> None:
    for bad, words in (("anna", "is not NAME:ROLE"), ("anna:boss", "'boss' is not a role"),
                       ("Anna B:coder", "not a usable database login name")):
        done = _qualcode("team", "init", pg_url, "--user", bad)
        assert done.returncode != 0 and words in done.stderr, (bad, done.stderr)
