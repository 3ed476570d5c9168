"""A word cloud of a word list, to a PNG or SVG stream (the ``wordcloud`` package).

The words are drawn from their counts as given (``generate_from_frequencies``), so the
cloud shows exactly the word list qualcode counted: the package's own tokenising,
stop words and plural folding play no part. The layout is seeded, so the same list
gives the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from qualcode.errors import ExportError

FORMATS = ("png", "svg")
# Dark enough to read on white at the smallest size (contrast 4.5:1 or more).
PALETTE = ("#1f3b73", "#2e6f6b", "#6a3d7a", "#8a4b0f", "#3c3c3c")


def _colour(word: str, **_: object) -> str:
    return PALETTE[sum(map(ord, word)) % len(PALETTE)]  # the same word, the same colour


def write_cloud(words: Sequence[tuple[str, int]], stream: IO[bytes], *, fmt: str = "png",
                width: int = 900, height: int = 500) -> None:
    """Draw ``(word, count)`` pairs, the largest count in the largest type."""
    if fmt not in FORMATS:
        raise ExportError(f"A word cloud is PNG or SVG, not '{fmt}'.", "Name the file .png or .svg.")
    counts = {word: count for word, count in words if count > 0}
    if not counts:
        raise ExportError("No words to draw.", "Loosen the selection so that some words are counted.")
    try:
        from PIL import Image
        from wordcloud import WordCloud
    except ImportError as exc:  # an optional picture: the rest of qualcode works without it
        raise ExportError("Word clouds need the 'wordcloud' package.", "pip install wordcloud") from exc

    cloud = WordCloud(width=width, height=height, background_color="white", color_func=_colour,
                      random_state=7, prefer_horizontal=0.95, max_words=len(counts), margin=3,
                      relative_scaling=0.5, collocations=False, normalize_plurals=False)
    cloud.generate_from_frequencies(counts)
    if fmt == "svg":
        stream.write(cloud.to_svg().encode("utf-8"))
    else:
        # a few colours on white: a palette image is a fraction of the size of RGB
        image = cloud.to_image().convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
        image.save(stream, format="PNG", optimize=True)
