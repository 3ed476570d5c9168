"""The two-group term plot of a keyness table: each word's frequency in group A
against group B, both per 10,000 words on log scales, the key words labelled.

Words on the diagonal are used alike; above it, more by A; below it, more by B.
A word one group never uses is drawn at the rate of half an occurrence (the same
stand-in as the log ratio), so it sits at that group's edge of the plot instead of
off it. Two forms: a static figure (PNG or SVG, matplotlib with the Agg backend) and a
self-contained HTML page (inline SVG and a few lines of script, nothing fetched)
whose points show their counts and an example line or two when pointed at.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from qualcode.errors import ExportError
from qualcode.exporters.headless import pyplot

FORMATS = ("png", "svg", "html")
COLOUR_A, COLOUR_B, COLOUR_OTHER = "#b35806", "#542788", "#9a9a9a"  # orange / purple: safe for colour blindness


@dataclass(frozen=True)
class TermPoint:
    word: str
    count_a: int
    count_b: int
    g2: float
    p_adjusted: float
    log_ratio: float
    key: bool  # significant after the correction
    labelled: bool
    examples_a: tuple[str, ...] = ()  # concordance lines, citation included
    examples_b: tuple[str, ...] = ()


@dataclass(frozen=True)
class TermPlot:
    a: str  # e.g. "level=state"
    b: str
    total_a: int
    total_b: int
    correction: str
    alpha: float
    points: Sequence[TermPoint]


def rate(count: int, total: int) -> float:
    """Per 10,000 words; a zero counts as half an occurrence."""
    return (count or 0.5) * 10_000 / total


def _rates(plot: TermPlot) -> tuple[list[float], list[float], float, float]:
    """Each point's rate in B (x) and in A (y), and the axes' common range around them."""
    xs = [rate(p.count_b, plot.total_b) for p in plot.points]
    ys = [rate(p.count_a, plot.total_a) for p in plot.points]
    return xs, ys, min(min(xs), min(ys)) / 1.5, max(max(xs), max(ys)) * 1.5


def _drawing_order(plot: TermPlot) -> list[int]:
    """The points' indices, key words last so that they are drawn on top."""
    return sorted(range(len(plot.points)), key=lambda i: plot.points[i].key)


def _colour(point: TermPoint) -> str:
    if not point.key:
        return COLOUR_OTHER
    return COLOUR_A if point.log_ratio > 0 else COLOUR_B


def _caption(plot: TermPlot) -> str:
    return (f"Key words: G², p adjusted by {plot.correction} < {plot.alpha:g}; "
            f"a word absent from a group is drawn at half an occurrence.")


@dataclass(frozen=True)
class Label:
    text: str
    x: float  # the point, as fractions of the plot's width and height (0 at the left and bottom)
    y: float
    text_x: float  # where the text starts (left-aligned) or ends (right-aligned)
    text_y: float  # the text's baseline
    left_aligned: bool
    colour: str
    moved: bool  # not beside its point: draw a leader line


STEPS = (0, *(s * d for s in range(1, 13) for d in (1, -1)))  # label heights up or down from the point


