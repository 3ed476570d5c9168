"""Getting passages back: everything coded with a code, and full-text search."""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qualcode.core.model import CodedPassage, SegmentText
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services.codebook import resolve_code
from qualcode.services.corpus import check_attribute_filter, find_document
from qualcode.storage.records import CodingFilter

if TYPE_CHECKING:
    from qualcode.storage.store import Store


@dataclass(frozen=True)
class RetrievalPage:
    passages: list[CodedPassage]
    total: int
    offset: int


SearchHit = SegmentText  # the same record under the name this module's callers know


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    terms: list[list[str]]


def _filter(uow, *, codes: list[str] | None, coders: list[str] | None,  # type: ignore[no-untyped-def]
            documents: list[str] | None, attributes: dict[str, list[str]] | None,
            passage_set_ids: list[int] | None = None) -> CodingFilter:
    check_attribute_filter(uow, attributes)
    coder_ids = None
    if coders:
        coder_ids = []
        for name in coders:
            found = uow.coders.find(name)
            if found is None:
                known = ", ".join(c.name for c in uow.coders.list()) or "none yet"
                raise NotFoundError(f"No coder '{name}' in this project (coders: {known}).")
            coder_ids.append(found.id)
    return CodingFilter(
        code_ids=[resolve_code(uow, c).id for c in codes] if codes else None,
        coder_ids=coder_ids,
        document_ids=[find_document(uow, d).id for d in documents] if documents else None,
        attributes=attributes or {},
        passage_set_ids=passage_set_ids,
    )


# More rows than any project holds, and a number SQLite and PostgreSQL both take.
MAX_ROWS = 2 ** 62


def retrieve(store: Store, code: str, *, coders: list[str] | None = None,
             documents: list[str] | None = None, attributes: dict[str, list[str]] | None = None,
             limit: int | None = 50, offset: int = 0, context: int = 80,
             with_total: bool = True, passage_set_ids: list[int] | None = None) -> RetrievalPage:
    """Every passage coded with ``code``, in reading order, one page at a time; with
    ``passage_set_ids``, only those overlapping a passage of one of these sets."""
    return passages(store, codes=[code], coders=coders, documents=documents, attributes=attributes,
                    limit=limit, offset=offset, context=context, with_total=with_total,
                    passage_set_ids=passage_set_ids)


def passages(store: Store, *, codes: list[str] | None = None, coders: list[str] | None = None,
             documents: list[str] | None = None, attributes: dict[str, list[str]] | None = None,
             limit: int | None = 50, offset: int = 0, context: int = 80,
             with_total: bool = True, passage_set_ids: list[int] | None = None) -> RetrievalPage:
    """Coded passages matching every given filter (none given: all of them)."""
    # A far page (--page 2^63-1 times --page-size) is past every row, but as an OFFSET it
    # is past what SQLite's INTEGER holds: read it as the last page there could be.
    offset = min(offset, MAX_ROWS)
    limit = None if limit is None else min(limit, MAX_ROWS)
    with store.unit_of_work() as uow:
        flt = _filter(uow, codes=codes, coders=coders, documents=documents, attributes=attributes,
                      passage_set_ids=passage_set_ids)
        found = uow.codings.passages(flt, limit=limit, offset=offset, context=context)
        total = uow.codings.count(flt) if with_total else len(found)
        return RetrievalPage([whole_words(p, context) for p in found], total, offset)


def whole_words(passage: CodedPassage, context: int) -> CodedPassage:
    """The context cut at word boundaries: a window of ``context`` characters drops the
    part-word at its outer edge (a reader sees "…word" rather than "ord")."""
    before, after = passage.before, passage.after
    if len(before) >= context > 0 and before[:1].strip() and " " in before:
        before = "…" + before[before.index(" ") + 1:]
    if len(after) >= context > 0 and after[-1:].strip() and " " in after:
        after = after[:after.rindex(" ")] + "…"
    if (before, after) == (passage.before, passage.after):
        return passage
    return replace(passage, before=before, after=after)


def count(store: Store, code: str, *, coders: list[str] | None = None,
          documents: list[str] | None = None, attributes: dict[str, list[str]] | None = None) -> int:
    """How many passages ``retrieve`` would return in all."""
    with store.unit_of_work() as uow:
        return uow.codings.count(_filter(uow, codes=[code], coders=coders, documents=documents,
                                         attributes=attributes))


