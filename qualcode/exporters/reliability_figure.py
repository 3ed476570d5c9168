"""Reliability diagrams: stated probability against the share that was right, per bin.

One panel per embedder, one line per method; the diagonal is perfect calibration. A
point's size grows with the number of suggestions in its bin, so a bin of three
suggestions does not look as telling as one of three hundred.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Protocol

from qualcode.errors import ExportError
from qualcode.exporters.headless import pyplot


class Reliability(Protocol):
    """Per bin counts, mean stated probability and share right, and their ECE."""

    ece: float
    counts: tuple[int, ...]
    confidence: tuple[float | None, ...]
    accuracy: tuple[float | None, ...]


Panel = tuple[str, Sequence[tuple[str, Reliability]]]  # (title, [(method, reliability)])
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")


def write_reliability(panels: Sequence[Panel], stream: IO[bytes], *, dpi: int = 150) -> None:
    """Draw one reliability diagram per panel into ``stream`` as PNG."""
    plt = pyplot()

    if not panels:
        raise ExportError("There is nothing to draw: no embedder could be evaluated.")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.6), squeeze=False,
                             constrained_layout=True)
    for ax, (title, lines) in zip(axes[0], panels, strict=True):
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
        for (method, rel), marker in zip(lines, MARKERS * 3, strict=False):
            points = [(c, a, n) for c, a, n in zip(rel.confidence, rel.accuracy, rel.counts, strict=True)
                      if n and c is not None and a is not None]
            if not points:
                continue
            xs, ys, ns = zip(*points, strict=True)
            total = max(1, sum(ns))
            ax.plot(xs, ys, marker=marker, linewidth=1, markersize=3,
                    label=f"{method} (ECE {rel.ece:.3f})")
            ax.scatter(xs, ys, s=[20 + 400 * n / total for n in ns], alpha=0.25)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="stated probability", ylabel="share right",
               title=title)
        ax.legend(fontsize=7, loc="upper left")
    try:
        fig.savefig(stream, format="png", dpi=dpi)
    except OSError as exc:
        raise ExportError(f"Cannot write the figure: {exc.strerror or exc}.") from exc
    finally:
        plt.close(fig)
