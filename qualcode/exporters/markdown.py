"""Coded passages as Markdown: one section per code, each quote with its attribution."""

from __future__ import annotations

import re
from typing import IO

from qualcode.exporters.tabular import Quote


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def grouped(quotes: list[Quote]) -> list[tuple[str, str, list[Quote]]]:
    """(code key, label, quotes) in the order codes first appear: how articles group quotes."""
    order: dict[str, tuple[str, list[Quote]]] = {}
    for quote in quotes:
        key = quote.passage.code_key
        order.setdefault(key, (quote.passage.code_label, []))[1].append(quote)
    return [(key, label, items) for key, (label, items) in order.items()]


def write_quotes_markdown(quotes: list[Quote], stream: IO[str], *, title: str = "Coded passages") -> None:
    out = [f"# {title}", ""]
    for _key, label, items in grouped(quotes):
        out += [f"## {label}", ""]
        for quote in items:
            cite = f" {quote.attribution}" if quote.attribution else ""
            out += [f"> {_flat(quote.passage.text)}{cite}", ""]
    stream.write("\n".join(out))
