"""Check who may send as what: owners need SASL, and owned addresses should be this server's."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.parse.statements import RelayMode


def check_owners_need_sasl(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report `allow user` and authenticated relaying without a `sasl` statement."""
    policy = ctx.policy
    if policy.sasl is not None:
        return
    if policy.has_owners:
        yield cat.ALLOW_WITHOUT_SASL.at(
            policy.owner_source(), "`allow user` needs SASL: without it nobody can log in, and "
            "reject_sender_login_mismatch would refuse every owned address",
            hint="add e.g. `sasl dovecot private/auth`")
    if policy.relay.value in (RelayMode.AUTHENTICATED, RelayMode.AUTHENTICATED_OR_TRUSTED):
        yield cat.RELAY_WITHOUT_SASL.at(
            policy.relay.span, f"`relay {policy.relay.value.value}` needs SASL, or no client can authenticate",
            hint="add e.g. `sasl dovecot private/auth`")


def check_sasl_without_owners(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Warn when logins exist but own no address: each may then send as anyone (the seed's fourth mistake)."""
    policy = ctx.policy
    if policy.sasl is not None and not policy.has_owners:
        yield cat.SASL_WITHOUT_USERS.at(
            policy.sasl.span, "SASL is enabled but no `allow user` says who may send as which address: "
            "any logged-in client may use any MAIL FROM",
            hint="add `allow user LOGIN as ADDRESS` lines (or `allow users from FILE`)")


def check_owned_domains(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Warn about owned addresses in domains the server does not receive mail for."""
    domains = ctx.policy.domain_names
    if not domains:
        return
    owners = ctx.policy.owners
    # One finding per domain, at the first address that names it: the policy keeps that index.
    for domain, index in owners.domains.items():
        if domain not in domains:
            yield cat.FOREIGN_DOMAIN_ADDRESS.at(
                owners.span(index), f"`{owners.addresses[index]}` is in {domain}, which is not a local domain",
                hint=f"add {domain} to `local domains`, or check the address for a typo")


def check_duplicate_allows(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Warn when one login is allowed the same address twice."""
    owners = ctx.policy.owners
    table = ctx.plan.sender_map
    if table is not None and table.pairs == len(owners):
        return  # the plan merged every pair into the map and none repeated: nothing to look for
    first: dict[tuple[str, str], int] = {}
    for index, key in enumerate(zip(owners.addresses, owners.logins)):
        if key in first:
            address, login = key
            yield cat.DUPLICATE_ALLOW.at(
                owners.span(index), f"`{login}` is already allowed `{address}`",
                hint="remove the repetition", related=(Related(owners.span(first[key]), "first allowed here"),))
        else:
            first[key] = index
