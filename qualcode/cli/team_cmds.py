"""``qualcode team init``: a PostgreSQL project database set up for a team.

Calls :func:`qualcode.services.team_server.init_team`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.options import JsonOption
from qualcode.cli.output import console, print_json

app = typer.Typer(help="A PostgreSQL team server: database roles for readers, coders and supervisors.",
                  no_args_is_help=True)


@app.command("init")
def init_command(
    url: Annotated[str, typer.Argument(help="The project's PostgreSQL URL, as its owner "
                                            "(postgresql://owner@host/database).")],
    user: Annotated[list[str] | None, typer.Option(
        "--user", help="A login to create, NAME:ROLE with ROLE reader, coder or supervisor (repeatable).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Revoke and grant anew where the database was set up already; move existing "
                        "logins to the group given.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create the group roles qualcode_reader, qualcode_coder and qualcode_supervisor, grant them, add logins."""
    from qualcode.services.team_server import GROUPS, init_team

    done = init_team(url, user or [], force=force)
    if as_json:
        print_json(done)
        return
    verb = "Granted anew" if done.regranted else "Set up"
    console.print(f"{verb} database {done.database} for a team: {done.tables} tables granted to "
                  f"{', '.join(GROUPS.values())}.", markup=False, soft_wrap=True)
    if done.groups_created:
        console.print(f"Group roles created: {', '.join(done.groups_created)}.", markup=False, soft_wrap=True)
    for login in done.users_created:
        console.print(f"Login '{login}' created (no password yet: ALTER ROLE {login} PASSWORD '...').",
                      markup=False, soft_wrap=True)
    for login in done.users_changed:
        console.print(f"Login '{login}' now belongs to the group given.", markup=False, soft_wrap=True)
