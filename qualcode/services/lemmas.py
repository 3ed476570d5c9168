"""Lemmas, stop words and fillers for a process and for a project.

One interface for every use of lemmas (an import's search index, search, topics,
word counts): :func:`lemmatizer` gives the process's shared :class:`Lemmatizer` for a
language, built from cached copies of the tables (``storage/lemma_cache.py``) and
qualcode's corrections; :func:`project_lemmatizer` puts a project's own lemma
overrides on top. :func:`project_word_lists` gives the stop words and fillers in
force for a project. Editing any of them (``qualcode lexicon``) is one transaction, and
a lemma override also rebuilds the search terms of the sentences it touches.

A project's search index records which lemmatizer made it (:data:`INDEX_SETTING`);
:func:`ensure_search_index` (in :mod:`qualcode.services.search_index`, cheap enough for every
open) rebuilds an index made by another one, with progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from threading import Event

from qualcode.analysis import terms
from qualcode.analysis.lemmas import (
    DEFAULT_METHOD,
    HEAD_MARK,
    LEMMA_LANGUAGES,
    LEMMATIZER_VERSION,
    Lemmatizer,
    method_tables,
    read_table,
    table_source,
)
from qualcode.analysis.terms import TOKEN, LemmaTokenizer
from qualcode.analysis.wordlists import LEMMA_CORRECTIONS, WordLists, word_lists
from qualcode.errors import QualcodeError
from qualcode.services.search_index import INDEX_SETTING
from qualcode.services.search_index import ensure_search_index as ensure_search_index
from qualcode.services.search_index import index_is_current as index_is_current
from qualcode.storage.lemma_cache import LemmaCache
from qualcode.storage.store import Store, UnitOfWork

KINDS = ("stop", "filler", "lemma")
Progress = Callable[[int, int, str], None]


class LexiconError(QualcodeError):
    """A word list change that cannot be made as asked."""


@cache
def table(source: str, language: str) -> LemmaCache:
    """One table's cached copy; ``read_table``'s shape, so the copy's version is qualcode's."""
    path = table_source(source, language) if language in LEMMA_LANGUAGES else None
    name = f"{language}_lemma_lookup" if source == "spacy" else f"{language}_simplemma"
    return LemmaCache(path, partial(read_table, source, language), name=name, version=LEMMATIZER_VERSION)


@cache
def lemmatizer(language: str, method: str = DEFAULT_METHOD) -> Lemmatizer:
    """The process's lemmatizer for a language: the method's tables, then compounds,
    with qualcode's corrections of the tables on top."""
    sources, compounds = method_tables(method)
    tables = [table(source, language) for source in sources] if language in LEMMA_LANGUAGES else []
    return Lemmatizer(language, tables, compounds=compounds, overrides=LEMMA_CORRECTIONS.get(language, {}),
                      name=method)


def lemmas(language: str) -> Lemmatizer:
    """The default lemmatizer under its earlier name: ``lemmas(language).lookup(words)``
    still gives a table of lemmas (without compound heads: see ``index_lookup``)."""
    return lemmatizer(language)


# ------------------------------------------------------------------ a project's lists


@dataclass(frozen=True)
class Lexicon:
    """A project's own entries, per language: lemma overrides and list changes."""

    overrides: dict[str, dict[str, str]]
    added: dict[str, list[tuple[str, str]]]
    removed: dict[str, list[tuple[str, str]]]
    _lemmatizers: dict[str, Lemmatizer] = field(default_factory=dict, compare=False, repr=False)

    def lemmatizer(self, language: str) -> Lemmatizer:
        """The shared lemmatizer, or one with the project's overrides on top (kept)."""
        own = self.overrides.get(language)
        if not own:
            return lemmatizer(language)
        if language not in self._lemmatizers:
            self._lemmatizers[language] = lemmatizer(language).with_overrides(
                {**LEMMA_CORRECTIONS.get(language, {}), **own})
        return self._lemmatizers[language]

    def word_lists(self, language: str) -> WordLists:
        return word_lists(language, added=self.added.get(language, ()), removed=self.removed.get(language, ()))


def read_lexicon(uow: UnitOfWork) -> Lexicon:
    overrides: dict[str, dict[str, str]] = {}
    added: dict[str, list[tuple[str, str]]] = {}
    removed: dict[str, list[tuple[str, str]]] = {}
    for entry in uow.lexicon.entries():
        if entry.kind == "lemma":
            overrides.setdefault(entry.language, {})[entry.word] = entry.lemma or entry.word
        else:
            (removed if entry.removed else added).setdefault(entry.language, []).append((entry.kind, entry.word))
    return Lexicon(overrides, added, removed)


def project_lexicon(store: Store) -> Lexicon:
    with store.unit_of_work() as uow:
        return read_lexicon(uow)


def project_lemmatizer(store: Store, language: str) -> Lemmatizer:
    return project_lexicon(store).lemmatizer(language)


def project_word_lists(store: Store, language: str) -> WordLists:
    return project_lexicon(store).word_lists(language)


@dataclass(frozen=True)
class WordListView:
    """One list as a project has it, for ``qualcode lexicon ... list``."""

    language: str
    kind: str
    words: list[str]  # stop/filler: the words in force; lemma: "form=lemma"
    added: list[str]
    removed: list[str]


def topic_tokenizer(lexicon: Lexicon, language: str, texts: Sequence[str]) -> LemmaTokenizer:
    """The topic model's tokenizer for these texts: the project's lemmatizer (looked
    up once for all their words) and its stop words and fillers."""
    words = {word for text in texts for word in TOKEN.findall(text.lower())}
    found = lexicon.lemmatizer(language).lookup(words)
    return LemmaTokenizer(language, {word: found[word] for word in words if word in found},
                          lexicon.word_lists(language))


@dataclass(frozen=True)
class LemmaView:
    word: str
    lemma: str
    head: str | None  # a compound's head


def lemmatize(store: Store, language: str, words: Sequence[str]) -> list[LemmaView]:
    """Each word's lemma (and compound head) by the project's lemmatizer."""
    _check("lemma", language)
    lemmatizer_ = project_lemmatizer(store, language)
    cleaned = [w for word in words for w in terms.words(word)]
    found, heads = lemmatizer_.lookup(cleaned), lemmatizer_.heads(cleaned)
    return [LemmaView(word, found.get(word) or word, heads.get(word)) for word in cleaned]


def list_words(store: Store, kind: str, language: str) -> WordListView:
    _check(kind, language)
    lexicon = project_lexicon(store)
    if kind == "lemma":
        own = lexicon.overrides.get(language, {})
        merged = {**LEMMA_CORRECTIONS.get(language, {}), **own}
        return WordListView(language, kind, [f"{form}={lemma}" for form, lemma in sorted(merged.items())],
                            [f"{form}={lemma}" for form, lemma in sorted(own.items())], [])
    lists = lexicon.word_lists(language)
    words = lists.stop_words if kind == "stop" else lists.fillers
    return WordListView(language, kind, sorted(words),
                        sorted(w for k, w in lexicon.added.get(language, []) if k == kind),
                        sorted(w for k, w in lexicon.removed.get(language, []) if k == kind))


def add_words(store: Store, kind: str, language: str, words: Sequence[str]) -> list[str]:
    """Put words on a project's stop or filler list; returns them as stored."""
    _check(kind, language, lists_only=True)
    cleaned = _clean(words)
    with store.unit_of_work() as uow:
        for word in cleaned:
            uow.lexicon.put(language, kind, word)
    return cleaned


def remove_words(store: Store, kind: str, language: str, words: Sequence[str]) -> list[str]:
    """Take words off a project's stop or filler list (defaults included). A word not on
    the list is refused, all words with it: a misspelt word was once reported removed."""
    _check(kind, language, lists_only=True)
    cleaned = _clean(words)
    with store.unit_of_work() as uow:
        lists = read_lexicon(uow).word_lists(language)
        current = lists.stop_words if kind == "stop" else lists.fillers
        missing = [word for word in cleaned if word not in current]
        if missing:
            raise LexiconError(f"Not on the {language} {kind} list: {', '.join(missing)}; nothing was removed.",
                               f"See the list with 'qualcode lexicon list {kind} --language {language}'.")
        for word in cleaned:
            uow.lexicon.put(language, kind, word, removed=True)
    return cleaned


def set_lemma(store: Store, language: str, form: str, lemma: str, *, progress: Progress | None = None) -> int:
    """A project's own lemma for a form: :func:`set_lemmas` with one pair."""
    return set_lemmas(store, language, [(form, lemma)], progress=progress)


