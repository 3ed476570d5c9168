"""Setting up a PostgreSQL database as a team server: ``qualcode team init``.

Opens (or creates) the project at the URL, has :mod:`qualcode.storage.team_server` create
the group roles and grant their privileges, and gives each login it creates the same
role in the project (the login name is the coder's name), so the service layer's
checks and the database's privileges agree.
"""

from __future__ import annotations

from qualcode.core.team import parse_role
from qualcode.errors import QualcodeError
from qualcode.storage import team_server
from qualcode.storage.engine import locate
from qualcode.storage.store import Store
from qualcode.storage.team_server import TeamSetup

GROUPS = team_server.GROUPS


def parse_user(text: str) -> tuple[str, str]:
    """``NAME:ROLE`` from ``--user``: a login name and reader, coder or supervisor."""
    name, sep, role = text.partition(":")
    if not sep or not name.strip() or not role.strip():
        raise QualcodeError(f"--user '{text}' is not NAME:ROLE.", "Write e.g. --user anna:supervisor --user bo:coder.")
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise QualcodeError(f"--user '{text}': {exc}", "Write e.g. --user bo:coder.") from None
    return team_server.check_login_name(name.strip()), parsed.value


def init_team(url: str, users: list[str], *, force: bool = False) -> TeamSetup:
    """Group roles, privileges and logins for the project database at ``url``."""
    location = locate(url)
    if location.is_sqlite:
        raise QualcodeError(
            f"'qualcode team init' sets up a PostgreSQL server for a team; {location.display()} is a SQLite "
            "file, which has no database users.",
            "Give a PostgreSQL URL (postgresql://HOST/DATABASE); for a SQLite project shared on a disk, "
            "use the file's permissions and 'qualcode coders role' instead.")
    pairs = [parse_user(u) for u in users]
    names = [n for n, _ in pairs]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise QualcodeError(f"--user names {', '.join(doubled)} more than once.", "Give each login one role.")
    store = Store.open(url, create=True)
    try:
        setup = team_server.set_up(store.engine, pairs, force=force)
        if pairs:
            with store.unit_of_work() as uow:
                for name, role in pairs:
                    coder = uow.coders.get_or_create(name)
                    old = uow.coder_work.set_role(coder.id, role)
                    if old != role:
                        uow.events.append("coder.role", {"coder_id": coder.id, "name": name, "old": old,
                                                         "new": role, "by": "team init"})
        return setup
    finally:
        store.close()
