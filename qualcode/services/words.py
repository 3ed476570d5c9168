"""How actors speak: word frequencies, keywords in context and keyness between groups.

Every use case reads the running words kept in ``word_tokens`` (one row per word,
written once per document by :func:`ensure_word_index`, never re-tokenised per
call) and counts them in SQL, grouped by form, document and speaker. Lemmas, stop
words and fillers come from the project's lexicon (``services/lemmas.py``) when
counted, so a lexicon change needs no rebuild. Interviewer turns are left out unless
asked for: the study is of what the interviewees say.

A passage set narrows every count to its passages: a running word counts when it lies
wholly inside one of them (``start <= word start`` and ``word end <= end``); a word
across a passage's edge is left out, as a word across a coded passage's edge is for
``--code``. A phrase in a concordance lies wholly inside one passage, and a
collocation window stays inside the passages that hold its node.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from qualcode.analysis import keyness as stats
from qualcode.core.model import Speaker
from qualcode.errors import QualcodeError
from qualcode.exporters.keyness_plot import TermPlot, TermPoint
from qualcode.services.codebook import resolve_code
from qualcode.services.corpus import check_attribute_filter
from qualcode.services.lemmas import Lexicon, read_lexicon
from qualcode.services.retrieval import attribution
from qualcode.storage.records import WordFilter
from qualcode.storage.store import Store, UnitOfWork

WORD = re.compile(r"\w*[^\W\d_]\w*", re.UNICODE)  # a running word: at least one letter
INTERVIEWER_ROLES = frozenset({"intervjuare", "interviewer", "forskare", "researcher"})
PATTERN = re.compile(r"[\w*?]+", re.UNICODE)
SET_GROUPS = "set"  # keyness --by set: groups A and B are saved sets, not an attribute's values
ANALYZE_AFTER = 50_000  # running words stored at once, after which the planner's statistics are refreshed


class WordsError(QualcodeError):
    """A word list, concordance or keyness table that cannot be made as asked."""


@dataclass(frozen=True)
class Selection:
    """Which words count: attribute values, roles, a code's passages, interviewers."""

    attributes: dict[str, list[str]] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    include_interviewer: bool = False
    documents: tuple[str, ...] = ()  # only these documents (names or ids), e.g. a set's
    passage_sets: tuple[int, ...] = ()  # only words inside these passage sets' passages (set ids)

    def described(self) -> str:
        parts = [f"{k}={'|'.join(v)}" for k, v in self.attributes.items()]
        parts += [f"{len(self.documents)} documents"] if self.documents else []
        parts += [f"passages of {len(self.passage_sets)} set{'s' if len(self.passage_sets) > 1 else ''}"] \
            if self.passage_sets else []
        parts += [f"role={'|'.join(self.roles)}"] if self.roles else []
        parts += [f"code={'|'.join(self.codes)}"] if self.codes else []
        parts += [f"coder={'|'.join(self.coders)}"] if self.coders else []
        return ", ".join(parts) or "all words"


def is_interviewer(speaker: Speaker) -> bool:
    role = (speaker.attributes.get("role") or "").lower()
    level = (speaker.attributes.get("level") or "").lower()
    return role in INTERVIEWER_ROLES or level == "research" or speaker.label.lower() in INTERVIEWER_ROLES


# ------------------------------------------------------------------ the index


def ensure_word_index(uow: UnitOfWork) -> int:
    """Store the running words of documents that have none stored yet; how many words."""
    pending = uow.words.unindexed()
    stored = 0
    for document_id in pending:
        text = uow.documents.text(document_id)
        turns = sorted((t.start, t.end, t.speaker_id) for t in uow.documents.turns(document_id))
        starts = [t[0] for t in turns]
        rows = []
        for match in WORD.finditer(text):
            at = bisect.bisect_right(starts, match.start()) - 1
            inside = at >= 0 and match.start() < turns[at][1]
            if turns and not inside:
                continue  # a speaker's label ("Rektor:") or a heading between turns
            speaker = turns[at][2] if inside else None
            rows.append((speaker, match.start(), match.end(), match.group().lower()[:200]))
        uow.words.add(document_id, rows)
        stored += len(rows)
    return stored


