"""Lemmas of Swedish and English words: the tables, how they combine, compound heads.

Two sources of form-to-lemma tables are read directly, without any pipeline:
spaCy's lookup tables (``spacy-lookups-data``) and simplemma's dictionaries. Both are
turned into one shape, lower-cased forms to lower-cased lemmas, with every lemma also
listed as a form of itself so that "known word" means "a key of the table".

A :class:`Lemmatizer` layers such tables (each any :class:`Lookup`, so that a cached
copy or another lemmatizer can stand in): a project's own overrides first, then each
table in order, and for Swedish words that no table knows, the compound rule of
:func:`split_compound`. Which layering qualcode uses is :data:`DEFAULT_METHOD`, chosen by
accuracy on hand-written gold lists of the demo corpora's words (see the README).

Imports and searches look words up through a cached copy of each table
(``storage/lemma_cache.py``, wired up in ``services/lemmas.py``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol, TypeVar

# Kept under its old name here: the tables' cached copies and callers read it from this module.
from qualcode.analysis.lemma_version import LEMMATIZER_VERSION as LEMMATIZER_VERSION
from qualcode.core.model import HEAD_MARK

LEMMA_LANGUAGES = ("sv", "en")
SOURCES = ("simplemma", "spacy")
# The layerings offered, by name: tables in the order they are asked, "+compounds" adds
# the compound rule. The measured accuracy of each is in the README and in tests.
METHODS = ("spacy", "simplemma", "spacy+simplemma", "simplemma+spacy",
           "spacy+compounds", "simplemma+compounds", "simplemma+spacy+compounds")
DEFAULT_METHOD = "simplemma+compounds"

_T = TypeVar("_T")
ROUNDS = 6  # batches of look-ups for one set of compounds: a split needs four at most
MIN_HEAD = 3  # letters in a compound's head: "år" and "ex" would split too much
INNER_HEAD, INNER_MODIFIER = 6, 5  # stricter inside a head that is a word already
MIN_MODIFIER = 3  # letters before the head, linking letter included
LINKING = ("s", "e", "a")  # kvalitet-s-dialog, barn-e-dag, gat-u-.. is too rare to try
DROPPED = ("a", "e")
LINKING_S_ENDINGS = ("het", "ning", "tet", "skap", "else", "ion", "dom", "ande", "ende")  # skol(a)utveckling, pojk(e)vän: the modifier lost its last vowel


class Lookup(Protocol):
    """Anything that gives lemmas for lower-cased words: a mapping holding at least
    the words asked for that it knows."""

    def lookup(self, words: Iterable[str]) -> Mapping[str, str]: ...


class TableLookup:
    """A whole table held in memory, as a :class:`Lookup` (tests, small tables)."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = table

    def lookup(self, words: Iterable[str]) -> Mapping[str, str]:
        return self.table


def table_source(source: str, language: str) -> Path:
    """The file a table is read from; its size and time stamp identify its version."""
    if source == "spacy":
        return Path(str(resources.files("spacy_lookups_data") / "data" / f"{language}_lemma_lookup.json.gz"))
    if source == "simplemma":
        from simplemma.strategies.dictionaries.dictionary_factory import DATA_FOLDER

        return Path(DATA_FOLDER) / f"{language}.plzma"
    raise ValueError(f"unknown lemma source {source!r}")


def lemma_source(language: str) -> Path:
    """spaCy's compressed JSON table for a language (kept for older callers)."""
    return table_source("spacy", language)


@lru_cache(maxsize=4)
def read_table(source: str, language: str) -> dict[str, str]:
    """A whole table in the common shape; empty for languages without one.

    Lower-cased: where a capitalised form and a lower-case one both exist, the
    lower-case one wins, since qualcode lower-cases text before looking it up.
    """
    if language not in LEMMA_LANGUAGES:
        return {}
    if source == "spacy":
        raw: dict[str, str] = json.loads(gzip.decompress(table_source(source, language).read_bytes()))
        pairs: Iterable[tuple[str, str]] = raw.items()
    else:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        pairs = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(language).items()
    table: dict[str, str] = {}
    capitalised: dict[str, str] = {}
    for form, lemma in pairs:
        lowered = form.lower()
        (table if lowered == form else capitalised)[lowered] = lemma.lower()
    for form, lemma in capitalised.items():
        table.setdefault(form, lemma)
    for lemma in set(table.values()):
        table.setdefault(lemma, lemma)
    return table


def lemma_table(language: str) -> dict[str, str]:
    """spaCy's table in the common shape."""
    return read_table("spacy", language)


