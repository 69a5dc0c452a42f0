"""Find rejections an earlier permit makes dead (MP307) in the lists each smtpd service runs with.

The compiler's check (analyze/shading.py) on main.cf as it is: every reject_* of every list is
evaluated alone for requests of each client class (an anonymous client on the Internet, a client
in mynetworks, logged-in clients with owned, unowned and null senders, local and remote
recipients), then the list is run up to it for the same requests. Reported where the reject is
written, on its own line of a continued list, with the permit that beats it as related: the
seed's `permit_sasl_authenticated, reject_sender_login_mismatch`, where a login may send as anyone.
"""

from __future__ import annotations

import ipaddress
from typing import Iterator

from mailpolicy.analyze.shading import client_requests, find_shading, shading_hint, shading_message
from mailpolicy.analyze.simulation import OUTSIDE_CLIENT
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.simulation import entry_span, fallback_span, model_for
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values


def check_shading(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report each reject_* that an earlier permit_* in its list always beats, at its own line."""
    return ctx.per_service(lambda view: _shading(ctx, view))


def _shading(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    model = model_for(ctx, view)
    if model.fatal:
        return  # reported by the open-relay check (MP712)
    classes = client_requests(OUTSIDE_CLIENT, _trusted_client(view), _local_domain(view), _owned(ctx))
    for shaded in find_shading(model, classes):
        if shaded.permit_name == "permit_mynetworks" and shaded.who == "any client":
            continue  # mynetworks holds everyone: MP302/MP303 and MP301 name that entry
        permit = entry_span(ctx, view, shaded.parameter, shaded.permit_position)
        yield cat.SHADED_RESTRICTION.at(
            entry_span(ctx, view, shaded.parameter, shaded.position) or fallback_span(ctx, view),
            shading_message(shaded), hint=shading_hint(shaded, compiled=False),
            related=(Related(permit, f"{shaded.permit_name} permits first here"),) if permit else ())


def _local_domain(view: ServiceView) -> str:
    for word in view.words("mydestination"):
        try:
            return values.domain(word.text)
        except values.ValueProblem:
            continue
    return "localhost"


def _owned(ctx: AuditContext) -> list[tuple[str, str]]:
    """Return up to three (address, login) pairs of the readable login maps."""
    owned = [(o.address if not o.address.startswith("@") else "someone" + o.address, o.login)
             for table in ctx.login_tables for o in table.owners]
    return owned[:3]


def _trusted_client(view: ServiceView) -> str:
    """Return an address inside the first mynetworks network (127.0.0.1 when there is none)."""
    for word in view.words("mynetworks"):
        try:
            network = values.network(word.text).network
        except values.ValueProblem:
            continue
        return str(network.network_address + 1) if network.num_addresses > 2 else str(network.network_address)
    return str(ipaddress.ip_address("127.0.0.1"))
