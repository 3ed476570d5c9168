"""Matplotlib for figures written to files, chosen in one place for every exporter."""

from __future__ import annotations

from types import ModuleType


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` with the non-interactive Agg backend set.

    Figures are drawn to files, often on a server or over SSH where there is no
    display: the backend matplotlib would pick there may fail to start or try to open
    a window. Agg renders in memory everywhere. ``force`` switches to it even when
    something imported pyplot with another backend first. Matplotlib is imported here,
    on first use, so that importing an exporter costs nothing."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt
