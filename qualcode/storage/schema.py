"""ORM tables of a qualcode project.

Rows never leave the storage package: repositories convert them to the frozen
dataclasses of :mod:`qualcode.core`. Offsets are ``[start, end)`` code points into
``documents.text``. Changing a table here needs a new Alembic revision in
``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# An exchange GUID belongs to exactly one object (the CASE form works on SQLite and PostgreSQL).
EXACTLY_ONE_TARGET = " + ".join(
    f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"
    for column in ("document_id", "code_id", "coder_id", "coding_id", "memo_id")) + " = 1"
# The roles of core.team.Role, as the database checks them; NULL: no role set.
CODER_ROLES = "role IS NULL OR role IN ('reader', 'coder', 'supervisor')"
# The categories of core.pseudonyms.CATEGORIES, as the database checks them.
PSEUDONYM_CATEGORIES = "category IN ('person', 'school', 'place', 'organisation', 'other')"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class ProjectRow(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_with: Mapped[str] = mapped_column(String(40))


class SettingRow(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    source_path: Mapped[str | None] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(30), default="utf-8")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentAttributeRow(Base):
    __tablename__ = "document_attributes"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_document_attributes_key_value", "key", "value"),)


class SpeakerRow(Base):
    __tablename__ = "speakers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("document_id", "label"),)


class SpeakerAttributeRow(Base):
    __tablename__ = "speaker_attributes"
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TurnRow(Base):
    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[float | None] = mapped_column(Float)
    end_time: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        CheckConstraint("start >= 0 AND \"end\" > start", name="turn_span"),
        Index("ix_turns_document_start", "document_id", "start"),
    )


class SegmentRow(Base):
    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("start >= 0 AND \"end\" > start", name="segment_span"),
        Index("ix_segments_document_kind_start", "document_id", "kind", "start"),
    )


class SearchTextRow(Base):
    """Searchable text of a sentence: its words and their lemmas, lower-cased.

    Written only through ``repositories.search.add_document_terms``. On SQLite the
    FTS5 index takes new documents' rows later, a batch at a time: see
    :class:`SearchPendingRow`.
    """

    __tablename__ = "search_text"
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    terms: Mapped[str] = mapped_column(Text)


class SearchPendingRow(Base):
    """SQLite: documents whose sentences are stored but not yet in the FTS5 index.

    Filling the index one document per transaction cost an import more than all its
    other writes; documents are listed here in their own transaction and indexed in
    batches, by the import as it goes and by any search that finds some still listed.
    No foreign key: a listed document that is deleted stays listed until the next
    batch, so that the delete trigger still knows its rows were never indexed.
    """

    __tablename__ = "search_pending"
    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class CoderRow(Base):
    __tablename__ = "coders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when this coder was merged into another: the name then stands for that coder.
    merged_into: Mapped[int | None] = mapped_column(
        ForeignKey("coders.id", ondelete="SET NULL"), nullable=True)
    # reader, coder or supervisor; NULL until set. Enforced once the project has a supervisor.
    role: Mapped[str | None] = mapped_column(
        String(20), CheckConstraint(CODER_ROLES, name="ck_coder_role"), nullable=True)


class CodebookRow(Base):
    __tablename__ = "codebooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(50))
    languages: Mapped[str] = mapped_column(String(100), default="en")
    description: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeRow(Base):
    __tablename__ = "codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebooks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    label_en: Mapped[str] = mapped_column(String(300))
    label_sv: Mapped[str | None] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list] = mapped_column(JSON, default=list)
    colour: Mapped[str | None] = mapped_column(String(7))
    shortcut: Mapped[str | None] = mapped_column(String(1))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("codebook_id", "key"),)


class CodingRow(Base):
    __tablename__ = "codings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"))
    # The speaker of the turn where the coding starts: derived from the offsets when the
    # coding is written, kept so attribution and speaker-level filters need no range join.
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(30), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # An intensity 0-100 (MAXQDA's weight score) or none; agreement on it is interval alpha.
    weight: Mapped[int | None] = mapped_column(
        Integer, CheckConstraint("weight IS NULL OR (weight >= 0 AND weight <= 100)", name="coding_weight"),
        nullable=True)
    __table_args__ = (
        CheckConstraint("start >= 0 AND \"end\" > start", name="coding_span"),
        Index("ix_codings_code_document_start", "code_id", "document_id", "start"),
        Index("ix_codings_document_start", "document_id", "start"),
        Index("ix_codings_coder", "coder_id"),
        # Covers the comparison matrix's first aggregation, so it streams in index order.
        Index("ix_codings_matrix", "code_id", "document_id", "speaker_id", "coder_id"),
    )


class ExchangeGuidRow(Base):
    """The GUID a REFI-QDA file gave an imported object, kept so a re-export names it the same.

    One row per object, pointing at it through exactly one of the foreign keys, so the
    GUID goes when its object goes. A coding also keeps the GUID of the selection it
    came in: codings that shared a selection are exported in one again.
    """

    __tablename__ = "exchange_guids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(38))
    selection_guid: Mapped[str | None] = mapped_column(String(38))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), unique=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"), unique=True)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"), unique=True)
    memo_id: Mapped[int | None] = mapped_column(ForeignKey("memos.id", ondelete="CASCADE"), unique=True)
    __table_args__ = (
        CheckConstraint(EXACTLY_ONE_TARGET, name="exchange_guid_one_target"),
        {"sqlite_autoincrement": True},
    )


# Exactly the foreign key of a memo's kind is set: the database, not the code, keeps
# every memo on a row that exists.
MEMO_TARGET_CHECK = (
    "(target_kind = 'project' AND document_id IS NULL AND code_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'document' AND document_id IS NOT NULL AND code_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'code' AND code_id IS NOT NULL AND document_id IS NULL AND coding_id IS NULL)"
    " OR (target_kind = 'coding' AND coding_id IS NOT NULL AND document_id IS NULL AND code_id IS NULL)"
)


class MemoRow(Base):
    """A memo on the project, a document, a code or a coding: deleted with its target."""

    __tablename__ = "memos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (
        CheckConstraint(MEMO_TARGET_CHECK, name="memo_target"),
        Index("ix_memos_document", "document_id"),
        Index("ix_memos_code", "code_id"),
        Index("ix_memos_coding", "coding_id"),
    )


class EventRow(Base):
    """Append-only change log; ``undone_by`` and ``undo_refused_by`` are the only columns ever updated."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    undone_by: Mapped[int | None] = mapped_column(Integer)
    # Set when an undo of this change was refused (someone changed the object since):
    # the change stays, and the coder's next undo goes to their change before it.
    undo_refused_by: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (Index("ix_events_coder_id", "coder_id", "id"), Index("ix_events_kind", "kind", "id"))


