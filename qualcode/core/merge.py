"""Planning a merge of one coder's project into another: pure, no database.

Both projects are read into a :class:`Side` (ids are each project's own). The plan
says, for every object of "theirs" (the project merged in), whether it is already in
"ours" (the target) or will be added, and which differences need a rule:

* documents match by the SHA-256 of their stored text, never by name;
* codebooks by id (when the slug agrees), then by slug, then by name; codes within a
  matched codebook by id (when the key agrees), then by key, then by English label;
* a matched code whose labels, parent or definition differ is a *conflict*, and so is
  a matched document or speaker whose attribute has another value: without a rule the
  merge is refused; ``keep-ours`` keeps the target's version, ``keep-theirs`` takes the
  other's, ``both`` keeps the target's code and adds the other's version beside it as a
  code of its own (their codings go to it) -- an attribute can hold one value only, so
  under ``both`` the target's value stays;
* whatever is on one side only is added (from theirs) or kept (ours): a merge never
  deletes anything;
* a coding is the same coding when document, span, code and coder agree; a memo when
  target, coder and text agree; neither is ever doubled.

Objects the merge creates are referred to as ``("new", their_id)``, existing ones of
the target as ``("ours", our_id)``: the service turns the first into ids as it writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from qualcode.core.codebook import Code, Codebook
from qualcode.core.model import Memo

RULES = ("keep-ours", "keep-theirs", "both")
Ref = tuple[str, int]  # ("ours", target id) or ("new", the other project's id)
SegmentKey = tuple[str, int, int]  # a segment by kind and span: the same in both projects


class SideDocument(NamedTuple):
    id: int
    name: str
    sha256: str


class SideCoding(NamedTuple):
    id: int
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    origin: str
    created_at: datetime | None
    weight: int | None


class SideAttribute(NamedTuple):
    """A document attribute (``speaker`` None) or an attribute of a speaker (by label)."""

    document_id: int
    speaker: str | None
    key: str
    value: str


@dataclass(frozen=True)
class SideSample:
    id: int
    name: str
    unit: str
    seed: int
    stratify_by: str | None
    created_by: int | None
    created_at: datetime | None
    items: tuple[tuple[int, SegmentKey | None], ...]  # (document id, segment or None)
    coders: tuple[tuple[int, datetime | None], ...]  # (coder id, done at)


@dataclass(frozen=True)
class SideDecision:
    """An adjudication decision in effect: the disagreement it settled and how."""

    document_id: int
    code_id: int
    start: int
    end: int
    decision: str
    coder: str | None  # whose coding was accepted
    supervisor_id: int | None


@dataclass(frozen=True)
class Side:
    """One project as a merge sees it."""

    documents: tuple[SideDocument, ...]
    codebooks: tuple[Codebook, ...]
    codes: tuple[Code, ...]
    coders: dict[int, str]  # every coder id that anything names -> the name it stands for
    codings: tuple[SideCoding, ...]
    memos: tuple[Memo, ...] = ()
    attributes: tuple[SideAttribute, ...] = ()
    samples: tuple[SideSample, ...] = ()
    decisions: tuple[SideDecision, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # a name merged into a coder -> that coder's


@dataclass(frozen=True)
class Difference:
    """A mismatch between the two projects and what the merge does about it."""

    kind: str  # renamed, moved, redefined, attribute, added, only-ours, name-taken
    subject: str  # e.g. "code steering/voice" or "document 'a.md' attribute school"
    ours: str
    theirs: str
    outcome: str  # what the merge does, or "refused" when a rule is needed

    def line(self) -> str:
        if self.kind in ("added", "only-ours", "name-taken"):
            return f"{self.kind}: {self.subject}: {self.outcome}"
        return f"{self.kind}: {self.subject}: ours {self.ours!r}, theirs {self.theirs!r} -> {self.outcome}"


class NewCode(NamedTuple):
    their_id: int
    codebook: Ref
    key: str
    parent: Ref | None
    code: Code  # their code, as it is there


class CodeUpdate(NamedTuple):
    our_id: int
    new: dict
    old: dict


class NewCoding(NamedTuple):
    their: SideCoding
    document: Ref
    code: Ref
    coder: str


class NewMemo(NamedTuple):
    their: Memo
    target: Ref | None  # None for a memo on the project
    coder: str | None


class AttributeChange(NamedTuple):
    document: int  # ours
    speaker: str | None
    key: str
    old: str | None  # None: the target had no such attribute
    new: str


class NewSampleItem(NamedTuple):
    sample: Ref
    document: Ref
    segment: SegmentKey | None


class NewSampleCoder(NamedTuple):
    sample: Ref
    coder: str
    done_at: datetime | None


class NewDecision(NamedTuple):
    document: Ref
    code: Ref
    start: int
    end: int
    decision: str
    coder: str | None
    supervisor: str | None


@dataclass
class MergePlan:
    """Everything the merge would write, and why."""

    rule: str | None
    documents: dict[int, Ref] = field(default_factory=dict)  # their id -> ours or new
    new_documents: list[SideDocument] = field(default_factory=list)
    codebooks: dict[int, Ref] = field(default_factory=dict)
    new_codebooks: list[Codebook] = field(default_factory=list)
    codes: dict[int, Ref] = field(default_factory=dict)
    new_codes: list[NewCode] = field(default_factory=list)  # parents before children
    code_updates: list[CodeUpdate] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)  # names the target does not know yet
    codings: list[NewCoding] = field(default_factory=list)
    codings_present: int = 0
    memos: list[NewMemo] = field(default_factory=list)
    memos_present: int = 0
    attributes: list[AttributeChange] = field(default_factory=list)
    new_samples: list[SideSample] = field(default_factory=list)
    sample_items: list[NewSampleItem] = field(default_factory=list)
    sample_coders: list[NewSampleCoder] = field(default_factory=list)
    decisions: list[NewDecision] = field(default_factory=list)
    decisions_kept: int = 0  # decided in both: the target's decision stays
    differences: list[Difference] = field(default_factory=list)
    codes_matched: int = 0

    @property
    def conflicts(self) -> list[Difference]:
        return [d for d in self.differences if d.outcome == "refused"]

    @property
    def changes_ours(self) -> bool:
        """True when the merge would change something the target has (not only add)."""
        return bool(self.code_updates) or any(a.old is not None for a in self.attributes)

    def counts(self) -> dict[str, int]:
        """What the merge adds, matches and changes, by name (the dry run's figures)."""
        kinds: dict[str, int] = {}
        for d in self.differences:
            if d.outcome != "refused":
                kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return {
            "documents_matched": sum(1 for r in self.documents.values() if r[0] == "ours"),
            "documents_added": len(self.new_documents),
            "codebooks_added": len(self.new_codebooks),
            "codes_matched": self.codes_matched,
            "codes_added": len(self.new_codes),
            "codes_changed": len(self.code_updates),
            "codes_renamed": kinds.get("renamed", 0),
            "codes_moved": kinds.get("moved", 0),
            "codes_redefined": kinds.get("redefined", 0),
            "coders_added": len(self.coders),
            "codings_added": len(self.codings),
            "codings_already_present": self.codings_present,
            "memos_added": len(self.memos),
            "memos_already_present": self.memos_present,
            "attributes_added": sum(1 for a in self.attributes if a.old is None),
            "attributes_changed": sum(1 for a in self.attributes if a.old is not None),
            "samples_added": len(self.new_samples),
            "sample_items_added": len(self.sample_items),
            "sample_coders_added": len(self.sample_coders),
            "decisions_added": len(self.decisions),
            "decisions_kept_ours": self.decisions_kept,
            "refused": len(self.conflicts),
        }


_LABEL_FIELDS = ("label_en", "label_sv")
_DEFINITION_FIELDS = ("definition", "inclusion", "exclusion", "examples")


def _first_by(items: Iterable, key) -> dict:  # type: ignore[no-untyped-def]
    found: dict = {}
    for item in items:
        found.setdefault(key(item), item)
    return found


def _match_documents(plan: MergePlan, ours: Side, theirs: Side) -> None:
    free: dict[str, list[SideDocument]] = {}
    for doc in sorted(ours.documents, key=lambda d: d.id):
        free.setdefault(doc.sha256, []).append(doc)
    names = {d.name for d in ours.documents}
    for doc in sorted(theirs.documents, key=lambda d: d.id):
        same = free.get(doc.sha256)
        if same:
            plan.documents[doc.id] = ("ours", same.pop(0).id)
            continue
        plan.documents[doc.id] = ("new", doc.id)
        plan.new_documents.append(doc)
        note = " under another name (the name is taken by a different text)" if doc.name in names else ""
        plan.differences.append(Difference("added", f"document '{doc.name}'", "", doc.name,
                                           f"added{note}"))


def _match_codebooks(plan: MergePlan, ours: Side, theirs: Side) -> None:
    by_id = {b.id: b for b in ours.codebooks}
    by_slug = {b.slug: b for b in ours.codebooks}
    by_name = _first_by(ours.codebooks, lambda b: b.name)
    taken: set[int] = set()
    for book in theirs.codebooks:
        candidates = [by_id.get(book.id) if by_id.get(book.id) and by_id[book.id].slug == book.slug else None,
                      by_slug.get(book.slug), by_name.get(book.name)]
        match = next((c for c in candidates if c is not None and c.id not in taken), None)
        if match is None:
            plan.codebooks[book.id] = ("new", book.id)
            plan.new_codebooks.append(book)
            plan.differences.append(Difference("added", f"codebook '{book.slug}'", "", book.slug,
                                               "added with all its codes"))
        else:
            taken.add(match.id)
            plan.codebooks[book.id] = ("ours", match.id)


def _depth_order(codes: list[Code]) -> list[Code]:
    """Parents before children (a code whose parent is not among them counts as a root)."""
    ids = {c.id for c in codes}
    done: set[int] = set()
    ordered: list[Code] = []
    remaining = list(codes)
    while remaining:
        later = []
        for code in remaining:
            if code.parent_id is None or code.parent_id not in ids or code.parent_id in done:
                ordered.append(code)
                done.add(code.id)
            else:
                later.append(code)
        if len(later) == len(remaining):  # a cycle: cannot happen through the schema, but never loop
            ordered.extend(later)
            break
        remaining = later
    return ordered


def _free_key(key: str, taken: set[str]) -> str:
    candidate, n = f"{key}-merged", 1
    while candidate in taken:
        n += 1
        candidate = f"{key}-merged-{n}"
    taken.add(candidate)
    return candidate


def _match_codes(plan: MergePlan, ours: Side, theirs: Side, rule: str | None) -> None:
    our_codes = {c.id: c for c in ours.codes}
    their_codes = {c.id: c for c in theirs.codes}
    slug_of = {b.id: b.slug for b in (*ours.codebooks, *theirs.codebooks)}
    their_slug = {b.id: b.slug for b in theirs.codebooks}
    keys_in: dict[int, set[str]] = {}
    for code in ours.codes:
        keys_in.setdefault(code.codebook_id, set()).add(code.key)
    matched: dict[int, Code] = {}  # their id -> our code
    used: set[int] = set()
    for code in theirs.codes:
        book = plan.codebooks.get(code.codebook_id)
        if book is None or book[0] != "ours":
            continue
        mine = [c for c in ours.codes if c.codebook_id == book[1] and c.id not in used]
        same_id = our_codes.get(code.id)
        candidates = [same_id if same_id is not None and same_id.codebook_id == book[1]
                      and same_id.key == code.key else None,
                      next((c for c in mine if c.key == code.key), None),
                      next((c for c in mine if c.label_en == code.label_en), None)]
        match = next((c for c in candidates if c is not None and c.id not in used), None)
        if match is not None:
            used.add(match.id)
            matched[code.id] = match
            plan.codes[code.id] = ("ours", match.id)
    plan.codes_matched = len(matched)
    differing = []
    for their_id, mine in matched.items():  # differences, now that every parent is matched or new
        theirs_code = their_codes[their_id]
        subject = f"code {slug_of.get(mine.codebook_id, '?')}/{mine.key}"
        their_parent = plan.codes.get(theirs_code.parent_id) if theirs_code.parent_id else None
        kinds = []
        if any(getattr(mine, f) != getattr(theirs_code, f) for f in _LABEL_FIELDS):
            kinds.append(("renamed", _LABEL_FIELDS, mine.label_en, theirs_code.label_en))
        if (their_parent or None) != (("ours", mine.parent_id) if mine.parent_id else None):
            ours_parent = our_codes[mine.parent_id].key if mine.parent_id in our_codes else "(top level)"
            theirs_parent = (their_codes[theirs_code.parent_id].key
                             if theirs_code.parent_id in their_codes else "(top level)")
            kinds.append(("moved", ("parent_id",), f"under {ours_parent}", f"under {theirs_parent}"))
        if any(getattr(mine, f) != getattr(theirs_code, f) for f in _DEFINITION_FIELDS):
            kinds.append(("redefined", _DEFINITION_FIELDS, mine.definition, theirs_code.definition))
        if kinds:
            differing.append((their_id, mine, theirs_code, subject, their_parent, kinds))
    for their_id, mine, theirs_code, subject, their_parent, kinds in differing:
        if rule is None:
            outcome = "refused"
        elif rule == "keep-ours":
            outcome = "ours kept"
        elif rule == "keep-theirs":
            outcome = "theirs taken"
        else:
            outcome = "both kept (theirs added as a code of its own)"
        for kind, _, a, b in kinds:
            plan.differences.append(Difference(kind, subject, a, b, outcome))
        if rule == "keep-theirs":
            new: dict = {}
            for _, fields, _, _ in kinds:
                for f in fields:
                    new[f] = their_parent if f == "parent_id" else getattr(theirs_code, f)
            old = {f: (mine.parent_id if f == "parent_id" else getattr(mine, f)) for f in new}
            plan.code_updates.append(CodeUpdate(mine.id, new, old))
        elif rule == "both":
            plan.codes[their_id] = ("new", their_id)
            key = _free_key(mine.key, keys_in.setdefault(mine.codebook_id, set()))
            plan.new_codes.append(NewCode(their_id, ("ours", mine.codebook_id), key, None, theirs_code))
    unmatched = [c for c in theirs.codes if c.id not in matched]
    for code in _depth_order(unmatched):
        book = plan.codebooks.get(code.codebook_id)
        if book is None:
            continue
        plan.codes[code.id] = ("new", code.id)
        key = code.key
        if book[0] == "ours":
            taken = keys_in.setdefault(book[1], set())
            key = code.key if code.key not in taken else _free_key(code.key, taken)
            taken.add(key)
            plan.differences.append(Difference("added", f"code {their_slug.get(code.codebook_id)}/{code.key}",
                                               "", code.label_en, "added"))
        plan.new_codes.append(NewCode(code.id, book, key, None, code))
    # Parents, once every code of theirs has its place (a "both" copy sits where theirs sits).
    plan.new_codes = [n._replace(parent=plan.codes.get(n.code.parent_id) if n.code.parent_id else None)
                      for n in plan.new_codes]
    for code in ours.codes:
        if code.id not in used and any(plan.codebooks.get(b) == ("ours", code.codebook_id)
                                       for b in their_slug):
            plan.differences.append(Difference("only-ours", f"code {slug_of.get(code.codebook_id)}/{code.key}",
                                               code.label_en, "", "kept"))
    for update in plan.code_updates:  # a parent of theirs may be a code the merge adds
        parent = update.new.get("parent_id")
        if isinstance(parent, tuple) and parent[0] == "ours":
            update.new["parent_id"] = parent[1]


class _Coders:
    """Their coders by the name they have in the target; names the target lacks are noted."""

    def __init__(self, ours: Side, theirs: Side, plan: MergePlan) -> None:
        self.known = set(ours.coders.values())
        self.aliases, self.theirs, self.plan = ours.aliases, theirs.coders, plan

    def name(self, coder_id: int | None) -> str | None:
        if coder_id is None or coder_id not in self.theirs:
            return None
        name = self.theirs[coder_id]
        name = self.aliases.get(name, name)
        if name not in self.known:
            self.known.add(name)
            self.plan.coders.append(name)
        return name


def _codings(plan: MergePlan, ours: Side, theirs: Side, coders: _Coders) -> dict[int, Ref]:
    """Their codings not in the target; returns where every coding of theirs is (for memos)."""
    present: dict[tuple, Ref] = {}
    for c in ours.codings:
        present.setdefault(("ours", c.document_id, "ours", c.code_id, ours.coders.get(c.coder_id), c.start, c.end),
                           ("ours", c.id))
    where: dict[int, Ref] = {}
    for c in theirs.codings:
        document, code = plan.documents.get(c.document_id), plan.codes.get(c.code_id)
        if document is None or code is None:
            continue
        coder = coders.name(c.coder_id)
        key = (*document, *code, coder, c.start, c.end)
        if key in present:
            where[c.id] = present[key]
            plan.codings_present += 1
            continue
        present[key] = where[c.id] = ("new", c.id)  # a later double of theirs maps to this one
        plan.codings.append(NewCoding(c, document, code, coder or ""))
    return where


def _target(plan: MergePlan, kind: str, target_id: int | None, codings: dict[int, Ref]) -> Ref | None:
    if kind == "document":
        return plan.documents.get(target_id) if target_id is not None else None
    if kind == "code":
        return plan.codes.get(target_id) if target_id is not None else None
    if kind == "coding":
        return codings.get(target_id) if target_id is not None else None
    return None


def _memos(plan: MergePlan, ours: Side, theirs: Side, codings: dict[int, Ref], coders: _Coders) -> None:
    present = {(m.target_kind, ("ours", m.target_id) if m.target_kind != "project" else None,
                ours.coders.get(m.coder_id) if m.coder_id is not None else None, m.text) for m in ours.memos}
    for memo in theirs.memos:
        target = _target(plan, memo.target_kind, memo.target_id, codings)
        if memo.target_kind != "project" and target is None:
            continue
        coder = coders.name(memo.coder_id)
        key = (memo.target_kind, target, coder, memo.text)
        if key in present:
            plan.memos_present += 1
            continue
        present.add(key)
        plan.memos.append(NewMemo(memo, target, coder))


def _attributes(plan: MergePlan, ours: Side, theirs: Side, rule: str | None) -> None:
    mine = {(a.document_id, a.speaker, a.key): a.value for a in ours.attributes}
    names = {d.id: d.name for d in ours.documents}
    for a in theirs.attributes:
        document = plan.documents.get(a.document_id)
        if document is None or document[0] != "ours":
            continue  # an added document brings its attributes with it
        current = mine.get((document[1], a.speaker, a.key))
        if current == a.value:
            continue
        subject = f"document '{names.get(document[1])}'" + (f" speaker {a.speaker}" if a.speaker else "") \
            + f" attribute {a.key}"
        if current is None:
            plan.attributes.append(AttributeChange(document[1], a.speaker, a.key, None, a.value))
            continue
        outcome = {None: "refused", "keep-theirs": "theirs taken"}.get(rule, "ours kept")
        plan.differences.append(Difference("attribute", subject, current, a.value, outcome))
        if rule == "keep-theirs":
            plan.attributes.append(AttributeChange(document[1], a.speaker, a.key, current, a.value))


def _samples(plan: MergePlan, ours: Side, theirs: Side, coders: _Coders) -> None:
    mine = {s.name: s for s in ours.samples}
    for sample in theirs.samples:
        existing = mine.get(sample.name)
        if existing is not None and existing.unit != sample.unit:
            plan.differences.append(Difference("name-taken", f"sample '{sample.name}'", existing.unit,
                                               sample.unit, "not merged: a sample of that name has "
                                               "another unit in the target; rename one and merge again"))
            continue
        ref: Ref = ("ours", existing.id) if existing else ("new", sample.id)
        if existing is None:
            plan.new_samples.append(sample)
            plan.differences.append(Difference("added", f"sample '{sample.name}'", "", sample.name, "added"))
        have_items = {(("ours", d), s) for d, s in existing.items} if existing else set()
        for document_id, segment in sample.items:
            document = plan.documents.get(document_id)
            if document is None or (document, segment) in have_items:
                continue
            have_items.add((document, segment))
            plan.sample_items.append(NewSampleItem(ref, document, segment))
        have_coders = {ours.coders.get(c) for c, _ in existing.coders} if existing else set()
        for coder_id, done_at in sample.coders:
            name = coders.name(coder_id)
            if name is None or name in have_coders:
                continue
            have_coders.add(name)
            plan.sample_coders.append(NewSampleCoder(ref, name, done_at))


def _decisions(plan: MergePlan, ours: Side, theirs: Side, coders: _Coders) -> None:
    decided = {(("ours", d.document_id), ("ours", d.code_id), d.start, d.end) for d in ours.decisions}
    for d in theirs.decisions:
        document, code = plan.documents.get(d.document_id), plan.codes.get(d.code_id)
        if document is None or code is None:
            continue
        where = (document, code, d.start, d.end)
        if where in decided:
            plan.decisions_kept += 1
            continue
        decided.add(where)
        supervisor = coders.name(d.supervisor_id)
        plan.decisions.append(NewDecision(document, code, d.start, d.end, d.decision, d.coder, supervisor))


def plan_merge(ours: Side, theirs: Side, rule: str | None) -> MergePlan:
    """What merging ``theirs`` into ``ours`` adds, matches and changes under ``rule``."""
    if rule is not None and rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    plan = MergePlan(rule)
    _match_documents(plan, ours, theirs)
    _match_codebooks(plan, ours, theirs)
    _match_codes(plan, ours, theirs, rule)
    coders = _Coders(ours, theirs, plan)
    codings = _codings(plan, ours, theirs, coders)
    _memos(plan, ours, theirs, codings, coders)
    _attributes(plan, ours, theirs, rule)
    _samples(plan, ours, theirs, coders)
    _decisions(plan, ours, theirs, coders)
    return plan
