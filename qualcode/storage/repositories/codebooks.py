"""Codebooks and their codes."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qualcode.core.codebook import Code, Codebook, CodeSpec
from qualcode.storage.schema import CodebookRow, CodeRow, CodingRow


def _code(row: CodeRow) -> Code:
    return Code(
        id=row.id, codebook_id=row.codebook_id, key=row.key, label_en=row.label_en,
        label_sv=row.label_sv, parent_id=row.parent_id, definition=row.definition,
        inclusion=row.inclusion, exclusion=row.exclusion, examples=tuple(row.examples or ()),
        colour=row.colour, shortcut=row.shortcut, active=row.active,
    )


def _codebook(row: CodebookRow) -> Codebook:
    return Codebook(id=row.id, slug=row.slug, name=row.name, version=row.version,
                    languages=tuple(x for x in row.languages.split(",") if x),
                    description=row.description)


class CodebookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_codebook(self, slug: str, name: str, version: str, languages: tuple[str, ...],
                     description: str) -> Codebook:
        row = CodebookRow(slug=slug, name=name, version=version, languages=",".join(languages),
                          description=description)
        self.session.add(row)
        self.session.flush()
        return _codebook(row)

    def update_codebook(self, codebook_id: int, *, name: str, version: str,
                        languages: tuple[str, ...], description: str) -> None:
        row = self.session.get(CodebookRow, codebook_id)
        assert row is not None
        row.name, row.version, row.languages, row.description = (
            name, version, ",".join(languages), description)

    def get_by_slug(self, slug: str) -> Codebook | None:
        row = self.session.scalars(select(CodebookRow).where(CodebookRow.slug == slug)).first()
        return _codebook(row) if row else None

    def get(self, codebook_id: int) -> Codebook | None:
        row = self.session.get(CodebookRow, codebook_id)
        return _codebook(row) if row else None

    def list(self) -> list[Codebook]:
        return [_codebook(r) for r in self.session.scalars(select(CodebookRow).order_by(CodebookRow.id))]

    def add_code(self, codebook_id: int, spec: CodeSpec, parent_id: int | None, position: int) -> Code:
        row = CodeRow(codebook_id=codebook_id, key=spec.key, parent_id=parent_id, position=position)
        self._apply_spec(row, spec)
        self.session.add(row)
        self.session.flush()
        return _code(row)

    def update_code(self, code_id: int, spec: CodeSpec, parent_id: int | None, position: int) -> None:
        row = self.session.get(CodeRow, code_id)
        assert row is not None
        self._apply_spec(row, spec)
        row.key = spec.key
        row.parent_id = parent_id
        row.position = position
        row.active = True

    @staticmethod
    def _apply_spec(row: CodeRow, spec: CodeSpec) -> None:
        row.label_en = spec.label_en
        row.label_sv = spec.label_sv
        row.definition = spec.definition
        row.inclusion = spec.inclusion
        row.exclusion = spec.exclusion
        row.examples = list(spec.examples)
        row.colour = spec.colour
        row.shortcut = spec.shortcut

    def set_fields(self, code_id: int, **fields: object) -> None:
        row = self.session.get(CodeRow, code_id)
        assert row is not None
        for key, value in fields.items():
            setattr(row, key, value)

    def set_active(self, code_id: int, active: bool) -> None:
        self.set_fields(code_id, active=active)

    def reparent_children(self, old_parent_id: int, new_parent_id: int | None) -> None:
        self.session.execute(update(CodeRow).where(CodeRow.parent_id == old_parent_id)
                             .values(parent_id=new_parent_id))

    def delete_code(self, code_id: int) -> None:
        row = self.session.get(CodeRow, code_id)
        if row is not None:
            self.session.delete(row)

    def code(self, code_id: int) -> Code | None:
        row = self.session.get(CodeRow, code_id)
        return _code(row) if row else None

    def codes(self, codebook_id: int | None = None, *, include_inactive: bool = False) -> list[Code]:
        query = select(CodeRow)
        if codebook_id is not None:
            query = query.where(CodeRow.codebook_id == codebook_id)
        if not include_inactive:
            query = query.where(CodeRow.active.is_(True))
        return [_code(r) for r in self.session.scalars(query.order_by(CodeRow.codebook_id, CodeRow.position, CodeRow.id))]

    def find_codes(self, key: str, codebook_id: int | None = None) -> list[Code]:
        query = select(CodeRow).where(CodeRow.key == key)
        if codebook_id is not None:
            query = query.where(CodeRow.codebook_id == codebook_id)
        return [_code(r) for r in self.session.scalars(query)]

    def coding_counts(self, codebook_id: int | None = None, coder_id: int | None = None) -> dict[int, int]:
        query = select(CodingRow.code_id, func.count()).group_by(CodingRow.code_id)
        if codebook_id is not None:
            query = query.join(CodeRow, CodeRow.id == CodingRow.code_id).where(CodeRow.codebook_id == codebook_id)
        if coder_id is not None:
            query = query.where(CodingRow.coder_id == coder_id)
        return {code_id: n for code_id, n in self.session.execute(query)}

    def max_position(self, codebook_id: int) -> int:
        return int(self.session.scalar(
            select(func.coalesce(func.max(CodeRow.position), 0)).where(CodeRow.codebook_id == codebook_id)
        ) or 0)
