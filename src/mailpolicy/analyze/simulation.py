"""Where the compiled host points a finding, and the clients an `expect` line stands for.

A decision names a main.cf parameter and a restriction's position in it; the policy line
responsible is the planned entry's source (the `relay` statement, an `allow user` line), or
for a list the author wrote with `set`, the restriction's own column on that `set` line.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from mailpolicy.checks.samples import LOOPBACK_CLIENT, OUTSIDE_CLIENT
from mailpolicy.parse.statements import ClientKind
from mailpolicy.postfix.restriction_lists import Element, entries, split_list
from mailpolicy.simulate import Request
from mailpolicy.source import Span

if TYPE_CHECKING:
    from mailpolicy.analyze.context import AnalysisContext


def trusted_client(ctx: AnalysisContext) -> str:
    """Return an address inside the first trusted network (127.0.0.1 when none is stated)."""
    networks = ctx.policy.trusted_networks
    if not networks:
        return LOOPBACK_CLIENT
    network = networks[0].network
    if network.num_addresses > 2:
        return str(network.network_address + 1)
    return str(network.network_address)


def request_for(ctx: AnalysisContext, kind: ClientKind, login: str | None, sender: str, recipient: str) -> Request:
    """Return the request an `expect` client kind stands for."""
    if kind is ClientKind.TRUSTED:
        return Request(trusted_client(ctx), None, sender, recipient)
    return Request(OUTSIDE_CLIENT, login if kind is ClientKind.USER else None, sender, recipient)


def entry_span(ctx: AnalysisContext, parameter: str | None, position: int | None) -> Span | None:
    """Return the policy location of a list entry (or of the parameter when no entry is known)."""
    if parameter is None:
        return None
    planned = ctx.plan.parameter(parameter)
    if planned is not None and planned.entries is not None:
        if position is not None and position < len(planned.entries) and planned.entries[position].source:
            return planned.entries[position].source
        return planned.source
    setting = next((s for s in ctx.policy.settings if s.name == parameter), None)
    if setting is None:
        return planned.source if planned is not None else None
    if position is None:
        return setting.span
    found = _word_at(setting.value, position)
    if found is None:
        return setting.span
    column = setting.value_span.column + found.offset
    return setting.value_span.at_column(column, column + len(found.text))


def fallback_span(ctx: AnalysisContext) -> Span:
    """Return where a finding with no line of its own is reported: the `relay` statement, else line 1."""
    if ctx.policy.relay.span is not None:
        return ctx.policy.relay.span
    path = ctx.policy.sources[0].path if ctx.policy.sources else "<policy>"
    return Span(path, 1, 1)


def parameter_span(ctx: AnalysisContext, name: str) -> Span | None:
    """Return the policy line that decided a parameter (None for a default)."""
    planned = ctx.plan.parameter(name)
    if planned is not None and planned.source is not None:
        return planned.source
    setting = next((s for s in ctx.policy.settings if s.name == name), None)
    return setting.span if setting is not None else None


def network_span(ctx: AnalysisContext, address: str) -> Span | None:
    """Return the `trusted networks` entry that holds a client, to point at the very network."""
    ip = ipaddress.ip_address(address)
    return next((n.span for n in ctx.policy.trusted_networks if n.network.version == ip.version and ip in n.network),
                None)


def element_span(ctx: AnalysisContext, parameter: str, written: str) -> Span | None:
    """Return the column of an element on the `set` line of a list, else the line that decided the list."""
    setting = next((s for s in ctx.policy.settings if s.name == parameter), None)
    if setting is None:
        return parameter_span(ctx, parameter)
    element = next((e for e in split_list(setting.value) if e.text == written), None)
    if element is None:
        return setting.span
    column = setting.value_span.column + element.offset
    return setting.value_span.at_column(column, column + len(written))


def _word_at(value: str, position: int) -> Element | None:
    """Return the element naming the restriction at `position` in a list value (arguments skipped)."""
    elements = split_list(value)
    listed = entries([element.text for element in elements])
    return elements[listed[position].index] if position < len(listed) else None
