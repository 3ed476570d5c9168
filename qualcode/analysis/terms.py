"""Words, lemmas and terms: for full-text search, and the terms of topic models.

Lemmas come from a :class:`~qualcode.analysis.lemmas.Lemmatizer`, whose tables are
keyed by lower-cased forms, so words are lower-cased first. The functions here take
the table (any mapping that holds the words at hand) from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from qualcode.analysis.lemmas import (
    DEFAULT_METHOD,
    Lemmatizer,
    TableLookup,
    method_tables,
    read_table,
)
from qualcode.analysis.wordlists import LEMMA_CORRECTIONS, WordLists, word_lists
from qualcode.core.model import HEAD_MARK

WORD = re.compile(r"\w+", re.UNICODE)
TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # a topic term: two letters or more, no digits


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def word_count(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def index_terms(text: str, table: Mapping[str, str]) -> str:
    """The searchable form of a sentence: its words, then lemmas that differ."""
    tokens = words(text)
    differing = {table[t] for t in tokens if t in table} - set(tokens)
    return " ".join(tokens + sorted(differing))


def query_groups(query_words: Sequence[str], tables: Sequence[Mapping[str, str]], *,
                 heads: bool = False) -> list[list[str]]:
    """One group of alternatives per query word (:func:`words` of the query): the word
    and its lemma in each table; with ``heads``, also every compound whose head is
    one of those (the index marks heads with :data:`HEAD_MARK`).

    A sentence matches when every group matches; within a group any alternative may,
    by prefix, so "skolorna" also finds "skolans" through the lemma "skola", and with
    ``heads`` "dialog" finds "kvalitetsdialogerna".
    """
    groups = []
    for token in query_words:
        alternatives = [token]
        for table in tables:
            lemma = table.get(token)
            if lemma and lemma.lower() not in alternatives:
                alternatives.append(lemma.lower())
        if heads:
            alternatives += [HEAD_MARK + word for word in alternatives if not word.startswith(HEAD_MARK)]
        groups.append(alternatives)
    return groups


# ------------------------------------------------------------------ topic terms


def stop_words(language: str) -> frozenset[str]:
    """qualcode's default stop words for the language (``analysis/wordlists.py``)."""
    return word_lists(language).stop_words


class LemmaTokenizer:
    """Words of two or more letters, lower-cased, fillers dropped, lemmatised, stop
    words removed.

    ``lemmas`` holds the lemmas of (at least) the words of the texts, as a project's
    lemmatizer gives them (``services/lemmas.py``); without it, the default
    lemmatizer is built from the whole tables. ``lists`` are the project's stop words
    and fillers, qualcode's defaults without it. A class rather than a closure so
    the vectorizer stays picklable.
    """

    def __init__(self, language: str, lemmas: Mapping[str, str] | None = None,
                 lists: WordLists | None = None) -> None:
        self.language = language
        self.lemmas = dict(lemmas) if lemmas is not None else None
        self.lists = lists or word_lists(language)

    def __call__(self, text: str) -> list[str]:
        words = self.lists.without_fillers(TOKEN.findall(text.lower()))
        lemmas = self.lemmas if self.lemmas is not None else _whole_table_lemmatizer(self.language).lookup(words)
        stops = self.lists.stop_words
        out = []
        for word in words:
            lemma = lemmas.get(word) or word
            if word in stops or lemma in stops:
                continue
            out.append(lemma)
        return out


@lru_cache(maxsize=2)
def _whole_table_lemmatizer(language: str) -> Lemmatizer:
    sources, compounds = method_tables(DEFAULT_METHOD)
    return Lemmatizer(language, [TableLookup(read_table(source, language)) for source in sources],
                      compounds=compounds, overrides=LEMMA_CORRECTIONS.get(language, {}))


