"""Collocations: the words that stand near a node word, with MI and log-likelihood.

The node is a word or a pattern, as for a concordance (``kvalitet*``; with ``lemma``
every form of its lemma). Its window is ``window`` running words each side, inside
the same document and the same speaker's words: a window stops at a word the
selection leaves out (another speaker's turn, an interviewer turn, a word outside the
code's passages) and, with a passage set, at the edge of the passages that hold the
node, so that no window joins the words of two separate passages even where nothing
stands between them (a word counts inside a passage when it lies wholly within it, as
in :mod:`qualcode.services.words`). Every running word counts for
the window and for the totals, stop words too; stop words and fillers are then not
listed as collocates, and neither are the node's own forms. A word standing in two
overlapping windows counts twice, as in corpus tools. Only collocates seen more
often than chance (observed above expected) and at least ``min_count`` times are
listed. The statistics are in :mod:`qualcode.analysis.collocations`.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.analysis import collocations as stats
from qualcode.analysis import keyness
from qualcode.services.lemmas import Lexicon, read_lexicon
from qualcode.services.words import (
    Selection,
    WordsError,
    _context,
    _counts,
    _forms_for,
    _pattern_words,
    index_words,
    passage_reach,
)
from qualcode.storage.store import Store

SORTS = ("ll", "mi", "count")


@dataclass(frozen=True)
class Collocate:
    word: str
    count: int  # O11: times within a window of the node
    left: int  # of those, before the node
    right: int  # and after it
    frequency: int  # in the whole selection
    expected: float  # E11
    mi: float
    g2: float
    p: float


@dataclass(frozen=True)
class CollocationTable:
    node: str
    forms: list[str]  # the word forms the node stood for
    node_count: int
    window: int
    min_count: int
    total_words: int  # running words of the selection
    window_words: int  # running words inside the node's windows, all counted
    unit: str  # "lemma" or "form"
    sort: str
    selection: str
    collocates: list[Collocate]


def _words_of(lexicon: Lexicon, language: str, forms: set[str], *,
              lemma: bool) -> tuple[dict[str, str], set[str]]:
    """Each form's word (its lemma or itself) and the forms not to list (stop words, fillers)."""
    if language not in ("sv", "en"):
        return {}, set()
    lists = lexicon.word_lists(language)
    lookup = lexicon.lemmatizer(language).lookup(forms) if lemma else {}
    words = {form: (lookup.get(form) or form) for form in forms} if lemma else {}
    stops = set(lists.stop_words)
    hidden = {f for f in forms if f in stops or words.get(f, f) in stops}
    hidden |= {f for f in lists.fillers if " " not in f}
    return words, hidden


def collocations(store: Store, node: str, selection: Selection | None = None, *, window: int = 5,
                 min_count: int = 2, lemma: bool = True, sort: str = "ll",
                 limit: int | None = 50) -> CollocationTable:
    """Words near ``node`` (``window`` words each side), most strongly attracted first."""
    if sort not in SORTS:
        raise WordsError(f"Cannot sort collocations by '{sort}'.", f"Use --sort {', '.join(SORTS)}.")
    if window < 1:
        raise WordsError(f"A window of {window} words holds nothing.", "Use --window 1 or more (5 is usual).")
    parts = _pattern_words(node)
    if len(parts) > 1:
        raise WordsError(f"'{node}' is a phrase; collocations need one node word.",
                         "Give one word or pattern, e.g. 'dialog' or 'kvalitet*'.")
    selection = selection or Selection()
    index_words(store)
    with store.unit_of_work() as uow:
        lexicon = read_lexicon(uow)
        ctx = _context(uow, selection)
        set_ids = ctx.filter.passage_set_ids
        forms = set(_forms_for(uow, lexicon, parts[0], lemma=lemma))
        counted, total = _counts(uow, lexicon, ctx, lemma=lemma)
        node_count = 0
        window_words = 0
        near: dict[str, list[int]] = {}  # word -> [left, right]
        for document_id in uow.words.documents_with(sorted(forms), ctx.filter):
            sequence = uow.words.sequence(document_id, ctx.filter)
            spans = uow.sets.passages_in(set_ids, document_id) if set_ids else None
            language = ctx.languages.get(document_id, "")
            words, hidden = _words_of(lexicon, language, {f for _, f, _, _, _ in sequence}, lemma=lemma)
            for at, (speaker, form, kept, start, end) in enumerate(sequence):
                if not kept or form not in forms:
                    continue
                node_count += 1
                lowest, highest = (0, None) if spans is None else (passage_reach(spans, start, end) or (start, end))
                for step in (-1, 1):
                    other = at + step
                    # A window stops at a word left out (another speaker, an interviewer
                    # turn, a word outside the code's passages), at the edge of the node's
                    # passages and at the document's edge.
                    while (0 <= other < len(sequence) and abs(other - at) <= window
                           and sequence[other][2] and sequence[other][0] == speaker
                           and sequence[other][3] >= lowest
                           and (highest is None or sequence[other][4] <= highest)):
                        window_words += 1
                        near_form = sequence[other][1]
                        if near_form not in forms and near_form not in hidden:
                            sides = near.setdefault(words.get(near_form, near_form), [0, 0])
                            sides[0 if step < 0 else 1] += 1
                        other += step
    if node_count == 0:
        raise WordsError(f"'{node}' does not occur in the selection ({selection.described()}).",
                         "Check the spelling, try a pattern such as 'kvalitet*', or --form.")
    rows = []
    for word, (left, right) in near.items():
        observed = left + right
        frequency = counted[word][0] if word in counted else observed
        e11 = stats.expected(window_words, frequency, total)
        if observed < min_count or observed <= e11:
            continue
        rows.append((word, observed, left, right, frequency, e11,
                     stats.mutual_information(observed, window_words, frequency, total),
                     stats.log_likelihood(observed, window_words, frequency, total)))
    p = keyness.p_values([row[7] for row in rows])
    collocates = [Collocate(word, o, left, right, f, round(e, 4), round(mi, 4), round(g2, 4), pv)
                  for (word, o, left, right, f, e, mi, g2), pv in zip(rows, p, strict=True)]
    key = {"ll": lambda c: (-c.g2, c.word), "mi": lambda c: (-c.mi, c.word),
           "count": lambda c: (-c.count, c.word)}[sort]
    collocates.sort(key=key)
    return CollocationTable(node, sorted(forms), node_count, window, min_count, total, window_words,
                            "lemma" if lemma else "form", sort, selection.described(), collocates[:limit])
