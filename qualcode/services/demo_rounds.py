"""The demo's double-coding rounds: samples drawn, coded, compared and adjudicated.

The rounds are replayed in the order they happened, through the same service calls a
team would make: the lead draws a sample with the recorded seed, each coder's codings
of it are applied and the coder marks the sample done; the adjudication file of a round
settles its disagreements into the consensus coder; a clarification memo is recorded
before the next round is drawn. Each round is drawn from the set of documents the
project held when it was first drawn (the file's ``sets``, made first, as the lead made
them), so transcripts added later leave the draws as they were. A draw that still gives
other documents than recorded (a seed or a recorded set changed) stops the build rather
than pairing codings with the wrong sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.importers.anchored_codings import locate_quote
from qualcode.importers.coding_rounds import read_decisions, read_round_sets, read_rounds
from qualcode.services import agreement, anchored, corpus, sets
from qualcode.storage.store import Store

ROUNDS_FILE = "rounds.yaml"
ADJUDICATION_FILE = "adjudication-{name}.yaml"


@dataclass
class RoundsReport:
    codings: int = 0
    memos: int = 0
    rounds: list[str] = field(default_factory=list)
    decisions: int = 0


def _apply(store: Store, files: list[Path], report: RoundsReport) -> None:
    for path in files:
        part = anchored.apply_anchored_file(store, path)
        report.codings += part.applied
        report.memos += part.memos


def adjudicate_file(store: Store, path: Path) -> int:
    """Settle the disagreements an adjudication file names, in one transaction; returns how many."""
    sample, supervisor, decisions = read_decisions(path)
    found = agreement.disagreements(store, sample=sample)
    texts: dict[str, str] = {}
    settle: list[tuple[str, str, str | None]] = []
    for decision in decisions:
        if decision.document not in texts:
            with store.unit_of_work() as uow:
                texts[decision.document] = uow.documents.text(corpus.find_document(uow, decision.document).id)
        span = locate_quote(texts[decision.document], decision.quote)
        where = f"{path}:{decision.line}"
        if span is None:
            raise QualcodeError(f"{where}: the quote is not in '{decision.document}'.")
        hits = [d for d in found if d.document == decision.document and d.code_key == decision.code
                and d.start < span[1] and span[0] < d.end]
        if len(hits) != 1:
            raise QualcodeError(f"{where}: {len(hits)} disagreements on {decision.code} in "
                                f"'{decision.document}' hold the quote; exactly one is needed.",
                                "Quote words inside the one passage the decision is about.")
        settle.append((hits[0].key, decision.decision, decision.coder))
    return agreement.adjudicate_many(store, settle, supervisor)


def replay_rounds(store: Store, corpus_dir: Path, add_memos) -> RoundsReport:  # type: ignore[no-untyped-def]
    """Apply every coder's own codings, then each round in turn (see the module docstring)."""
    report = RoundsReport()
    codings = corpus_dir / "codings"
    _apply(store, sorted(codings.glob("*/*.yaml")), report)
    rounds_path = corpus_dir / ROUNDS_FILE
    if not rounds_path.exists():
        return report
    specs = read_rounds(rounds_path)
    names = {d.id: d.name for d in corpus.list_documents(store)}  # the rounds add no documents
    for recorded in read_round_sets(rounds_path):
        try:
            sets.create(store, recorded.name, "documents", documents=recorded.documents,
                        description=recorded.description, coder=specs[0].supervisor if specs else None)
        except QualcodeError as error:
            raise QualcodeError(f"{rounds_path}:{recorded.line}: set '{recorded.name}': {error.message}",
                                "A round's documents must stay in the corpus it was drawn from.") from error
    for spec in specs:
        if spec.clarification:
            report.memos += add_memos(store, corpus_dir / spec.clarification)
        pool = sets.scope(store, [spec.drawn_from]).documents if spec.drawn_from else None
        sample = agreement.draw_sample(store, spec.name, spec.coders, size=spec.size, seed=spec.seed,
                                       stratify_by=spec.stratify_by, supervisor=spec.supervisor,
                                       exclude_samples=spec.exclude, documents=pool)
        drawn = tuple(sorted(names[i] for i in sample.document_ids))
        if spec.documents and drawn != tuple(sorted(spec.documents)):
            raise QualcodeError(f"{rounds_path}:{spec.line}: round '{spec.name}' now draws "
                                f"{', '.join(drawn)}, not the recorded {', '.join(spec.documents)}.",
                                f"The set '{spec.drawn_from}' or the seed changed since the round was coded: "
                                "draw and code the round again." if spec.drawn_from else
                                "The corpus changed since the round was coded: record the documents it was "
                                "drawn from as a set ('drawn_from'), or draw and code the round again.")
        for coder in spec.coders:
            _apply(store, sorted((codings / coder / spec.name).glob("*.yaml")), report)
            agreement.mark_done(store, spec.name, coder)
        adjudication = corpus_dir / ADJUDICATION_FILE.format(name=spec.name)
        if adjudication.exists():
            report.decisions += adjudicate_file(store, adjudication)
        report.rounds.append(spec.name)
    return report
