"""Association of a collocate with a node word: mutual information and log-likelihood.

The counts are window-based, as corpus tools count them (Evert 2008): ``observed``
is how often the collocate stands within the window of a node occurrence,
``window_words`` how many running words those windows hold together, ``frequency``
how often the collocate occurs in the whole selection and ``total`` the running words
of the selection. From these comes the 2x2 table

                     collocate     other words
    in a window      O11           window_words - O11
    elsewhere        f - O11       total - window_words - (f - O11)

with expected counts ``E = row total * column total / total``. MI is
``log2(O11 / E11)`` (Church & Hanks 1990); G² is ``2 Σ O ln(O/E)`` over the four
cells (Dunning 1993), with one degree of freedom for its p-value (scipy).
"""

from __future__ import annotations

import math


def expected(window_words: int, frequency: int, total: int) -> float:
    """E11: how often the collocate would stand in the windows by chance."""
    return window_words * frequency / total if total else 0.0


def mutual_information(observed: int, window_words: int, frequency: int, total: int) -> float:
    """log2(O11 / E11); minus infinity for a collocate never in a window."""
    e11 = expected(window_words, frequency, total)
    if observed == 0 or e11 == 0:
        return -math.inf
    return math.log2(observed / e11)


def table(observed: int, window_words: int, frequency: int, total: int) -> tuple[float, float, float, float]:
    """The four observed cells, none below zero (overlapping windows can count a
    word twice, so the window cells are clipped to what the corpus holds)."""
    o11 = float(observed)
    o12 = max(0.0, window_words - observed)
    o21 = max(0.0, frequency - observed)
    o22 = max(0.0, total - window_words - o21)
    return o11, o12, o21, o22


def log_likelihood(observed: int, window_words: int, frequency: int, total: int) -> float:
    """Dunning's G² of the 2x2 table (0 when the table has an empty margin)."""
    o11, o12, o21, o22 = table(observed, window_words, frequency, total)
    n = o11 + o12 + o21 + o22
    rows, cols = (o11 + o12, o21 + o22), (o11 + o21, o12 + o22)
    value = 0.0
    for o, r, c in ((o11, rows[0], cols[0]), (o12, rows[0], cols[1]), (o21, rows[1], cols[0]),
                    (o22, rows[1], cols[1])):
        if o > 0:
            value += o * math.log(o * n / (r * c))
    return 2.0 * value