def set_lemmas(store: Store, language: str, pairs: Sequence[tuple[str, str]], *,
               progress: Progress | None = None) -> int:
    """A project's own lemmas for word forms; rebuilds the search terms of the
    project's documents in that language in the same transaction, once. Returns how
    many documents."""
    _check("lemma", language)
    cleaned = []
    for form, lemma in pairs:
        (form_word,), (lemma_word,) = _clean([form]), _clean([lemma])
        if len(terms.words(form_word)) != 1 or len(terms.words(lemma_word)) != 1:
            raise LexiconError(f"'{form} = {lemma}' is not one word for one word.",
                               "Give a single word form and a single lemma, e.g. 'togs=ta'.")
        cleaned.append((form_word, lemma_word))
    with store.unit_of_work() as uow:
        for form_word, lemma_word in cleaned:
            uow.lexicon.put(language, "lemma", form_word, lemma=lemma_word)
        return _reindex(uow, read_lexicon(uow), progress or _silent, None, language=language)


def unset_lemma(store: Store, language: str, form: str, *, progress: Progress | None = None) -> int:
    _check("lemma", language)
    (form_word,) = _clean([form])
    with store.unit_of_work() as uow:
        if not uow.lexicon.drop(language, "lemma", form_word):
            raise LexiconError(f"The project has no lemma of its own for '{form_word}' ({language}).",
                               f"See them with 'qualcode lexicon list lemma --language {language}'.")
        return _reindex(uow, read_lexicon(uow), progress or _silent, None, language=language)


def _check(kind: str, language: str, *, lists_only: bool = False) -> None:
    kinds = ("stop", "filler") if lists_only else KINDS
    if kind not in kinds:
        raise LexiconError(f"There is no word list '{kind}'.", f"Choose one of: {', '.join(kinds)}.")
    if language not in LEMMA_LANGUAGES:
        raise LexiconError(f"Language '{language}' has no word lists.",
                           f"Choose one of: {', '.join(LEMMA_LANGUAGES)}.")


def _clean(words: Iterable[str]) -> list[str]:
    cleaned = [" ".join(word.lower().split()) for word in words]
    if not cleaned or any(not word for word in cleaned):
        raise LexiconError("No word given.", "Give one or more words.")
    return cleaned


def _silent(done: int, total: int, label: str) -> None:
    return None


# ------------------------------------------------------------------ the search index


def reindex(store: Store, progress: Progress | None = None, cancel: Event | None = None) -> int:
    """Every sentence's search terms again, with the project's lemmatizer."""
    with store.unit_of_work() as uow:
        return _reindex(uow, read_lexicon(uow), progress or _silent, cancel)


def apply_project_lemmas(store: Store, document_ids: Sequence[int]) -> int:
    """Re-index just-imported documents where the project has lemmas of its own for
    their language: an import's workers use the shared lemmatizer. A no-op (one
    query) for a project without overrides; returns how many documents."""
    with store.unit_of_work() as uow:
        lexicon = read_lexicon(uow)
        if not lexicon.overrides or not document_ids:
            return 0
        return _reindex(uow, lexicon, _silent, None, only=set(document_ids), languages=set(lexicon.overrides))


def _reindex(uow: UnitOfWork, lexicon: Lexicon, progress: Progress, cancel: Event | None, *,
             language: str | None = None, only: set[int] | None = None, languages: set[str] | None = None) -> int:
    documents = [d for d in uow.documents.list()
                 if (language is None or d.language == language) and (only is None or d.id in only)
                 and (languages is None or d.language in languages)]
    total = len(documents)
    for done, document in enumerate(documents):
        if cancel is not None and cancel.is_set():
            raise QualcodeError("Re-indexing was cancelled; the index is as it was.")
        progress(done, total, document.name)
        text = uow.documents.text(document.id)
        sentences = uow.documents.segments(document.id)  # sentences: the rows search_text has
        sentence_words = [terms.words(text[s.start:s.end]) for s in sentences]
        lookup = lexicon.lemmatizer(document.language).index_lookup(
            [w for words in sentence_words for w in words])
        rows = [(s.id, sentence_index_terms(words, lookup)) for s, words in zip(sentences, sentence_words, strict=True)]
        uow.search.replace_document_terms(document.id, rows)
    uow.search.index_pending()
    if language is None and only is None:
        uow.settings.set(INDEX_SETTING, LEMMATIZER_VERSION)
    progress(total, total, "")
    return total


def sentence_index_terms(tokens: Sequence[str], lookup: Mapping[str, str]) -> str:
    """A sentence's searchable text, as an import writes it: its words, then what
    :meth:`Lemmatizer.index_lookup` adds for them (lemmas, marked compound heads)."""
    found = {lemma for lemma in map(lookup.get, tokens) if lemma is not None}
    found.difference_update(tokens)
    return " ".join([*tokens, *sorted(found)])


def head_term(word: str) -> str:
    """The index term that stands for "a compound whose head is ``word``"."""
    return HEAD_MARK + word