def index_words(store: Store) -> int:
    """Store the running words not stored yet, in a transaction of their own; after
    a bulk of them, the database's statistics (and on PostgreSQL its visibility map,
    so that counts read the form index alone) are brought up to date. How many words."""
    with store.unit_of_work() as uow:
        stored = ensure_word_index(uow)
    if stored >= ANALYZE_AFTER:
        store.refresh_statistics(vacuum=("word_tokens",))
    return stored


# ------------------------------------------------------------------ selections


@dataclass(frozen=True)
class _Context:
    filter: WordFilter
    languages: dict[int, str]  # document id -> language
    speakers: dict[int, Speaker]
    attributes: dict[int, dict[str, str]]  # document id -> attributes
    names: dict[int, str]


def _context(uow: UnitOfWork, selection: Selection) -> _Context:
    documents = uow.words.documents()
    stored_attrs = uow.documents.all_attributes()
    doc_attrs = {doc_id: stored_attrs.get(doc_id, {}) for doc_id, _name, _language in documents}
    speakers = {s.id: s for s in uow.documents.all_speakers()}
    wanted = selection.attributes

    def matches(values: dict[str, str]) -> bool:
        return all(values.get(key) in options for key, options in wanted.items())

    check_attribute_filter(uow, wanted)
    roles = {r.lower() for r in selection.roles}
    speaker_ids: list[int] | None = None
    if wanted or roles or not selection.include_interviewer:
        speaker_ids = [s.id for s in speakers.values()
                       if matches({**doc_attrs.get(s.document_id, {}), **s.attributes})
                       and (not roles or (s.attributes.get("role") or "").lower() in roles)
                       and (selection.include_interviewer or not is_interviewer(s))]
    document_ids = None
    if wanted:
        chosen = set(speaker_ids or [])
        document_ids = sorted({s.document_id for s in speakers.values() if s.id in chosen}
                              | {d for d, a in doc_attrs.items() if matches(a)})
        if len(document_ids) == len(doc_attrs):
            document_ids = None  # every document: the speakers' filter says it all
    code_ids = coder_ids = None
    if selection.codes:
        code_ids = [resolve_code(uow, c).id for c in selection.codes]
    if selection.coders:
        coder_ids = []
        for name in selection.coders:
            found = uow.coders.find(name)
            if found is None:
                raise WordsError(f"No coder '{name}' in this project.", "See the coders with 'qualcode coders'.")
            coder_ids.append(found.id)
        if code_ids is None:
            raise WordsError("--coder needs --code: a coder's words are those of the passages they coded.",
                             "Add --code KEY.")
    if selection.documents:
        from qualcode.services.corpus import find_document

        chosen = {find_document(uow, d).id for d in selection.documents}
        document_ids = sorted(chosen if document_ids is None else chosen.intersection(document_ids))
    # Words outside any turn count unless roles are asked for; with --attr, only in
    # documents that match (by their own attributes or a speaker's).
    flt = WordFilter(document_ids=document_ids, speaker_ids=speaker_ids, unspoken=not roles,
                     code_ids=code_ids, coder_ids=coder_ids,
                     passage_set_ids=list(selection.passage_sets) if selection.passage_sets else None)
    return _Context(flt, {doc_id: language for doc_id, _name, language in documents}, speakers, doc_attrs,
                    {doc_id: name for doc_id, name, _language in documents})


def in_sets(store: Store, selection: Selection, set_names: Sequence[str] | None, *,
            command: str = "words") -> Selection:
    """The selection kept to the sets named (any of them): a document set's documents,
    or a passage set's passages (and their documents), narrowing its own documents."""
    if not set_names:
        return selection
    from qualcode.services.scopes import scope

    found = scope(store, set_names, list(selection.documents) or None, passages=True, command=command)
    return replace(selection, documents=tuple(found.documents or ()),
                   passage_sets=tuple(found.passage_set_ids or ()))


