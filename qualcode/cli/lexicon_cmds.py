"""``qualcode lexicon list|add|remove|lemmatize|reindex``: a project's stop words,
fillers and lemmas.

Thin commands over :mod:`qualcode.services.lemmas`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from qualcode.cli.options import DbOption, JsonOption, QuietOption, project
from qualcode.cli.output import console, print_json, progress_bar
from qualcode.errors import QualcodeError

app = typer.Typer(no_args_is_help=True, help="Stop words, fillers and lemmas of the project: list, change, "
                  "look words up, rebuild the search index.")

KindArg = Annotated[str, typer.Argument(help="Which list: stop (stop words), filler (spoken fillers) or lemma "
                                             "(the project's own lemmas).")]
LanguageOption = Annotated[str, typer.Option("--language", help="The list's language: sv or en.")]


@app.command("list")
def list_words(kind: KindArg, language: LanguageOption = "sv", db: DbOption = None,
               as_json: JsonOption = False) -> None:
    """The words on a list as the project has it, and what the project changed."""
    from qualcode.services import lemmas as service

    with project(db) as store:
        view = service.list_words(store, kind, language)
    if as_json:
        print_json(view)
        return
    console.print(f"{len(view.words)} words on the {language} {kind} list "
                  f"({len(view.added)} added, {len(view.removed)} removed by this project).")
    console.print(escape(", ".join(view.words)), soft_wrap=True)
    if view.removed:
        console.print(f"Removed: {escape(', '.join(view.removed))}", soft_wrap=True)


@app.command()
def add(kind: KindArg,
        words: Annotated[list[str], typer.Argument(help="Words to add; for lemma, FORM=LEMMA pairs (togs=ta).")],
        language: LanguageOption = "sv", db: DbOption = None, quiet: QuietOption = False) -> None:
    """Add words to the stop or filler list, or give word forms the project's own lemma
    (the search index of the language's documents is rebuilt)."""
    from qualcode.services import lemmas as service

    with project(db) as store:
        if kind == "lemma":
            pairs = [_pair(word) for word in words]
            with progress_bar("Re-indexing for search", quiet=quiet) as update:
                service.set_lemmas(store, language, pairs, progress=update)
            done = [f"{form}={lemma}" for form, lemma in pairs]
        else:
            done = service.add_words(store, kind, language, words)
    if not quiet:
        console.print(f"Added to the {language} {kind} list: {escape(', '.join(done))}.")


@app.command()
def remove(kind: KindArg,
           words: Annotated[list[str], typer.Argument(help="Words to take off; for lemma, the word forms.")],
           language: LanguageOption = "sv", db: DbOption = None, quiet: QuietOption = False) -> None:
    """Take words off the stop or filler list (qualcode's defaults too), or drop the
    project's own lemma for word forms."""
    from qualcode.services import lemmas as service

    with project(db) as store:
        if kind == "lemma":
            with progress_bar("Re-indexing for search", quiet=quiet) as update:
                for form in words:
                    service.unset_lemma(store, language, form, progress=update)
            done = list(words)
        else:
            done = service.remove_words(store, kind, language, words)
    if not quiet:
        console.print(f"Removed from the {language} {kind} list: {escape(', '.join(done))}.")


@app.command()
def lemmatize(words: Annotated[list[str], typer.Argument(help="Words to look up.")],
              language: LanguageOption = "sv", db: DbOption = None, as_json: JsonOption = False) -> None:
    """Each word's lemma, and a compound's head, as the project's lemmatizer gives them."""
    from qualcode.services import lemmas as service

    with project(db) as store:
        found = service.lemmatize(store, language, words)
    if as_json:
        print_json(found)
        return
    for item in found:
        head = f"  (compound, head: {item.head})" if item.head else ""
        console.print(f"{escape(item.word)} -> {escape(item.lemma)}{escape(head)}")


@app.command()
def reindex(db: DbOption = None, quiet: QuietOption = False) -> None:
    """Rebuild every sentence's search terms with the project's lemmatizer."""
    from qualcode.services import lemmas as service

    with project(db) as store, progress_bar("Re-indexing for search", quiet=quiet) as update:
        count = service.reindex(store, update)
    if not quiet:
        console.print(f"Re-indexed {count} documents.")


def _pair(text: str) -> tuple[str, str]:
    form, sep, lemma = text.partition("=")
    if not sep or not form.strip() or not lemma.strip():
        raise QualcodeError(f"'{text}' is not FORM=LEMMA.", "Write e.g. 'qualcode lexicon add lemma togs=ta'.")
    return form.strip(), lemma.strip()