def place_labels(plot: TermPlot, xs: Sequence[float], ys: Sequence[float], low: float, high: float,
                 *, char: float = 0.0105, height: float = 0.024) -> list[Label]:
    """Labels for the labelled points: words at the same spot share one label, and a
    label that would cover an earlier one moves up or down until it is free (after
    a dozen heights each way it stays where it is)."""
    span = math.log10(high) - math.log10(low)

    def frac(value: float) -> float:
        return (math.log10(value) - math.log10(low)) / span

    spots: dict[tuple[float, float], list[TermPoint]] = {}
    for point, x, y in zip(plot.points, xs, ys, strict=True):
        if point.labelled:
            spots.setdefault((round(frac(x), 3), round(frac(y), 3)), []).append(point)
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    for (fx, fy), points in sorted(spots.items(), key=lambda item: -max(p.g2 for p in item[1])):
        text = ", ".join(p.word for p in sorted(points, key=lambda p: -p.g2))
        width = char * len(text)
        left = fx < 0.6  # text to the right of the point, unless that runs off the plot
        x0 = fx + 0.012 if left else fx - 0.012 - width
        step = 0
        for step in STEPS:
            y0 = fy - height / 3 + step * height
            box = (x0, y0, x0 + width, y0 + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        else:  # no free height: beside the point after all
            step, y0 = 0, fy - height / 3
            box = (x0, y0, x0 + width, y0 + height)
        placed.append(box)
        labels.append(Label(text, fx, fy, x0 if left else x0 + width, y0, left, _colour(points[0]), step != 0))
    return labels


def write_term_plot(plot: TermPlot, stream: IO, *, fmt: str = "png") -> None:
    """PNG or SVG to a binary stream; HTML to a text stream."""
    if fmt not in FORMATS:
        raise ExportError(f"A term plot is PNG, SVG or HTML, not '{fmt}'.", "Name the file .png, .svg or .html.")
    if not plot.points:
        raise ExportError("No words were tested, so there is nothing to plot.", "Lower --min-freq or --min-docs.")
    if fmt == "html":
        stream.write(term_plot_html(plot))
        return
    plt = pyplot()

    xs, ys, low, high = _rates(plot)
    fig, ax = plt.subplots(figsize=(7.5, 6.5), constrained_layout=True)
    order = _drawing_order(plot)
    ax.scatter([xs[i] for i in order], [ys[i] for i in order], s=14, alpha=0.7, linewidths=0,
               c=[_colour(plot.points[i]) for i in order])
    ax.plot([low, high], [low, high], linestyle="--", linewidth=0.8, color="#555555")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel(f"{plot.b}: per 10,000 words ({plot.total_b:,} words)")
    ax.set_ylabel(f"{plot.a}: per 10,000 words ({plot.total_a:,} words)")
    ax.set_title(f"{plot.a} against {plot.b}", fontsize=12)
    for label in place_labels(plot, xs, ys, low, high):
        ax.text(label.text_x, label.text_y, label.text, transform=ax.transAxes, fontsize=8, color=label.colour,
                ha="left" if label.left_aligned else "right", va="bottom")
        if label.moved:
            ax.plot([label.x, label.text_x], [label.y, label.text_y + 0.008], transform=ax.transAxes,
                    color=label.colour, linewidth=0.5, alpha=0.7)
    ax.text(0.02, 0.98, f"more in {plot.a}", transform=ax.transAxes, va="top", color=COLOUR_A, fontsize=9)
    ax.text(0.98, 0.02, f"more in {plot.b}", transform=ax.transAxes, ha="right", color=COLOUR_B, fontsize=9)
    fig.text(0.01, 0.0, _caption(plot), fontsize=7, color="#444444", va="bottom")
    fig.get_layout_engine().set(h_pad=0.12)
    fig.savefig(stream, format=fmt, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ interactive HTML

SIZE, MARGIN = 640, 64

SCRIPT = """
const data = JSON.parse(document.getElementById('points').textContent);
const tip = document.getElementById('tip');
function line(text, cls) { const p = document.createElement('div'); p.textContent = text;
  if (cls) p.className = cls; tip.appendChild(p); }
document.querySelectorAll('circle[data-i]').forEach(function (dot) {
  dot.addEventListener('mouseenter', function (event) {
    const d = data[Number(dot.dataset.i)];
    tip.replaceChildren();
    line(d.word, 'word');
    line(d.a + ': ' + d.count_a + ' (' + d.rate_a + ' per 10,000)');
    line(d.b + ': ' + d.count_b + ' (' + d.rate_b + ' per 10,000)');
    line('G\\u00b2 ' + d.g2 + ', p adj. ' + d.p + ', log ratio ' + d.log_ratio);
    d.examples.forEach(function (e) { line(e, 'kwic'); });
    tip.style.display = 'block';
    const box = document.getElementById('plot').getBoundingClientRect();
    tip.style.left = (event.clientX - box.left + 14) + 'px';
    tip.style.top = (event.clientY - box.top + 14) + 'px';
  });
  dot.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
});
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
#plot { position: relative; display: inline-block; }
#tip { position: absolute; display: none; max-width: 26em; background: #fff; border: 1px solid #888;
       padding: .4em .6em; font-size: 13px; box-shadow: 2px 2px 6px rgba(0,0,0,.2); pointer-events: none; }
#tip .word { font-weight: bold; } #tip .kwic { color: #444; margin-top: .3em; font-style: italic; }
circle { cursor: pointer; } circle:hover { stroke: #000; stroke-width: 1.5; }
p.caption { font-size: 13px; color: #444; max-width: 46em; }
"""


def _ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            value = step * 10 ** exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _number(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"{value:.2g}"


def term_plot_html(plot: TermPlot) -> str:
    """The page as one string: inline SVG, the points' data as JSON, no external files."""
    xs, ys, low, high = _rates(plot)
    span = math.log10(high) - math.log10(low)
    inner = SIZE - 2 * MARGIN

    def x_of(value: float) -> float:
        return MARGIN + (math.log10(value) - math.log10(low)) / span * inner

    def y_of(value: float) -> float:
        return SIZE - MARGIN - (math.log10(value) - math.log10(low)) / span * inner

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
             f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{html.escape(plot.a)} against '
             f'{html.escape(plot.b)}">',
             f'<rect x="{MARGIN}" y="{MARGIN}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>',
             f'<line x1="{x_of(low):.1f}" y1="{y_of(low):.1f}" x2="{x_of(high):.1f}" y2="{y_of(high):.1f}" '
             'stroke="#555" stroke-dasharray="5,4"/>']
    for tick in _ticks(low, high):
        x, y = x_of(tick), y_of(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{SIZE - MARGIN}" x2="{x:.1f}" y2="{SIZE - MARGIN + 5}" stroke="#999"/>'
                     f'<text x="{x:.1f}" y="{SIZE - MARGIN + 18}" font-size="11" text-anchor="middle">'
                     f'{_number(tick)}</text>'
                     f'<line x1="{MARGIN - 5}" y1="{y:.1f}" x2="{MARGIN}" y2="{y:.1f}" stroke="#999"/>'
                     f'<text x="{MARGIN - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_number(tick)}</text>')
    parts.append(f'<text x="{SIZE / 2}" y="{SIZE - 18}" font-size="13" text-anchor="middle">'
                 f'{html.escape(plot.b)}: per 10,000 words</text>'
                 f'<text x="18" y="{SIZE / 2}" font-size="13" text-anchor="middle" '
                 f'transform="rotate(-90 18 {SIZE / 2})">{html.escape(plot.a)}: per 10,000 words</text>'
                 f'<text x="{MARGIN + 8}" y="{MARGIN + 18}" font-size="12" fill="{COLOUR_A}">'
                 f'more in {html.escape(plot.a)}</text>'
                 f'<text x="{SIZE - MARGIN - 8}" y="{SIZE - MARGIN - 10}" font-size="12" fill="{COLOUR_B}" '
                 f'text-anchor="end">more in {html.escape(plot.b)}</text>')
    data = []
    for i in _drawing_order(plot):
        point = plot.points[i]
        parts.append(f'<circle data-i="{len(data)}" cx="{x_of(xs[i]):.1f}" cy="{y_of(ys[i]):.1f}" '
                     f'r="{4 if point.key else 3}" fill="{_colour(point)}" fill-opacity="0.75"/>')
        data.append({"word": point.word, "a": plot.a, "b": plot.b, "count_a": point.count_a,
                     "count_b": point.count_b, "rate_a": round(point.count_a * 10_000 / plot.total_a, 2),
                     "rate_b": round(point.count_b * 10_000 / plot.total_b, 2), "g2": round(point.g2, 2),
                     "p": f"{point.p_adjusted:.2g}", "log_ratio": round(point.log_ratio, 2),
                     "examples": [*point.examples_a, *point.examples_b]})
    for label in place_labels(plot, xs, ys, low, high, char=0.0095, height=0.026):
        if label.moved:
            parts.append(f'<line x1="{MARGIN + label.x * inner:.1f}" y1="{SIZE - MARGIN - label.y * inner:.1f}" '
                         f'x2="{MARGIN + label.text_x * inner:.1f}" y2="{SIZE - MARGIN - label.text_y * inner - 4:.1f}" '
                         f'stroke="{label.colour}" stroke-width="0.6" pointer-events="none"/>')
        parts.append(f'<text x="{MARGIN + label.text_x * inner:.1f}" y="{SIZE - MARGIN - label.text_y * inner:.1f}" '
                     f'font-size="11" fill="{label.colour}" text-anchor="{"start" if label.left_aligned else "end"}" '
                     f'pointer-events="none">{html.escape(label.text)}</text>')
    parts.append("</svg>")
    points_json = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(f"Keyness: {plot.a} against {plot.b}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            f"<h1>{title}</h1><p class=\"caption\">{html.escape(plot.a)}: {plot.total_a:,} words; "
            f"{html.escape(plot.b)}: {plot.total_b:,} words. {html.escape(_caption(plot))} "
            "Point at a word for its counts and example lines.</p>"
            f"<div id=\"plot\">{''.join(parts)}<div id=\"tip\"></div></div>"
            f"<script type=\"application/json\" id=\"points\">{points_json}</script>"
            f"<script>{SCRIPT}</script></body></html>\n")
