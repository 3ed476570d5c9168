"""Merging a coder's project (a .qualcode file, a database URL or a .qdpx) into another.

:func:`merge_project` reads both projects, plans the merge with
:func:`qualcode.core.merge.plan_merge` (what matches, what is added, what differs and
how the chosen rule settles it) and, unless it is a dry run, writes the plan in ONE
unit of work: a failure anywhere leaves the target as it was. The dry run and the
merge make the same plan from the same rows, so the dry run's figures are what the
merge then writes. A .qdpx is first imported into a temporary SQLite project with the
exchange importer, and merged from there.

The whole merge is one event in the log (``project.merged``) naming every row it
added and every value it changed, so ``qualcode code undo`` takes it back as one step
(:func:`revert_merge`), and refuses while later changes build on what it added.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qualcode.core.codebook import CodeSpec
from qualcode.core.merge import RULES, Difference, MergePlan, Ref, Side, SideDecision, plan_merge
from qualcode.core.model import CodingOrigin, ParsedDocument, ParsedTurn
from qualcode.core.team import Action
from qualcode.errors import CodingError, QualcodeError, StoreError
from qualcode.services import roles
from qualcode.services.coders import optional_coder_id
from qualcode.services.undo import Refused
from qualcode.storage.store import Store, UnitOfWork

Progress = Callable[[int, int, str], None]
EVENT = "project.merged"


@dataclass(frozen=True)
class MergeReport:
    """What a merge did (or, for a dry run, would do): figures by name and every difference."""

    source: str
    target: str
    rule: str | None
    dry_run: bool
    counts: dict[str, int]
    differences: tuple[Difference, ...]
    event_id: int | None = None
    kept: str | None = None  # the .bak copy made before a merge that changed the target's rows
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.outcome == "refused")


# ------------------------------------------------------------------ reading


def decisions_in_effect(uow: UnitOfWork) -> dict[str, tuple[dict, int | None]]:
    """Each settled disagreement's latest decision, by its key: (decision, supervisor id).

    Decisions are logged by adjudication, and by a merge that brought some along.
    """
    found: list[tuple[int, str, dict, int | None]] = []
    for event in uow.events.list(kind="agreement.adjudicated"):
        if not event.undone:
            found.append((event.id, event.payload["key"], event.payload, event.coder_id))
    for event in uow.events.list(kind=EVENT):
        if not event.undone:
            found += [(event.id, d["key"], d, d.get("supervisor_id")) for d in event.payload.get("decisions", [])]
    return {key: (payload, who) for _, key, payload, who in sorted(found, key=lambda f: f[0])}


def _decisions(uow: UnitOfWork) -> tuple[SideDecision, ...]:
    decided = []
    for key, (p, who) in decisions_in_effect(uow).items():
        try:
            doc, code, span = key.split(":")
            start, end = span.split("-")
        except ValueError:
            continue  # a key no disagreement has: nothing to carry over
        decided.append(SideDecision(int(doc), int(code), int(start), int(end), p["decision"],
                                    p.get("coder"), who))
    return tuple(decided)


def read_side(uow: UnitOfWork, *, details: bool = True) -> Side:
    """A project as the planner sees it, read in the caller's unit of work.

    Without ``details`` the codings come without origin, time and weight: the target's
    codings are only compared, never copied.
    """
    m = uow.merging
    return Side(documents=tuple(m.documents()), codebooks=tuple(uow.codebooks.list()),
                codes=tuple(uow.codebooks.codes(include_inactive=True)), coders=m.coder_names(),
                codings=tuple(m.codings(details=details)), memos=tuple(uow.memos.list()), attributes=tuple(m.attributes()),
                samples=tuple(m.samples()), decisions=_decisions(uow), aliases=m.aliases())


@dataclass(frozen=True)
class _NewDocument:
    parsed: ParsedDocument
    language: str
    sha256: str
    speakers: dict[str, dict[str, str]]
    segments: list


def _read_new_documents(other: Store, plan: MergePlan) -> dict[int, _NewDocument]:
    """Everything the target needs of the documents it lacks: text, turns, speakers, and the
    segments and search terms the other project made of them (so none is segmented again)."""
    prepared = {}
    with other.unit_of_work() as uow:
        for doc in plan.new_documents:
            document = uow.documents.get(doc.id)
            assert document is not None
            turns = tuple(ParsedTurn(t.speaker_label, t.start, t.end, t.start_time, t.end_time)
                          for t in uow.documents.turns(doc.id))
            speakers = {s.label: dict(s.attributes) for s in uow.documents.speakers(doc.id) if s.attributes}
            parsed = ParsedDocument(name=document.name, text=document.text, format=document.format, turns=turns,
                                    attributes=dict(document.attributes), language=document.language,
                                    source_path=document.source_path, encoding=document.encoding)
            prepared[doc.id] = _NewDocument(parsed, document.language, document.sha256, speakers,
                                            uow.merging.stored_segments(doc.id))
    return prepared


# ------------------------------------------------------------------ opening the other project


@contextmanager
def _other_project(other: str, target: Store) -> Iterator[Store]:
    """The project to merge from, read-only; a .qdpx as a temporary project of its own."""
    from qualcode.storage import engine as engines

    if "://" not in other:
        path = Path(other)
        if not path.exists():
            raise StoreError(f"{path} does not exist: nothing to merge.",
                             "Name a .qualcode file, a .qdpx file or a database URL.")
        if path.suffix.lower() == ".qdpx":
            from qualcode.services.exchange import import_qdpx_as_new

            with tempfile.TemporaryDirectory(prefix="qualcode-merge-") as folder:
                store, _ = import_qdpx_as_new(path, Path(folder) / "merged.qualcode")
                try:
                    yield store
                finally:
                    store.close()
            return
    location = engines.locate(other)
    if location.display() == target.location.display() or (
            location.path is not None and target.location.path is not None
            and location.path.resolve() == target.location.path.resolve()):
        raise StoreError("A project cannot be merged into itself.", "Name the other coder's project.")
    store = Store.open(other, read_only=True)
    try:
        yield store
    finally:
        store.close()


# ------------------------------------------------------------------ writing


def _when(value: datetime | None, dialect: str) -> datetime | None:
    """A timestamp as the target stores it: UTC, naive on SQLite (which keeps no zone)."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    aware = aware.astimezone(UTC)
    return aware.replace(tzinfo=None) if dialect == "sqlite" else aware


