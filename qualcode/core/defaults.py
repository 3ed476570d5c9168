"""Defaults that both a use case and the command line show to the user.

They live here, in the pure core, so a command can print them in its ``--help`` without
importing the service (and with it the store, numpy or an analysis module).
"""

from __future__ import annotations

DEFAULT_CITE = "({role}, {school})"
"""Attribution template of a quoted passage: speaker and document attributes."""

CONFIDENT = 0.5
"""A top suggestion score (a calibrated probability where there is one) from which
``suggest next`` stops at a passage."""

BLIND_SPOT = 0.5
"""A topic is a blind spot when more than this share of its passages carry no code."""