# ------------------------------------------------------------ double coding (agreement)


class SampleRow(Base):
    """A double-coding sample (one training or reliability round) drawn by a supervisor."""

    __tablename__ = "samples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(20))  # "document" or "segment"
    seed: Mapped[int] = mapped_column(Integer)
    stratify_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))


class SampleItemRow(Base):
    """A document, or one segment of it, that belongs to a sample."""

    __tablename__ = "sample_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    __table_args__ = (Index("ix_sample_items_sample", "sample_id", "document_id"),)


class SampleCoderRow(Base):
    """A coder assigned to a sample; ``done_at`` is set when they mark it done."""

    __tablename__ = "sample_coders"
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"), primary_key=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ------------------------------------------------------------ embeddings and suggestions


class EmbeddingModelRow(Base):
    """Which model made a set of vectors: a changed model never reuses old vectors."""

    __tablename__ = "embedding_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("name", "version", name="uq_embedding_models_name_version"),)


class EmbeddingRow(Base):
    """One float32 vector, keyed by model and the SHA-256 of the embedded text."""

    __tablename__ = "embeddings"
    model_id: Mapped[int] = mapped_column(ForeignKey("embedding_models.id", ondelete="CASCADE"),
                                          primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class SuggestionFeedbackRow(Base):
    """A suggestion a coder accepted or rejected, so the next suggestions can learn from it."""

    __tablename__ = "suggestion_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(20))  # "accepted" or "rejected"
    score: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (Index("ix_suggestion_feedback_document", "document_id", "start"),)


# ------------------------------------------------------------------------ topic models


class TopicRunRow(Base):
    """One topic-model fit: its settings, library versions and seed, so it can be redone."""

    __tablename__ = "topic_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))  # "sentence" or "turn"
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    versions: Mapped[dict] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("embedding_models.id", ondelete="SET NULL"))
    topic_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TopicRow(Base):
    """A topic of a run: number -1 holds the outliers, as BERTopic numbers them."""

    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    terms: Mapped[list] = mapped_column(JSON, default=list)  # [[term, weight], ...]
    representatives: Mapped[list] = mapped_column(JSON, default=list)  # segment ids
    candidate_code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("run_id", "number", name="uq_topics_run_number"),)