def passage_reach(spans: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """Where words standing with ``[start, end)`` may lie to share a passage with it: from
    the earliest start to the latest end of the passages (``spans``) that hold it
    wholly; None when none does. The passages holding a span all overlap it, so the
    words between any two of them share one."""
    holding = [(s, e) for s, e in spans if s <= start and end <= e]
    if not holding:
        return None
    return min(s for s, _ in holding), max(e for _, e in holding)


# ------------------------------------------------------------------ frequencies


@dataclass(frozen=True)
class WordCount:
    word: str
    count: int
    per_10k: float  # per 10,000 running words of the selection
    documents: int
    speakers: int


@dataclass(frozen=True)
class WordTable:
    words: list[WordCount]
    total_words: int  # running words of the selection, stop words and fillers included
    distinct: int  # distinct words after stop words and fillers are left out
    unit: str  # "lemma" or "form"
    selection: str


Counted = tuple[dict[str, tuple[int, int, int]], int]


def _counts(uow: UnitOfWork, lexicon: Lexicon, ctx: _Context, *, lemma: bool,
            keep_stop_words: bool = False) -> Counted:
    """``{word: (count, documents, speakers)}`` of the selection without stop words and
    fillers, and the selection's running words (all of them)."""
    return _counts_of(uow, lexicon, [ctx], lemma=lemma, keep_stop_words=keep_stop_words)[0]


def _counts_of(uow: UnitOfWork, lexicon: Lexicon, contexts: Sequence[_Context], *, lemma: bool,
               keep_stop_words: bool = False) -> list[Counted]:
    """:func:`_counts` for several selections at once (the groups of a keyness table).

    Counted in SQL per form, one query per language of the documents (lemmas, stop
    words and fillers are the language's). A lemma of one form keeps its form's
    figures; for a lemma of several forms the documents and speakers are the union of
    its forms', read for those forms only."""
    filters = [ctx.filter for ctx in contexts]
    by_language: dict[str, list[int]] = {}
    wanted: set[int] | None = set()
    for flt in filters:
        if flt.document_ids is None or wanted is None:
            wanted = None
        else:
            wanted |= set(flt.document_ids)
    for document_id, language in contexts[0].languages.items():
        if wanted is None or document_id in wanted:
            by_language.setdefault(language, []).append(document_id)
    totals = [0] * len(contexts)
    found: list[dict[str, list[int]]] = [{} for _ in contexts]  # word -> [count, documents, speakers]
    spread: list[tuple[int, dict[str, list[str]], list[int] | None]] = []  # group, word -> its forms, documents
    for language, documents in sorted(by_language.items()):
        only = None if len(by_language) == 1 else documents
        rows = uow.words.form_counts_in(filters, only)
        lists = lexicon.word_lists(language) if language in ("sv", "en") else None
        stops = set() if lists is None or keep_stop_words else set(lists.stop_words)
        fillers = set() if lists is None else {f for f in lists.fillers if " " not in f}
        lemmas = lexicon.lemmatizer(language).lookup({r[0] for r in rows}) if lemma and lists is not None else {}
        forms_of: list[dict[str, list[tuple[str, int, int, int]]]] = [{} for _ in contexts]
        for form, group, n, docs, speakers in rows:
            totals[group] += n
            if form in fillers:
                continue
            word = (lemmas.get(form) or form) if lemma else form
            if form in stops or word in stops:
                continue
            forms_of[group].setdefault(word, []).append((form, n, docs, speakers))
        for group, words_here in enumerate(forms_of):
            several: dict[str, list[str]] = {}
            into = found[group]
            for word, forms in words_here.items():
                entry = into.get(word)
                if entry is None:
                    entry = into[word] = [0, 0, 0]
                if len(forms) == 1:  # documents of one language are nobody else's: the figures add up
                    _form, n, docs, speakers = forms[0]
                    entry[0] += n
                    entry[1] += docs
                    entry[2] += speakers
                else:
                    entry[0] += sum(f[1] for f in forms)
                    several[word] = [f[0] for f in forms]
            if several:
                spread.append((group, several, only))
    for group, several, only in spread:
        word_of = {form: word for word, forms in several.items() for form in forms}
        documents_of: dict[str, set[int]] = {}
        speakers_of: dict[str, set[int]] = {}
        for form, document_id, speaker_id in uow.words.form_spread(list(word_of), filters[group], only):
            documents_of.setdefault(word_of[form], set()).add(document_id)
            if speaker_id is not None:
                speakers_of.setdefault(word_of[form], set()).add(speaker_id)
        for word in several:
            found[group][word][1] += len(documents_of.get(word, ()))
            found[group][word][2] += len(speakers_of.get(word, ()))
    return [({word: (n, docs, speakers) for word, (n, docs, speakers) in into.items()}, total)
            for into, total in zip(found, totals, strict=True)]


def frequencies(store: Store, selection: Selection | None = None, *, lemma: bool = True,
                limit: int | None = 50, keep_stop_words: bool = False) -> WordTable:
    """The selection's words, most frequent first (ties alphabetically)."""
    selection = selection or Selection()
    index_words(store)
    with store.unit_of_work() as uow:
        lexicon = read_lexicon(uow)
        ctx = _context(uow, selection)
        found, total = _counts(uow, lexicon, ctx, lemma=lemma, keep_stop_words=keep_stop_words)
    if total == 0:
        raise WordsError(f"No words match the selection ({selection.described()}).",
                         "Loosen --attr/--role/--code, or add --include-interviewer.")
    ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
    rows = [WordCount(word, n, round(n * 10_000 / total, 2), docs, speakers)
            for word, (n, docs, speakers) in ranked[:limit]]
    return WordTable(rows, total, len(found), "lemma" if lemma else "form", selection.described())


# ------------------------------------------------------------------ keywords in context


@dataclass(frozen=True)
class KwicLine:
    document: str
    document_id: int
    start: int
    end: int
    left: str
    match: str
    right: str
    speaker: str | None
    attributes: dict[str, str]
    citation: str


@dataclass(frozen=True)
class KwicPage:
    query: str
    lines: list[KwicLine]
    total: int
    forms: list[str]  # the word forms the query stood for


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _pattern_words(query: str) -> list[str]:
    parts = query.lower().split()
    if not parts:
        raise WordsError("No word given.", "Give a word, a phrase or a pattern such as 'kvalitet*'.")
    for part in parts:
        if not PATTERN.fullmatch(part) or not part.strip("*?"):
            raise WordsError(f"'{part}' is not a valid word pattern.",
                             "Use letters with * (any letters) or ? (one letter), e.g. 'kvalitet*'.")
    return parts


def kwic(store: Store, query: str, selection: Selection | None = None, *, lemma: bool = False,
         sort: str | None = None, width: int = 40, limit: int | None = 50, offset: int = 0,
         cite: str = "({role}, {school})") -> KwicPage:
    """Every occurrence of a word, phrase or pattern with ``width`` characters of
    context each side, in reading order or sorted by the words right or left of it.

    With a passage set the matches are those inside its passages; the context around a
    match is the text's, reaching past the passage as a concordance line does."""
    index_words(store)
    with store.unit_of_work() as uow:
        return kwic_in(uow, query, selection, lemma=lemma, sort=sort, width=width, limit=limit, offset=offset,
                       cite=cite)


def kwic_in(uow: UnitOfWork, query: str, selection: Selection | None = None, *, lemma: bool = False,
            sort: str | None = None, width: int = 40, limit: int | None = 50, offset: int = 0,
            cite: str = "({role}, {school})") -> KwicPage:
    """:func:`kwic` inside a unit of work the caller owns (to code the lines it finds)."""
    if sort not in (None, "left", "right"):
        raise WordsError(f"Cannot sort by '{sort}'.", "Use --sort left or --sort right.")
    parts = _pattern_words(query)
    selection = selection or Selection(include_interviewer=True)
    ensure_word_index(uow)
    lexicon = read_lexicon(uow)
    ctx = _context(uow, selection)
    forms = _forms_for(uow, lexicon, parts[0], lemma=lemma)
    paged = len(parts) == 1 and sort is None  # one word in reading order: a page from SQL
    if paged:
        hits = uow.words.hits(forms, ctx.filter, limit=limit, offset=offset)
        total = uow.words.count_hits(forms, ctx.filter)
    else:
        hits = uow.words.hits(forms, ctx.filter)
    texts = {d: uow.documents.text(d) for d in {hit.document_id for hit in hits}}
    set_ids = ctx.filter.passage_set_ids
    spans = {d: uow.sets.passages_in(set_ids, d) for d in texts} if set_ids and len(parts) > 1 else {}
    found = []  # (hit, end of the match)
    for hit in hits:
        end = _phrase_end(texts[hit.document_id], hit.end, parts[1:])
        if end is not None and spans and passage_reach(spans[hit.document_id], hit.start, end) is None:
            end = None  # the phrase runs out of the passage its first word stands in
        if end is not None:
            found.append((hit, end))
    if not paged:
        total = len(found)
    if not found and total == 0:
        raise WordsError(f"'{query}' does not occur in the selection ({selection.described()}).",
                         "Check the spelling, try a pattern such as 'kvalitet*', or --lemma.")
    if sort is not None:
        # Keys from the text around each match; lines are built for the page only.
        def key(item):  # type: ignore[no-untyped-def]
            hit, end = item
            text = texts[hit.document_id]
            match = text[hit.start:end].lower()
            if sort == "right":
                return match, " ".join(text[end:end + width].lower().split())
            return match, " ".join(reversed(text[max(0, hit.start - width):hit.start].lower().split()))
        found.sort(key=key)
    if paged:
        chosen = found
    else:
        chosen = found[offset:offset + limit] if limit is not None else found[offset:]
    lines = []
    for hit, end in chosen:
        text = texts[hit.document_id]
        speaker = ctx.speakers.get(hit.speaker_id) if hit.speaker_id is not None else None
        merged = {**ctx.attributes.get(hit.document_id, {}), **(speaker.attributes if speaker else {})}
        lines.append(KwicLine(ctx.names[hit.document_id], hit.document_id, hit.start, end,
                              " ".join(text[max(0, hit.start - width):hit.start].split()),
                              " ".join(text[hit.start:end].split()),
                              " ".join(text[end:end + width].split()),
                              speaker.label if speaker else None, merged,
                              attribution(merged, speaker.label if speaker else None, cite)))
    return KwicPage(query, lines, total, sorted(forms))


def _forms_for(uow: UnitOfWork, lexicon: Lexicon, part: str, *, lemma: bool) -> list[str]:
    wild = "*" in part or "?" in part
    if not lemma:
        return uow.words.forms_like(_like(part)) if wild else [part]
    forms = uow.words.forms()
    found: set[str] = set()
    for language in ("sv", "en"):
        lookup = lexicon.lemmatizer(language).lookup(forms)
        targets = None if wild else {lexicon.lemmatizer(language).lookup([part]).get(part) or part}
        for form in forms:
            word = lookup.get(form) or form
            if (fnmatch.fnmatchcase(word, part) if targets is None else word in targets):
                found.add(form)
    return sorted(found | ({part} if not wild else set()))


def _phrase_end(text: str, end: int, rest: Sequence[str]) -> int | None:
    """Where a phrase that starts before ``end`` ends, if the next words match ``rest``."""
    for part in rest:
        match = WORD.search(text, end)
        if match is None or text[end:match.start()].strip(" ,") or not fnmatch.fnmatchcase(match.group().lower(), part):
            return None
        end = match.end()
    return end


# ------------------------------------------------------------------ keyness


@dataclass(frozen=True)
class KeyWord:
    word: str
    count_a: int
    count_b: int
    per_10k_a: float
    per_10k_b: float
    documents_a: int
    documents_b: int
    g2: float
    p: float
    p_adjusted: float
    log_ratio: float


@dataclass(frozen=True)
class KeynessTable:
    by: str
    a: str
    b: str
    total_a: int
    total_b: int
    words: list[KeyWord]  # by G², highest first; both directions (log_ratio's sign tells which)
    tested: int
    correction: str  # as stated in the output, e.g. "Benjamini-Hochberg"
    min_freq: int
    min_docs: int


def groups_of(store: Store, base: Selection, by: str, values: Sequence[str]) -> list[Selection]:
    """The selection of each keyness group: ``base`` with ``by`` set to the value, or,
    when ``by`` is ``set``, kept to the saved set of that name (a document set's
    documents, a passage set's passages)."""
    if by != SET_GROUPS:
        return [replace(base, attributes={**base.attributes, by: [value]}) for value in values]
    if base.documents or base.passage_sets:
        raise WordsError("Grouped by set, the two groups are sets: a --set filter besides would be ambiguous.",
                         "Leave --set out, or group by an attribute with --by.")
    return [in_sets(store, base, [value], command="keyness") for value in values]


SHARED_NAMED = 3  # documents named in the refusal of two sets that share words


def refuse_shared_words(uow: UnitOfWork, a: str, b: str, group_a: _Context, group_b: _Context) -> None:
    """Refuse two sets that share running words: G² and its p-values take the groups as
    two separate samples, and a word in both would be counted twice. The shared words
    are those both groups' filters let through, so they are counted as the totals are
    (interviewer turns and the other rules of the selection apply). Values of one
    attribute cannot share words and are not asked."""
    shared = uow.words.shared(group_a.filter, group_b.filter)
    if not shared:
        return
    words_shared = sum(n for _doc, n in shared)
    names = [group_a.names.get(doc, str(doc)) for doc, _n in shared]
    named = ", ".join(f"'{name}'" for name in names[:SHARED_NAMED])
    more = f" and {len(names) - SHARED_NAMED} more" if len(names) > SHARED_NAMED else ""
    documents = f"{len(names)} document{'s' if len(names) > 1 else ''}"
    raise WordsError(
        f"The sets '{a}' and '{b}' share {words_shared} running word{'s' if words_shared > 1 else ''} "
        f"in {documents} ({named}{more}). Keyness compares two separate groups: a word in both would be "
        "counted twice, and G² and its p-values would be wrong.",
        f"Remove the shared documents or passages from one set ('qualcode set remove {b} --doc DOC' "
        "or '--passage ...'), or compare two sets that do not overlap.")


def keyness(store: Store, by: str, a: str, b: str, selection: Selection | None = None, *,
            lemma: bool = True, min_freq: int = 5, min_docs: int = 1, correction: str = "bh",
            limit: int | None = 50, side: str = "both") -> KeynessTable:
    """Words one group uses more than the other: G², p, corrected p and log ratio.

    A word is tested when both groups together use it ``min_freq`` times or more and
    it occurs in at least ``min_docs`` documents of the group that uses it more.
    ``side`` "a" or "b" lists only the words that group uses more (the correction
    still counts every word tested). With ``by`` "set", ``a`` and ``b`` name saved
    sets: a passage set's group is the words inside its passages, so the passages on
    one theme can be set against another set's, or against a document set; two sets
    that share running words are refused (:func:`refuse_shared_words`)."""
    if side not in ("a", "b", "both"):
        raise WordsError(f"There is no side '{side}'.", "Use --side a, --side b or --side both.")
    if correction not in stats.CORRECTIONS:
        raise WordsError(f"There is no correction '{correction}'.", f"Choose one of: {', '.join(stats.CORRECTIONS)}.")
    if a == b:
        raise WordsError("--a and --b are the same group.", f"Give two different values of '{by}'.")
    base = selection or Selection()
    chosen = groups_of(store, base, by, (a, b))
    index_words(store)
    with store.unit_of_work() as uow:
        lexicon = read_lexicon(uow)
        contexts = [_context(uow, c) for c in chosen]
        if by == SET_GROUPS:
            refuse_shared_words(uow, a, b, *contexts)
        groups = _counts_of(uow, lexicon, contexts, lemma=lemma)
        for value, group, (_found, total) in zip((a, b), chosen, groups, strict=True):
            if total == 0:
                raise WordsError(f"The group {by}={value} has no words ({group.described()}).",
                                 "See the sets with 'qualcode set list'." if by == SET_GROUPS
                                 else f"Check the values of '{by}' with 'qualcode docs'.")
    (found_a, total_a), (found_b, total_b) = groups
    tested = []
    for word in found_a.keys() | found_b.keys():
        ca, da = found_a[word][:2] if word in found_a else (0, 0)
        cb, db = found_b[word][:2] if word in found_b else (0, 0)
        more_docs = da if ca / total_a >= cb / total_b else db
        if ca + cb >= min_freq and more_docs >= min_docs:
            tested.append((word, ca, cb, da, db, stats.log_likelihood(ca, cb, total_a, total_b)))
    p = stats.p_values([row[5] for row in tested])
    adjusted = stats.corrected(p, correction)
    rows = [KeyWord(word, ca, cb, round(ca * 10_000 / total_a, 2), round(cb * 10_000 / total_b, 2), da, db,
                    round(g2, 4), pv, padj, round(stats.log_ratio(ca, cb, total_a, total_b), 4))
            for (word, ca, cb, da, db, g2), pv, padj in zip(tested, p, adjusted, strict=True)]
    rows.sort(key=lambda row: (-row.g2, row.word))
    tested_count = len(rows)
    if side != "both":
        rows = [row for row in rows if (row.log_ratio > 0) == (side == "a")]
    return KeynessTable(by, a, b, total_a, total_b, rows[:limit], tested_count, stats.CORRECTION_NAMES[correction],
                        min_freq, min_docs)


# ------------------------------------------------------------------ the term plot


def term_plot(store: Store, table: KeynessTable, selection: Selection | None = None, *, lemma: bool = True,
              label: int = 10, alpha: float = 0.05, examples: int = 40, width: int = 45,
              cite: str = "({role}, {school})", pseudonymise: bool | None = False) -> TermPlot:
    """A keyness table (made with ``limit=None`` to plot every word tested) as the
    two-group term plot's data: the ``label`` key words of highest G² each way are
    labelled, and up to ``examples`` key words get a concordance line from each group.
    With ``pseudonymise`` (``None``: the project's setting) the words and the lines are
    rendered through the pseudonym table, as the plot is to leave the project."""
    from qualcode.services import pseudonyms
    from qualcode.services.pseudonym_outputs import render_term_plot

    compiled = pseudonyms.output_renderer(store, pseudonymise)  # an empty table refused before the work
    base = selection or Selection()
    ranked = sorted((k for k in table.words if k.p_adjusted < alpha), key=lambda k: (-k.g2, k.word))
    chosen = {k.word for k in [k for k in ranked if k.log_ratio > 0][:label]}
    chosen |= {k.word for k in [k for k in ranked if k.log_ratio <= 0][:label]}
    lines: dict[tuple[str, str], tuple[str, ...]] = {}
    groups = groups_of(store, base, table.by, (table.a, table.b)) if ranked[:examples] else []
    for row in ranked[:examples]:
        for value, group in zip((table.a, table.b), groups, strict=True):
            try:
                page = kwic(store, row.word, group, lemma=lemma, width=width, limit=1, cite=cite)
            except WordsError:  # the word is absent from this group, or its lemma is no pattern
                continue
            lines[(row.word, value)] = tuple(f"{x.left} [{x.match}] {x.right} {x.citation}".strip()
                                             for x in page.lines)
    points = [TermPoint(k.word, k.count_a, k.count_b, k.g2, k.p_adjusted, k.log_ratio, k.p_adjusted < alpha,
                        k.word in chosen, lines.get((k.word, table.a), ()), lines.get((k.word, table.b), ()))
              for k in table.words]
    plot = TermPlot(f"{table.by}={table.a}", f"{table.by}={table.b}", table.total_a, table.total_b,
                    table.correction, alpha, points)
    return render_term_plot(compiled, plot) if compiled is not None else plot
