"""Forged senders a service accepts although it has owners (MP360): ownership checked for fewer clients.

smtpd_sender_login_maps says who owns which address; only the four *_sender_login_mismatch
restrictions read it (src/smtpd/smtpd_check.c: reject_auth_sender_login_mismatch and
reject_unauth_sender_login_mismatch are its only readers). reject_sender_login_mismatch holds
every client to it; reject_authenticated_sender_login_mismatch only logged-in clients
(`if (state->sasl_username)`), so a client that is not logged in may use an owned address; a
service whose lists hold none of them lets anyone use any address. A policy states that on
purpose (`allow forged senders`), an existing configuration may do it by choice or by mistake:
both are told what it lets through, with a request the simulator accepts.

The witnesses, one per class of client, each decided by the simulator on the service's own lists
(so a list that refuses the request another way, a DNS check or an unknown recipient, counts as
guarded and nothing is claimed):
- not logged in: an outside client, MAIL FROM an owned address, on the branch where the login
  map gives that address an owner (accepted_when_owned below; MP336 judges on it too);
- logged in: an outside client logged in as a login the map names for no address
  (checks/shading_requests.py STRANGER), MAIL FROM an owned address, on the branch where the map
  gives it an owner, so not that login (simulate/logins.py: for a logged-in client the map's
  non-nominal answer is "not owned by this login"; every login check that asks refuses on it).
MAIL FROM is an address the map gives an owner (with a map it cannot read: `owner@` each domain
this server is final for and $myhostname, the first one no other check refuses); RCPT TO is that
address itself (a mailbox of this server), else another address of a local domain. A service
without SASL is left to MP337 and MP317: there smtpd ignores every login check ("restriction ...
ignored: no SASL support"), so nothing here is a choice among them.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.checks.shading_requests import STRANGER
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate import Request, Verdict

# The choice simulate/logins.py makes for a login map whose contents cannot be read.
MAP_LABEL = "contents of smtpd_sender_login_maps"


def check_forged_senders(host: Host) -> Iterator[Diagnostic]:
    """Report each service that lets a client use an owned address it does not own, with the request."""
    return host.per_service(_forged)


def _forged(service: Service) -> Iterator[Diagnostic]:
    model = service.model()
    if model.fatal or not model.config.words("smtpd_sender_login_maps") or not model.config.flag("smtpd_sasl_auth_enable"):
        return
    samples = service.owned_samples(1)
    if samples:
        senders = [samples[0][0]]
    else:
        # A map it cannot read: any address may be one it gives an owner. One of each domain this
        # server is final for, and of $myhostname, so a sender check (a local part without a
        # fully qualified domain, a domain without DNS records) does not hide the exposure.
        domains = [service.local_domain(), *service.own_domains(), model.config.value("myhostname").strip().lower()]
        senders = [f"owner@{domain}" for domain in dict.fromkeys(d for d in domains if d)]
    found = []
    if service.reachable_from_outside():
        witness = _witness(service, model, None, senders)
        if witness is not None:
            found.append(f"a client that is not logged in may send as {_owned(witness[0], samples)} (to <{witness[1]}>)")
    witness = _witness(service, model, STRANGER, senders)
    if witness is not None:
        found.append(f"a client logged in as `{STRANGER}`, which does not own it, may send as "
                     f"{_owned(witness[0], samples)} (to <{witness[1]}>)")
    if not found:
        return
    # The sender list that leaves the check out, else (a default nobody wrote) the map nobody enforces.
    span = (service.parameter_span("smtpd_sender_restrictions") or service.parameter_span("smtpd_sender_login_maps")
            or service.fallback_span())
    yield cat.FORGED_SENDER_ACCEPTED.at(
        span, f"{'; '.join(found)}: no sender login check refuses {'them' if len(found) > 1 else 'it'} (the "
        "service's lists hold none for such a client, or a permit_* ends the list before it)",
        hint="if that is not the intent, put reject_sender_login_mismatch first in smtpd_sender_restrictions and in "
             "smtpd_data_restrictions (in a policy: remove `allow forged senders`)")


def _witness(service: Service, model, login: str | None, senders: list[str]) -> tuple[str, str] | None:
    """Return the first (sender, recipient) the service accepts from an outside client with this login, if any."""
    for sender in senders:
        for recipient in dict.fromkeys([sender, f"someone@{service.local_domain()}"]):
            if accepted_when_owned(model, Request(OUTSIDE_CLIENT, login, sender, recipient)):
                return sender, recipient
    return None


def _owned(sender: str, samples: list) -> str:
    return f"<{sender}>" if samples else f"an address the sender login map gives an owner (such as <{sender}>)"


def accepted_when_owned(model, request: Request) -> bool:
    """Tell whether the request is accepted (at RCPT and DATA) when the login map gives its sender an owner.

    With a readable map that is the nominal branch (DNS and other tables answering "not listed").
    With one that cannot be read, the nominal branch says "no owner"; the branch that answered
    "owned" decides, and when no restriction asked the map at all, its answer changes nothing.
    """
    branches = model.branches(request)
    owned = next((b for b in branches if any(label == MAP_LABEL for label, _where in b.choices)), branches[0])
    return owned.decision.verdict is Verdict.ACCEPT
