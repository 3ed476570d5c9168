"""Word clouds and the keyness term plot: the files they write, the key words the
plot labels and the concordance lines it carries, and the installed script."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.exporters.keyness_plot import TermPlot, TermPoint, place_labels, rate, write_term_plot
from qualcode.exporters.word_cloud import write_cloud
from qualcode.services import corpus, words
from qualcode.storage.store import Store

STATE = "Huvudman och huvudmannen ansvarar. " * 15 + "Eleverna läser i skolan. " * 5
SCHOOL = "Lektion efter lektion i ämneslaget. " * 15 + "Eleverna läser i skolan. " * 5


@pytest.fixture
def two_levels(store: Store, tmp_path: Path) -> Store:
    for name, level, body in (("stat", "state", STATE), ("skola", "school", SCHOOL)):
        path = tmp_path / f"{name}.md"
        path.write_text(f"---\nlevel: {level}\n---\n\nRektor: {body}\n", encoding="utf-8")
        report = corpus.import_paths(store, [path], language="sv")
        assert not report.failed, report.failed
    return store


def test_cloud_png_and_svg_from_the_counts() -> None:
    png = io.BytesIO()
    write_cloud([("kvalitetsdialog", 30), ("rektor", 12), ("skola", 3)], png, fmt="png", width=300, height=200)
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = io.BytesIO()
    write_cloud([("kvalitetsdialog", 30), ("rektor", 12), ("skola", 3)], svg, fmt="svg", width=300, height=200)
    text = svg.getvalue().decode("utf-8")
    assert text.lstrip().startswith("<svg") and all(w in text for w in ("kvalitetsdialog", "rektor", "skola"))
    sizes = {m[1]: float(m[0]) for m in re.findall(r'font-size="?(\d+(?:\.\d+)?)[^>]*>(\w+)<', text)}
    if sizes:  # the most frequent word in the largest type
        assert sizes["kvalitetsdialog"] >= sizes["skola"]
    with pytest.raises(QualcodeError, match="No words"):
        write_cloud([], io.BytesIO())
    with pytest.raises(QualcodeError, match="PNG or SVG"):
        write_cloud([("a", 1)], io.BytesIO(), fmt="gif")


def test_term_plot_labels_the_key_words_each_way_with_lines_from_each_group(two_levels: Store) -> None:
    table = words.keyness(two_levels, "level", "state", "school", lemma=False, min_freq=5, limit=None)
    plot = words.term_plot(two_levels, table, lemma=False, label=1)
    points = {p.word: p for p in plot.points}
    assert len(plot.points) == table.tested
    assert points["huvudman"].key and points["lektion"].key and not points["eleverna"].key
    labelled = {p.word for p in plot.points if p.labelled}
    assert len(labelled) == 2  # one each way
    best_a = max((p for p in plot.points if p.key and p.log_ratio > 0), key=lambda p: p.g2)
    best_b = max((p for p in plot.points if p.key and p.log_ratio < 0), key=lambda p: p.g2)
    assert labelled == {best_a.word, best_b.word}
    assert points["huvudman"].examples_a and not points["huvudman"].examples_b  # the school never says it
    assert "[Huvudman]" in points["huvudman"].examples_a[0]
    assert points["eleverna"].examples_a == ()  # no lines for words that are not key
    assert rate(0, 100) == 50.0  # an absent word at half an occurrence


def _plot(examples: tuple[str, ...] = ()) -> TermPlot:
    return TermPlot("level=state", "level=school", 1000, 4000, "Benjamini-Hochberg", 0.05, [
        TermPoint("huvudman", 20, 4, 30.0, 0.001, 4.3, True, True, examples),
        TermPoint("lektion", 0, 40, 20.0, 0.002, -4.3, True, True),
        TermPoint("skola", 10, 40, 0.0, 1.0, 0.0, False, False),
        TermPoint("elev", 10, 40, 0.0, 1.0, 0.0, False, True),  # same spot as 'skola'
    ])


def test_term_plot_files_and_a_self_contained_page() -> None:
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        stream = io.BytesIO()
        write_term_plot(_plot(), stream, fmt=fmt)
        assert stream.getvalue().startswith(magic)
    page = io.StringIO()
    write_term_plot(_plot(("ett </script><b>farligt</b> [huvudman] (rektor)",)), page, fmt="html")
    text = page.getvalue()
    assert "</script><b>" not in text  # the data cannot close its script element
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched
    data = json.loads(re.search(r'<script type="application/json" id="points">(.*?)</script>', text, re.S)
                      [1].replace("<\\/", "</"))
    assert {d["word"] for d in data} == {"huvudman", "lektion", "skola", "elev"}
    assert next(d for d in data if d["word"] == "huvudman")["examples"][0].startswith("ett </script>")
    assert text.count("<circle") == 4 and "mouseenter" in text
    with pytest.raises(QualcodeError, match="PNG, SVG or HTML"):
        write_term_plot(_plot(), io.BytesIO(), fmt="pdf")


def test_labels_at_one_spot_are_joined_and_labels_never_overlap() -> None:
    plot = _plot()
    xs = [rate(p.count_b, plot.total_b) for p in plot.points]
    ys = [rate(p.count_a, plot.total_a) for p in plot.points]
    labels = place_labels(plot, xs, ys, 0.5, 500)
    assert sorted(label.text for label in labels) == ["elev", "huvudman", "lektion"]
    crowded = TermPlot("a", "b", 100, 100, "none", 0.05, [
        TermPoint(f"ord{i}", 10 + i, 10, 1.0, 0.01, 0.1, True, True) for i in range(6)])
    xs = [rate(p.count_b, 100) for p in crowded.points]
    ys = [rate(p.count_a, 100) for p in crowded.points]
    placed = place_labels(crowded, xs, ys, 100, 10_000)
    boxes = [(lb.text_x if lb.left_aligned else lb.text_x - 0.0105 * len(lb.text), lb.text_y) for lb in placed]
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1:]:
            assert abs(y1 - y2) >= 0.024 - 1e-9 or abs(x1 - x2) >= 0.0105 * 4


def test_pictures_from_the_installed_script(two_levels: Store, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("qualcode")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    db = ["--db", two_levels.location.url]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args, *db], cwd=tmp_path, capture_output=True, text=True, env=env,
                              timeout=300)

    cloud = tmp_path / "cloud.png"
    made = run("words", "--form", "--cloud", str(cloud))
    assert made.returncode == 0, made.stderr
    assert cloud.read_bytes()[:4] == b"\x89PNG"
    again = run("words", "--cloud", str(cloud))
    assert again.returncode != 0 and "--force" in again.stderr + again.stdout
    page = tmp_path / "key.html"
    plotted = run("keyness", "--by", "level", "--a", "state", "--b", "school", "--form", "--plot", str(page))
    assert plotted.returncode == 0, plotted.stderr
    assert "huvudman" in page.read_text(encoding="utf-8") and "huvudman" in plotted.stdout
    wrong = run("keyness", "--by", "level", "--a", "state", "--b", "school", "--plot", str(tmp_path / "key.gif"))
    assert wrong.returncode != 0 and ".html" in wrong.stderr + wrong.stdout
    assert "Traceback" not in again.stderr + wrong.stderr


def test_keyness_one_side_keeps_the_correction_over_every_word(two_levels: Store) -> None:
    both = words.keyness(two_levels, "level", "state", "school", lemma=False, min_freq=5, limit=None)
    only_a = words.keyness(two_levels, "level", "state", "school", lemma=False, min_freq=5, limit=None, side="a")
    only_b = words.keyness(two_levels, "level", "state", "school", lemma=False, min_freq=5, limit=None, side="b")
    assert only_a.tested == only_b.tested == both.tested
    assert only_a.words and all(k.log_ratio > 0 for k in only_a.words)
    assert only_b.words and all(k.log_ratio <= 0 for k in only_b.words)
    assert len(only_a.words) + len(only_b.words) == len(both.words)
    by_word = {k.word: k.p_adjusted for k in both.words}
    assert all(by_word[k.word] == k.p_adjusted for k in only_a.words)
    with pytest.raises(QualcodeError, match="no side"):
        words.keyness(two_levels, "level", "state", "school", side="c")


def test_term_plot_pseudonymised_renders_the_words_and_the_lines(two_levels: Store) -> None:
    from qualcode.services import pseudonyms

    table = words.keyness(two_levels, "level", "state", "school", lemma=False, min_freq=5, limit=None)
    plain = words.term_plot(two_levels, table, lemma=False, label=1)
    with pytest.raises(QualcodeError, match="pseudonym table is empty"):
        words.term_plot(two_levels, table, lemma=False, label=1, pseudonymise=True)
    pseudonyms.add(two_levels, pseudonyms.make_entry("huvudman", "ägare", "other"))
    masked = words.term_plot(two_levels, table, lemma=False, label=1, pseudonymise=True)
    assert [p.word for p in masked.points] == ["ägare" if p.word == "huvudman" else p.word for p in plain.points]
    point = next(p for p in masked.points if p.word == "ägare")
    assert point.examples_a and all("[ägare]" in line and "[Huvudman]" not in line for line in point.examples_a)
    assert [(p.count_a, p.count_b, p.g2) for p in masked.points] == [(p.count_a, p.count_b, p.g2) for p in plain.points]
    assert words.term_plot(two_levels, table, lemma=False, label=1, pseudonymise=False) == plain