def split_compound(word: str, known: Callable[[str], str | None], depth: int = 1,
                   min_head: int = MIN_HEAD) -> tuple[str, str, str] | None:
    """``(modifier, head, head's lemma)`` of a Swedish compound, or None.

    The head is the longest known word that ends ``word``, leaving at least
    :data:`MIN_MODIFIER` letters; the modifier must itself be known, after taking off
    a linking -s-, -e- or -a-, after giving back a dropped final -a or -e (skol-,
    arbet-s-), or be a compound in its own right (processledar-utbildning). Checking
    the modifier is what keeps names and unknown simple words whole. Where the head
    starts with an s that could as well be the linking -s- (arbet-slag or arbets-lag,
    uppföljning-small or uppföljnings-mall), the linking reading wins: it is by far
    the more common. A head's lemma must be a word of three letters or more that
    starts like the head, which rules out lemmas made of an inflection alone.
    """
    for begin in range(MIN_MODIFIER, len(word) - min_head + 1):
        head = word[begin:]
        lemma = known(head)
        if lemma is None or len(lemma) < MIN_HEAD or lemma[0] != head[0]:
            continue
        modifier = word[:begin]
        if not _known_modifier(modifier, known, depth):
            continue
        if head[0] == "s" and len(head) > min_head and _takes_linking_s(modifier, known):
            shorter = known(head[1:])
            if shorter is not None and len(shorter) >= MIN_HEAD and shorter[0] == head[1]:
                return modifier + "s", head[1:], shorter
        return modifier, head, lemma
    return None


def _known_modifier(modifier: str, known: Callable[[str], str | None], depth: int) -> bool:
    if len(modifier) < 2:
        return False
    candidates = modifier_candidates(modifier)
    if any(known(candidate) is not None for candidate in candidates):
        return True
    return depth > 0 and any(
        split_compound(candidate, known, depth - 1, MIN_HEAD + 1) is not None
        for candidate in candidates if len(candidate) >= MIN_MODIFIER + MIN_HEAD + 1)


def _takes_linking_s(stem: str, known: Callable[[str], str | None]) -> bool:
    """Whether a modifier would be followed by a linking -s-: words ending in -het,
    -ning, -tet, -skap, -else, -ion, -dom, -ande (kvalitets-, uppföljnings-), and those
    that lost a final -e to it (arbet-e: arbets-). Short simple words mostly take none
    (grund-skola, not grunds-kola)."""
    return stem.endswith(LINKING_S_ENDINGS) or known(stem + "e") == stem + "e"


def modifier_candidates(modifier: str) -> list[str]:
    """The words a compound's first part may stand for: itself, without a linking
    letter, and either of those with a dropped final vowel given back."""
    stems = [modifier]
    if modifier[-1] in LINKING and len(modifier) > MIN_MODIFIER:
        stems.append(modifier[:-1])
    return stems + [stem + vowel for stem in stems for vowel in DROPPED]


def compound_candidates(word: str) -> list[str]:
    """Every string :func:`split_compound` may ask about for ``word``, so that they can
    be looked up in one batch first."""
    found = []
    for begin in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        found.append(word[begin:])
        for modifier in modifier_candidates(word[:begin]) + modifier_candidates(word[:begin] + "s"):
            found.append(modifier)
            for inner in range(MIN_MODIFIER, len(modifier) - MIN_HEAD):
                found.append(modifier[inner:])
                found.extend(modifier_candidates(modifier[:inner]))
    return found


def innermost_head(head_lemma: str, known: Callable[[str], str | None]) -> str:
    """The last part of a head that is a compound itself: "ledarutbildning" ->
    "utbildning", so that asking for compounds by head finds the last word."""
    parts = split_compound(head_lemma, known, depth=0, min_head=INNER_HEAD)
    if parts is None or len(parts[0]) < INNER_MODIFIER:
        return head_lemma  # hand-ledning, för-delning, rap-port: words of their own
    return parts[2]


