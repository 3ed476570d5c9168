"""``qualcode retrieve CODE`` and ``qualcode search QUERY``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    DbOption,
    DocOption,
    JsonOption,
    PseudonymiseOption,
    QuietOption,
    SetOption,
    in_sets,
    parse_filters,
    project,
    reading,
)
from qualcode.cli.output import console, escape, print_json
from qualcode.cli.saving import saveable
from qualcode.core.defaults import DEFAULT_CITE

if TYPE_CHECKING:
    from qualcode.services import pseudonyms, retrieval
    from qualcode.storage.store import Store
else:
    retrieval = lazy_module("qualcode.services.retrieval")
    pseudonyms = lazy_module("qualcode.services.pseudonyms")

CiteOption = Annotated[str, typer.Option(
    "--cite", help="Attribution template from speaker and document attributes, e.g. '({role}, {school})'.")]


@saveable("retrieve")
def retrieve(
    code: Annotated[str, typer.Argument(help="Code key, e.g. lc.bypassed (or codebook:key).")],
    coder: Annotated[list[str] | None, typer.Option("--coder", help="Only these coders (repeatable).")] = None,
    document: DocOption = None,
    attr: AttrOption = None,
    set_: SetOption = None,
    page: Annotated[int, typer.Option(help="Page number, from 1.", min=1)] = 1,
    page_size: Annotated[int, typer.Option(help="Passages per page.", min=1)] = 20,
    context: Annotated[int, typer.Option(help="Characters of context on each side.", min=0)] = 80,
    cite: CiteOption = DEFAULT_CITE,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Every passage coded with CODE, with context and attribution."""

    def read(store: Store) -> tuple[retrieval.RetrievalPage, pseudonyms.Renderer | None]:
        scope = in_sets(store, set_, document, passages=True)
        page_read = retrieval.retrieve(store, code, coders=coder, documents=scope.documents,
                                       attributes=parse_filters(attr), limit=page_size,
                                       offset=(page - 1) * page_size, context=context,
                                       passage_set_ids=scope.passage_set_ids)
        return page_read, pseudonyms.output_renderer(store, pseudonymise)

    result, compiled = reading(db, read)
    if compiled is not None:
        code = compiled.render(code)
        result = replace(result, passages=pseudonyms.render_passages(compiled, result.passages))
    if as_json:
        print_json({"code": code, "total": result.total, "page": page, "passages": [
            {**vars(p), "attribution": retrieval.attribution(p.attributes, p.speaker, cite)}
            for p in result.passages]})
        return
    if quiet:
        for p in result.passages:
            console.print(p.text, markup=False, soft_wrap=True)
        return
    from rich.panel import Panel

    last = result.offset + len(result.passages)
    console.print(f"[bold]{escape(code)}[/]: {result.total} passage{'' if result.total == 1 else 's'}"
                  + (f", showing {result.offset + 1}-{last}" if result.passages else ""))
    # Piped into a file or another program, bold is lost: brackets mark the coded passage there.
    opening, closing = ("", "") if console.is_terminal else ("[[", "]]")
    for p in result.passages:
        body = (f"[dim]{escape(p.before)}[/]" + f"[bold]{escape(opening + p.text + closing)}[/]"
                + f"[dim]{escape(p.after)}[/]")
        title = f"{escape(p.document_name)} {p.start}-{p.end}  {escape(p.speaker or '')}"
        subtitle = f"{escape(retrieval.attribution(p.attributes, p.speaker, cite))}  coder {escape(p.coder)}"
        if p.weight is not None:
            subtitle += f"  weight {p.weight}"
        console.print(Panel(body, title=title, title_align="left", subtitle=subtitle, subtitle_align="right"))
    if last < result.total:
        console.print(f"More: --page {page + 1}")


@saveable("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find; inflected forms match (e.g. 'rektor' finds 'rektorerna').")],
    document: DocOption = None,
    attr: AttrOption = None,
    set_: SetOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many sentences.", min=1)] = 50,
    heads: Annotated[bool, typer.Option(
        "--heads", help="Also find compounds ending in a query word ('dialog' finds 'kvalitetsdialogerna').")] = False,
    pseudonymise: PseudonymiseOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over the sentences of every document."""
    with project(db) as store:
        scope = in_sets(store, set_, document, passages=True)
        found = retrieval.search(store, query, documents=scope.documents, attributes=parse_filters(attr),
                                 limit=limit, heads=heads, passage_set_ids=scope.passage_set_ids)
        compiled = pseudonyms.output_renderer(store, pseudonymise)
    if compiled is not None:
        query = compiled.render(query)
        found = replace(found, hits=pseudonyms.render_passages(compiled, found.hits))
    if as_json:
        print_json({"query": query, "total": found.total, "hits": found.hits})
        return
    sentences = "1 sentence matches" if found.total == 1 else f"{found.total} sentences match"
    console.print(f"{sentences} '{escape(query)}'.")
    for hit in found.hits:
        console.print(f"[cyan]{escape(hit.document_name)}[/] {hit.start}-{hit.end} "
                      f"[dim]{escape(hit.speaker or '')}[/]: {escape(hit.text)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(retrieve)
    app.command()(search)
