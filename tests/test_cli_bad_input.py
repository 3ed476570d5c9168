"""Mistakes a new researcher makes at the real ``qualcode`` script: refused with a message
that says what is wrong and how to fix it, a documented exit code, no traceback, nothing
written.

Each case here once went wrong: a traceback, or a command that did something else than
asked and exited 0. The script runs in a subprocess, as a user runs it (see
test_cli_usage_errors.py for why CliRunner is not enough).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_usage_errors import SCRIPT, qualcode

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the qualcode console script is not installed next to python")

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPT = ("Intervjuare: Hur följer ni upp resultaten?\n\n"
              "Rektor: Vi har en dialog varje höst med lärarna.\n\n"
              "Intervjuare: Och sedan?\n\n"
              "Rektor: Sedan skriver vi en plan.\n")
TOO_LARGE = "99999999999999999999999"  # past SQLite's 64-bit INTEGER


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one transcript, the template codebook and one coding by 'anna'."""
    where = tmp_path_factory.mktemp("bad-input")
    (where / "intervju.txt").write_text(TRANSCRIPT, encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "template.yaml", where / "codebook.yaml")
    for argv in (["init", "study.qualcode"], ["import", "intervju.txt"], ["codebook", "load", "codebook.yaml"],
                 ["code", "apply", "intervju", "theme", "--turn", "1", "--coder", "anna"]):
        done = qualcode(*argv, cwd=where)
        assert done.returncode == 0, done.stdout + done.stderr
    return where


