"""Who may change what: the roles reader, coder and supervisor, checked before each change.

A project without a supervisor has no roles in force: everyone may do everything, as
before roles existed. Once a coder is made a supervisor, every change asks
:func:`require` first: a reader may change nothing, a coder may code, write memos and
undo their own changes, a supervisor may also adjudicate, draw samples, change the
codebook and the corpus, and set roles. A coder with no role set counts as a coder.

This guards against mistakes in the tools, not against a determined user (a name is
typed, not proven); on a PostgreSQL team server the database's own privileges, set up
by ``qualcode team init``, enforce the same split for each login.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from qualcode.core.team import ALLOWED, Action, Role, parse_role
from qualcode.errors import QualcodeError, RoleError
from qualcode.services.project import coder_setting_key

if TYPE_CHECKING:
    from qualcode.storage.store import Store, UnitOfWork


def acting_name(uow: UnitOfWork, coder: str | None) -> str | None:
    """Who is asking: the coder named, else $QUALCODE_CODER, else the coder this user last was."""
    from qualcode.services.project import _user

    for candidate in (coder, os.environ.get("QUALCODE_CODER"),
                      uow.settings.get(f"{coder_setting_key()}.{_user()}")):
        if candidate and candidate.strip():
            return candidate.strip()
    return None


def _supervisors(uow: UnitOfWork) -> str:
    return ", ".join(s.name for s in uow.coder_work.summaries() if s.role == Role.SUPERVISOR) or "none"


def role_in(uow: UnitOfWork, name: str) -> Role:
    found = uow.coder_work.role_of(name)
    return Role(found[1]) if found is not None and found[1] else Role.CODER


def require(uow: UnitOfWork, coder: str | None, action: Action, what: str) -> None:
    """Refuse (RoleError) unless the acting coder's role allows ``action``; ``what`` says the change.

    ``what`` is a verb phrase ("apply a code", "change the codebook"). Nothing is checked
    while the project has no supervisor.
    """
    if not uow.coder_work.has_supervisor():
        return
    name = acting_name(uow, coder)
    if name is None:
        raise RoleError(f"This project has roles, so qualcode must know who wants to {what}; no coder was given.",
                        "Pass --coder NAME or set QUALCODE_CODER.")
    role = role_in(uow, name)
    if action in ALLOWED[role]:
        return
    if role is Role.READER:
        raise RoleError(f"'{name}' is a reader in this project and may not change it: cannot {what}. "
                        "Nothing was changed.",
                        f"Ask a supervisor ({_supervisors(uow)}) to make you a coder: "
                        f"qualcode coders role '{name}' coder")
    raise RoleError(f"Only a supervisor may {what}; '{name}' is a {role.value} in this project. "
                    "Nothing was changed.",
                    f"Ask a supervisor ({_supervisors(uow)}) to do it, or to make you one.")


def check(store: Store, coder: str | None, action: Action, what: str) -> None:
    """:func:`require` in a unit of work of its own (for a change made of several)."""
    with store.unit_of_work() as uow:
        require(uow, coder, action, what)


def set_role(store: Store, name: str, role: str, *, by: str | None = None) -> tuple[str | None, str | None]:
    """Give coder ``name`` the role ``role`` (reader, coder, supervisor, or none to clear it).

    While the project has no supervisor anyone may set roles (that is how the first
    supervisor is named); after that only a supervisor may. The last supervisor cannot
    be made a reader or coder (that would lift every role at once); clearing their role
    with ``none`` does that on purpose. Returns (old role, new role).
    """
    from qualcode.services.coders import own_row

    new: str | None
    if role.strip().lower() == "none":
        new = None
    else:
        try:
            new = parse_role(role).value
        except ValueError as exc:
            raise QualcodeError(str(exc), "Use reader, coder or supervisor (or none to clear it).") from None
    with store.unit_of_work() as uow:
        row = own_row(uow, name, "coder given a role")
        require(uow, by, Action.SUPERVISE, "set coders' roles")
        old = row.role
        others = [s for s in uow.coder_work.summaries() if s.role == Role.SUPERVISOR and s.id != row.id]
        if old == Role.SUPERVISOR and new is not None and new != Role.SUPERVISOR and not others:
            raise RoleError(f"'{row.name}' is the project's only supervisor; as a {new} nobody could set "
                            "roles any more.",
                            "Make another coder a supervisor first, or lift all roles on purpose with "
                            f"qualcode coders role '{row.name}' none")
        uow.coder_work.set_role(row.id, new)
        actor = acting_name(uow, by)
        actor_coder = uow.coders.find(actor) if actor else None
        uow.events.append("coder.role", {"coder_id": row.id, "name": row.name, "old": old, "new": new},
                          actor_coder.id if actor_coder else None)
        return old, new


def roles_in_force(store: Store) -> bool:
    with store.unit_of_work() as uow:
        return uow.coder_work.has_supervisor()
