"""The owners a deployed smtpd_sender_login_maps gives, in the shape the checks read (checks/host.py `Owners`).

smtpd asks the tables of smtpd_sender_login_maps in the order written and takes the first that
answers (maps_find(), src/global/maps.c), so a key keeps the logins of the first table that holds
it. Only the text tables audit/login_map.py can read are here; an unreadable table gives no owners
(MP334-style findings about it are audit/login_map.py's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailpolicy.frozen import frozen

if TYPE_CHECKING:
    from mailpolicy.audit.context import AuditContext
    from mailpolicy.audit.effective import ServiceView


@frozen
class LoginOwners:
    keys: list[str]  # sorted, lower case (Postfix folds the lookup key: mail_addr_find.c)
    owners: dict[str, str]  # key -> "login[, login...]", as the compiled map's lines hold them

    def owners_of(self, key: str) -> tuple[str, ...]:
        return tuple(self.owners[key].split(", "))


def login_owners(ctx: AuditContext, view: ServiceView) -> LoginOwners | None:
    """Return the owners of the readable login tables this service names (None when it names none readable)."""
    named = [word.text for word in view.words("smtpd_sender_login_maps")]
    tables = sorted((t for t in ctx.login_tables if t.source is not None and t.word.text in named),
                    key=lambda t: named.index(t.word.text))
    if not tables:
        return None
    owners: dict[str, list[str]] = {}
    for table in tables:
        first = {}
        for ownership in table.owners:
            first.setdefault(ownership.address.lower(), []).append(ownership.login)
        for key, logins in first.items():
            owners.setdefault(key, logins)  # an earlier table's answer wins
    return LoginOwners(sorted(owners), {key: ", ".join(dict.fromkeys(logins)) for key, logins in owners.items()})
