"""Plan every main.cf parameter the policy manages or sets, in the fixed order they are written."""

from __future__ import annotations

import attrs

from mailpolicy.model import values
from mailpolicy.model.policy import Policy
from mailpolicy.parse.registry import managed_parameters
from mailpolicy.plan.model import ConfigPlan, Entry, MapEntry, Parameter, SenderMapPlan
from mailpolicy.plan.restrictions import data_restrictions, relay_restrictions, sender_restrictions
from mailpolicy.plan.hosted import plan_hosting
from mailpolicy.plan.sasl_path import resolve_sasl_path
from mailpolicy.plan.sender_map import plan_sender_map
from mailpolicy.plan.services import TLS_MANAGED, plan_services, tls_parameters
from mailpolicy.postfix.networks import render_network

__all__ = ["ConfigPlan", "Entry", "MapEntry", "Parameter", "SenderMapPlan", "plan_config", "MANAGED"]

# The parameters a policy decides, from the statements' registry entries. A `set` of one of them
# is refused (MP406): the statement that manages it is the one place it may change, so ordering
# and paths stay the compiler's.
MANAGED = tuple(managed_parameters())

# With no trusted networks, only the host itself is trusted (explicitly: mynetworks_style's
# default changed between compatibility levels, and an implicit `subnet` trusted whole LANs).
LOOPBACK = "127.0.0.0/8 [::1]/128"


def compatibility_level(version: str) -> str | None:
    """Return the compatibility_level matching a target version (the parameter exists since 3.0)."""
    number = values.version_tuple(version)
    if number >= (3, 6):
        return "3.6"
    if number >= (3, 0):
        return "2"
    return None


def plan_config(policy: Policy) -> ConfigPlan:
    """Return the parameters and sender map a policy compiles to (parts with errors are left out)."""
    params: list[Parameter] = []
    version = policy.version
    level = compatibility_level(version.value)
    if level:
        params.append(Parameter("compatibility_level", level,
                                f"safe defaults of Postfix {version.value}, without backwards-compatibility "
                                "warnings", version.span, statement="postfix"))
    if policy.hostname:
        params.append(Parameter("myhostname", policy.hostname.value, "this server's name", policy.hostname.span,
                                statement="hostname"))
    if policy.local_domains:
        params.append(_mydestination(policy))
    params.append(_mynetworks(policy))
    params.extend(_sasl_parameters(policy))
    sender_map = plan_sender_map(policy)
    sql_tables = _sql_tables(policy, ("owners",)) if policy.sasl else []
    # The policy's own map first, then the database's: smtpd takes the first table that answers.
    references = [sender_map.reference] if sender_map else []
    references += [table.reference for table in sql_tables]
    # The site's own maps last, in the order stated: the compiler names them and never reads them.
    references += [owner_map.reference for owner_map in policy.owner_maps] if policy.sasl else []
    if references and policy.sasl:
        statement = ("sender map" if policy.sender_map.span else "allow user" if policy.owners
                     else "owners from" if policy.owner_tables else "owners from map")
        params.append(Parameter("smtpd_sender_login_maps", ", ".join(references),
                                "who owns which address (keys: user@domain, user, @domain)",
                                policy.sender_map.span or policy.owner_source(), statement=statement))
    guarded = policy if policy.sasl else _without_owners(policy)
    params.append(sender_restrictions(guarded))
    params.append(data_restrictions(guarded))
    params.append(relay_restrictions(policy))
    params.extend(tls_parameters(policy))
    hosting_sql = _sql_tables(policy, ("domains", "mailboxes", "aliases"))
    hosting, tables = plan_hosting(policy, hosting_sql)
    sql_tables += hosting_sql
    params.extend(hosting)
    params.extend(_settings(policy, {p.name for p in hosting}))
    return ConfigPlan(version.value, tuple(params), sender_map if policy.sasl else None, plan_services(policy),
                      tuple(tables), tuple(sql_tables))


# Kept in mydestination unless the policy says `local domains only`: Postfix's own default holds
# both (postconf -d: `$myhostname, localhost.$mydomain, localhost`), and without them mail to
# postmaster@<hostname> or root@localhost is no longer local: trivial-rewrite resolves it to the
# smtp transport, out to the Internet (or back to this very host, a mail loop).
HOST_DESTINATIONS = ("$myhostname", "localhost")



