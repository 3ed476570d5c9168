"""Exports open in the programs that read them: Word, Excel, CSV, JSON, figures, methods.

Store-backed tests run on SQLite and PostgreSQL through the ``compared`` fixture.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from qualcode.cli.app import main
from qualcode.errors import ExportError
from qualcode.services import compare, export
from qualcode.storage.store import Store

from .test_compare import compared  # noqa: F401  (fixture)


def test_quotes_docx_groups_by_code_with_attribution_and_appendix(compared: Store, tmp_path: Path) -> None:  # noqa: F811
    from docx import Document

    path = tmp_path / "quotes.docx"
    result = export.export_quotes(compared, path, codebook="steering", attributes={"level": ["school"]})
    assert result.items == 3
    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert "Quality dialogue" in texts
    assert "\u201cVi har en kvalitetsdialog med förvaltningen varje höst.\u201d (Rektor, skola 2)" in texts
    assert any(t.startswith("Appendix: Steering") for t in texts)
    assert document.tables[0].rows[1].cells[0].text == "Follow-up"


def test_quotes_tabular_formats_round_trip(compared: Store, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    export.export_quotes(compared, tmp_path / "q.csv", codebook="steering", coders=["anna"],
                         template="({role})")
    with (tmp_path / "q.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 6
    assert [r["code"] for r in rows][:2] == ["followup", "followup"]  # codebook order
    assert {r["attribution"] for r in rows if r["code"] == "dialogue"} == {"(Rektor)", "(Verksamhetschef)"}
    export.export_quotes(compared, tmp_path / "q.xlsx", codes=["voice"])
    sheet = load_workbook(tmp_path / "q.xlsx").active
    assert sheet.max_row == 4 and sheet["A1"].value == "code"
    export.export_quotes(compared, tmp_path / "q.json", codes=["dialogue"], coders=["bo"])
    data = json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))
    assert [p["text"] for p in data["passages"]] == ["Arbetslagen får siffrorna i oktober."]
    export.export_quotes(compared, tmp_path / "q.md", codes=["voice"], title="Röster")
    markdown = (tmp_path / "q.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Röster") and "> Lärarna ser sällan underlagen. (Förstelärare, skola 2)" in markdown


def test_exports_refuse_overwrite_bad_paths_and_empty_selections(compared: Store, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "q.csv"
    export.export_quotes(compared, path, codes=["voice"])
    with pytest.raises(ExportError, match="already exists"):
        export.export_quotes(compared, path, codes=["voice"])
    export.export_quotes(compared, path, codes=["dialogue"], overwrite=True)
    assert "Arbetslagen" in path.read_text(encoding="utf-8")
    with pytest.raises(ExportError, match="does not exist"):
        export.export_quotes(compared, tmp_path / "missing" / "q.csv")
    with pytest.raises(ExportError, match="format"):
        export.export_quotes(compared, tmp_path / "q.pdf")
    with pytest.raises(ExportError, match="No coded passages"):
        export.export_quotes(compared, tmp_path / "none.csv", attributes={"level": ["state"]})


def test_matrix_exports_and_figures(compared: Store, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    query = compare.ComparisonQuery("steering", "level")
    export.export_matrix(compared, tmp_path / "m.xlsx", query)
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == ["codings", "adjusted residuals", "notes"]
    values = [[c.value for c in row] for row in book["codings"].iter_rows()]
    assert values[0] == ["code", "owner", "research", "school"]
    assert values[1] == ["Follow-up", 1, 1, 0]
    assert book["notes"]["A2"].value.startswith("Chi-square(4, N = 8)")
    export.export_matrix(compared, tmp_path / "m.csv", query)
    lines = (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,owner,research,school" and "adjusted residual,owner,research,school" in lines

    png = tmp_path / "m.png"
    export.export_figure(compared, png, query, dpi=100)
    from matplotlib.image import imread

    image = imread(png)
    assert png.stat().st_size > 5000
    assert image.shape[0] > 200 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05  # not blank
    svg = tmp_path / "m.svg"
    export.export_figure(compared, svg, query, values=True)
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "<svg" in svg.read_text()


def test_methods_summary(compared: Store, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "methods.md"
    export.export_methods(compared, path, by=["level", "role"])
    text = path.read_text(encoding="utf-8")
    assert "The corpus holds 2 transcripts" in text
    assert "| steering | Steering | 1 | 3 | 8 |" in text
    assert "| anna | 2 | 6 |" in text and "| bo | 2 | 2 |" in text
    assert "## Corpus by role" in text and "| verksamhetschef | 1 | 1 |" in text


def test_cli_compare_cooccur_and_export(compared: Store, tmp_path: Path,  # noqa: F811
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = str(compared.location.path or compared.location.display())
    if compared.location.path is None:
        pytest.skip("the CLI is exercised on the SQLite file")
    assert main(["compare", "--codebook", "steering", "--by", "level", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["columns"] == ["owner", "research", "school"]
    assert data["statistics"]["dof"] == 4
    assert main(["compare", "--codebook", "steering", "--by", "level", "--cell", "dialogue=school", "--coder", "all",
                 "--db", db]) == 0  # both coders' codings, pooled on purpose
    out = capsys.readouterr().out
    assert "2 passages" in out and "Arbetslagen får siffrorna i oktober." in out
    assert main(["compare", "--codebook", "steering", "--by", "level", "--cell", "dialogue=school", "--db", db]) == 0
    assert ": 1 passage\n" in capsys.readouterr().out  # one coder by default
    assert main(["compare", "--codebook", "steering", "--by", "gender", "--db", db]) == 6
    assert "gender" in capsys.readouterr().err
    assert main(["cooccur", "-c", "steering", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["codes"] == ["followup", "dialogue", "voice"]
    target = tmp_path / "out.docx"
    assert main(["export", "quotes", str(target), "--codebook", "steering", "--db", db]) == 0
    assert main(["export", "quotes", str(target), "--codebook", "steering", "--db", db]) == 9
    assert "--force" in capsys.readouterr().err
    assert main(["export", "quotes", str(target), "--codebook", "steering", "--force", "--db", db]) == 0
    assert main(["export", "methods", str(tmp_path / "m.md"), "--db", db]) == 0
