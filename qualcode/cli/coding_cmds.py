"""``qualcode code apply|remove|list|undo|rename|merge|split`` and ``qualcode memo``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.lazy import lazy_module
from qualcode.cli.options import (
    AttrOption,
    CodeOption,
    CoderOption,
    DbOption,
    JsonOption,
    coder_name,
    parse_filters,
    project,
)
from qualcode.cli.output import console, print_json
from qualcode.core.model import MEMO_TARGETS

if TYPE_CHECKING:
    from qualcode.services import coding, retrieval
else:
    coding = lazy_module("qualcode.services.coding")
    retrieval = lazy_module("qualcode.services.retrieval")

code_app = typer.Typer(help="Apply and remove codes; rename, merge and split them; undo.", no_args_is_help=True)
memo_app = typer.Typer(help="Write memos on the project, documents, codes and codings.", no_args_is_help=True)


@code_app.command()
def apply(
    document: Annotated[str, typer.Argument(help="Document name, id or unique name prefix.")],
    code: Annotated[str, typer.Argument(help="Code key, e.g. lc.bypassed (or codebook:key).")],
    start: Annotated[int | None, typer.Option(help="First character of the span (0-based).")] = None,
    end: Annotated[int | None, typer.Option(help="Character after the span: [start, end).")] = None,
    segment: Annotated[int | None, typer.Option(help="Code a whole segment, by id (see 'show --sentences').")] = None,
    turn: Annotated[int | None, typer.Option(help="Code a whole speaker turn, by index from 0.")] = None,
    weight: Annotated[int | None, typer.Option(
        "--weight", help="Weight of the coding, 0-100 (an intensity, as MAXQDA's weight score).")] = None,
    coder: CoderOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Code a character span, a segment or a whole turn."""
    with project(db) as store:
        name = coder_name(store, coder)
        made = coding.apply_code(store, document, code, name, coding.Span(start, end, segment, turn),
                                 weight=weight)
    if as_json:
        print_json(made)
        return
    weighted = f" (weight {made.weight})" if made.weight is not None else ""
    console.print(f"Coding {made.id}: [{made.start}, {made.end}) coded {code} by {name}{weighted}.")


@code_app.command("weight")
def weight_command(
    coding_id: Annotated[int, typer.Argument(help="Coding id (see 'qualcode code list').")],
    weight: Annotated[int | None, typer.Argument(help="Weight 0-100; leave out with --clear.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the coding's weight.")] = False,
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Set (or clear) the weight of an existing coding, 0-100."""
    from qualcode.errors import CodingError

    if (weight is None) == (not clear):
        raise CodingError("Give a weight 0-100 or --clear, not both or neither.",
                          "E.g. 'qualcode code weight 17 80' or 'qualcode code weight 17 --clear'.")
    with project(db) as store:
        changed = coding.set_weight(store, coding_id, None if clear else weight, coder_name(store, coder))
    shown = "no weight" if changed.weight is None else f"weight {changed.weight}"
    console.print(f"Coding {changed.id} now has {shown}.")


@code_app.command()
def remove(
    coding_id: Annotated[int, typer.Argument(help="Coding id (see 'qualcode code list').")],
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Remove one coding (undo brings it back)."""
    with project(db) as store:
        removed = coding.remove_coding(store, coding_id, coder_name(store, coder))
    console.print(f"Removed coding {removed.id} [{removed.start}, {removed.end}).")


@code_app.command("list")
def list_command(
    document: Annotated[str | None, typer.Option("--doc", help="Only this document.")] = None,
    code: CodeOption = None,
    coder: Annotated[list[str] | None, typer.Option("--coder", help="Only these coders (repeatable).")] = None,
    attr: AttrOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1)] = 100,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List codings with their text, newest documents last."""
    from rich.table import Table

    with project(db) as store:
        page = retrieval.passages(store, codes=code, coders=coder, documents=[document] if document else None,
                                  attributes=parse_filters(attr), limit=limit, context=0)
    if as_json:
        print_json({"total": page.total, "codings": page.passages})
        return
    table = Table(title=f"Codings ({len(page.passages)} of {page.total})", title_justify="left")
    for column in ("Id", "Document", "Code", "Coder", "Span", "Weight", "Text"):
        table.add_column(column, overflow="fold")
    for p in page.passages:
        snippet = p.text if len(p.text) <= 90 else p.text[:87] + "..."
        table.add_row(str(p.coding_id), p.document_name, p.code_key, p.coder, f"{p.start}-{p.end}",
                      "" if p.weight is None else str(p.weight), snippet)
    console.print(table)


@code_app.command()
def undo(coder: CoderOption = None, db: DbOption = None) -> None:
    """Revert the coder's last change (coding, weight, memo, rename, merge or split)."""
    with project(db) as store:
        what = coding.undo(store, coder_name(store, coder))
    console.print(f"Undone: {what}.")