def _sql_tables(policy: Policy, kinds: tuple[str, ...]) -> list:
    """Return the pgsql tables of these kinds (plan/database.py, imported only for a policy with a database)."""
    if not policy.database_tables:
        return []
    from mailpolicy.plan.database import plan_sql_tables

    return plan_sql_tables(policy, kinds)

def _mydestination(policy: Policy) -> Parameter:
    stated = [d.value for d in policy.local_domains]
    if policy.only_local_domains:
        return Parameter("mydestination", ", ".join(stated), "domains delivered on this server, exactly as "
                         "stated (`only`)", policy.local_domains[0].span, statement="local domains")
    kept = [name for name in HOST_DESTINATIONS if name not in stated]
    return Parameter("mydestination", ", ".join([*kept, *stated]),
                     "domains delivered on this server, and this host's own names, so mail to "
                     "postmaster@<hostname> stays here (`local domains only` leaves them out)",
                     policy.local_domains[0].span, statement="local domains")


def _mynetworks(policy: Policy) -> Parameter:
    stated = [n.network for n in policy.trusted_networks]
    if not stated:
        return Parameter("mynetworks", LOOPBACK, "no trusted networks stated: only this host (explicit, so "
                         "mynetworks_style cannot widen it)", None)
    rendered = [render_network(n) for n in stated]
    if policy.only_trusted_networks:
        return Parameter("mynetworks", " ".join(rendered), "trusted networks, exactly as stated (`only`)",
                         policy.trusted_networks[0].span, statement="trusted networks")
    # This host stays trusted, as it was with no networks stated: a webmail or a cron job on
    # 127.0.0.1 submits mail through smtpd and, with `relay ... or trusted`, may relay.
    loopback = [n for n in LOOPBACK.split() if not any(_covers(s, n) for s in stated)]
    return Parameter("mynetworks", " ".join([*rendered, *loopback]),
                     "trusted networks, as stated, and this host (`trusted networks only` leaves it out)",
                     policy.trusted_networks[0].span, statement="trusted networks")


def _covers(network, written: str) -> bool:
    loopback = values.network(written).network
    return network.version == loopback.version and loopback.subnet_of(network)


def _without_owners(policy: Policy) -> Policy:
    # Without SASL nobody can log in, so a login map would reject every owned sender; the
    # analysis reports it (MP308) and the plan leaves the guard out rather than emit a trap.
    return attrs.evolve(policy, owners=(), owner_maps=(), database_tables=tuple(t for t in policy.database_tables
                                                                                if t.kind != "owners"))


def _sasl_parameters(policy: Policy) -> list[Parameter]:
    sasl = policy.sasl
    if sasl is None:
        return []
    params = [
        Parameter("smtpd_sasl_auth_enable", "yes", "clients may log in", sasl.span, statement="sasl"),
        Parameter("smtpd_sasl_type", sasl.kind, "the SASL server", sasl.span, statement="sasl"),
    ]
    resolved = resolve_sasl_path(sasl, policy.chroot.value)
    if resolved.value is not None:
        where = "inside the chroot " + policy.chroot.value if policy.chroot.value else "smtpd is not chrooted"
        reason = (f"relative to the queue directory ({where})" if sasl.kind == "dovecot"
                  else "Cyrus application name (selects smtpd.conf)")
        params.append(Parameter("smtpd_sasl_path", resolved.value, reason, sasl.path_span or sasl.span,
                                statement="sasl"))
    return params


def _settings(policy: Policy, decided: set[str]) -> list[Parameter]:
    seen: set[str] = set()
    if policy.tls is not None or policy.services:
        seen.update(TLS_MANAGED)  # refused by the analysis (MP355): the tls statement decides them
    chosen = []
    for setting in policy.settings:
        if setting.name in MANAGED or setting.name in seen or setting.name in decided:
            continue  # refused by the analysis (MP406, MP407, MP374); the first `set` is kept
        seen.add(setting.name)
        chosen.append(Parameter(setting.name, setting.value, "set by the policy", setting.span, managed=False,
                                statement=f"set {setting.name}"))
    return sorted(chosen, key=lambda p: p.name)
