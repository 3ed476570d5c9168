"""Sets of documents or passages: made, changed, deleted, and used as filters.

A document set is named documents (picked by name or by attribute); a passage set is
named spans ``[start, end)`` of documents (from a saved query's passages, or given by
offsets). Each change is one transaction and one event (``set.created``,
``set.changed``, ``set.deleted``) whose payload holds the members, so ``code undo``
can revert it and a deleted set can come back. A deleted document leaves every set
(the database cascades), and so does a passage of it.

:func:`scope` is the one way commands filter by sets: it turns ``--set NAME`` (with
``--doc``) into the document names every service already filters by, and a passage
set into the set ids that retrieval, search and the word analyses (words, kwic,
keyness, collocations) filter passages and running words by.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.sets import SET_KINDS, NamedSet, Passage, clean_name
from qualcode.errors import ExportError, NotFoundError, QualcodeError
from qualcode.services.coders import optional_coder_id
from qualcode.services.corpus import check_document_keys, find_document
from qualcode.services.files import write_with
from qualcode.services.scopes import Scope
from qualcode.storage.store import Store, UnitOfWork


class SetError(QualcodeError):
    """A set cannot be made, changed or used as asked."""


def find(uow: UnitOfWork, name: str) -> NamedSet:
    found = uow.sets.find(name.strip())
    if found is None:
        known = ", ".join(s.name for s in uow.sets.list()[:12]) or "none yet"
        raise NotFoundError(f"No set '{name}' in this project (sets: {known}).",
                            "List them with 'qualcode set list'; make one with 'qualcode set create NAME --doc ...'.")
    return found


def list_sets(store: Store) -> list[NamedSet]:
    with store.unit_of_work() as uow:
        return uow.sets.list()


def get(store: Store, name: str) -> NamedSet:
    with store.unit_of_work() as uow:
        return find(uow, name)


def _documents(uow: UnitOfWork, documents: Sequence[str], attributes: dict[str, list[str]] | None) -> list[int]:
    """Ids of the documents named, and of those whose attributes match every filter."""
    ids = [find_document(uow, d).id for d in documents]
    if attributes:
        summaries = uow.documents.list()
        check_document_keys(summaries, attributes)
        matching = [d.id for d in summaries if all(d.attributes.get(k) in v for k, v in attributes.items())]
        if not matching:
            wanted = ", ".join(f"{k}={'|'.join(v)}" for k, v in attributes.items())
            raise SetError(f"No document has {wanted}.", "See the documents' attributes with 'qualcode docs'.")
        ids += matching
    return sorted(set(ids))


def check_passages(uow: UnitOfWork, passages: Iterable[Passage]) -> list[Passage]:
    """The passages, each checked against its document's text."""
    checked = []
    lengths: dict[int, int] = {}
    for p in passages:
        if p.document_id not in lengths:
            if uow.documents.get(p.document_id) is None:
                raise NotFoundError(f"No document with id {p.document_id} in this project.",
                                    "List them with 'qualcode docs'.")
            lengths[p.document_id] = len(uow.documents.text(p.document_id))
        if not 0 <= p.start < p.end <= lengths[p.document_id]:
            raise SetError(f"Passage {p.start}-{p.end} is outside document {p.document_id} "
                           f"(its text has {lengths[p.document_id]} characters).",
                           "Give START-END with 0 <= START < END <= the text's length.")
        checked.append(p)
    return checked


def passages_from_rows(store: Store, rows: Iterable[dict]) -> list[Passage]:
    """Passages from a query's result rows (a retrieval's passages, a search's sentences,
    a concordance's matches): each row names its document by id or by name."""
    found = []
    with store.unit_of_work() as uow:
        ids: dict[str, int] = {}
        for row in rows:
            document_id = row.get("document_id")
            if document_id is None:
                name = str(row.get("document_name") or row.get("document") or "")
                if name not in ids:
                    ids[name] = find_document(uow, name).id
                document_id = ids[name]
            found.append(Passage(int(document_id), int(row["start"]), int(row["end"])))
    return found


def parse_passage(store: Store, text: str) -> Passage:
    """``DOC:START-END`` (DOC a document's name or id) as a passage."""
    reference, sep, span = text.rpartition(":")
    start, dash, end = span.partition("-")
    if not sep or not dash or not start.strip().isdigit() or not end.strip().isdigit():
        raise SetError(f"--passage '{text}' is not DOC:START-END.", "Write e.g. --passage skola2_rektorer:120-310.")
    with store.unit_of_work() as uow:
        document = find_document(uow, reference)
        return check_passages(uow, [Passage(document.id, int(start), int(end))])[0]


def _payload(named: NamedSet) -> dict:
    return {"set_id": named.id, "name": named.name, "kind": named.kind, "description": named.description,
            "documents": list(named.document_ids) if named.kind == "documents" else [],
            "passages": [[p.document_id, p.start, p.end] for p in named.passages]}