@code_app.command()
def rename(
    code: Annotated[str, typer.Argument(help="Code key.")],
    label: Annotated[str | None, typer.Option("--label", help="New English label.")] = None,
    label_sv: Annotated[str | None, typer.Option("--label-sv", help="New Swedish label.")] = None,
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Give a code a new label; its key and codings stay."""
    with project(db) as store:
        renamed = coding.rename_code(store, code, coder_name(store, coder), label_en=label, label_sv=label_sv)
    console.print(f"Renamed {renamed.key}: {renamed.label_en}" + (f" / {renamed.label_sv}" if renamed.label_sv else ""))


@code_app.command()
def merge(
    source: Annotated[str, typer.Argument(help="Code whose codings move (it is retired).")],
    target: Annotated[str, typer.Argument(help="Code that receives them.")],
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Merge SOURCE into TARGET: every coding moves, none is lost."""
    with project(db) as store:
        moved = coding.merge_codes(store, source, target, coder_name(store, coder))
    console.print(f"Merged {source} into {target}: {moved} codings moved.")


@code_app.command()
def split(
    source: Annotated[str, typer.Argument(help="Code to split.")],
    new_key: Annotated[str, typer.Argument(help="Key of the new code beside it.")],
    label: Annotated[str, typer.Option("--label", help="English label of the new code.")],
    codings: Annotated[list[int], typer.Option("--coding", help="Coding id to move (repeatable).")],
    definition: Annotated[str, typer.Option(help="Definition of the new code.")] = "",
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Create a new code beside SOURCE and move the chosen codings to it."""
    with project(db) as store:
        made = coding.split_code(store, source, new_key, coder_name(store, coder), label=label,
                                 coding_ids=codings, definition=definition)
    console.print(f"Created {made.key} beside {source}; {len(codings)} codings moved.")


# ----------------------------------------------------------------------- memos

KindArgument = Annotated[str, typer.Argument(help=f"What the memo is about: {', '.join(MEMO_TARGETS)}.")]
TargetArgument = Annotated[str | None, typer.Argument(help="Document name, code key or coding id.")]


@memo_app.command("add")
def memo_add(
    kind: KindArgument,
    target: TargetArgument = None,
    text: Annotated[str, typer.Option("--text", "-t", help="The memo text.")] = "",
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Write a memo, e.g. 'qualcode memo add code lc.bypassed -t "..."'."""
    with project(db) as store:
        memo = coding.add_memo(store, kind, coding.memo_target(store, kind, target), text, coder_name(store, coder))
    console.print(f"Memo {memo.id} added.")


@memo_app.command("list")
def memo_list(
    kind: Annotated[str | None, typer.Argument(help="Only memos on this kind of thing.")] = None,
    target: TargetArgument = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List memos, all or those on one thing."""
    from rich.table import Table

    if kind:
        coding.check_memo_kind(kind)
    with project(db) as store:
        memos = (coding.memos_for(store, kind, coding.memo_target(store, kind, target))
                 if kind and (target or kind == "project") else coding.all_memos(store))
    if kind and not target and kind != "project":
        memos = [m for m in memos if m.target_kind == kind]
    if as_json:
        print_json(memos)
        return
    table = Table(title=f"Memos ({len(memos)})", title_justify="left")
    for column in ("Id", "On", "Text", "Updated"):
        table.add_column(column, overflow="fold")
    for m in memos:
        on = m.target_kind + (f" {m.target_id}" if m.target_id is not None else "")
        table.add_row(str(m.id), on, m.text, m.updated_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@memo_app.command("edit")
def memo_edit(
    memo_id: Annotated[int, typer.Argument(help="Memo id.")],
    text: Annotated[str, typer.Option("--text", "-t", help="The new text.")],
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Replace a memo's text."""
    with project(db) as store:
        coding.edit_memo(store, memo_id, text, coder_name(store, coder))
    console.print(f"Memo {memo_id} updated.")


@memo_app.command("delete")
def memo_delete(
    memo_id: Annotated[int, typer.Argument(help="Memo id.")],
    coder: CoderOption = None,
    db: DbOption = None,
) -> None:
    """Delete a memo (undo brings it back)."""
    with project(db) as store:
        coding.delete_memo(store, memo_id, coder_name(store, coder))
    console.print(f"Memo {memo_id} deleted.")
