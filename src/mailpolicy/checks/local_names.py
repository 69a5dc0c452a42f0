"""An owned mailbox of a local domain reached unowned through another local name (MP387).

Every $mydestination name, an address literal of this host ($inet_interfaces, $proxy_interfaces)
and a bare local part (smtpd's resolver appends @$myorigin: src/trivial-rewrite/resolve.c) reach
the same Unix user: trivial-rewrite gives them all the local address class (ADDRESS_CLASS_README).
smtpd looks a sender up in smtpd_sender_login_maps as `user+ext@domain`, `user@domain`, then the
bare `user+ext` and `user` for a local domain only, then `@domain` (src/smtpd/smtpd_check.c
reject_unauth_sender_login_mismatch; src/global/mail_addr_find.c, MA_FIND_DEFAULT). A map that
owns `alice@example0.com` but has no bare `alice` key leaves alice@localhost, alice@$myhostname,
alice@[127.0.0.1] and `alice` without an owner: a client that is not logged in sends as alice's
mailbox by those names (measured on Postfix 3.7.11: tests/e2e/test_local_names_live.py). A catch-all
`@domain` of a local domain likewise leaves $myhostname's and localhost's addresses unowned (another
stated local domain without a catch-all is taken as meant: its unowned addresses stay usable).

Each owner key of a local domain is decided with the simulator for an outside client that is not
logged in: the owned address itself must be refused, and each other spelling accepted, for a
finding; the witness is that request. The compiler writes the bare and catch-all keys
(plan/sender_map.py), so a compiled policy is clean unless its owners come from a table it does
not write. An address literal other than 127.0.0.1 is not tried: which addresses are this host's
is known only where it runs (docs/proof.md, "Owned names of local domains").
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.samples import LOOPBACK_CLIENT, OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import ANONYMOUS_LOGIN_CHECKS, entries
from mailpolicy.simulate import Request, Verdict
from mailpolicy.simulate.address import DomainClass

_KEYS_SCANNED = 200  # owner keys looked at: one witness is enough, a large map needs no full scan
_FRESH = "nobody-owns-this"  # a local part a catch-all covers at its own domain only


def check_local_names(host: Host) -> Iterator[Diagnostic]:
    """Report each service where an owned local mailbox has an unowned spelling at another local name."""
    return host.per_service(_service_names)


def _service_names(service: Service) -> Iterator[Diagnostic]:
    owners = service.sender_owners()
    model = service.model()
    if owners is None or not owners.keys or model.fatal or not model.sasl_enabled:
        return
    if not any(entry.name in ANONYMOUS_LOGIN_CHECKS for words in model.lists.values() for entry in entries(words)):
        return  # no list refuses anonymous clients an owned address: MP317 says so
    names = _local_names(model)
    recipient = f"postmaster@{service.local_domain()}"
    held = owners.owners
    catch_alls_held = all(f"@{name}" in held for name in _host_names(model, names))
    for key in owners.keys[:_KEYS_SCANNED]:
        local_part, at, domain = key.rpartition("@")
        if (local_part in held) if local_part else catch_alls_held:
            # The bare key (or every host name's catch-all) is there: smtpd finds owners for each
            # other spelling, its own key's or this one's. What a compiled map always holds.
            continue
        user = local_part or _FRESH
        owned = f"{user}@{domain}"
        if not at or not _is_local(model, owned) or _accepted(model, owned, recipient):
            continue  # not a local mailbox, or anonymous clients may use the owned address itself (MP317's matter)
        for other in _spellings(user, names if local_part else _host_names(model, names), bare=bool(local_part)):
            if other != owned and _is_local(model, other) and _accepted(model, other, recipient):
                span = service.parameter_span("smtpd_sender_login_maps") or service.fallback_span()
                owned_text = f"<{key}>" if local_part else f"every address of {domain} (`{key}`)"
                yield cat.OWNED_MAILBOX_BY_ANOTHER_NAME.at(
                    span, f"{owned_text} has an owner, but a client that is not logged in is accepted sending as "
                          f"<{other}>, which reaches the same local mailbox ({domain} and "
                          f"{other.rpartition('@')[2] or 'a bare local part'} are both local: one Unix user "
                          "answers at every local name)",
                    hint=f"give the same owners the bare key `{user}`" if local_part
                    else f"give the same owners `@NAME` for every other local name (`@{other.rpartition('@')[2]}`)")
                return


def _local_names(model) -> list[str]:
    """Return the plain names of mydestination (tables and patterns left out), then this host's loopback literal."""
    names = [w.lower() for w in model.config.words("mydestination") if ":" not in w and "/" not in w]
    return [*dict.fromkeys(names), f"[{LOOPBACK_CLIENT}]"]


def _host_names(model, names: list[str]) -> list[str]:
    """Return the local names a catch-all is held to: $myhostname and localhost, the host's own names.

    Another local domain without a catch-all of its own is a statement of its own (its unowned
    addresses stay usable); the host's names come with every configuration (Postfix's default
    mydestination) and nobody states owners for them.
    """
    return [name for name in (model.config.value("myhostname").strip().lower(), "localhost") if name in names]


def _spellings(user: str, names: list[str], bare: bool) -> list[str]:
    """Return the other spellings of a local user: at each local name, and bare (a catch-all has no bare form)."""
    return [*(f"{user}@{name}" for name in names), *([user] if bare else [])]


def _is_local(model, address: str) -> bool:
    """Tell whether trivial-rewrite gives the address the local class (a bare one: at $myorigin)."""
    return model.resolver.resolve(address).domain_class is DomainClass.LOCAL


def _accepted(model, sender: str, recipient: str) -> bool:
    return model.decide(Request(OUTSIDE_CLIENT, None, sender, recipient)).verdict is Verdict.ACCEPT
