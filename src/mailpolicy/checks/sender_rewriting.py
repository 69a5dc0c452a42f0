"""Find sender rewriting that undoes the login check: sending as another login after smtpd said no (MP323).

smtpd's reject_sender_login_mismatch checks MAIL FROM as the client sent it; cleanup(8) then
rewrites the envelope sender with sender_canonical_maps and canonical_maps (canonical(5)), each
when its classes (sender_canonical_classes, canonical_classes) hold envelope_sender, as they do
by default, and the message is queued from the result. Measured on Postfix 3.7.11 with
recipient_delimiter = + and the owners bob@example0.com -> bob, ceo@example0.com -> ceo: bob,
logged in, is refused <ceo@example0.com> ("553 5.7.1 ... not owned by user bob") but owns
<bob+ceo@example0.com> (the lookup falls back to bob@example0.com), and with
`sender_canonical_maps = regexp:{ {/^bob\\+(.*)@(.*)$$/ $$1@$$2} }` the message is queued from
ceo@example0.com (qmgr: "from=<ceo@example0.com>"; postcat -q: "sender: ceo@example0.com").

Each table is judged by the classification the open-relay proof uses (simulate/rewrite.py):
- `pattern` (`regexp:{...}`, `pcre:{...}` written in the value): its rules are tried with
  Python's `re` on owned addresses, owned addresses with an extension (`+`, `-`, ... and
  recipient_delimiter) carrying another owner's address, other addresses at the owners' and the
  policy's domains, and the addresses the patterns spell out. Whoever may use the address (its
  owner, or anyone when it has none) is held to the result: a rule seen to give an address
  another login owns is an error naming both; a rule whose result uses captured text is
  otherwise a warning: it may, for addresses not tried.
- `opaque` (a regexp:/pcre: file, tcp:, socketmap:, and the database types, whose query may
  return the key it is asked for: mysql/pgsql/sqlite `%s`, `%u`, ldap `result_format`): nobody
  here can read what it returns, so it is neither proved nor refused: a stated assumption (note
  MP327, listed by `explain`) that it never turns an address a client may use into one another
  login owns (issue 13: undecidable is an assumption, not an error).
- `exact` (hash:, lmdb:, inline:, static:, ...): a note. Every result is one the administrator
  wrote for one key, so no client chooses it, but an entry that maps an owned address to another
  login's still lets its owner send as that login without an `allow` line saying so.
Only when the login map has owners and the service checks them (SASL on, a
reject_*sender_login_mismatch entry): without them a client may use any sender anyway (MP315,
MP337). Header addresses are not the login check's business: no restriction reads them.

Written once over the host interface (checks/host.py), so a compile and an audit both run it: the
values read are the ones cleanup runs with (PostfixModel.cleanup_config: for a deployed
configuration, main.cf under the `-o` of the cleanup service smtpd hands mail to, as
audit/simulation.py builds it; postfix/daemons.py says which daemon reads which parameter), and
a finding points where the host says the parameter was decided (a `set` line, a main.cf line or
the cleanup service's `-o`).
"""

from __future__ import annotations

import re
from typing import Iterator

from mailpolicy.checks.host import Host, Owners, Service
from mailpolicy.diagnostics import Diagnostic, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import LOGIN_MISMATCH_CHECKS, entries
from mailpolicy.simulate.lookup import owner_keys
from mailpolicy.simulate.rewrite import Table, apply_rules, tables

# cleanup applies sender_canonical_maps, then canonical_maps, to the envelope sender when the
# parameter's classes name envelope_sender (postconf(5) canonical_classes, sender_canonical_classes).
SENDER_MAPS = (("sender_canonical_maps", "sender_canonical_classes"), ("canonical_maps", "canonical_classes"))
ENVELOPE_SENDER = "envelope_sender"
# Bounds of the search: owners looked at, their addresses, and the addresses they try to become.
_KEYS_SCANNED, _TARGETS = 400, 16
_NOBODY_DOMAIN = "elsewhere.test"  # a domain no owner's address is at
_MARKS = "+-_.="  # extension delimiters tried besides recipient_delimiter
# `local@domain` or `@domain` as a pattern spells it once unescaped (`(.*)@old.example0.com`).
# (A text, compiled by re's own cache when a pattern table is read: most policies have none.)
_ADDRESS = r"([A-Za-z0-9._+=-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"


@frozen
class Spoof:
    """A MAIL FROM `sent` that `login` (None: a client not logged in) may use and a table rewrites to `result`."""

    login: str | None
    sent: str
    result: str
    owners: tuple[str, ...]




def check_sender_rewriting(host: Host) -> Iterator[Diagnostic]:
    """Report sender rewriting by which a client may send as an address another login owns."""
    return host.per_service(_service_rewriting)


def _checks_owners(service: Service) -> bool:
    """Tell whether smtpd holds senders to their owners here: SASL on and a login check in some list."""
    model = service.model()
    if not model.sasl_enabled or model.fatal:
        return False
    return any(entry.name in LOGIN_MISMATCH_CHECKS for words in model.lists.values() for entry in entries(words))


def _service_rewriting(service: Service) -> Iterator[Diagnostic]:
    owners = service.sender_owners()
    if owners is None or not owners.keys or not _checks_owners(service):
        return
    # cleanup, not smtpd, rewrites the sender: its values (a cleanup service's -o included).
    config = service.model().cleanup_config
    delimiter = config.value("recipient_delimiter")
    domains = service.own_domains()
    for parameter, classes in SENDER_MAPS:
        if ENVELOPE_SENDER not in (word.lower() for word in config.words(classes)):
            continue
        for reference in config.words(parameter):
            # One finding per table written: the worst of the tables it reads (unionmap:{...}).
            found = [_judge(service, parameter, table, owners, delimiter, domains) for table in tables(reference)]
            worst = min((d for d in found if d is not None),
                        key=lambda d: (_RANK[d.severity], d.code != cat.SENDER_REWRITING_ASSUMPTION.code),
                        default=None)
            if worst is not None:
                yield worst
    yield from _masquerade(service, owners, config, delimiter)


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


def _masquerade(service: Service, owners: Owners, config, delimiter: str) -> Iterator[Diagnostic]:
    """MP323 for masquerade_domains turning an unowned subdomain address into an owned one after the login check.

    cleanup(8) strips the subdomain part of the envelope sender (masquerade_classes holds
    envelope_sender by default) with the first masquerade_domains entry the domain is below, left
    to right, a `!domain` entry stopping without a change; users in masquerade_exceptions are left
    alone (postconf(5); src/cleanup/cleanup_masq.c). `jim@masq.example0.com` has no owner, so smtpd
    lets anyone use it, and it is queued as `jim@example0.com`. One witness is enough: each
    owner key is looked at once.
    """
    entries = [w.lower() for w in config.words("masquerade_domains")]
    if not entries or ENVELOPE_SENDER not in (w.lower() for w in config.words("masquerade_classes")):
        return
    exceptions = {w.lower() for w in config.words("masquerade_exceptions")}
    positive = {name for truncate, name in map(_entry, entries) if truncate}
    for key in owners.keys:
        local, _at, domain = key.rpartition("@")
        if domain not in positive or local.lower() in exceptions:
            continue
        user = local or "postmaster"
        for label in _LABELS:  # a fresh subdomain; another if a `!` entry names this one
            sent = f"{user}@{label}.{domain}"
            result = f"{user}@{_masqueraded(domain_of(sent), entries)}"
            found = owners_of(owners, result, delimiter)
            if result != sent and found and not owners_of(owners, sent, delimiter):
                span = service.parameter_span("masquerade_domains") or service.fallback_span()
                yield cat.SENDER_REWRITTEN_AFTER_LOGIN_CHECK.at(
                    span, f"{_who(Spoof(None, sent, result, found))}, then cleanup strips its subdomain with "
                          f"masquerade_domains to <{result}>",
                    hint="masquerade only domains whose addresses have no owners, list the owners' users in "
                         "masquerade_exceptions, or leave envelope_sender out of masquerade_classes")
                return


_LABELS = ("masq", "sub", "mx1")


def _entry(written: str) -> tuple[bool, str]:
    """Return (truncate, domain) of a masquerade_domains entry: each leading `!` toggles truncation."""
    truncate = True
    while written.startswith("!"):
        truncate, written = not truncate, written[1:]
    return truncate, written


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _masqueraded(domain: str, entries: list[str]) -> str:
    """Return the domain cleanup_masquerade_external leaves: the first entry equal to it stops, the first
    it is below truncates it to that entry (or stops, when `!` toggled truncation off)."""
    for written in entries:
        truncate, name = _entry(written)
        if not name:
            continue
        if name == domain:
            return domain
        if domain.endswith("." + name):
            return name if truncate else domain
    return domain


def _judge(service: Service, parameter: str, table: Table, owners: Owners, delimiter: str,
           domains: list[str]) -> Diagnostic | None:
    span = service.parameter_span(parameter) or service.fallback_span()
    rewrites = f"cleanup rewrites the envelope sender with {parameter} ({table.reference})"
    if table.kind == "opaque" or table.type in QUERY_TYPES:
        return cat.SENDER_REWRITING_ASSUMPTION.at(span, sender_assumption_message(parameter, table.reference),
                                                  hint=_ASSUMPTION_HINT)
    if table.kind == "exact":
        return cat.SENDER_REWRITTEN_AFTER_LOGIN_CHECK.at(
            span, f"{rewrites} after smtpd checked its owner: an entry that maps an owned address to another "
                  "login's lets its owner send as that login, which no `allow` line says", severity=Severity.NOTE,
            hint="if an entry does that on purpose, say it with `allow user LOGIN as ADDRESS` as well")
    rules = table.rules()
    spoof = _spoof(rules, owners, delimiter, domains)
    if spoof is not None:
        return cat.SENDER_REWRITTEN_AFTER_LOGIN_CHECK.at(span, f"{_who(spoof)}, then {rewrites} to <{spoof.result}>",
                                                         hint=_HINT)
    from mailpolicy.simulate.pattern_table import substitutes  # read only with a pattern table (start-up)

    if any(substitutes(rule.result) for rule in rules):
        return cat.SENDER_REWRITTEN_AFTER_LOGIN_CHECK.at(
            span, f"{rewrites} after smtpd checked its owner: its result is built from the client's text "
                  "($1-style substitution) and may be an address another login owns", severity=Severity.WARNING,
            hint=_HINT)
    return None


# Table types answered by a query whose result may be built from the key it is asked for
# (mysql_table(5), pgsql_table(5), sqlite_table(5): `%s`, `%u`, `%d` in query and result_format;
# ldap_table(5) result_format; memcache_table(5) key_format): not exact-key tables for this check.
QUERY_TYPES = frozenset({"mysql", "pgsql", "sqlite", "ldap", "memcache", "nis", "nisplus", "netinfo"})
SENDER_ASSUMPTION_PREFIX = "sender ownership holds only if "


def sender_assumption_message(parameter: str, reference: str) -> str:
    """Return what a sender rewriting table nobody here can read must not do (MP327; explain lists it)."""
    return (f"{SENDER_ASSUMPTION_PREFIX}{reference} ({parameter}, read by cleanup after smtpd checked the sender's "
            "owner) never rewrites an address a client may use into one another login owns, as a result built "
            "from the address it is asked for could")


_ASSUMPTION_HINT = ("its contents cannot be read here; if it builds results from the address it is asked for, "
                    "rewrite with an exact-key table (hash:, lmdb:) instead")
_HINT = ("build no sender from the client's text after the login check: rewrite with an exact-key table (hash:, "
         "lmdb:), or give every address a rule rewrites from to the login that owns what it becomes")


def _who(spoof: Spoof) -> str:
    others = ", ".join(spoof.owners)
    if spoof.login is None:
        return (f"a client that has not logged in can send as <{spoof.result}>, which only {others} may use: "
                f"<{spoof.sent}> has no owner, so smtpd accepts it from anyone")
    return (f"a client logged in as {spoof.login} can send as <{spoof.result}>, which only {others} may use: "
            f"{spoof.login} owns <{spoof.sent}>, so smtpd accepts it")


def _spoof(rules, owners: Owners, delimiter: str, domains: list[str]) -> Spoof | None:
    """Return the first MAIL FROM a client may use that a rule turns into an address another login owns."""
    for sent in _candidates(rules, owners, delimiter, domains):
        hit = apply_rules(rules, sent)
        if hit is None:
            continue
        # Who may use `sent`: its owners (logged in as one of them), or, when it has none, anyone.
        senders = owners_of(owners, sent, delimiter) or (None,)
        for result in hit[1]:
            found = owners_of(owners, result, delimiter)
            for login in senders:
                if found and (login is None or login.lower() not in (o.lower() for o in found)):
                    return Spoof(login, sent, result, found)
    return None


def owners_of(owners: Owners, address: str, delimiter: str) -> tuple[str, ...]:
    """Return the logins smtpd_sender_login_maps names for an address (user+ext@domain, user@domain, @domain)."""
    local, _at, domain = address.rpartition("@")
    # The compiled map holds addresses and @domain keys only, so the bare `user` key never matches.
    for key in owner_keys(local.lower(), domain.lower(), False, delimiter):
        if key in owners.owners:
            return owners.owners_of(key)
    return ()


def _candidates(rules, owners: Owners, delimiter: str, domains: list[str]) -> Iterator[str]:
    """Yield MAIL FROM addresses to try: owned ones, owned ones with an extension carrying another owned
    address, other addresses at the owners' and the policy's domains, and the addresses the patterns name."""
    keys = owners.keys[:_KEYS_SCANNED]
    addresses = [key for key in keys if not key.startswith("@")]
    targets = addresses[:_TARGETS] + [f"postmaster{key}" for key in keys if key.startswith("@")][:_TARGETS]
    written, named_domains = _written(rules)
    yield from written
    everywhere = dict.fromkeys([*domains, *(key[1:] for key in keys if key.startswith("@")), *named_domains,
                                _NOBODY_DOMAIN])
    # Extensions: the configured delimiter and the usual ones, for clients of a server without one.
    marks = "".join(dict.fromkeys(delimiter + _MARKS))
    for key in addresses[:_TARGETS]:
        yield key
        local, _at, domain = key.rpartition("@")
        for target in targets:
            for payload in _payloads(target):
                yield from (f"{local}{mark}{payload}@{domain}" for mark in marks)
    for target in targets:
        for payload in _payloads(target):
            yield from (f"{payload}@{domain}" for domain in everywhere)


def _written(rules) -> tuple[list[str], list[str]]:
    """Return the addresses and the domains a table's patterns spell out (`^postmaster@example0.com$`)."""
    addresses: dict[str, None] = {}
    domains: dict[str, None] = {}
    for rule in rules:
        for pattern in (c.regex for c in rule.conditions if c.match and c.regex is not None):
            for match in re.finditer(_ADDRESS, re.sub(r"\\(.)", r"\1", pattern.pattern)):
                domains[match.group(2).lower()] = None
                if match.group(1):
                    addresses[match.group().lower()] = None
    return list(addresses), list(domains)


def _payloads(target: str) -> tuple[str, ...]:
    """Return the ways a local part can carry another address (`ceo`, `ceo=example0.com`, ...)."""
    local, _at, domain = target.rpartition("@")
    return (local, f"{local}={domain}", f"{local}.at.{domain}", f"{local}_at_{domain}", f"{domain}={local}")