def create(store: Store, name: str, kind: str, *, documents: Sequence[str] = (),
           attributes: dict[str, list[str]] | None = None, passages: Sequence[Passage] = (),
           description: str = "", coder: str | None = None) -> NamedSet:
    """A new set; an empty one is allowed (members added later), a taken name is not."""
    name = clean_name(name, "set")
    if kind not in SET_KINDS:
        raise SetError(f"A set holds documents or passages, not '{kind}'.", "Use documents or passages.")
    if kind == "documents" and passages:
        raise SetError("A set of documents cannot hold passages.", "Make a set of passages for them.")
    if kind == "passages" and (documents or attributes):
        raise SetError("A set of passages is made from passages, not from whole documents.",
                       "Make it with --from-query NAME, or make a set of documents with --doc/--attr.")
    with store.unit_of_work() as uow:
        if uow.sets.find(name) is not None:
            raise SetError(f"A set named '{name}' exists already.",
                           f"Choose another name, or add to it with: qualcode set add {shlex.quote(name)} ...")
        set_id = uow.sets.create(name, kind, description.strip())
        if kind == "documents":
            uow.sets.add_documents(set_id, _documents(uow, documents, attributes))
        else:
            uow.sets.add_passages(set_id, check_passages(uow, passages))
        made = uow.sets.get(set_id)
        assert made is not None
        uow.events.append("set.created", _payload(made), optional_coder_id(uow, coder))
        return made


def change(store: Store, name: str, *, add_documents: Sequence[str] = (),
           add_attributes: dict[str, list[str]] | None = None, add_passages: Sequence[Passage] = (),
           remove_documents: Sequence[str] = (), remove_passages: Sequence[Passage] = (),
           coder: str | None = None) -> tuple[NamedSet, int, int]:
    """Add and remove members in one transaction; the set, how many were added and removed."""
    with store.unit_of_work() as uow:
        named = find(uow, name)
        if named.kind == "documents" and (add_passages or remove_passages):
            raise SetError(f"Set '{named.name}' holds documents, not passages.", "Add documents with --doc or --attr.")
        if named.kind == "passages" and (add_documents or add_attributes or remove_documents):
            raise SetError(f"Set '{named.name}' holds passages, not whole documents.",
                           "Add passages with --passage DOC:START-END or --from-query NAME.")
        added_docs = uow.sets.add_documents(named.id, _documents(uow, add_documents, add_attributes)) \
            if (add_documents or add_attributes) else []
        removed_docs = uow.sets.remove_documents(named.id, [find_document(uow, d).id for d in remove_documents])
        added = uow.sets.add_passages(named.id, check_passages(uow, add_passages))
        removed = uow.sets.remove_passages(named.id, remove_passages)
        changed = uow.sets.get(named.id)
        assert changed is not None
        if added_docs or removed_docs or added or removed:
            uow.events.append("set.changed", {
                "set_id": named.id, "name": named.name, "added_documents": added_docs,
                "removed_documents": removed_docs, "added_passages": [[p.document_id, p.start, p.end] for p in added],
                "removed_passages": [[p.document_id, p.start, p.end] for p in removed]}, optional_coder_id(uow, coder))
        return changed, len(added_docs) + len(added), len(removed_docs) + len(removed)


def delete(store: Store, name: str, *, coder: str | None = None) -> NamedSet:
    """Delete the set (never its documents); the event keeps its members for undo."""
    with store.unit_of_work() as uow:
        named = find(uow, name)
        uow.sets.delete(named.id)
        uow.events.append("set.deleted", _payload(named), optional_coder_id(uow, coder))
        return named


# ------------------------------------------------------------------ filters


def scope(store: Store, set_names: Sequence[str] | None, documents: Sequence[str] | None = None, *,
          passages: bool = False, command: str = "this command") -> Scope:
    """``--set`` names (any of them) narrowed by ``--doc``. ``passages``: the command can
    filter by passages (retrieve, search, the word analyses); elsewhere a passage set
    is refused."""
    if not set_names:
        return Scope(list(documents) if documents else None)
    with store.unit_of_work() as uow:
        chosen = [find(uow, n) for n in dict.fromkeys(set_names)]
        kinds = {s.kind for s in chosen}
        if len(kinds) > 1:
            raise SetError("Sets of documents and sets of passages cannot be combined in one filter: "
                           + ", ".join(f"'{s.name}' ({s.kind})" for s in chosen) + ".",
                           "Give sets of one kind.")
        if "passages" in kinds and not passages:
            raise SetError(f"Set '{chosen[0].name}' holds passages; {command} filters whole documents.",
                           "Give a set of documents (see 'qualcode set list'), or filter with --doc.")
        ids = {d for s in chosen for d in s.document_ids}
        if not ids:
            raise SetError(f"Set{'s' if len(chosen) > 1 else ''} {', '.join(repr(s.name) for s in chosen)} "
                           f"{'are' if len(chosen) > 1 else 'is'} empty: nothing would be left.",
                           f"Add members with: qualcode set add {shlex.quote(chosen[0].name)} ...")
        if documents:
            named = {find_document(uow, d).id for d in documents}
            ids &= named
            if not ids:
                raise SetError("No document given with --doc is in the set(s) "
                               + ", ".join(repr(s.name) for s in chosen) + ".",
                               f"See the members with 'qualcode set show {chosen[0].name}'.")
        names = uow.sets.document_names(ids)
        return Scope(sorted(names.values()),
                     [s.id for s in chosen] if "passages" in kinds else None)