class TopicAssignmentRow(Base):
    """Which topic a segment fell into in a run, and how sure the model was."""

    __tablename__ = "topic_assignments"
    run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id", ondelete="CASCADE"), primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    topic_number: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_topic_assignments_topic", "run_id", "topic_number"),)


class LexiconEntryRow(Base):
    """A project's own change to qualcode's word lists, per language.

    ``kind`` is "stop" or "filler" (``lemma`` empty; ``removed`` true takes a default
    word off the list), or "lemma" (``word`` is a form, ``lemma`` what it should be).
    """

    __tablename__ = "lexicon_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    word: Mapped[str] = mapped_column(String(200))
    lemma: Mapped[str | None] = mapped_column(String(200))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (UniqueConstraint("language", "kind", "word", name="uq_lexicon_entry"),
                      {"sqlite_autoincrement": True})


class WordTokenRow(Base):
    """One running word of a document, for word frequencies, concordances and keyness.

    Kept so that counting never re-tokenises text: ``form`` is the lower-cased word,
    ``[start, end)`` its offsets in code points of ``documents.text``, ``speaker_id``
    the speaker of its turn. Lemmas are not stored: they follow the project's
    lexicon, looked up per distinct form when counted.
    """

    __tablename__ = "word_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(200))
    __table_args__ = (
        Index("ix_word_tokens_form_place", "form", "document_id", "start", "speaker_id"),
        Index("ix_word_tokens_document_speaker", "document_id", "speaker_id", "form"),
        {"sqlite_autoincrement": True},
    )


class WordIndexedRow(Base):
    """Documents whose words are in ``word_tokens`` (a document with no words too)."""

    __tablename__ = "word_indexed"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)


# Tables a reading command may fill: rebuilt from the documents' text whenever missing, so
# a command that warms them and then refuses has changed nothing the project says.
DERIVED_TABLES = frozenset({WordTokenRow.__tablename__, WordIndexedRow.__tablename__})


class PseudonymRow(Base):
    """One entry of the pseudonym table; ``forms`` are the other spellings of ``original``."""

    __tablename__ = "pseudonyms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    original: Mapped[str] = mapped_column(String(200), unique=True)
    replacement: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    forms: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (CheckConstraint(PSEUDONYM_CATEGORIES, name="ck_pseudonym_category"),
                      {"sqlite_autoincrement": True})


# The kinds of core.sets, as the database checks them.
QUERY_KINDS_CHECK = "kind IN ('retrieve', 'search', 'kwic', 'words', 'keyness', 'compare')"
SET_KINDS_CHECK = "kind IN ('documents', 'passages')"


class SavedQueryRow(Base):
    """A command with its own arguments, kept under a name to run again (``parameters``
    holds ``{"args": [...]}``, the arguments as typed after the command's name)."""

    __tablename__ = "saved_queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (CheckConstraint(QUERY_KINDS_CHECK, name="ck_saved_query_kind"),
                      {"sqlite_autoincrement": True})


class SetRow(Base):
    """A named set of documents or of passages, used as a filter."""

    __tablename__ = "sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (CheckConstraint(SET_KINDS_CHECK, name="ck_set_kind"), {"sqlite_autoincrement": True})


class SetDocumentRow(Base):
    """A document in a document set; it leaves every set when it is deleted."""

    __tablename__ = "set_documents"
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    __table_args__ = (Index("ix_set_documents_document", "document_id"),)


class SetPassageRow(Base):
    """A passage ``[start, end)`` (code points of ``documents.text``) in a passage set."""

    __tablename__ = "set_passages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("start >= 0 AND \"end\" > start", name="set_passage_span"),
        UniqueConstraint("set_id", "document_id", "start", "end", name="uq_set_passage"),
        Index("ix_set_passages_document", "document_id", "start"),
        {"sqlite_autoincrement": True},
    )


def _never_reuse_ids() -> None:
    """SQLite: AUTOINCREMENT on every table keyed by an integer ``id``.

    Without it SQLite hands the largest id out again once its row is deleted, and
    whatever still names that id (a memo, an event, an undo) would move to the new row.
    Migration 0008 rebuilds older projects' tables the same way.
    """
    for table in Base.metadata.tables.values():
        if [c.name for c in table.primary_key.columns] == ["id"]:
            table.dialect_kwargs["sqlite_autoincrement"] = True


_never_reuse_ids()
