"""Undo: revert a coder's own last change, and only when nobody has changed it since.

The rule, as the README states it: ``undo`` takes the coder's newest change that is
neither undone nor refused. If another change made since then (by anyone) touched the
same memo, coding, code, set or saved query, or would be lost with it (a memo on a coding that undo would
remove), or the object is no longer as the change left it, the undo is refused: the
refusal is logged, the change stays as it is, and the coder's next ``undo`` goes to
their change before it. So an undo never overwrites or deletes someone else's work, and
no refused undo blocks the ones before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qualcode.core.model import CodingOrigin, Event
from qualcode.core.team import Action
from qualcode.errors import CodingError, QualcodeError
from qualcode.storage.store import Store, UnitOfWork

UNDOABLE = frozenset({
    "coding.added", "codings.added", "coding.removed", "coding.weighted", "memo.added", "memo.edited",
    "memo.deleted", "code.renamed", "code.merged", "code.split", "project.merged",
    "set.created", "set.changed", "set.deleted", "query.saved", "query.removed",
})

Thing = tuple[str, int]


class Refused(Exception):
    """Raised inside a revert: why the change cannot be undone now."""


@dataclass(frozen=True)
class _Footprint:
    changes: frozenset[Thing]  # what the change wrote
    depends: frozenset[Thing]  # what it needs to exist (a memo's coding, a coding's code)


def footprint(kind: str, p: dict) -> _Footprint:
    """What a logged change touched, from its payload."""
    changes: set[Thing] = set()
    depends: set[Thing] = set()
    if kind in ("coding.added", "coding.removed"):
        changes.add(("coding", p["coding_id"]))
        depends |= {("code", p["code_id"]), ("document", p["document_id"])}
    elif kind == "codings.added":  # several codings in one step (KWIC lines coded together)
        for one in p["codings"]:
            changes.add(("coding", one["coding_id"]))
            depends |= {("code", one["code_id"]), ("document", one["document_id"])}
    elif kind == "coding.weighted":
        changes.add(("coding", p["coding_id"]))
    elif kind in ("memo.added", "memo.deleted", "memo.edited"):
        changes.add(("memo", p["memo_id"]))
        if p.get("target_kind") in ("document", "code", "coding") and p.get("target_id") is not None:
            depends.add((p["target_kind"], p["target_id"]))
    elif kind == "code.renamed":
        changes.add(("code", p["code_id"]))
    elif kind == "code.merged":
        changes |= {("code", p["source"]), ("code", p["target"])}
        changes |= {("code", c) for c in p.get("children", [])}
        changes |= {("coding", c) for c in p.get("codings", [])}
    elif kind == "code.split":
        changes |= {("code", p["source"]), ("code", p["new_code"])}
        changes |= {("coding", c) for c in p.get("codings", [])}
    elif kind == "project.merged":
        from qualcode.services.merge import footprint as merge_footprint

        merged, needed, _ = merge_footprint(p)
        changes |= merged
        depends |= needed
    elif kind.startswith("set."):
        changes.add(("set", p["set_id"]))
    elif kind.startswith("query."):
        changes.add(("query", p["query_id"]))
    return _Footprint(frozenset(changes), frozenset(depends))


def _removes(kind: str, p: dict) -> frozenset[Thing]:
    """What undoing the change deletes (and so whatever depends on it)."""
    if kind == "coding.added":
        return frozenset({("coding", p["coding_id"])})
    if kind == "codings.added":
        return frozenset(("coding", one["coding_id"]) for one in p["codings"])
    if kind == "memo.added":
        return frozenset({("memo", p["memo_id"])})
    if kind == "code.split":
        return frozenset({("code", p["new_code"])})
    if kind == "project.merged":
        from qualcode.services.merge import footprint as merge_footprint

        return frozenset(merge_footprint(p)[2])
    if kind == "set.created":
        return frozenset({("set", p["set_id"])})
    if kind == "query.saved":
        return frozenset({("query", p["query_id"])})
    return frozenset()


def _conflict(uow: UnitOfWork, event: Event) -> Event | None:
    mine = footprint(event.kind, event.payload)
    removed = _removes(event.kind, event.payload)
    for later in uow.events.later_in_effect(event.id, UNDOABLE):
        theirs = footprint(later.kind, later.payload)
        if theirs.changes & mine.changes or theirs.depends & removed:
            return later
    return None


def _who(uow: UnitOfWork, coder_id: int | None, me: int) -> str:
    if coder_id == me:
        return "you"
    coder = uow.coders.get(coder_id) if coder_id is not None else None
    return coder.name if coder else "someone"


def _describe(event: Event) -> str:
    p = event.payload
    subject = {"coding.added": f"coding {p.get('coding_id')} applied",
               "coding.removed": f"coding {p.get('coding_id')} removed",
               "codings.added": f"{len(p.get('codings', []))} codings applied together",
               "coding.weighted": f"coding {p.get('coding_id')} weighted",
               "memo.added": f"memo {p.get('memo_id')} written",
               "memo.edited": f"memo {p.get('memo_id')} edited",
               "memo.deleted": f"memo {p.get('memo_id')} deleted",
               "code.renamed": f"code {p.get('code_id')} renamed",
               "code.merged": f"code {p.get('source')} merged into {p.get('target')}",
               "code.split": f"code {p.get('new_code')} split from {p.get('source')}",
               "project.merged": f"merge of {p.get('source')}",
"set.created": f"set '{p.get('name')}' created",
               "set.changed": f"set '{p.get('name')}' changed",
               "set.deleted": f"set '{p.get('name')}' deleted",
               "query.saved": f"query '{p.get('name')}' saved",
               "query.removed": f"query '{p.get('name')}' removed"}
    return subject.get(event.kind, event.kind)


def undo_last(store: Store, coder: str) -> str:
    """Revert the coder's last change that is not undone or refused; say what was undone.

    A refusal is committed (so the next undo moves on) and then raised as
    :class:`CodingError`.
    """
    from qualcode.services.coding import coder_id_for
    from qualcode.services.roles import require

    refusal: str | None = None
    with store.unit_of_work() as uow:
        coder_id = coder_id_for(uow, coder)
        event = uow.events.last_undoable(coder_id, UNDOABLE)
        if event is None:
            raise CodingError(f"Nothing to undo for coder '{coder}'.")
        require(uow, coder, Action.SUPERVISE if event.kind.startswith("code.") else Action.CODE,
                f"undo a change ({_describe(event)})")
        later = _conflict(uow, event)
        try:
            if later is not None:
                raise Refused(f"{_who(uow, later.coder_id, coder_id)} changed it since "
                              f"(change {later.id}: {_describe(later)})")
            with uow.savepoint():
                what = _revert(uow, event)
        except (Refused, QualcodeError) as exc:
            reason = exc.message if isinstance(exc, QualcodeError) else str(exc)
            refused = uow.events.append("undo.refused", {"event_id": event.id, "kind": event.kind,
                                                         "reason": reason}, coder_id)
            uow.events.mark_undo_refused(event.id, refused.id)
            refusal = f"Cannot undo your change {event.id} ({_describe(event)}): {reason}."
        else:
            undo_event = uow.events.append("undo", {"event_id": event.id, "kind": event.kind}, coder_id)
            uow.events.mark_undone(event.id, undo_event.id)
            return what
    raise CodingError(refusal, "Your change stays as it is; the next undo goes to your change before it.")


def _check_added(uow: UnitOfWork, p: dict) -> None:
    """Refuse to remove an applied coding that has changed or carries another's memo."""
    current = uow.codings.get(p["coding_id"])
    if current is None:
        raise Refused(f"coding {p['coding_id']} no longer exists")
    if (current.coder_id, current.code_id, current.document_id, current.start, current.end) != (
            p["coder_id"], p["code_id"], p["document_id"], p["start"], p["end"]):
        raise Refused(f"coding {p['coding_id']} is no longer the coding you applied")
    others = [m for m in uow.memos.for_target("coding", p["coding_id"]) if m.coder_id != p["coder_id"]]
    if others:
        raise Refused(f"another coder's memo {others[0].id} is on it")