# ------------------------------------------------------------------ showing and exporting


@dataclass(frozen=True)
class Member:
    document_id: int
    document: str
    start: int | None
    end: int | None
    text: str  # a passage's text; empty for a document


def members(store: Store, name: str) -> tuple[NamedSet, list[Member]]:
    with store.unit_of_work() as uow:
        named = find(uow, name)
        names = uow.sets.document_names(named.document_ids)
        if named.kind == "documents":
            return named, [Member(d, names.get(d, str(d)), None, None, "") for d in named.document_ids]
        texts = {d: uow.documents.text(d) for d in named.document_ids}
        return named, [Member(p.document_id, names.get(p.document_id, str(p.document_id)), p.start, p.end,
                              texts[p.document_id][p.start:p.end]) for p in named.passages]


def export(store: Store, name: str, path: Path, *, overwrite: bool = False) -> int:
    """Write the set's members to ``path`` (.csv or .json); how many were written."""
    named, rows = members(store, name)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if named.kind == "documents":
            writer.writerow(["document_id", "document"])
            writer.writerows([m.document_id, m.document] for m in rows)
        else:
            writer.writerow(["document_id", "document", "start", "end", "text"])
            writer.writerows([m.document_id, m.document, m.start, m.end, m.text] for m in rows)
        content = buffer.getvalue()
    elif suffix == ".json":
        content = json.dumps({"name": named.name, "kind": named.kind, "description": named.description,
                              "members": [{k: v for k, v in vars(m).items()
                                           if named.kind == "passages" or k in ("document_id", "document")}
                                          for m in rows]}, ensure_ascii=False, indent=2) + "\n"
    else:
        raise ExportError(f"Cannot export a set to '{path.name}': unknown file type.", "Name the file .csv or .json.")
    write_with(path, lambda stream: stream.write(content), overwrite=overwrite, binary=False)
    return len(rows)


# ------------------------------------------------------------------ undo


def revert(uow: UnitOfWork, kind: str, p: dict) -> str:
    """Undo a logged set change (called by :mod:`qualcode.services.undo`)."""
    from qualcode.services.undo import Refused

    def passages(rows: list) -> list[Passage]:
        return [Passage(int(d), int(s), int(e)) for d, s, e in rows]

    if kind == "set.created":
        current = uow.sets.get(p["set_id"])
        if current is None:
            raise Refused(f"set '{p['name']}' no longer exists")
        uow.sets.delete(p["set_id"])
        return f"set '{p['name']}' deleted again"
    if kind == "set.deleted":
        if uow.sets.get(p["set_id"]) is not None:
            raise Refused(f"set id {p['set_id']} is in use")
        if uow.sets.find(p["name"]) is not None:
            raise Refused(f"another set is named '{p['name']}' now")
        uow.sets.create(p["name"], p["kind"], p.get("description", ""), set_id=p["set_id"])
        restored = (uow.sets.add_documents(p["set_id"], p.get("documents", []))
                    + uow.sets.add_passages(p["set_id"], passages(p.get("passages", []))))  # type: ignore[operator]
        wanted = len(p.get("documents", [])) + len(p.get("passages", []))
        gone = f" ({wanted - len(restored)} of its documents no longer exist)" if len(restored) < wanted else ""
        return f"set '{p['name']}' restored with {len(restored)} members{gone}"
    if kind == "set.changed":
        if uow.sets.get(p["set_id"]) is None:
            raise Refused(f"set '{p['name']}' no longer exists")
        uow.sets.remove_documents(p["set_id"], p.get("added_documents", []))
        uow.sets.remove_passages(p["set_id"], passages(p.get("added_passages", [])))
        uow.sets.add_documents(p["set_id"], p.get("removed_documents", []))
        uow.sets.add_passages(p["set_id"], passages(p.get("removed_passages", [])))
        return f"change of set '{p['name']}' undone"
    raise Refused(f"a '{kind}' change cannot be undone")
