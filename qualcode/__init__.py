"""qualcode: a terminal workbench for qualitative interview coding."""

__version__ = "0.1.0"
