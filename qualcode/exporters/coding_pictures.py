"""Coding drawn for print: a document's codeline, the code x document overview and the
code co-occurrence network, PNG or SVG with matplotlib (Agg) and networkx.

Codes keep their codebook colour where they have a valid one; the others take colours
from matplotlib's tab10 cycle in codebook order, so a picture is the same every time.
Every figure carries its caption (whose codings it shows) under the title.
"""

from __future__ import annotations

from typing import IO, Any

from qualcode.core.pictures import CodeDocumentMatrix, Codeline, CodeNetwork
from qualcode.errors import ExportError
from qualcode.exporters.headless import pyplot

FORMATS = ("png", "svg")
INTERVIEWER_GREY = "#d9d9d9"
SPEAKER_GREY = "#8c8c8c"


def colours(given: list[str | None]) -> list[str]:
    """Each code's own colour where matplotlib reads it, else the next of tab10."""
    from matplotlib import colormaps
    from matplotlib.colors import is_color_like, to_hex

    cycle = [to_hex(c) for c in colormaps["tab10"].colors]  # type: ignore[attr-defined]
    out, n = [], 0
    for colour in given:
        if colour and is_color_like(colour):
            out.append(to_hex(colour))
        else:
            out.append(cycle[n % len(cycle)])
            n += 1
    return out


def save(fig: Any, stream: IO[bytes], fmt: str, dpi: int) -> None:
    """Write the figure and close it; an unwritable stream becomes an ExportError."""
    plt = pyplot()
    if fmt not in FORMATS:
        plt.close(fig)
        raise ExportError(f"Figures are PNG or SVG, not '{fmt}'.", "Name the file .png or .svg.")
    import matplotlib

    try:
        # no creation date and fixed element ids in the SVG: the same project draws the same file
        with matplotlib.rc_context({"svg.hashsalt": "qualcode"}):
            fig.savefig(stream, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    except OSError as exc:
        raise ExportError(f"Cannot write the figure: {exc.strerror or exc}.") from exc
    finally:
        plt.close(fig)


# ------------------------------------------------------------------ codeline


def codeline_figure(data: Codeline) -> Any:
    plt = pyplot()
    rows = data.rows
    labels = [r.key + (f" ({r.coder})" if r.coder else "") for r in rows]
    fill = colours([r.colour for r in rows])
    height = max(2.0, 1.3 + 0.32 * (len(rows) + 1))
    fig, ax = plt.subplots(figsize=(10, height), constrained_layout=True)
    for i, row in enumerate(rows):
        ax.broken_barh([(s, e - s) for s, e in row.spans], (i - 0.4, 0.8), facecolors=fill[i])
    if data.turns:
        turns = len(rows)
        ax.broken_barh([(s, e - s) for s, e, _, interviewer in data.turns if not interviewer],
                       (turns - 0.4, 0.8), facecolors=SPEAKER_GREY)
        ax.broken_barh([(s, e - s) for s, e, _, interviewer in data.turns if interviewer],
                       (turns - 0.4, 0.8), facecolors=INTERVIEWER_GREY)
        labels.append("turns (light: interviewer)")
    ax.set_yticks(range(len(labels)), labels=labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, max(data.length, 1))
    ax.set_xlabel("position in the document (characters)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title(f"Codeline\n{data.caption}", fontsize=10)
    return fig


def write_codeline(data: Codeline, stream: IO[bytes], *, fmt: str = "png", dpi: int = 200) -> None:
    save(codeline_figure(data), stream, fmt, dpi)


# ------------------------------------------------------------------ code x document


def code_matrix_figure(data: CodeDocumentMatrix) -> Any:
    import matplotlib
    import numpy as np

    plt = pyplot()
    values = np.array(data.values(), dtype=float).reshape(len(data.row_keys), len(data.documents))
    rows, cols = values.shape
    width = max(5.0, 2.2 + 0.42 * cols + 0.07 * max(len(k) for k in data.row_keys))
    height = max(3.0, 2.0 + 0.3 * rows)
    fig, ax = plt.subplots(figsize=(width, height), constrained_layout=True)
    cmap = matplotlib.colormaps["Blues"]
    top = float(values.max()) if values.size and values.max() > 0 else 1.0
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=top, aspect="auto")
    for i in range(rows):
        for j in range(cols):
            value = values[i, j]
            if value <= 0:
                continue
            text = f"{value:.0%}" if data.measure == "share" else f"{value:.0f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=6,
                    color="white" if value / top > 0.55 else "black")
    ax.set_xticks(range(cols), labels=data.documents, fontsize=7, rotation=60, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(rows), labels=["  " * d + k for d, k in zip(data.depths, data.row_keys, strict=True)],
                  fontsize=7)
    for tick, colour in zip(ax.get_yticklabels(), colours(list(data.row_colours)), strict=True):
        tick.set_color(colour)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("share of the document's text coded" if data.measure == "share" else "codings", fontsize=8)
    if data.measure == "share":
        bar.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    else:
        bar.ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"Codes by document\n{data.caption}", fontsize=10)
    return fig


