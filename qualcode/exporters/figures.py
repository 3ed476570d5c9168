"""Heatmaps of matrices for print: PNG or SVG, matplotlib with the Agg backend.

Residual maps use a diverging blue-orange palette centred on zero (safe for the common
colour-vision deficiencies and legible in greyscale by lightness); value maps use
cividis, designed for colour-blind readers. Every cell is also labelled with its
number, so the figure reads without colour at all.
"""

from __future__ import annotations

import math
from typing import IO

from qualcode.errors import ExportError
from qualcode.exporters.headless import pyplot
from qualcode.exporters.tabular import MatrixTable

FORMATS = ("png", "svg")


def write_heatmap(table: MatrixTable, stream: IO[bytes], *, fmt: str = "png",
                  residuals: bool = True, dpi: int = 300, subtitle: str | None = None) -> None:
    """Draw the table's residuals (default, when it has them) or its values.

    ``subtitle`` goes on a second title line: whose codings the figure counts.
    """
    import matplotlib
    import numpy as np

    plt = pyplot()

    if fmt not in FORMATS:
        raise ExportError(f"Figures are PNG or SVG, not '{fmt}'.", "Name the file .png or .svg.")
    show_residuals = residuals and table.residuals is not None
    data = np.array(table.residuals if show_residuals else table.values, dtype=float)
    rows, cols = data.shape
    width = max(4.0, 1.6 + 0.9 * cols + 0.08 * max(len(r) for r in table.row_labels))
    height = max(2.5, 1.2 + 0.38 * rows)
    fig, ax = plt.subplots(figsize=(width, height), constrained_layout=True)
    if show_residuals:
        finite = data[np.isfinite(data)]
        bound = max(3.0, float(np.abs(finite).max()) if finite.size else 3.0)
        cmap = matplotlib.colormaps["PuOr_r"]
        image = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=-bound, vmax=bound, aspect="auto")
        label = "adjusted standardized residual"
    else:
        image = ax.imshow(data, cmap=matplotlib.colormaps["cividis"], aspect="auto")
        label = table.value_name
    norm = image.norm
    for i in range(rows):
        for j in range(cols):
            value = data[i, j]
            if math.isnan(value):
                continue
            shade = image.cmap(norm(value))
            light = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] > 0.5
            text = f"{value:.1f}" if show_residuals else (
                f"{value:.0f}" if table.digits == 0 else f"{value:.{table.digits}f}")
            weight = "bold" if show_residuals and abs(value) >= 1.96 else "normal"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, fontweight=weight,
                    color="black" if light else "white")
    ax.set_xticks(range(cols), labels=table.column_labels, fontsize=9, rotation=30 if cols > 5 else 0,
                  ha="right" if cols > 5 else "center")
    ax.set_yticks(range(rows), labels=table.row_labels, fontsize=9)
    ax.set_title(table.title + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label(label, fontsize=8)
    try:
        fig.savefig(stream, format=fmt, dpi=dpi)
    except OSError as exc:
        raise ExportError(f"Cannot write the figure: {exc.strerror or exc}.") from exc
    finally:
        plt.close(fig)
