"""``qualcode coders``: every coder with their counts and role (the default), rename, merge, role.

Each command calls one function of :mod:`qualcode.services.coders`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.options import CoderOption, DbOption, JsonOption, project
from qualcode.cli.output import console, print_json

app = typer.Typer(help="Every coder with their codings, memos, documents, last change and role; rename "
                       "and merge coders, set roles.", invoke_without_command=True)


@app.callback()
def coders(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every coder with their codings, memos, documents, last change and role; rename and merge coders, set roles."""
    if ctx.invoked_subcommand is not None:
        return
    from qualcode.services.coders import list_coders
    from qualcode.services.roles import roles_in_force

    with project(db) as store:
        rows = list_coders(store)
        in_force = roles_in_force(store)
    if as_json:
        print_json([{"id": r.id, "name": r.name, "codings": r.codings, "memos": r.memos,
                     "documents": r.documents, "last_activity": r.last_activity,
                     "aliases": list(r.aliases), "role": r.role or ("coder" if in_force else None)}
                    for r in rows])
        return
    if not rows:
        console.print("No coders yet: a coder is added with their first coding or memo.", markup=False)
        return
    from rich.table import Table

    table = Table("coder", "role", "codings", "memos", "documents", "last change", "also named")
    for r in rows:
        table.add_row(r.name, r.role or ("coder" if in_force else "-"), str(r.codings), str(r.memos),
                      str(r.documents), r.last_activity.strftime("%Y-%m-%d %H:%M") if r.last_activity else "-",
                      ", ".join(r.aliases))
    console.print(table)
    if not in_force:
        console.print("No roles in force (no supervisor): everyone may change everything. "
                      "Name one with: qualcode coders role NAME supervisor", markup=False, soft_wrap=True)


@app.command("rename")
def rename_command(
    old: Annotated[str, typer.Argument(help="The coder's name now.")],
    new: Annotated[str, typer.Argument(help="The name they should have.")],
    db: DbOption = None,
    coder: CoderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a coder a new name; their codings, memos and log entries go with them."""
    from qualcode.services.coders import rename_coder

    with project(db) as store:
        rename_coder(store, old, new, by=coder)
    if as_json:
        print_json({"renamed": old, "to": new.strip()})
    else:
        console.print(f"Coder '{old}' is now '{new.strip()}'.", markup=False, soft_wrap=True)


@app.command("merge")
def merge_command(
    source: Annotated[str, typer.Argument(metavar="FROM", help="The name to merge away.")],
    into: Annotated[str, typer.Argument(metavar="INTO", help="The coder who keeps the work.")],
    db: DbOption = None,
    coder: CoderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move all of a coder's work to another (one person, two names); shared codings kept once."""
    from qualcode.services.coders import merge_coders

    with project(db) as store:
        done = merge_coders(store, source, into, by=coder)
    if as_json:
        print_json(done)
    else:
        console.print(f"Merged '{done.source}' into '{done.target}': {done.codings_moved} coding(s) moved, "
                      f"{done.codings_doubled} already made by '{done.target}' kept once, "
                      f"{done.memos_moved} memo(s) and {done.samples_moved} sample assignment(s) moved. "
                      f"'{done.source}' now stands for '{done.target}'.", markup=False, soft_wrap=True)


@app.command("role")
def role_command(
    name: Annotated[str, typer.Argument(help="The coder.")],
    role: Annotated[str, typer.Argument(help="reader, coder or supervisor; none clears it.")],
    db: DbOption = None,
    coder: CoderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a coder's role: reader (reads only), coder, supervisor (codebook, samples, adjudication)."""
    from qualcode.services.roles import roles_in_force, set_role

    with project(db) as store:
        old, new = set_role(store, name, role, by=coder)
        in_force = roles_in_force(store)
    if as_json:
        print_json({"coder": name, "old": old, "role": new, "roles_in_force": in_force})
        return
    console.print(f"Coder '{name}' is now {new or 'without a role'} (was {old or 'without a role'}).",
                  markup=False, soft_wrap=True)
    if not in_force:
        console.print("No supervisor is set, so roles are not in force yet: everyone may change everything.",
                      markup=False, soft_wrap=True)