def write_code_matrix(data: CodeDocumentMatrix, stream: IO[bytes], *, fmt: str = "png", dpi: int = 200) -> None:
    save(code_matrix_figure(data), stream, fmt, dpi)


# ------------------------------------------------------------------ network


def network_layout(data: CodeNetwork, *, seed: int = 7, min_pairs: int = 1) -> dict[int, tuple[float, float]]:
    """Node positions from networkx's spring layout, weighted by pairs, with a fixed seed."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(data.nodes)))
    graph.add_weighted_edges_from((a, b, w) for a, b, w in data.edges if w >= min_pairs)
    positions = nx.spring_layout(graph, seed=seed, weight="weight", k=1.6 / max(len(data.nodes), 1) ** 0.5)
    return {node: (float(x), float(y)) for node, (x, y) in positions.items()}


def network_figure(data: CodeNetwork, *, seed: int = 7, min_pairs: int = 1) -> Any:
    plt = pyplot()
    where = network_layout(data, seed=seed, min_pairs=min_pairs)
    edges = [(a, b, w) for a, b, w in data.edges if w >= min_pairs]
    fig, ax = plt.subplots(figsize=(8, 6.5), constrained_layout=True)
    heaviest = max((w for _, _, w in edges), default=1)
    for a, b, w in edges:
        (xa, ya), (xb, yb) = where[a], where[b]
        ax.plot([xa, xb], [ya, yb], color="#555555", alpha=0.25 + 0.6 * w / heaviest,
                linewidth=0.6 + 5.0 * w / heaviest, zorder=1, solid_capstyle="round")
    most = max((n.codings for n in data.nodes), default=1) or 1
    fill = colours([n.colour for n in data.nodes])
    xs = [where[i][0] for i in range(len(data.nodes))]
    ys = [where[i][1] for i in range(len(data.nodes))]
    sizes = [80 + 1400 * n.codings / most for n in data.nodes]
    ax.scatter(xs, ys, s=sizes, c=fill, edgecolors="white", linewidths=1.2, zorder=2)
    for i, node in enumerate(data.nodes):
        ax.annotate(f"{node.key} ({node.codings})", (xs[i], ys[i]), fontsize=7, ha="center", va="center",
                    xytext=(0, -(sizes[i] ** 0.5) / 2 - 6), textcoords="offset points", zorder=3)
    ax.set_axis_off()
    ax.margins(0.12)
    note = f"; edges of {min_pairs}+ pairs" if min_pairs > 1 else ""
    ax.set_title(f"Code co-occurrence\n{data.caption}{note}\n"
                 "node size: codings; edge width: coding pairs together", fontsize=9)
    return fig


def write_network(data: CodeNetwork, stream: IO[bytes], *, fmt: str = "png", dpi: int = 200, seed: int = 7,
                  min_pairs: int = 1) -> None:
    save(network_figure(data, seed=seed, min_pairs=min_pairs), stream, fmt, dpi)