def _ranges(ids: list[int]) -> list[list[int]]:
    """Ids as [first, last] runs: a merge of 100,000 codings logs a handful of numbers."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _expand(runs: list[list[int]]) -> list[int]:
    return [i for first, last in runs for i in range(first, last + 1)]


class _Writer:
    """Writes a plan into the target's unit of work, turning ("new", id) into target ids."""

    def __init__(self, uow: UnitOfWork, plan: MergePlan, their_coders: dict[int, str], dialect: str) -> None:
        self.uow, self.plan, self.their_coders, self.dialect = uow, plan, their_coders, dialect
        self.ids: dict[str, dict[int, int]] = {k: {} for k in ("documents", "codebooks", "codes", "codings",
                                                               "samples")}
        self.added: dict[str, list] = {k: [] for k in ("documents", "codebooks", "codes", "coders", "codings",
                                                       "memos", "samples", "sample_items", "sample_coders")}
        self.coder_ids: dict[str, int] = {}
        self.skipped: list[str] = []
        self.depends: dict[str, set[int]] = {"document": set(), "code": set(), "coding": set()}

    def resolve(self, table: str, ref: Ref) -> int:
        kind, value = ref
        if kind == "ours":
            self.depends.get({"documents": "document", "codes": "code", "codings": "coding"}.get(table, ""),
                             set()).add(value)
            return value
        return self.ids[table][value]

    def coder(self, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self.coder_ids:
            self.coder_ids[name] = self.uow.coders.get_or_create(name).id
            if name in self.plan.coders:
                self.added["coders"].append(self.coder_ids[name])
        return self.coder_ids[name]

    def documents(self, prepared: dict[int, _NewDocument]) -> None:
        from qualcode.analysis import terms
        from qualcode.services.corpus import free_name

        for doc in self.plan.new_documents:
            new = prepared[doc.id]
            name = free_name(self.uow, new.parsed.name)
            parsed = ParsedDocument(**{**new.parsed.__dict__, "name": name})
            added = self.uow.documents.add(parsed, language=new.language,
                                           word_count=terms.word_count(parsed.text), sha256=new.sha256,
                                           speaker_attributes=new.speakers, segments=new.segments)
            self.ids["documents"][doc.id] = added.id
            self.added["documents"].append(added.id)

    def codebooks(self) -> None:
        for book in self.plan.new_codebooks:
            made = self.uow.codebooks.add_codebook(book.slug, book.name, book.version, book.languages,
                                                   book.description)
            self.ids["codebooks"][book.id] = made.id
            self.added["codebooks"].append(made.id)

    def codes(self) -> None:
        positions: dict[int, int] = {}
        for new in self.plan.new_codes:
            book = self.resolve("codebooks", new.codebook)
            if book not in positions:
                positions[book] = self.uow.codebooks.max_position(book)
            positions[book] += 1
            c = new.code
            spec = CodeSpec(key=new.key, label_en=c.label_en, label_sv=c.label_sv, definition=c.definition,
                            inclusion=c.inclusion, exclusion=c.exclusion, examples=tuple(c.examples),
                            colour=c.colour, shortcut=c.shortcut)
            parent = self.resolve("codes", new.parent) if new.parent else None
            made = self.uow.codebooks.add_code(book, spec, parent, positions[book])
            if not c.active:
                self.uow.codebooks.set_active(made.id, False)
            self.ids["codes"][new.their_id] = made.id
            self.added["codes"].append(made.id)

    def code_updates(self) -> list[dict]:
        logged = []
        for update in self.plan.code_updates:
            new = dict(update.new)
            if isinstance(new.get("parent_id"), tuple):
                new["parent_id"] = self.resolve("codes", new["parent_id"])
            self.uow.merging.set_code_fields(update.our_id, new)
            logged.append({"code_id": update.our_id, "old": _plain(update.old), "new": _plain(new)})
        return logged

    def codings(self) -> None:
        rows = []
        for c in self.plan.codings:
            row = {"document_id": self.resolve("documents", c.document), "code_id": self.resolve("codes", c.code),
                   "coder_id": self.coder(c.coder), "start": c.their.start, "end": c.their.end,
                   "origin": c.their.origin or str(CodingOrigin.IMPORTED), "weight": c.their.weight,
                   "created_at": _when(c.their.created_at, self.dialect) or _when(datetime.now(UTC), self.dialect)}
            rows.append(row)
        ids = self.uow.merging.add_codings(rows)
        for c, new_id in zip(self.plan.codings, ids, strict=True):
            self.ids["codings"][c.their.id] = new_id
        self.added["codings"] = ids

    def memos(self) -> None:
        for memo in self.plan.memos:
            table = {"document": "documents", "code": "codes", "coding": "codings"}.get(memo.their.target_kind)
            target = self.resolve(table, memo.target) if table and memo.target else None
            made = self.uow.memos.add(memo.their.target_kind, target, self.coder(memo.coder), memo.their.text,
                                      created_at=_when(memo.their.created_at, self.dialect))
            self.added["memos"].append(made.id)

    def attributes(self) -> list[dict]:
        logged = []
        for a in self.plan.attributes:
            if self.uow.merging.set_attribute(a.document, a.speaker, a.key, a.new):
                logged.append({"document_id": a.document, "speaker": a.speaker, "key": a.key,
                               "old": a.old, "new": a.new})
                self.depends["document"].add(a.document)
            else:
                self.skipped.append(f"attribute {a.key} of speaker {a.speaker}: no such speaker in the target")
        return logged

    def samples(self) -> None:
        names = {s.name for s in self.uow.agreement.list()}
        for sample in self.plan.new_samples:
            name = sample.name if sample.name not in names else f"{sample.name} (merged)"
            created_by = self.coder(self.their_coders.get(sample.created_by) if sample.created_by else None)
            self.ids["samples"][sample.id] = self.uow.merging.add_sample(
                name, sample.unit, sample.seed, sample.stratify_by, created_by,
                _when(sample.created_at, self.dialect))
            self.added["samples"].append(self.ids["samples"][sample.id])
        wanted = [self.resolve("documents", i.document) for i in self.plan.sample_items if i.segment]
        segments = self.uow.merging.segment_ids(wanted) if wanted else {}
        for item in self.plan.sample_items:
            document = self.resolve("documents", item.document)
            segment = None
            if item.segment is not None:
                segment = segments.get((document, *item.segment))
                if segment is None:
                    self.skipped.append(f"sample item {item.segment} of document {document}: no such segment")
                    continue
            sample = self.resolve("samples", item.sample)
            self.added["sample_items"].append(self.uow.merging.add_sample_item(sample, document, segment))
        for sc in self.plan.sample_coders:
            sample, coder = self.resolve("samples", sc.sample), self.coder(sc.coder)
            assert coder is not None
            self.uow.merging.add_sample_coder(sample, coder, _when(sc.done_at, self.dialect))
            self.added["sample_coders"].append([sample, coder])

    def decisions(self) -> list[dict]:
        logged = []
        for d in self.plan.decisions:
            document, code = self.resolve("documents", d.document), self.resolve("codes", d.code)
            logged.append({"key": f"{document}:{code}:{d.start}-{d.end}", "decision": d.decision,
                           "coder": d.coder, "supervisor_id": self.coder(d.supervisor)})
        return logged


def _plain(fields: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _written_counts(plan: MergePlan, writer: _Writer) -> dict[str, int]:
    """The plan's figures, with the rows actually written in place of the planned ones."""
    counts = plan.counts()
    counts.update({
        "documents_added": len(writer.added["documents"]), "codebooks_added": len(writer.added["codebooks"]),
        "codes_added": len(writer.added["codes"]), "coders_added": len(writer.added["coders"]),
        "codings_added": len(writer.added["codings"]), "memos_added": len(writer.added["memos"]),
        "samples_added": len(writer.added["samples"]), "sample_items_added": len(writer.added["sample_items"]),
        "sample_coders_added": len(writer.added["sample_coders"])})
    return counts


def _refuse_conflicts(plan: MergePlan) -> None:
    conflicts = plan.conflicts
    if conflicts:
        shown = "; ".join(d.line().removesuffix(" -> refused") for d in conflicts[:5])
        more = f" (and {len(conflicts) - 5} more)" if len(conflicts) > 5 else ""
        raise CodingError(f"The projects differ in {len(conflicts)} place(s) that need a rule, so nothing was "
                          f"merged: {shown}{more}.",
                          "Choose how to settle them: --codes keep-ours, --codes keep-theirs or --codes both "
                          "(see them all with --dry-run).")


def merge_project(store: Store, other: str, *, rule: str | None = None, dry_run: bool = False,
                  force: bool = False, coder: str | None = None,
                  progress: Progress | None = None) -> MergeReport:
    """Merge the project at ``other`` into ``store`` (or, with ``dry_run``, say what it would do).

    ``rule`` settles conflicts (see :mod:`qualcode.core.merge`); without one a conflict
    refuses the merge (a dry run reports it). ``force`` allows a merge of two projects
    without a document in common. ``coder`` is logged as who merged (undo is theirs).
    The target is read, planned and written in one unit of work.
    """
    if rule is not None and rule not in RULES:
        raise QualcodeError(f"Unknown rule '{rule}' for --codes.", f"Use one of: {', '.join(RULES)}.")
    with _other_project(other, store) as source:
        source_name = str(other) if str(other).lower().endswith(".qdpx") else source.location.display()
        with source.unit_of_work() as uow:
            theirs = read_side(uow)
        if progress:
            progress(1, 4, "read the other project")
        with store.unit_of_work() as uow:
            ours = read_side(uow, details=False)
            plan = plan_merge(ours, theirs, rule)
            if dry_run:
                return MergeReport(source_name, store.location.display(), rule, True, plan.counts(),
                                   tuple(plan.differences))
            _refuse_conflicts(plan)
            # a merge adds documents, codes and other coders' work: a supervisor's change
            roles.require(uow, coder, Action.SUPERVISE, "merge another project into this one")
            if ours.documents and theirs.documents and not plan.counts()["documents_matched"] and not force:
                raise CodingError(f"{source_name} and {store.location.display()} have no document in common "
                                  "(compared by their text): are they the same study?",
                                  "Check the two projects; pass --force to merge them all the same.")
            prepared = _read_new_documents(source, plan)
            if progress:
                progress(2, 4, "read the documents to add")
            kept = None
            if plan.changes_ours and store.location.path is not None:
                from qualcode.storage import engine as engines

                kept = str(engines.backup_sqlite(store.location.path))
            writer = _Writer(uow, plan, theirs.coders, store.dialect)
            merger = optional_coder_id(uow, coder)
            writer.documents(prepared)
            writer.codebooks()
            writer.codes()
            updates = writer.code_updates()
            writer.codings()
            if progress:
                progress(3, 4, "wrote the codings")
            writer.memos()
            attributes = writer.attributes()
            writer.samples()
            decisions = writer.decisions()
            counts = _written_counts(plan, writer)
            added = {k: (_ranges(v) if k == "codings" else v) for k, v in writer.added.items()}
            event = uow.events.append(EVENT, {
                "source": source_name, "rule": rule, "added": added, "code_updates": updates,
                "attributes": attributes, "decisions": decisions, "counts": counts,
                "depends": {k: sorted(v) for k, v in writer.depends.items()}}, merger)
    if progress:
        progress(4, 4, "merged")
    store.refresh_statistics()
    return MergeReport(source_name, store.location.display(), rule, False, counts, tuple(plan.differences),
                       event.id, kept, tuple(writer.skipped))


# ------------------------------------------------------------------ undo


def footprint(payload: dict) -> tuple[set[tuple[str, int]], set[tuple[str, int]], set[tuple[str, int]]]:
    """What a merge changed, what it needs to exist, and what undoing it removes."""
    added = payload.get("added", {})
    removes = {("coding", i) for i in _expand(added.get("codings", []))}
    removes |= {("memo", i) for i in added.get("memos", [])}
    removes |= {("code", i) for i in added.get("codes", [])}
    removes |= {("document", i) for i in added.get("documents", [])}
    changes = {t for t in removes if t[0] != "document"}
    changes |= {("code", u["code_id"]) for u in payload.get("code_updates", [])}
    depends = {(kind, i) for kind, ids in payload.get("depends", {}).items() for i in ids}
    return changes, depends, removes


def revert_merge(uow: UnitOfWork, payload: dict) -> str:
    """Take a merge back: remove what it added and restore what it changed, or refuse."""
    m = uow.merging
    added = payload.get("added", {})
    for update in payload.get("code_updates", []):
        code = uow.codebooks.code(update["code_id"])
        if code is None:
            raise Refused(f"code {update['code_id']} no longer exists")
        if any(_plain({k: getattr(code, k)})[k] != v for k, v in update["new"].items()):
            raise Refused(f"code {update['code_id']} was changed since")
    for a in payload.get("attributes", []):
        if m.attribute(a["document_id"], a["speaker"], a["key"]) != a["new"]:
            raise Refused(f"attribute {a['key']} of document {a['document_id']} was changed since")
    codings = _expand(added.get("codings", []))
    if len(m.existing_ids("codings", codings)) != len(codings):
        raise Refused("some of the codings it added were removed since")
    m.delete_ids("memos", added.get("memos", []))
    m.delete_ids("codings", codings)
    m.delete_ids("sample_items", added.get("sample_items", []))
    m.delete_sample_coders([tuple(p) for p in added.get("sample_coders", [])])
    m.delete_ids("samples", added.get("samples", []))
    for update in payload.get("code_updates", []):
        m.set_code_fields(update["code_id"], update["old"])
    m.delete_ids("codes", added.get("codes", []))
    m.delete_ids("codebooks", added.get("codebooks", []))
    m.delete_ids("documents", added.get("documents", []))
    for a in payload.get("attributes", []):
        m.set_attribute(a["document_id"], a["speaker"], a["key"], a["old"])
    m.delete_ids("coders", [c for c in added.get("coders", []) if not m.in_use(c)])
    return (f"the merge of {payload.get('source')}: {len(codings)} codings, {len(added.get('memos', []))} "
            f"memos and {len(added.get('documents', []))} documents removed again")