@pytest.fixture
def project_dir(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built project for each case, so a refused command is seen to
    have changed nothing."""
    shutil.copy(built / "study.qualcode", tmp_path / "study.qualcode")
    return tmp_path


def codings(where: Path) -> list[dict[str, object]]:
    done = qualcode("code", "list", "--json", cwd=where)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["codings"]


def refused(where: Path, *argv: str, code: int) -> str:
    done = qualcode(*argv, cwd=where)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == code, output
    return output


SPAN_CONFLICTS = [
    (["--turn", "1", "--segment", "1"], "given 2 ways (--segment, --turn)"),
    (["--turn", "1", "--start", "0", "--end", "4"], "given 2 ways (--start/--end, --turn)"),
    (["--start", "0"], "--start is given without --end"),
    (["--end", "4"], "--end is given without --start"),
]


@pytest.mark.parametrize(("span", "message"), SPAN_CONFLICTS, ids=[" ".join(s) for s, _ in SPAN_CONFLICTS])
def test_a_span_given_two_ways_or_half_is_refused(project_dir: Path, span: list[str], message: str) -> None:
    """Once, --turn with --segment coded the segment and --start with --turn the turn, exit 0."""
    before = codings(project_dir)
    output = refused(project_dir, "code", "apply", "intervju", "theme", *span, "--coder", "anna", code=7)
    assert message in output and "Hint:" in output
    assert codings(project_dir) == before


def test_a_memo_list_of_an_unknown_kind_is_refused(project_dir: Path) -> None:
    """Once an empty table and exit 0, as if there were no memos."""
    output = refused(project_dir, "memo", "list", "cods", code=7)
    assert "Memos attach to project, document, code, coding; not 'cods'" in output


def test_a_project_memo_with_a_target_is_refused(project_dir: Path) -> None:
    """Once the target was dropped without a word and the memo went on the project."""
    output = refused(project_dir, "memo", "add", "project", "intervju", "-t", "A note", "--coder", "anna", code=7)
    assert "takes no target ('intervju')" in output
    listed = qualcode("memo", "list", "--json", cwd=project_dir)
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize("resamples", ["-5", "100000000"])
def test_resamples_out_of_range_are_refused(project_dir: Path, resamples: str) -> None:
    """-5 once ran with '-5 resamples' in the notes; 10^8 died allocating 143 GiB."""
    output = refused(project_dir, "agreement", "--resamples", resamples, code=10)
    assert f"--resamples {resamples} is not between 0 and 100,000" in output
    output = refused(project_dir, "agreement", "rounds", "--resamples", resamples, code=10)
    assert "is not between 0 and 100,000" in output



@pytest.mark.parametrize("samples", ["1001", "99999999"])
def test_gamma_samples_past_the_bound_are_refused_first(project_dir: Path, samples: str) -> None:
    """A huge count once started an alignment per continuum, for hours, with no word."""
    output = refused(project_dir, "agreement", "--unit", "gamma", "--gamma-samples", samples, code=10)
    assert f"--gamma-samples {samples} is not between 2 and 1,000" in output

TOO_LARGE_NUMBERS = [
    ["code", "remove", TOO_LARGE],
    ["code", "weight", TOO_LARGE, "5"],
    ["memo", "delete", TOO_LARGE],
    ["code", "apply", "intervju", "theme", "--segment", TOO_LARGE, "--coder", "anna"],
    ["topics", "show", TOO_LARGE],
    ["agreement", "sample", "r1", "--coders", "anna,bo", "--size", "1", "--seed", TOO_LARGE],
]


@pytest.mark.parametrize("argv", TOO_LARGE_NUMBERS, ids=[" ".join(a[:2]) for a in TOO_LARGE_NUMBERS])
def test_a_number_too_large_to_store_is_a_usage_error(project_dir: Path, argv: list[str]) -> None:
    """Once the driver's OverflowError ('Python int too large to convert to SQLite INTEGER')."""
    output = refused(project_dir, *argv, code=2)
    assert f"{TOO_LARGE} is too large to store" in output
    assert "Usage: qualcode" in output


def test_the_largest_storable_number_is_still_looked_up(project_dir: Path) -> None:
    output = refused(project_dir, "code", "remove", str(2 ** 63 - 1), "--coder", "anna", code=6)
    assert f"No coding {2 ** 63 - 1}" in output


FOLDER_OUTPUTS = [
    ["export", "quotes", "OUT"],
    ["export", "methods", "OUT"],
    ["codebook", "export", "-c", "my-codebook", "OUT"],
    ["export", "quotes", "OUT", "--force"],
]


@pytest.mark.parametrize("argv", FOLDER_OUTPUTS, ids=[" ".join(a) for a in FOLDER_OUTPUTS])
def test_a_folder_as_the_output_is_named_a_folder(project_dir: Path, argv: list[str]) -> None:
    """Once "format 'none' is not one of csv, ...", "cannot export a codebook as 'out'", or,
    for a folder named like a file, "already exists: pass --force"."""
    (project_dir / "out.csv").mkdir()
    for folder in ("out", "out.csv"):
        (project_dir / folder).mkdir(exist_ok=True)
        output = refused(project_dir, *[folder if a == "OUT" else a for a in argv], code=9)
        assert f"{folder} is a folder; the output needs a file name" in output
        assert "Name a file inside it" in output
        assert list((project_dir / folder).iterdir()) == []



NAMELESS_OUTPUTS = [["codebook", "export-qdc", "-c", "my-codebook"], ["export", "quotes"],
                    ["codebook", "export", "-c", "my-codebook"], ["export", "qdpx"]]


@pytest.mark.parametrize("command", NAMELESS_OUTPUTS, ids=[" ".join(c[:2]) for c in NAMELESS_OUTPUTS])
def test_an_output_with_no_name_is_refused(project_dir: Path, command: list[str]) -> None:
    """'codebook export-qdc ""' and 'export qdpx ""' once died in pathlib, putting a file
    ending on a path with no name; '.' is the folder it is."""
    output = refused(project_dir, *command[:2], "", *command[2:], code=2)
    assert "an empty path names no file or folder" in output
    output = refused(project_dir, *command[:2], ".", *command[2:], code=8 if command[1] == "qdpx" else 9)
    assert "is a folder" in output or "must end in .qdpx" in output
    assert sorted(p.name for p in project_dir.iterdir()) == ["study.qualcode"]


def test_an_empty_path_to_import_is_not_read_as_this_folder(project_dir: Path) -> None:
    (project_dir / "other.txt").write_text(TRANSCRIPT.replace("plan", "budget"), encoding="utf-8")
    output = refused(project_dir, "import", "", code=2)
    assert "Invalid value for 'paths': an empty path names no file or folder" in output
    done = qualcode("docs", "--json", cwd=project_dir)
    assert [d["name"] for d in json.loads(done.stdout)] == ["intervju"]

def test_a_command_in_a_hint_quotes_a_name_with_a_space(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hint to copy once read 'Run: qualcode set delete my set --force', which deletes nothing."""
    monkeypatch.setenv("QUALCODE_CODER", "anna")
    made = qualcode("set", "create", "my set", "--doc", "intervju", cwd=project_dir)
    assert made.returncode == 0, made.stderr
    output = refused(project_dir, "set", "delete", "my set", code=1)
    assert "Run: qualcode set delete 'my set' --force" in output
    output = refused(project_dir, "set", "create", "my set", "--doc", "intervju", code=1)
    assert "add to it with: qualcode set add 'my set' ..." in output
    saved = qualcode("words", "--save", "my words", "--limit", "1", cwd=project_dir)
    assert "run it again with: qualcode query run 'my words'" in saved.stdout, saved.stdout + saved.stderr
    output = refused(project_dir, "query", "remove", "my words", code=1)
    assert "Run: qualcode query remove 'my words' --force" in output


def test_removing_a_word_not_on_the_stop_list_is_refused(project_dir: Path) -> None:
    """A misspelt word was once reported 'Removed from the sv stop list' and stored as removed."""
    output = refused(project_dir, "lexicon", "remove", "stop", "ochh", "och", code=1)
    assert "Not on the sv stop list: ochh; nothing was removed" in output
    listed = qualcode("lexicon", "list", "stop", "--json", cwd=project_dir)
    assert json.loads(listed.stdout)["removed"] == []
    assert qualcode("lexicon", "remove", "stop", "och", cwd=project_dir).returncode == 0


def test_a_database_qualcode_does_not_keep_projects_in_is_named(tmp_path: Path) -> None:
    """Once "Cannot use database URL mysql://x/y: No module named 'MySQLdb'"."""
    output = refused(tmp_path, "docs", "--db", "mysql://anna:secret@localhost/study", code=5)
    assert "qualcode keeps projects in SQLite or PostgreSQL, not in mysql" in output
    assert "secret" not in output and "postgresql://" in output


UNREACHABLE = "postgresql://anna:secret@127.0.0.1:1/study"  # port 1: refused at once
UNREACHABLE_SHOWN = "postgresql+psycopg://anna:***@127.0.0.1:1/study"


@pytest.mark.parametrize("argv", [["init", UNREACHABLE], ["docs", "--db", UNREACHABLE],
                                  ["copy", "study.qualcode", UNREACHABLE]], ids=["init", "docs", "copy"])
def test_a_server_that_cannot_be_reached_is_named_with_a_hint(project_dir: Path, argv: list[str]) -> None:
    """Once "Cannot read the project store: connection failed: ..." with no hint, for init too."""
    output = refused(project_dir, *argv, code=5)
    assert f"Cannot connect to the database at {UNREACHABLE_SHOWN}" in output
    assert "Hint: Check that the server is running" in output and "secret" not in output


def test_an_unreachable_server_in_qualcode_db_is_named(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_DB": UNREACHABLE}
    done = subprocess.run([str(SCRIPT), "docs"], cwd=tmp_path, env=environment, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 5 and "Traceback" not in output, output
    assert f"Cannot connect to the database at {UNREACHABLE_SHOWN}" in output


def test_similar_takes_one_query(project_dir: Path) -> None:
    """--text beside a document, or --segment beside --start/--end, once used one and dropped the other."""
    output = refused(project_dir, "similar", "intervju", "--text", "en plan", code=10)
    assert "--text is compared on its own" in output
    output = refused(project_dir, "similar", "intervju", "--segment", "1", "--start", "0", "--end", "5", code=7)
    assert "given 2 ways (--start/--end, --segment)" in output and "Keep one of --start/--end or --segment" in output


def test_an_embedder_that_fails_to_load_is_not_made_the_projects(project_dir: Path) -> None:
    """'embed --embedder st:FOLDER' with no model there once stored the choice before loading it,
    so every later 'similar' and 'suggest' failed on that folder too."""
    (project_dir / "no-model").mkdir()
    output = refused(project_dir, "embed", "--embedder", f"st:{project_dir / 'no-model'}", code=10)
    assert "Cannot load the embedding model" in output
    done = qualcode("similar", "--text", "en plan", "--embedder", "tfidf", "--top", "1", cwd=project_dir)
    assert done.returncode == 0, done.stderr
    done = qualcode("similar", "--text", "en plan", "--top", "1", cwd=project_dir)
    assert "no-model" not in done.stdout + done.stderr


TOPIC_SETTINGS = [
    (["--seed", "-1"], 10, "The seed -1 is not between 0 and 4,294,967,295"),
    (["--seed", str(2 ** 32)], 10, f"The seed {2 ** 32} is not between 0 and 4,294,967,295"),
    (["--language", "de"], 10, "not for 'de' (--language sv or --language en)"),
    (["--exclude", "intervjuare"], 1, "--exclude 'intervjuare' is not KEY=VALUE"),
]


@pytest.mark.parametrize(("options", "code", "message"), TOPIC_SETTINGS,
                         ids=[" ".join(o) for o, _, _ in TOPIC_SETTINGS])
def test_topic_settings_that_cannot_work_are_refused_first(project_dir: Path, options: list[str], code: int,
                                                           message: str) -> None:
    """A seed out of range once failed inside the reducer with a hint to lower --min-size; an
    unknown language fitted with no stop words; --exclude's mistake was blamed on --attr."""
    output = refused(project_dir, "topics", "fit", "--reducer", "pca", *options, code=code)
    assert message in output


@pytest.mark.parametrize("size", ["inf", "1e400", "nan", "-1"])
def test_a_file_size_limit_that_is_no_size_is_explained(project_dir: Path, size: str) -> None:
    """QUALCODE_MAX_FILE_MB=inf once died converting infinity to bytes (OverflowError)."""
    (project_dir / "ny.txt").write_text(TRANSCRIPT.replace("plan", "rapport"), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(REPO), "QUALCODE_MAX_FILE_MB": size}
    environment.pop("QUALCODE_DB", None)
    done = subprocess.run([str(SCRIPT), "import", "ny.txt"], cwd=project_dir, env=environment,
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 3 and "Traceback" not in output, output
    assert f"QUALCODE_MAX_FILE_MB='{size}' is not a size in megabytes" in output


SEEDS = [
    ["agreement", "--seed", "-1"],
    ["agreement", "--unit", "gamma", "--seed", "-1"],
    ["agreement", "sample", "r1", "--coders", "anna,bo", "--size", "1", "--seed", "-1"],
    ["export", "network", "net.png", "-c", "my-codebook", "--seed", "-1"],
    ["export", "network", "net.png", "-c", "my-codebook", "--seed", str(2 ** 32)],
]


@pytest.mark.parametrize("argv", SEEDS, ids=[" ".join(a) for a in SEEDS])
def test_a_seed_no_generator_takes_is_refused_first(project_dir: Path, argv: list[str]) -> None:
    """Once NumPy's 'expected non-negative integer' or 'Seed must be between 0 and 2**32 - 1'
    as a traceback, after the work had begun."""
    output = refused(project_dir, *argv, code=10)
    assert "is not between 0 and 4,294,967,295" in output and "Hint: Write e.g. --seed 42." in output
    assert not (project_dir / "net.png").exists()


@pytest.mark.parametrize("argv", [["code", "list"], ["agreement", "disagreements"]])
def test_a_limit_below_one_is_a_usage_error(project_dir: Path, argv: list[str]) -> None:
    """--limit -1 once listed all rows but the last (a Python slice)."""
    output = refused(project_dir, *argv, "--limit", "-1", code=2)
    assert "Invalid value for '--limit': -1 is not in the range x>=1" in output


@pytest.mark.parametrize("cite", ["{role:>99999999999}", "{role.__class__}", "{role!r}"])
def test_a_citation_template_field_with_more_than_a_name_stays_as_written(project_dir: Path, cite: str) -> None:
    """A format spec once made 'retrieve --cite' die of MemoryError; attribute access showed
    "<class 'str'>"."""
    done = qualcode("retrieve", "theme", "--cite", cite, "--page-size", "1", cwd=project_dir)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output, output
    assert "<class" not in output and cite in output


@pytest.mark.parametrize("report", ["missing/report.md", "notes.md", "folder"])
def test_a_demo_report_that_cannot_be_written_is_refused_before_the_build(tmp_path: Path, report: str) -> None:
    """'demo --rebuild --force --report missing/report.md' once replaced the project (keeping a
    .bak), built the demo for a minute, and only then refused the report."""
    (tmp_path / "sbs-demo.qualcode").write_text("my own notes, not a project\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("No report markers here.\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    output = refused(tmp_path, "demo", "--no-open", "--quiet", "--bare", "--rebuild", "--force",
                     "--report", report, code=9)
    assert {"missing/report.md": "does not exist", "notes.md": "has no demo report section",
            "folder": "is a folder"}[report] in output
    assert (tmp_path / "sbs-demo.qualcode").read_text(encoding="utf-8") == "my own notes, not a project\n"
    assert not (tmp_path / "sbs-demo.qualcode.bak").exists()


def test_a_blank_label_or_a_key_that_is_not_one_is_refused(project_dir: Path) -> None:
    """'code rename --label "   "' once stored a blank label; 'code split X "Bad Key"' made a
    code whose key no codebook file and no SLUG:KEY reference can name."""
    output = refused(project_dir, "code", "rename", "theme", "--label", "   ", "--coder", "anna", code=7)
    assert "A code's label cannot be blank" in output
    coding_id = str(codings(project_dir)[0]["coding_id"])
    for key, label, message in (("Bad Key", "Parts", "'Bad Key' is not a code key"),
                                ("theme.new", "  ", "The new code's label cannot be blank")):
        output = refused(project_dir, "code", "split", "theme", key, "--label", label, "--coding", coding_id,
                         "--coder", "anna", code=7)
        assert message in output
    assert [c["code_key"] for c in codings(project_dir)] == ["theme"]


def test_a_sample_needs_a_name(project_dir: Path) -> None:
    """A blank name was once drawn and listed, and no command could name that sample again."""
    output = refused(project_dir, "agreement", "sample", "  ", "--coders", "anna,bo", "--size", "1", code=10)
    assert "A sample needs a name" in output
    listed = qualcode("agreement", "samples", "--json", cwd=project_dir)
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize("alpha", ["0", "5", "nan", "-1"])
def test_a_significance_level_outside_zero_and_one_is_refused(project_dir: Path, alpha: str) -> None:
    """Once a table flagging residuals "beyond ±inf" (or ±nan), exit 0."""
    output = refused(project_dir, "compare", "-c", "my-codebook", "--by", "level", "--alpha", alpha, code=10)
    assert "is not a significance level between 0 and 1" in output and "--alpha 0.05" in output


def test_a_cooccurrence_cell_hint_shows_two_codes(project_dir: Path) -> None:
    output = refused(project_dir, "cooccur", "-c", "my-codebook", "--cell", "theme", code=1)
    assert "--cell 'theme' is not CODE=CODE" in output and "lc.bypassed=lc.contested" in output


def test_topic_tables_refuse_an_alpha_or_share_that_is_none(project_dir: Path) -> None:
    """topics actors --alpha 0 flagged residuals 'beyond ±inf'; topics codes --threshold 5 could
    never find a blind spot. Both are refused before the run is read."""
    output = refused(project_dir, "topics", "actors", "1", "--by", "level", "--alpha", "0", code=10)
    assert "--alpha 0.0 is not a significance level between 0 and 1" in output
    output = refused(project_dir, "topics", "codes", "1", "--threshold", "5", code=10)
    assert "--threshold 5.0 is not a share between 0 and 1" in output


@pytest.mark.parametrize("command", [["export", "figure", "f.png", "-c", "my-codebook", "--by", "level"],
                                     ["export", "network", "f.png", "-c", "my-codebook"]])
def test_a_resolution_no_figure_can_have_is_a_usage_error(project_dir: Path, command: list[str]) -> None:
    """--dpi 99999999 once reached matplotlib: 'Image size of 735999992x575999994 pixels is too large'."""
    output = refused(project_dir, *command, "--dpi", "99999999", code=2)
    assert "99999999 is not in the range 72<=x<=1200" in output


def test_a_page_past_every_row_is_an_empty_page(project_dir: Path) -> None:
    """--page 2^63-1 once made an OFFSET past SQLite's INTEGER: OverflowError."""
    done = qualcode("retrieve", "theme", "--page", str(2 ** 63 - 1), "--json", cwd=project_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["passages"] == []


def test_a_concordance_width_is_bounded(project_dir: Path) -> None:
    """--width 100000000 once padded every line with 200 MB of spaces."""
    output = refused(project_dir, "kwic", "plan", "--width", "100000000", code=2)
    assert "is not in the range 5<=x<=1000" in output


def test_a_malformed_codebook_map_is_shown_its_own_form(project_dir: Path) -> None:
    """'--map bad' was once told to write '--map level=school', an attribute filter."""
    output = refused(project_dir, "codebook", "load", "codebook.yaml", "--map", "theme", code=1)
    assert "--map 'theme' is not OLD=NEW" in output and "--map lc.old=lc.new" in output


def test_a_demo_file_that_is_no_project_points_to_rebuild(tmp_path: Path) -> None:
    """The hint once said "Pass the .qualcode file made by 'qualcode init'" to a demo user."""
    (tmp_path / "sbs-demo.qualcode").write_text("not a project\n", encoding="utf-8")
    output = refused(tmp_path, "demo", "--no-open", "--quiet", "--bare", code=5)
    assert "is not a qualcode project" in output and "qualcode demo --rebuild --force" in output


def test_docs_refuses_an_attribute_no_document_has(project_dir: Path) -> None:
    """A misspelt key once listed an empty table with exit 0, as if no document matched."""
    output = refused(project_dir, "docs", "--attr", "nosuch=x", code=6)
    assert "no document has the attribute 'nosuch'" in output and "Hint: Use one of:" in output
    done = qualcode("docs", "--attr", "language=xx", "--json", cwd=project_dir)
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout + done.stderr


def test_a_compare_cell_in_no_column_is_refused(project_dir: Path) -> None:
    """'compare --cell CODE=nosuch' once reported 0 passages, as if the cell were empty."""
    output = refused(project_dir, "compare", "-c", "my-codebook", "--by", "speaker", "--cell", "theme=nosuch", code=6)
    assert "--cell column 'nosuch' is not a value of speaker" in output and "Rektor" in output


@pytest.mark.parametrize("argv", [["agreement"], ["agreement", "disagreements"]], ids=["report", "disagreements"])
def test_coders_that_name_nobody_are_refused(project_dir: Path, argv: list[str]) -> None:
    """'--coders ,' once fell back to every coder with codings, as if --coders were left out."""
    output = refused(project_dir, *argv, "--coders", ",", code=10)
    assert "--coders names no coder" in output and "--coders anna,bo" in output


SCORES = [
    (["suggest", "next", "--min-score", "5"], "--min-score 5.0"),
    (["suggest", "next", "--min-score", "nan"], "--min-score nan"),
    (["suggest", "accept", "intervju", "theme", "--segment", "1", "--score", "nan", "--coder", "anna"], "--score nan"),
    (["suggest", "reject", "intervju", "theme", "--segment", "1", "--score", "-1", "--coder", "anna"], "--score -1.0"),
]


@pytest.mark.parametrize(("argv", "shown"), SCORES, ids=[" ".join(a[:2] + a[-4:-2]) for a, _ in SCORES])
def test_a_score_outside_zero_and_one_is_refused(project_dir: Path, argv: list[str], shown: str) -> None:
    """'next --min-score 5' once searched every document for a score no suggestion has;
    'accept --score nan' stored NaN with the verdict."""
    before = codings(project_dir)
    output = refused(project_dir, *argv, code=10)
    assert f"{shown} is not a score between 0 and 1" in output
    assert codings(project_dir) == before


@pytest.mark.parametrize("argv", [["cooccur", "-c", "my-codebook"], ["export", "network", "net.png", "-c", "my-codebook"]],
                         ids=["cooccur", "export network"])
def test_a_window_without_mode_near_is_refused(project_dir: Path, argv: list[str]) -> None:
    """'--window 3' without '--mode near' was once dropped without a word: overlap was counted."""
    output = refused(project_dir, *argv, "--window", "3", code=10)
    assert "--window counts sentences for --mode near only, not --mode overlap" in output
    assert "Hint: Add --mode near" in output and not (project_dir / "net.png").exists()
    done = qualcode(*argv, "--mode", "near", "--window", "3", cwd=project_dir)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rejecting_a_blank_candidate_is_refused(project_dir: Path) -> None:
    """'pseudonyms reject ""' once reported 'Rejected 0 candidates' with exit 0."""
    output = refused(project_dir, "pseudonyms", "reject", "", code=1)
    assert "A candidate to reject cannot be blank" in output and "Hint:" in output


@pytest.mark.parametrize(("target", "message"), [("", "The project needs a name; an empty one was given"),
                                                 ("  ", "The project needs a name; an empty one was given"),
                                                 ("folder", "folder is a folder; the project needs a file name")],
                         ids=["empty", "blank", "folder"])
def test_init_without_a_file_name_is_refused(tmp_path: Path, target: str, message: str) -> None:
    """'qualcode init ""' once said '. already exists', naming the folder it was run in."""
    (tmp_path / "folder").mkdir()
    output = refused(tmp_path, "init", target, code=5)
    assert message in output and "Hint:" in output
    assert list(tmp_path.glob("*.qualcode")) == []


def test_a_demo_rebuild_over_another_file_reads_as_one_sentence(tmp_path: Path) -> None:
    """The refusal once ended '(not a SQLite database).).', the reason's full stop kept inside."""
    (tmp_path / "sbs-demo.qualcode").write_text("not a project\n", encoding="utf-8")
    output = refused(tmp_path, "demo", "--no-open", "--quiet", "--bare", "--rebuild", code=1)
    assert "is not a qualcode project (not a SQLite database).\n" in output
    assert ".)." not in output and ").)" not in output
    assert (tmp_path / "sbs-demo.qualcode").read_text(encoding="utf-8") == "not a project\n"


@pytest.mark.parametrize("argv", [["retrieve", "theme"], ["search", "plan"], ["code", "list"]],
                         ids=["retrieve", "search", "code list"])
def test_a_filter_on_an_attribute_nobody_has_is_refused(project_dir: Path, argv: list[str]) -> None:
    """A misspelt --attr key once gave '0 passages' with exit 0, the same as a filter that
    matched nothing; a key that exists but matches nothing stays an empty result."""
    output = refused(project_dir, *argv, "--attr", "nosuch=x", code=6)
    assert "no document or speaker has the attribute 'nosuch'" in output and "Hint: Use one of:" in output
    done = qualcode(*argv, "--attr", "language=xx", cwd=project_dir)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("argv", [["agreement", "--coders", "anna,bo"],
                                  ["agreement", "sample", "r1", "--coders", "anna,bo", "--size", "1"]],
                         ids=["agreement", "agreement sample"])
def test_agreement_names_an_attribute_nobody_has(project_dir: Path, argv: list[str]) -> None:
    """Once 'No documents ... were coded' or 'No documents to sample from', blaming the coders."""
    done = qualcode("code", "apply", "intervju", "theme", "--turn", "3", "--coder", "bo", cwd=project_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    output = refused(project_dir, *argv, "--attr", "nosuch=x", code=6)
    assert "no document or speaker has the attribute 'nosuch'" in output


SAME_MISTAKE = [["words"], ["kwic", "plan"], ["keyness", "--by", "language", "--a", "x", "--b", "y"],
                ["compare", "my-codebook", "--by", "language"], ["set", "create", "s", "--coder", "anna"],
                ["topics", "fit", "--embedder", "tfidf"]]


@pytest.mark.parametrize("argv", SAME_MISTAKE, ids=[" ".join(a[:2]) for a in SAME_MISTAKE])
def test_every_command_names_an_unknown_attribute_key_alike(project_dir: Path, argv: list[str]) -> None:
    """The word analyses, sets, comparisons and topics once each said it their own way,
    with exit codes 1, 6 and 10 (topics blamed the filters for having no segments)."""
    output = refused(project_dir, *argv, "--attr", "nosuch=x", code=6)
    assert "--attr nosuch: no document" in output and "the attribute 'nosuch'" in output
    assert "Hint: Use one of:" in output


def test_topics_name_an_unknown_key_to_exclude(project_dir: Path) -> None:
    output = refused(project_dir, "topics", "fit", "--embedder", "tfidf", "--exclude", "nosuch=x", code=6)
    assert "--exclude nosuch: no document or speaker has the attribute 'nosuch'" in output


LONG_NAME = "x" * 300  # past the 255 bytes a file name may hold on Linux and macOS
LONG_PATHS = [["init", LONG_NAME], ["init", f"{LONG_NAME}/study.qualcode"], ["import", f"{LONG_NAME}.txt"],
              ["export", "quotes", f"{LONG_NAME}.csv", "--code", "theme"]]


@pytest.mark.parametrize("argv", LONG_PATHS, ids=[a[0] for a in LONG_PATHS])
def test_a_name_the_file_system_refuses_is_named_with_a_hint(project_dir: Path, argv: list[str]) -> None:
    before = codings(project_dir)
    message = refused(project_dir, *argv, code=1)
    assert "File name too long" in message and "characters)" in message  # the name is cut short
    assert "shorter name" in message
    assert codings(project_dir) == before
    assert sorted(p.name for p in project_dir.iterdir()) == ["study.qualcode"]


def test_an_unsupported_language_is_refused_once_before_any_file_is_read(project_dir: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (project_dir / name).write_text(TRANSCRIPT, encoding="utf-8")
    message = refused(project_dir, "import", "a.txt", "b.txt", "--language", "xx", code=3)
    assert message.count("Language 'xx' is not supported") == 1, message
    assert "a.txt" not in message and "--language sv" in message
    done = qualcode("docs", "--json", cwd=project_dir)
    assert [d["name"] for d in json.loads(done.stdout)] == ["intervju"]