class Lemmatizer:
    """Project overrides, then each table in order, then compound heads (Swedish).

    :meth:`lookup` has the shape of a table's: a mapping that holds at least the
    lemmas of the words asked for, read with ``get`` (None: no lemma known). It keeps
    what it found, and looks up only the words it has not met, with set differences
    over the distinct words, so an import pays per new word, not per word.
    """

    def __init__(self, language: str, tables: Sequence[Lookup], *, compounds: bool = True,
                 overrides: Mapping[str, str] | None = None, name: str = "") -> None:
        self.language = language
        self.tables = tuple(tables)
        self.compounds = compounds and language == "sv"
        self.overrides = {form.lower(): lemma.lower() for form, lemma in (overrides or {}).items()}
        self.name = name
        self._lemmas: dict[str, str] = dict(self.overrides)
        self._heads: dict[str, str] = {}
        self._terms: dict[str, str] = {form: lemma for form, lemma in self.overrides.items() if form != lemma}
        self._seen: set[str] = set(self.overrides)

    def with_overrides(self, overrides: Mapping[str, str]) -> Lemmatizer:
        """The same tables with a project's own form-to-lemma entries on top."""
        return Lemmatizer(self.language, self.tables, compounds=self.compounds, overrides=overrides,
                          name=self.name)

    def lookup(self, words: Iterable[str]) -> Mapping[str, str]:
        asked = set(words).difference(self._seen)
        if asked:
            self._resolve(asked)
        return self._lemmas

    def heads(self, words: Iterable[str]) -> Mapping[str, str]:
        """The lemma of each compound's head, for the compounds among ``words``."""
        self.lookup(words)
        return self._heads

    def lemma(self, word: str) -> str:
        """One word's lemma, the word itself where none is known."""
        return self.lookup((word,)).get(word) or word

    def index_lookup(self, words: Iterable[str]) -> Mapping[str, str]:
        """What a search index stores for each word besides the word: its lemma and,
        for a compound, its head marked with :data:`HEAD_MARK` (one space-separated
        string), so that a search may ask for compounds by their head."""
        asked = set(words).difference(self._seen)
        if asked:
            self._resolve(asked)
        return self._terms

    def _resolve(self, asked: set[str]) -> None:
        remaining = asked
        for table in self.tables:
            if not remaining:
                break
            found = table.lookup(remaining)
            get = found.get
            still = set()
            for word in remaining:
                lemma = get(word)
                if lemma is None:
                    still.add(word)
                else:
                    self._lemmas[word] = lemma
                    if lemma != word:
                        self._terms[word] = lemma
            remaining = still
        if self.compounds and remaining:
            self._split(remaining)
        self._seen.update(asked)

    def _split(self, words: set[str]) -> None:
        words = {word for word in words if len(word) >= MIN_MODIFIER + MIN_HEAD}
        fetched: dict[str, str | None] = {}
        found = {}
        for word, parts in self._in_rounds(words, split_compound, fetched).items():
            if parts is not None:
                found[word] = (parts[0] + parts[2], parts[2])
        # Heads that are compounds themselves: their last part.
        inner = self._in_rounds({head for _, head in found.values()}, innermost_head, fetched)
        for word, (lemma, head) in found.items():
            head = inner.get(head) or head
            self._lemmas[word] = lemma
            self._heads[word] = head
            self._terms[word] = f"{lemma} {HEAD_MARK}{head}" if lemma != word else f"{HEAD_MARK}{head}"

    def _in_rounds(self, items: set[str], rule: Callable[[str, Callable[[str], str | None]], _T],
                   fetched: dict[str, str | None]) -> dict[str, _T]:
        """``rule(item, known)`` for each item, looking strings up in batches as the
        rule asks for them: each round runs the rule on the items that asked for a
        string not yet fetched, then fetches those strings in one batch per table.
        The heads of all items come first, since every split asks for them; rounds
        end after :data:`ROUNDS` (what is still unknown then counts as unknown)."""
        self._fetch({item[b:] for item in items for b in range(MIN_MODIFIER, len(item) - MIN_HEAD + 1)}, fetched)
        results: dict[str, _T] = {}
        pending = items
        for last in range(ROUNDS, 0, -1):
            wanted: set[str] = set()
            retry = set()
            for item in pending:
                asked: set[str] = set()

                def known(word: str) -> str | None:
                    if word in fetched:
                        return fetched[word]
                    asked.add(word)  # noqa: B023 - the rule runs now, for this item
                    return None

                results[item] = rule(item, known)
                if asked and last > 1:
                    wanted |= asked
                    retry.add(item)
            if not wanted:
                break
            self._fetch(wanted, fetched)
            pending = retry
        return results

    def _fetch(self, strings: set[str], fetched: dict[str, str | None]) -> None:
        new = strings.difference(fetched)
        if new:
            known = self.known(new)
            fetched.update((word, known(word)) for word in new)

    def known(self, candidates: set[str]) -> Callable[[str], str | None]:
        """Lemmas of these strings by the first table that knows each, with the
        overrides on top: one batch per table."""
        tables = [self.overrides] + [table.lookup(candidates) for table in self.tables]

        def known(word: str) -> str | None:
            for table in tables:
                lemma = table.get(word)
                if lemma is not None:
                    return lemma
            return None

        return known


def method_tables(method: str) -> tuple[list[str], bool]:
    """The table sources of a method, in order, and whether it splits compounds."""
    if method not in METHODS:
        raise ValueError(f"unknown lemmatizer {method!r}; choose one of {', '.join(METHODS)}")
    parts = method.split("+")
    return [p for p in parts if p in SOURCES], "compounds" in parts
