"""Agreement reports, disagreements and codebook exports pseudonymised through the
installed console script, as the other exports are: ``--pseudonymise``, the project's
``pseudonymise_exports`` setting and ``--no-pseudonymise``; every output scanned for every
form of every table entry."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qualcode.services import pseudonyms as service
from qualcode.services.project import open_project
from tests.test_pseudonym_outputs import TABLE, _qualcode, _text

# the demo's document names carry no names of places; one is in the table to see it renamed
EXTRA = [("01_processtodjare", "intervju 1", "other")]

CODEBOOK = """codebook:
  id: schools
  name: Björkskolan's codes
  version: "1"
  languages: [en, sv]
  description: Coded at Björkskolan and Hamnskolan in Sjöviks kommun.
codes:
  - id: visits
    label: {en: Visits to Hamnskolan, sv: Besök på Hamnskolan}
    definition: The principal of Lindgymnasiet visits Björkskolan.
    inclusion: Talk of Ekdalsskolan's visits.
    exclusion: Visits outside Sjövik.
    examples: ["Vi åkte till Björkskolan i höstas.", "HAMNSKOLANS rektor kom."]
"""


def _forms() -> list[str]:
    return [form for original, replacement, category in TABLE + EXTRA
            for form in service.make_entry(original, replacement, category).all_forms()]


def leaks(text: str) -> list[str]:
    return [form for form in _forms() if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text, re.IGNORECASE)]


@pytest.fixture
def project(demo_file: Path, tmp_path: Path) -> list[str]:
    path = tmp_path / "demo.qualcode"
    shutil.copy(demo_file, path)
    store = open_project(path)
    try:
        for original, replacement, category in TABLE + EXTRA:
            service.add(store, service.make_entry(original, replacement, category))
    finally:
        store.close()
    (tmp_path / "schools.yaml").write_text(CODEBOOK, encoding="utf-8")
    db = ["--db", str(path)]
    done = _qualcode("codebook", "load", "schools.yaml", *db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return db


def _run(tmp_path: Path, *args: str) -> str:
    done = _qualcode(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_codebook_exports_are_pseudonymised(project: list[str], tmp_path: Path) -> None:
    for name in ("book.md", "book.docx", "book.qdc"):
        _run(tmp_path, "codebook", "export", f"plain-{name}", "-c", "schools", *project)
        _run(tmp_path, "codebook", "export", f"masked-{name}", "-c", "schools", "--pseudonymise", *project)
        assert leaks(_text(tmp_path / f"plain-{name}")), name  # the codebook names the schools
        masked = _text(tmp_path / f"masked-{name}")
        assert leaks(masked) == [], name
        assert "skola A" in masked and "SKOLA C:S" in masked
    _run(tmp_path, "codebook", "export-qdc", "masked2.qdc", "-c", "schools", "--pseudonymise", *project)
    assert leaks(_text(tmp_path / "masked2.qdc")) == []


def test_agreement_reports_and_disagreements_are_pseudonymised(project: list[str], tmp_path: Path) -> None:
    report = ["--resamples", "0", "--by", "document"]
    for name in ("r.md", "r.csv", "r.docx"):
        _run(tmp_path, "agreement", "export", f"plain-{name}", *report, *project)
        _run(tmp_path, "agreement", "export", f"masked-{name}", *report, "--pseudonymise", *project)
        assert leaks(_text(tmp_path / f"plain-{name}")), name
        assert leaks(_text(tmp_path / f"masked-{name}")) == [], name
        assert "intervju 1" in _text(tmp_path / f"masked-{name}")
    assert leaks(_run(tmp_path, "agreement", *report, "--json", *project))
    assert leaks(_run(tmp_path, "agreement", *report, "--json", "--pseudonymise", *project)) == []
    for extra in ([], ["--json"]):
        plain = _run(tmp_path, "agreement", "disagreements", "--limit", "1000", *extra, *project)
        masked = _run(tmp_path, "agreement", "disagreements", "--limit", "1000", "--pseudonymise", *extra, *project)
        assert leaks(plain) and leaks(masked) == [], extra
        assert "skola C" in masked


def test_the_project_setting_covers_them_and_no_pseudonymise_lifts_it(project: list[str], tmp_path: Path) -> None:
    _run(tmp_path, "pseudonyms", "default", "on", *project)
    _run(tmp_path, "codebook", "export", "book.md", "-c", "schools", *project)
    _run(tmp_path, "agreement", "export", "r.md", "--resamples", "0", "--by", "document", *project)
    assert leaks(_text(tmp_path / "book.md")) == []
    assert leaks(_text(tmp_path / "r.md")) == []
    assert leaks(_run(tmp_path, "agreement", "disagreements", "--json", *project)) == []
    _run(tmp_path, "codebook", "export", "plain.md", "-c", "schools", "--no-pseudonymise", *project)
    assert leaks(_text(tmp_path / "plain.md"))
    assert leaks(_run(tmp_path, "agreement", "disagreements", "--json", "--no-pseudonymise", *project))


def test_a_word_appendix_of_pseudonymised_quotes_is_pseudonymised(project: list[str], tmp_path: Path) -> None:
    """The codebook appendix of a Word file of quotes carries the definitions too."""
    _run(tmp_path, "code", "apply", "01_processtodjare", "schools:visits", "--turn", "1", "--coder", "anna",
         *project)
    _run(tmp_path, "export", "quotes", "plain.docx", "-c", "schools", *project)
    _run(tmp_path, "export", "quotes", "q.docx", "-c", "schools", "--pseudonymise", *project)
    assert leaks(_text(tmp_path / "plain.docx"))
    assert leaks(_text(tmp_path / "q.docx")) == []
    assert "Lindgymnasiet" not in _text(tmp_path / "q.docx") and "skola D" in _text(tmp_path / "q.docx")
