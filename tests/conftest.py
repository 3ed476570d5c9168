"""Shared fixtures: fresh projects on SQLite and on PostgreSQL.

Each PostgreSQL test runs in a database of its own, created for it on the server named
by ``QUALCODE_TEST_PG`` (default: the local server's ``test`` database, used only to
create and drop the per-test databases) and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.core.codebook import CodebookSpec, CodeSpec
from qualcode.services import codebook, corpus
from qualcode.services.project import create_project
from qualcode.storage.store import Store

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("QUALCODE_TEST_PG", "postgresql://127.0.0.1:5432/test")


def _pg_connect():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    admin = _pg_connect()
    name = f"qualcode_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """Where a new project goes: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "project.qualcode")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(target: str) -> Iterator[Store]:
    project = create_project(target, name="test project")
    try:
        yield project
    finally:
        project.close()


INTERVIEW = """---
title: Group interview
school: skola 2
level: school
---

Intervjuare: Hur följer ni upp resultaten på skolan?

Rektor: Vi har en kvalitetsdialog med förvaltningen varje höst. Då går vi igenom betygen och enkäterna.

Förstelärare: Men i praktiken blir det mest rektorerna som pratar. Lärarna ser sällan underlagen.

Rektor: Det stämmer inte riktigt. Arbetslagen får siffrorna i oktober.
"""

SPEAKERS = """speakers:
  Rektor: {role: rektor, level: school}
  Förstelärare: {role: förstelärare, level: school}
  Intervjuare: {role: intervjuare, level: research}
"""

SMALL_BOOK = CodebookSpec(
    slug="steering", name="Steering", version="1", languages=("en", "sv"),
    codes=(
        CodeSpec("followup", "Follow-up", "Uppföljning", definition="Results are followed up.",
                 colour="#336699"),
        CodeSpec("dialogue", "Quality dialogue", "Kvalitetsdialog", parent="followup",
                 definition="A dialogue about quality.", colour="#993366"),
        CodeSpec("voice", "Teacher voice", definition="Teachers speak about being heard."),
    ),
)


@pytest.fixture
def interview_files(tmp_path: Path) -> tuple[Path, Path]:
    doc = tmp_path / "skola2_rektorer.md"
    doc.write_text(INTERVIEW, encoding="utf-8")
    speakers = tmp_path / "speakers.yaml"
    speakers.write_text(SPEAKERS, encoding="utf-8")
    return doc, speakers


@pytest.fixture
def coded_store(store: Store, interview_files: tuple[Path, Path]) -> Store:
    """A project with one imported interview and the small codebook loaded."""
    doc, speakers = interview_files
    report = corpus.import_paths(store, [doc], speaker_map=speakers)
    assert not report.failed, report.failed
    codebook.load_spec(store, SMALL_BOOK)
    return store


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test process: copy it before changing it."""
    from qualcode.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-build") / "sbs-demo.qualcode"
    built, _ = build_demo(path, ready=False)
    built.close()
    return path