def _revert(uow: UnitOfWork, event: Event) -> str:
    p = event.payload
    kind = event.kind
    if kind.startswith("set."):
        from qualcode.services import sets

        return sets.revert(uow, kind, p)
    if kind.startswith("query."):
        from qualcode.services import queries

        return queries.revert(uow, kind, p)
    if kind == "coding.added":
        _check_added(uow, p)
        uow.codings.delete(p["coding_id"])
        return f"coding {p['coding_id']} removed again"
    if kind == "codings.added":
        for coding in p["codings"]:  # every one checked before any is removed
            _check_added(uow, coding)
        for coding in p["codings"]:
            uow.codings.delete(coding["coding_id"])
        count = len(p["codings"])
        return f"{count} coding{'' if count == 1 else 's'} removed again"
    if kind == "coding.removed":
        if uow.codings.get(p["coding_id"]) is not None:
            raise Refused(f"coding id {p['coding_id']} is taken by another coding")
        if uow.codebooks.code(p["code_id"]) is None:
            raise Refused(f"its code {p['code_id']} no longer exists")
        if uow.documents.get(p["document_id"]) is None:
            raise Refused(f"its document {p['document_id']} no longer exists")
        uow.codings.add(p["document_id"], p["code_id"], p["coder_id"], p["start"], p["end"],
                        CodingOrigin(p["origin"]), coding_id=p["coding_id"],
                        created_at=datetime.fromisoformat(p["created_at"]), weight=p.get("weight"))
        for memo in p.get("memos", []):
            uow.memos.add("coding", p["coding_id"], memo["coder_id"], memo["text"], memo_id=memo["id"],
                          created_at=datetime.fromisoformat(memo["created_at"]))
        restored = f" with {len(p['memos'])} memo(s)" if p.get("memos") else ""
        return f"coding {p['coding_id']} restored{restored}"
    if kind == "coding.weighted":
        current = uow.codings.get(p["coding_id"])
        if current is None:
            raise Refused(f"coding {p['coding_id']} no longer exists")
        if current.weight != p["new"]:
            raise Refused(f"coding {p['coding_id']} was weighted again since")
        uow.codings.set_weight(p["coding_id"], p["old"])
        return f"weight of coding {p['coding_id']} restored"
    if kind == "memo.added":
        memo = uow.memos.get(p["memo_id"])
        if memo is None:
            raise Refused(f"memo {p['memo_id']} no longer exists")
        if memo.text != p["text"]:
            raise Refused(f"memo {p['memo_id']} was edited since")
        uow.memos.delete(p["memo_id"])
        return f"memo {p['memo_id']} removed again"
    if kind == "memo.edited":
        if uow.memos.get(p["memo_id"]) is None:
            raise Refused(f"memo {p['memo_id']} no longer exists")
        if not uow.memos.update(p["memo_id"], p["old"], expected=p["new"]):
            raise Refused(f"memo {p['memo_id']} was edited since")
        return f"memo {p['memo_id']} text restored"
    if kind == "memo.deleted":
        if uow.memos.get(p["memo_id"]) is not None:
            raise Refused(f"memo id {p['memo_id']} is in use")
        from qualcode.services.coding import check_memo_target

        try:
            check_memo_target(uow, p["target_kind"], p["target_id"])
        except QualcodeError as exc:
            raise Refused(f"the {p['target_kind']} it was on no longer exists") from exc
        created = p.get("created_at")
        uow.memos.add(p["target_kind"], p["target_id"], p["coder_id"], p["text"], memo_id=p["memo_id"],
                      created_at=datetime.fromisoformat(created) if created else None)
        return f"memo {p['memo_id']} restored"
    if kind == "code.renamed":
        code = uow.codebooks.code(p["code_id"])
        if code is None:
            raise Refused(f"code {p['code_id']} no longer exists")
        if any(getattr(code, k) != v for k, v in p["new"].items()):
            raise Refused(f"code {p['code_id']} was renamed since")
        uow.codebooks.set_fields(p["code_id"], **{k: v for k, v in p["old"].items() if k in p["new"]})
        return f"code {p['code_id']} name restored"
    if kind == "code.merged":
        uow.codings.set_code(p["codings"], p["source"])
        for child in p["children"]:
            uow.codebooks.set_fields(child, parent_id=p["source"])
        uow.codebooks.set_active(p["source"], True)
        return f"merge undone: {len(p['codings'])} codings moved back"
    if kind == "code.split":
        from qualcode.storage.repositories.codings import CodingFilter

        moved = set(p["codings"])
        extra = [c.id for c in uow.codings.list(CodingFilter(code_ids=[p["new_code"]])) if c.id not in moved]
        if extra:
            raise Refused(f"code {p['new_code']} has codings made since (e.g. {extra[0]})")
        uow.codings.set_code(p["codings"], p["source"])
        uow.codebooks.delete_code(p["new_code"])
        return f"split undone: {len(p['codings'])} codings moved back"
    if kind == "project.merged":
        from qualcode.services.merge import revert_merge

        return revert_merge(uow, p)
    raise Refused(f"a '{kind}' change cannot be undone")  # pragma: no cover - UNDOABLE keeps step
