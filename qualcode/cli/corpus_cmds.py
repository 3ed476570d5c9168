"""``qualcode import``, ``docs``, ``show`` and ``attr``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    DbOption,
    JsonOption,
    QuietOption,
    parse_filters,
    parse_pairs,
    project,
    reading,
)
from qualcode.cli.output import console, errors, print_json, progress_bar
from qualcode.core.model import DocumentSummary

if TYPE_CHECKING:
    from qualcode.services import corpus
else:
    corpus = lazy_module("qualcode.services.corpus")

KEY_ATTRIBUTES = ("level", "role", "school")
WIDE_ENOUGH_FOR_OTHERS = 140  # columns; narrower terminals get the key attributes only


def print_documents(documents: list[DocumentSummary]) -> None:
    """A compact table that fits 80 columns; wide terminals also get the other attributes."""
    from rich import box
    from rich.table import Table

    table = Table(title=f"{len(documents)} documents", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True)
    table.add_column("Document", overflow="ellipsis", min_width=18, max_width=28)
    keys = [k for k in KEY_ATTRIBUTES if any(k in d.attributes for d in documents)]
    others = sorted({k for d in documents for k in d.attributes} - set(KEY_ATTRIBUTES) - {"language", "title"})
    if console.width < WIDE_ENOUGH_FOR_OTHERS:
        others = []
    languages = len({d.language for d in documents}) > 1
    for key in keys:
        table.add_column(key.capitalize(), max_width=10, overflow="ellipsis")
    if languages:
        table.add_column("Lang")
    for name in ("Words", "Turns", "Sent.", "Spk."):
        table.add_column(name, justify="right", no_wrap=True)
    if others:
        table.add_column("Other attributes")
    for d in documents:
        row = [d.name, *(d.attributes.get(k, "") for k in keys), *([d.language] if languages else []),
               f"{d.word_count:,}", str(d.turn_count), str(d.sentence_count), str(d.speaker_count)]
        if others:
            row.append(", ".join(f"{k}={d.attributes[k]}" for k in others if k in d.attributes))
        table.add_row(*row)
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders (.txt .md .docx .vtt .srt).")],
        attr: AttrOption = None,
        speakers: Annotated[Path | None, typer.Option("--speakers", help="Speaker map YAML: labels to role and level.")] = None,
        language: Annotated[str | None, typer.Option(help="sv or en; default: from the file or detected.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Import a file again even if its content is already in the project.")] = False,
        db: DbOption = None,
        quiet: QuietOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Import transcripts; a folder import goes on past bad files and lists them."""
        with project(db) as store, progress_bar("Importing", quiet=quiet or as_json) as progress:
            report = corpus.import_paths(store, paths, attributes=parse_pairs(attr),
                                         speaker_map=speakers, language=language, force=force,
                                         progress=progress)
        if as_json:
            print_json({"imported": report.imported, "failed": report.failed, "notices": report.notices})
        else:
            if not quiet:
                for d in report.imported:
                    console.print(f"[green]imported[/] {d.name}: {d.word_count:,} words, "
                                  f"{d.turn_count} turns, {d.sentence_count} sentences")
            for notice in report.notices:
                errors.print(f"[yellow]note:[/] {notice}", soft_wrap=True)
            for problem in report.failed:
                errors.print(f"[red]skipped[/] {problem.path}: {problem.reason}", soft_wrap=True)
            if not quiet:
                console.print(f"{len(report.imported)} imported, {len(report.failed)} failed.")
        if report.failed and not report.imported:
            raise typer.Exit(3)

    @app.command()
    def docs(attr: AttrOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
        """List documents with their attributes and counts."""
        documents = reading(db, lambda store: corpus.list_documents(store, attributes=parse_filters(attr)))
        if as_json:
            print_json(documents)
        else:
            print_documents(documents)

    @app.command()
    def show(
        document: Annotated[str, typer.Argument(help="Document name (or a unique prefix, or its id).")],
        sentences: Annotated[bool, typer.Option("--sentences", help="Number the sentences (segment ids).")] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Show a transcript turn by turn with each speaker's role."""
        from rich.text import Text

        with project(db) as store:
            view = corpus.view_document(store, document)
        speakers = {s.id: s for s in view.speakers}
        if as_json:
            print_json({"document": view.summary, "turns": [
                {"index": t.index, "speaker": t.speaker_label,
                 "role": speakers[t.speaker_id].role if t.speaker_id in speakers else None,
                 "start": t.start, "end": t.end, "text": view.text[t.start:t.end]} for t in view.turns]})
            return
        attrs = ", ".join(f"{k}={v}" for k, v in view.summary.attributes.items())
        console.print(Text(f"{view.summary.name}  ({attrs})", style="bold"))
        by_turn: dict[int | None, list] = {}
        for s in view.sentences:
            by_turn.setdefault(s.turn_id, []).append(s)
        for turn in view.turns:
            speaker = speakers.get(turn.speaker_id) if turn.speaker_id else None
            label = turn.speaker_label or "—"
            role = f" ({speaker.role})" if speaker and speaker.role and speaker.role != label else ""
            stamp = f" [{turn.start_time:.0f}s]" if turn.start_time is not None else ""
            console.print(Text(f"{turn.index:>3} {label}{role}{stamp}:", style="bold cyan"))
            if sentences:
                for s in by_turn.get(turn.id, []):
                    console.print(Text(f"      #{s.id} ", style="dim") + Text(view.text[s.start:s.end]))
            else:
                console.print(Text(view.text[turn.start:turn.end]), soft_wrap=False)
        if not view.turns:  # a text without speaker labels is one stretch of text: show it
            if sentences:
                for s in view.sentences:
                    console.print(Text(f"      #{s.id} ", style="dim") + Text(view.text[s.start:s.end]))
            else:
                console.print(Text(view.text), soft_wrap=False)

    @app.command()
    def attr(
        document: Annotated[str, typer.Argument(help="Document name.")],
        pairs: Annotated[list[str], typer.Argument(help="KEY=VALUE pairs; an empty VALUE removes the key.")],
        db: DbOption = None,
    ) -> None:
        """Set or remove attributes of a document."""
        with project(db) as store:
            summary = corpus.set_document_attributes(store, document, parse_pairs(pairs, what="attribute"))
        console.print(f"{summary.name}: " + ", ".join(f"{k}={v}" for k, v in summary.attributes.items()))