def cooccurring(store: Store, first: str, second: str, *, coders: list[str] | None = None,
                attributes: dict[str, list[str]] | None = None, context: int = 80) -> list[tuple[CodedPassage, CodedPassage]]:
    """Pairs of overlapping passages coded with both codes (in the same document)."""
    with store.unit_of_work() as uow:
        a = uow.codings.passages(_filter(uow, codes=[first], coders=coders, documents=None,
                                         attributes=attributes), limit=None, context=context)
        b = uow.codings.passages(_filter(uow, codes=[second], coders=coders, documents=None,
                                         attributes=attributes), limit=None, context=context)
    by_doc: dict[int, list[CodedPassage]] = {}
    for passage in b:
        by_doc.setdefault(passage.document_id, []).append(passage)
    pairs = []
    for passage in a:
        for other in by_doc.get(passage.document_id, []):
            if passage.start < other.end and other.start < passage.end and passage.coding_id != other.coding_id:
                pairs.append((passage, other))
    return pairs


def search(store: Store, query: str, *, documents: list[str] | None = None,
           attributes: dict[str, list[str]] | None = None, limit: int | None = 100,
           offset: int = 0, heads: bool = False, passage_set_ids: list[int] | None = None) -> SearchPage:
    """Sentences containing every word of ``query`` (or an inflected form of it); with
    ``heads``, also compounds ending in it ("dialog" finds "kvalitetsdialogerna")."""
    # The lemmatizer is search's alone: retrieving coded passages must not load it.
    from qualcode.analysis import terms
    from qualcode.analysis.lemmas import LEMMA_LANGUAGES
    from qualcode.services.lemmas import project_lexicon

    words = terms.words(query)
    lexicon = project_lexicon(store)
    groups = terms.query_groups(words, [lexicon.lemmatizer(language).lookup(words) for language in LEMMA_LANGUAGES],
                                heads=heads)
    if not groups:
        raise QualcodeError("The search has no words in it.", "Type at least one word.")
    with store.unit_of_work() as uow:
        doc_ids = [find_document(uow, d).id for d in documents] if documents else None
        check_attribute_filter(uow, attributes)
        if attributes:
            matching = [d.id for d in uow.documents.list()
                        if all(d.attributes.get(k) in v for k, v in attributes.items())]
            doc_ids = matching if doc_ids is None else [i for i in doc_ids if i in matching]
        rows = uow.search.find(groups, document_ids=doc_ids, limit=limit, offset=offset,
                               passage_set_ids=passage_set_ids)
        total = uow.search.count(groups, document_ids=doc_ids, passage_set_ids=passage_set_ids)
        names, texts, turn_speakers, attrs = {}, {}, {}, uow.documents.all_attributes()
        hits = []
        for segment_id, doc_id, start, end in rows:
            if doc_id not in texts:
                texts[doc_id] = uow.documents.text(doc_id)
                names[doc_id] = uow.documents.get(doc_id).name
                speakers = {s.id: s for s in uow.documents.speakers(doc_id)}
                turn_speakers[doc_id] = [(t.start, speakers.get(t.speaker_id)) for t in uow.documents.turns(doc_id)]
            speaker = None
            for turn_start, sp in turn_speakers[doc_id]:
                if turn_start <= start:
                    speaker = sp
            merged = dict(attrs.get(doc_id, {}))
            if speaker is not None:
                merged.update(speaker.attributes)
            hits.append(SearchHit(segment_id, doc_id, names[doc_id], start, end, texts[doc_id][start:end],
                                  speaker.label if speaker else None, merged))
        return SearchPage(hits, total, groups)


def attribution(passage_attributes: dict[str, str], speaker: str | None,
                template: str = "({role}, {school})") -> str:
    """A citation like "(Rektor, skola 3)": template fields missing from the data drop out."""
    values = dict(passage_attributes)
    values.setdefault("speaker", speaker or "")
    parts = []
    inner = template.strip()
    opening, closing = "", ""
    if inner.startswith("(") and inner.endswith(")"):
        opening, closing, inner = "(", ")", inner[1:-1]
    for piece in inner.split(","):
        piece = piece.strip()
        try:
            rendered = piece.format_map(_Missing(values)).strip() if _plain_fields(piece) else piece
        except (ValueError, IndexError):
            rendered = piece
        if rendered:
            parts.append(rendered)
    return f"{opening}{', '.join(parts)}{closing}" if parts else ""


def _plain_fields(piece: str) -> bool:
    """Whether every field of ``piece`` is a bare name such as {role}: a format spec, a
    conversion or attribute access ({role:>99999999999}, {role.__class__}) would let a
    template exhaust memory or show Python internals, so such a piece stays as written."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(piece)
                  if name is not None]
    except ValueError:
        return True  # malformed: format_map refuses it in the same words
    return all(not spec and conversion is None and not any(c in name for c in ".[") for name, spec, conversion in fields)


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""
