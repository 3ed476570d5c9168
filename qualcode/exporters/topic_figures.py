"""Figures and tables of topic models: static PNG/SVG for articles, CSV/JSON tables, and
BERTopic's own interactive HTML views.

Static figures use matplotlib with the Agg backend: one panel of topic sizes, then one
small bar chart of top terms per topic (weights are c-TF-IDF scores). Bars are a single
dark colour (cividis's dark end), so the figure prints in greyscale. The HTML views are
drawn by a fitted BERTopic object handed in by the caller; nothing here fits anything.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from qualcode.errors import ExportError
from qualcode.exporters.headless import pyplot

FORMATS = ("png", "svg")
HTML_VIEWS = ("terms", "map", "documents", "hierarchy", "heatmap")
BAR = "#00204d"


@dataclass(frozen=True)
class TopicBar:
    """What a figure or table needs of one topic."""

    number: int
    name: str
    size: int
    terms: tuple[tuple[str, float], ...]


def write_topics_csv(topics: Sequence[TopicBar], stream: IO[str], *, top: int = 10) -> None:
    writer = csv.writer(stream)
    writer.writerow(["topic", "name", "size", "terms", "weights"])
    for t in topics:
        terms = t.terms[:top]
        writer.writerow([t.number, t.name, t.size, " ".join(w for w, _ in terms),
                         " ".join(f"{s:.4f}" for _, s in terms)])


def write_topics_json(topics: Sequence[TopicBar], stream: IO[str], *, extra: dict[str, Any] | None = None) -> None:
    data = {**(extra or {}), "topics": [
        {"topic": t.number, "name": t.name, "size": t.size,
         "terms": [{"term": w, "weight": s} for w, s in t.terms]} for t in topics]}
    json.dump(data, stream, ensure_ascii=False, indent=2, default=str)
    stream.write("\n")


def write_rows_csv(header: Sequence[str], rows: Sequence[Sequence[Any]], stream: IO[str]) -> None:
    writer = csv.writer(stream)
    writer.writerow(list(header))
    writer.writerows(rows)


def write_topic_figure(topics: Sequence[TopicBar], stream: IO[bytes], *, fmt: str = "png",
                       title: str = "", terms: int = 8, columns: int = 4, dpi: int = 300) -> None:
    """Sizes of every topic, then the top terms of each, in one figure."""
    if fmt not in FORMATS:
        raise ExportError(f"Figures are PNG or SVG, not '{fmt}'.", "Name the file .png or .svg.")
    if not topics:
        raise ExportError("The run has no topics to draw.")
    plt = pyplot()

    shown = [t for t in topics if t.number != -1]
    panels = len(shown)
    rows = math.ceil(panels / columns) if panels else 0
    height = 0.3 * len(topics) + 1.2 + rows * (0.28 * terms + 0.9)
    fig = plt.figure(figsize=(3.2 * columns, height), constrained_layout=True)
    grid = fig.add_gridspec(1 + rows, columns, height_ratios=[0.3 * len(topics) + 0.6] + [0.28 * terms + 0.6] * rows)
    sizes = fig.add_subplot(grid[0, :])
    labels = [f"{t.number}: {t.name}" for t in topics]
    sizes.barh(range(len(topics)), [t.size for t in topics], color=[BAR if t.number != -1 else "#9a9a9a"
                                                                     for t in topics])
    sizes.set_yticks(range(len(topics)), labels, fontsize=8)
    sizes.invert_yaxis()
    sizes.set_xlabel("segments")
    sizes.set_title(title or "Topic sizes", fontsize=10, loc="left")
    for side in ("top", "right"):
        sizes.spines[side].set_visible(False)
    for i, t in enumerate(shown):
        ax = fig.add_subplot(grid[1 + i // columns, i % columns])
        words = list(t.terms[:terms])
        ax.barh(range(len(words)), [s for _, s in words], color=BAR)
        ax.set_yticks(range(len(words)), [w for w, _ in words], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"Topic {t.number} ({t.size})", fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    try:
        fig.savefig(stream, format=fmt, dpi=dpi)
    finally:
        plt.close(fig)


def write_html_view(model: Any, view: str, stream: IO[str], *, texts: Sequence[str] | None = None,
                    embeddings: Any = None, top: int = 8, title: str | None = None) -> None:
    """One of BERTopic's interactive views of a fitted model, as a standalone HTML page."""
    if view not in HTML_VIEWS:
        raise ExportError(f"Unknown view '{view}'.", f"Choose one of {', '.join(HTML_VIEWS)}.")
    topics = sorted(t for t in model.get_topics() if t != -1)
    try:
        if view == "terms":
            figure = model.visualize_barchart(top_n_topics=len(topics), n_words=top, title=title or "Top terms")
        elif view == "map":
            figure = model.visualize_topics(title=title or "Intertopic distance map")
        elif view == "hierarchy":
            figure = model.visualize_hierarchy(title=title or "Hierarchical clustering")
        elif view == "heatmap":
            figure = model.visualize_heatmap(title=title or "Similarity matrix")
        else:
            figure = model.visualize_documents(list(texts or []), embeddings=embeddings,
                                               hide_annotations=True, title=title or "Documents and topics")
    except (ValueError, TypeError, IndexError) as exc:
        raise ExportError(f"BERTopic could not draw the '{view}' view of this run: {exc}",
                          "Views of topic distances need at least three topics; try --view terms.") from exc
    stream.write(figure.to_html(include_plotlyjs=True, full_html=True))
