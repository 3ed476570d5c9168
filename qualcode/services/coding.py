"""Coding operations: apply, remove, memos, rename/merge/split codes, and undo.

Each function is one user action: one transaction and one event in the log. The
event's payload holds what is needed to revert it, so ``undo`` needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.core.codebook import Code
from qualcode.core.model import MEMO_TARGETS, Coding, CodingOrigin, Memo, SegmentKind
from qualcode.core.team import Action
from qualcode.errors import CodingError, NotFoundError
from qualcode.services.codebook import resolve_code
from qualcode.services.corpus import document_id, find_document
from qualcode.services.roles import require
from qualcode.storage.records import CodingFilter
from qualcode.storage.store import Store, retrying


@dataclass(frozen=True)
class Span:
    """What to code: explicit offsets, a segment id, or a turn index."""

    start: int | None = None
    end: int | None = None
    segment_id: int | None = None
    turn: int | None = None


def coder_id_for(uow, coder: str) -> int:  # type: ignore[no-untyped-def]
    if not coder or not coder.strip():
        raise CodingError("No coder named.", "Pass --coder NAME (or set QUALCODE_CODER).")
    return uow.coders.get_or_create(coder.strip()).id


def check_one_span(span: Span) -> None:
    """Refuse a span named two ways (--turn with --segment, --start with --turn, ...) or half
    named (--start without --end): quietly taking one of them coded something else than asked."""
    named = [way for way, given in (("--start/--end", span.start is not None or span.end is not None),
                                    ("--segment", span.segment_id is not None),
                                    ("--turn", span.turn is not None)) if given]
    if len(named) > 1:
        raise CodingError(f"The span is given {len(named)} ways ({', '.join(named)}); give one.",
                          f"Keep one of {' or '.join(named)}.")
    if (span.start is None) != (span.end is None):
        given, missing = ("--start", "--end") if span.end is None else ("--end", "--start")
        raise CodingError(f"{given} is given without {missing}.",
                          "Pass both: the span is [start, end) in characters of the stored text.")


def resolve_span(uow, document_id: int, text_length: int, span: Span) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    check_one_span(span)
    if span.segment_id is not None:
        segment = uow.documents.segment(span.segment_id)
        if segment is None or segment.document_id != document_id:
            raise CodingError(f"Segment {span.segment_id} is not in this document.",
                              "Find segment ids with 'qualcode show DOC --sentences'.")
        return segment.start, segment.end
    if span.turn is not None:
        turns = uow.documents.turns(document_id)
        if not 0 <= span.turn < len(turns):
            raise CodingError(f"Turn {span.turn} does not exist (the document has {len(turns)} turns, "
                              "numbered from 0).")
        return turns[span.turn].start, turns[span.turn].end
    if span.start is None or span.end is None:
        raise CodingError("No span given.", "Pass --start and --end, --segment, or --turn.")
    if not 0 <= span.start < span.end <= text_length:
        raise CodingError(
            f"Span [{span.start}, {span.end}) is not inside the document (0 to {text_length}).",
            "Offsets are [start, end) in characters of the stored text, start < end.")
    return span.start, span.end


@retrying
def apply_code(store: Store, document: str | int, code: str, coder: str, span: Span, *,
               origin: CodingOrigin = CodingOrigin.MANUAL, codebook: str | None = None,
               weight: int | None = None) -> Coding:
    with store.unit_of_work() as uow:
        return apply_in(uow, document, code, coder, span, origin=origin, codebook=codebook,
                        weight=weight)


def check_weight(weight: int | None) -> int | None:
    """A coding weight is a whole number 0-100 (MAXQDA's weight score) or none."""
    if weight is not None and not 0 <= weight <= 100:
        raise CodingError(f"Weight {weight} is outside 0-100.", "Pass --weight 0 to 100, e.g. --weight 75.")
    return weight


def apply_in(uow, document: str | int, code: str, coder: str, span: Span, *,  # type: ignore[no-untyped-def]
             origin: CodingOrigin = CodingOrigin.MANUAL, codebook: str | None = None,
             weight: int | None = None) -> Coding:
    """Apply a code inside a unit of work the caller owns (for actions that do more)."""
    check_weight(weight)
    require(uow, coder, Action.CODE, "apply a code")
    doc_id = document_id(uow, document)
    target = resolve_code(uow, code, codebook)
    if not target.active:
        raise CodingError(f"Code '{target.key}' is retired in the current codebook version.")
    start, end = resolve_span(uow, doc_id, len(uow.documents.text(doc_id)), span)
    coder_id = coder_id_for(uow, coder)
    coding = uow.codings.add(doc_id, target.id, coder_id, start, end, origin, weight=weight)
    uow.events.append("coding.added", _coding_payload(coding), coder_id)
    return coding


def apply_many_in(uow, spans: list[tuple[int, int, int]], target: Code, coder_id: int, *,  # type: ignore[no-untyped-def]
                  origin: CodingOrigin = CodingOrigin.MANUAL) -> list[Coding]:
    """Apply one code (resolved by the caller, see :func:`resolve_code`) to many
    ``(document id, start, end)`` spans as one change: one ``codings.added`` event, so
    one ``undo`` removes them all again."""
    if not target.active:
        raise CodingError(f"Code '{target.key}' is retired in the current codebook version.")
    made = []
    lengths: dict[int, int] = {}
    for doc_id, start, end in spans:
        if doc_id not in lengths:
            lengths[doc_id] = len(uow.documents.text(doc_id))
        if not 0 <= start < end <= lengths[doc_id]:
            raise CodingError(f"Span [{start}, {end}) is not inside document {doc_id}.")
        made.append(uow.codings.add(doc_id, target.id, coder_id, start, end, origin))
    if made:
        uow.events.append("codings.added", {"codings": [_coding_payload(c) for c in made]}, coder_id)
    return made


@retrying
def set_weight(store: Store, coding_id: int, weight: int | None, coder: str) -> Coding:
    """Give a coding a weight 0-100, or clear it (None); the change goes to the event log."""
    check_weight(weight)
    with store.unit_of_work() as uow:
        coding = uow.codings.get(coding_id)
        if coding is None:
            raise NotFoundError(f"No coding {coding_id}.", "List codings with 'qualcode code list'.")
        require(uow, coder, Action.CODE, "weight a coding")
        coder_id = coder_id_for(uow, coder)
        uow.codings.set_weight(coding_id, weight)
        uow.events.append("coding.weighted", {"coding_id": coding_id, "old": coding.weight, "new": weight},
                          coder_id)
        updated = uow.codings.get(coding_id)
        assert updated is not None
        return updated


def get_coding(store: Store, coding_id: int) -> Coding:
    """One coding by id (its weight, span and code), for a dialog that edits it."""
    with store.unit_of_work() as uow:
        coding = uow.codings.get(coding_id)
    if coding is None:
        raise NotFoundError(f"No coding {coding_id}.", "List codings with 'qualcode code list'.")
    return coding


def _coding_payload(coding: Coding) -> dict:
    return {"coding_id": coding.id, "document_id": coding.document_id, "code_id": coding.code_id,
            "coder_id": coding.coder_id, "start": coding.start, "end": coding.end,
            "origin": str(coding.origin), "created_at": coding.created_at.isoformat(),
            "weight": coding.weight}


@retrying
def remove_coding(store: Store, coding_id: int, coder: str) -> Coding:
    with store.unit_of_work() as uow:
        coding = uow.codings.get(coding_id)
        if coding is None:
            raise NotFoundError(f"No coding {coding_id}.", "List codings with 'qualcode code list'.")
        require(uow, coder, Action.CODE, "remove a coding")
        coder_id = coder_id_for(uow, coder)
        # Its memos go with it (the database cascades); the event keeps them for undo.
        memos = [{"id": m.id, "coder_id": m.coder_id, "text": m.text, "created_at": m.created_at.isoformat()}
                 for m in uow.memos.for_target("coding", coding_id)]
        uow.codings.delete(coding_id)
        uow.events.append("coding.removed", {**_coding_payload(coding), "memos": memos}, coder_id)
        return coding


def codings_at(store: Store, document_id: int, offset: int) -> list[Coding]:
    with store.unit_of_work() as uow:
        return [c for c in uow.codings.for_document(document_id) if c.start <= offset < c.end]


def list_codings(store: Store, *, document: str | None = None, code: str | None = None,
                 coder: str | None = None, limit: int | None = None) -> list[Coding]:
    with store.unit_of_work() as uow:
        flt = CodingFilter(
            document_ids=[find_document(uow, document).id] if document else None,
            code_ids=[resolve_code(uow, code).id] if code else None,
            coder_ids=[_existing_coder(uow, coder)] if coder else None,
        )
        return uow.codings.list(flt, limit=limit)


def _existing_coder(uow, name: str) -> int:  # type: ignore[no-untyped-def]
    found = uow.coders.find(name)
    if found is None:
        names = ", ".join(c.name for c in uow.coders.list()) or "none yet"
        raise NotFoundError(f"No coder '{name}' in this project (coders: {names}).")
    return found.id


# ----------------------------------------------------------------------- memos


def check_memo_target(uow, kind: str, target_id: int | None) -> None:  # type: ignore[no-untyped-def]
    if kind not in MEMO_TARGETS:
        raise CodingError(f"Memos attach to {', '.join(MEMO_TARGETS)}; not '{kind}'.")
    exists = {
        "project": lambda: True,
        "document": lambda: uow.documents.get(target_id) is not None,
        "code": lambda: uow.codebooks.code(target_id) is not None,
        "coding": lambda: uow.codings.get(target_id) is not None,
    }[kind]
    if kind != "project" and (target_id is None or not exists()):
        raise NotFoundError(f"No {kind} {target_id} to attach the memo to.")


def check_memo_kind(kind: str) -> None:
    """Refuse a kind of thing memos cannot be on, before it filters a list down to nothing."""
    if kind not in MEMO_TARGETS:
        raise CodingError(f"Memos attach to {', '.join(MEMO_TARGETS)}; not '{kind}'.",
                          "Write e.g. 'document 03_forvaltningschef', 'code lc.bypassed' or 'coding 12'.")


def memo_target(store: Store, kind: str, reference: str | None) -> int | None:
    """The id a memo attaches to, from what a user types: a document name, a code key, an id."""
    check_memo_kind(kind)
    if kind == "project":
        if reference:
            raise CodingError(f"A project memo is about the whole project; it takes no target ('{reference}').",
                              "Leave the target out, or write e.g. 'document 03_forvaltningschef' "
                              "or 'code lc.bypassed' for a memo on one thing.")
        return None
    if not reference:
        raise CodingError(f"Name the {kind} the memo is about.")
    with store.unit_of_work() as uow:
        if kind == "document":
            return find_document(uow, reference).id
        if kind == "code":
            return resolve_code(uow, reference).id
        if kind == "coding" and reference.isdigit():
            return int(reference)
    raise CodingError(f"Memos attach to {', '.join(MEMO_TARGETS)}; '{kind} {reference}' is not one.",
                      "Write e.g. 'document 03_forvaltningschef', 'code lc.bypassed' or 'coding 12'.")


@retrying
def add_memo(store: Store, kind: str, target_id: int | None, text: str, coder: str) -> Memo:
    if not text.strip():
        raise CodingError("A memo cannot be empty.")
    with store.unit_of_work() as uow:
        check_memo_target(uow, kind, target_id)
        require(uow, coder, Action.CODE, "write a memo")
        coder_id = coder_id_for(uow, coder)
        memo = uow.memos.add(kind, target_id, coder_id, text)
        uow.events.append("memo.added", {"memo_id": memo.id, "target_kind": kind,
                                         "target_id": target_id, "text": text}, coder_id)
        return memo


@retrying
def edit_memo(store: Store, memo_id: int, text: str, coder: str) -> Memo:
    if not text.strip():
        raise CodingError("A memo cannot be empty.", "Delete it instead.")
    with store.unit_of_work() as uow:
        memo = uow.memos.get(memo_id)
        if memo is None:
            raise NotFoundError(f"No memo {memo_id}.")
        require(uow, coder, Action.CODE, "edit a memo")
        coder_id = coder_id_for(uow, coder)
        uow.memos.update(memo_id, text)
        uow.events.append("memo.edited", {"memo_id": memo_id, "old": memo.text, "new": text}, coder_id)
        return uow.memos.get(memo_id)


@retrying
def delete_memo(store: Store, memo_id: int, coder: str) -> Memo:
    with store.unit_of_work() as uow:
        memo = uow.memos.get(memo_id)
        if memo is None:
            raise NotFoundError(f"No memo {memo_id}.")
        require(uow, coder, Action.CODE, "delete a memo")
        coder_id = coder_id_for(uow, coder)
        uow.memos.delete(memo_id)
        uow.events.append("memo.deleted", {"memo_id": memo_id, "target_kind": memo.target_kind,
                                           "target_id": memo.target_id, "text": memo.text,
                                           "coder_id": memo.coder_id,
                                           "created_at": memo.created_at.isoformat()}, coder_id)
        return memo


def memos_for(store: Store, kind: str, target_id: int | None) -> list[Memo]:
    with store.unit_of_work() as uow:
        return uow.memos.for_target(kind, target_id)


def all_memos(store: Store) -> list[Memo]:
    with store.unit_of_work() as uow:
        return uow.memos.list()


# -------------------------------------------------------- changing the codebook


def rename_code(store: Store, code: str, coder: str, *, label_en: str | None = None,
                label_sv: str | None = None) -> Code:
    with store.unit_of_work() as uow:
        target = resolve_code(uow, code)
        require(uow, coder, Action.SUPERVISE, "rename a code (a change of the codebook)")
        coder_id = coder_id_for(uow, coder)
        fields = {k: v.strip() for k, v in (("label_en", label_en), ("label_sv", label_sv)) if v}
        if not fields:
            raise CodingError("Nothing to rename.", "Pass --label and/or --label-sv.")
        if not all(fields.values()):
            raise CodingError("A code's label cannot be blank.", "Give the label in words, e.g. --label 'Loose coupling'.")
        uow.codebooks.set_fields(target.id, **fields)
        uow.events.append("code.renamed", {"code_id": target.id, "old": {
            "label_en": target.label_en, "label_sv": target.label_sv}, "new": fields}, coder_id)
        return uow.codebooks.code(target.id)


def merge_codes(store: Store, source: str, target: str, coder: str) -> int:
    """Move every coding of ``source`` to ``target`` and retire ``source``; nothing is lost."""
    with store.unit_of_work() as uow:
        src, dst = resolve_code(uow, source), resolve_code(uow, target)
        if src.id == dst.id:
            raise CodingError("A code cannot be merged into itself.")
        require(uow, coder, Action.SUPERVISE, "merge codes (a change of the codebook)")
        coder_id = coder_id_for(uow, coder)
        moved = [c.id for c in uow.codings.list(CodingFilter(code_ids=[src.id]))]
        children = [c.id for c in uow.codebooks.codes(src.codebook_id) if c.parent_id == src.id]
        uow.codings.set_code(moved, dst.id)
        for child in children:
            uow.codebooks.set_fields(child, parent_id=dst.id)
        uow.codebooks.set_active(src.id, False)
        uow.events.append("code.merged", {"source": src.id, "target": dst.id, "codings": moved,
                                          "children": children}, coder_id)
        return len(moved)


def split_code(store: Store, source: str, new_key: str, coder: str, *, label: str,
               coding_ids: list[int], definition: str = "") -> Code:
    """Create ``new_key`` beside ``source`` and move the chosen codings to it."""
    from qualcode.core.codebook import CodeSpec
    from qualcode.importers.codebook_yaml import CODE_ID_PATTERN

    if not CODE_ID_PATTERN.match(new_key):  # as a codebook file's 'id:' must be, so SLUG:KEY works
        raise CodingError(f"'{new_key}' is not a code key: use lowercase letters a-z, digits, '.', '-' "
                          "and '_', starting with a letter or digit.", "Write e.g. lc.loose-formal.")
    if not label.strip():
        raise CodingError("The new code's label cannot be blank.", "Give it in words, e.g. --label 'Formal ties'.")
    with store.unit_of_work() as uow:
        src = resolve_code(uow, source)
        if uow.codebooks.find_codes(new_key, src.codebook_id):
            raise CodingError(f"Code '{new_key}' already exists in this codebook.")
        require(uow, coder, Action.SUPERVISE, "split a code (a change of the codebook)")
        coder_id = coder_id_for(uow, coder)
        owned = {c.id for c in uow.codings.list(CodingFilter(code_ids=[src.id]))}
        stray = [i for i in coding_ids if i not in owned]
        if stray:
            raise CodingError(f"Codings {stray} are not codings of '{src.key}'.",
                              f"List them with 'qualcode code list --code {src.key}'.")
        spec = CodeSpec(key=new_key, label_en=label.strip(), definition=definition or src.definition,
                        colour=src.colour)
        new = uow.codebooks.add_code(src.codebook_id, spec, src.parent_id,
                                     uow.codebooks.max_position(src.codebook_id) + 1)
        uow.codings.set_code(coding_ids, new.id)
        uow.events.append("code.split", {"source": src.id, "new_code": new.id, "codings": coding_ids},
                          coder_id)
        return new


# ------------------------------------------------------------------------ undo


@retrying
def undo(store: Store, coder: str) -> str:
    """Revert the coder's last change, unless someone changed it since (see services.undo)."""
    from qualcode.services.undo import undo_last

    return undo_last(store, coder)


def segment_kinds() -> list[str]:
    return [str(k) for k in SegmentKind]
