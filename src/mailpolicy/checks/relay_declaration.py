"""Relaying by declaration (MP324): relay_domains naming a public suffix or a domain that is not the policy's own.

smtpd's reject_unauth_destination (src/smtpd/smtpd_check.c permit_auth_destination) accepts mail
for every domain $relay_domains matches, from anyone: that is what a backup MX does for its own
organisation's domains. An entry naming a public suffix (`com`, `co.uk`, `test`, `github.io`)
relays for every domain registered under it; an entry naming another organisation's registrable
domain (`gmail.test`, `example.org` when the policy serves example0.com) relays mail for it from
anyone on the Internet. Both are errors, at the entry, whatever sample recipients the request
search happens to try: the check reads every entry, so it does not depend on samples.

"The policy's own" is decided with the Public Suffix List (the maintained `publicsuffixlist`
package; imported only when relay_domains has something to judge, so start-up stays fast): an
entry is the policy's own when its registrable domain is the registrable domain of a local domain
($mydestination), $myhostname, $mydomain or a virtual domain. A TLD the list does not
know (`.test`, `.example`) is a public suffix, as the list's default rule `*` says.

Judged entries: plain names and `.name` (main.cf text after `$name` expansion), the keys of an
inline table (`inline:{ partner.example=OK }`), and `static:` (every domain). Other tables (a hash
file, SQL, LDAP) cannot be read here: the open-relay search (MP301) treats them as possibly
listing any domain.
"""

from __future__ import annotations

import functools
from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.table_refs import table_ref
from mailpolicy.simulate.lookup import parse_inline

# Parameters whose domains are this server's final destinations: what "the policy's own" means.
OWN_DOMAIN_PARAMETERS = ("mydestination", "virtual_alias_domains", "virtual_mailbox_domains")
OWN_NAME_PARAMETERS = ("myhostname", "mydomain")


def check_relay_declaration(host: Host) -> Iterator[Diagnostic]:
    """Report each relay_domains entry that relays for a public suffix or another organisation's domain,
    and a myorigin that sends the always-accepted bare `postmaster` to someone else's domain, in every service."""
    return host.per_service(_declared)


def _declared(service: Service) -> Iterator[Diagnostic]:
    model = service.model()
    words = model.config.words
    # `backup mx for` states the intent this check guards against guessing: relaying for that
    # domain, to the recipients its `mailboxes` list (relay_recipient_maps). A public suffix is
    # still refused: no organisation's backup MX relays for all of `com`.
    stated = service.backup_domains()
    for finding in foreign_relay_domains(words):
        if finding.written in stated and not _suffix_list().is_public(finding.written):
            continue
        span = stated.get(finding.written) or service.element_span("relay_domains", finding.written) \
            or service.fallback_span()
        yield cat.RELAY_DOMAIN_NOT_OWN.at(span, finding.message, hint=finding.hint)
    origin = foreign_origin(model)
    if origin is not None:
        span = (service.parameter_span("myorigin") or service.parameter_span("myhostname")
                or service.element_span("relay_domains", "") or service.fallback_span())
        yield cat.RELAY_DOMAIN_NOT_OWN.at(
            span, f"myorigin is `{origin}`, not this policy's own domain: smtpd accepts RCPT TO:<postmaster> from "
                  f"anyone without a restriction (RFC 5321 requires it), and cleanup appends @{origin}, so anyone "
                  f"can send mail to postmaster@{origin} through this server",
            hint="set myorigin to a domain of your own (it defaults to $myhostname)")


def foreign_origin(model) -> str | None:
    """Return $myorigin when the bare `postmaster` smtpd always accepts goes to another organisation's domain.

    src/smtpd/smtpd_check.c smtpd_check_rcpt returns before every restriction for a recipient that
    is `postmaster` without a domain (RFC 5321 section 4.5.1); cleanup then qualifies it with
    $myorigin (append_at_myorigin = yes, src/global/rewrite_clnt / trivial-rewrite). A myorigin
    this server is not the destination of, outside the policy's own registrable domains, makes
    that one address a relay for anyone.
    """
    words = model.config.words
    if "no" in (w.lower() for w in words("append_at_myorigin")):
        return None
    resolved = model.resolver.resolve("postmaster")
    if resolved.error or resolved.unknown or resolved.domain_class.final:
        return None
    origin = resolved.domain.lower().rstrip(".")
    if origin in (w.lower().rstrip(".") for w in words("myhostname")[:1]):
        return None  # the default ($myhostname): this very host, judged without loading the suffix list
    psl = _suffix_list()
    own_names, own = _own(psl, words)
    if _is_own_name(origin, own_names):
        return None
    if not psl.is_public(origin) and _registrable(psl, origin) in own:
        return None
    return origin


class Finding:
    """One relay_domains entry that relays for others: what was written, and why it is wrong."""

    def __init__(self, written: str, message: str, hint: str) -> None:
        self.written, self.message, self.hint = written, message, hint


def foreign_relay_domains(words) -> list[Finding]:
    """Return the relay_domains entries naming a public suffix or a domain not the policy's own.

    `words(parameter)` gives a parameter's expanded list (simulate.config.Config.words).
    """
    entries = [w for w in words("relay_domains") if not w.startswith("!")]
    if not entries:
        return []
    psl = _suffix_list()
    own_names, own = _own(psl, words)
    # With relay_domains in parent_domain_matches_subdomains (the default), `name` also matches
    # its subdomains and `.name` matches nothing at all (src/util/match_ops.c match_hostname:
    # a `.name` pattern is compared only without MATCH_FLAG_PARENT). Measured on Postfix 3.7.11:
    # relay_domains = .example.org relays neither example.org nor mail.example.org.
    parent = "relay_domains" in {w.lower() for w in words("parent_domain_matches_subdomains")}
    found = []
    for written in entries:
        if parent and written.startswith("."):
            continue  # matches nothing: it relays for nobody
        for domain in _named_domains(written):
            if domain is not None and _is_own_name(domain, own_names):
                # A local destination named again (relay_domains defaults to $mydestination below
                # compatibility level 2, `localhost` included, which the list's `*` rule would call
                # a public suffix): mail for it is delivered here, not relayed for anyone.
                continue
            if domain is None:
                found.append(Finding(written, f"relay_domains = {written} relays mail for every domain from anyone",
                                     _HINT))
                continue
            if psl.is_public(domain):
                found.append(Finding(written, f"relay_domains names `{domain}`, a public suffix: mail for every "
                                              f"domain registered under it is relayed for anyone", _HINT))
            elif _registrable(psl, domain) not in own:
                found.append(Finding(written, f"relay_domains names `{domain}`, which is not this policy's own "
                                              f"domain ({_listed(own)}): mail for it is relayed for anyone", _HINT))
    return found


_HINT = ("relay_domains is for domains this server is a backup MX for; list only your own organisation's domains "
         "(and their subdomains), never a public suffix or someone else's domain")


def _named_domains(written: str) -> list[str | None]:
    """Return the domains an entry names (None: every domain); [] for what cannot be read here."""
    if written.startswith(("/", "[")):
        return []  # a file of names (not given here), or an address, which names no domain
    if ":" not in written:  # src/util/match_list.c MATCH_DICTIONARY: a colon makes an entry a table
        domain = written.lstrip(".").rstrip(".").lower()
        return [domain] if domain and "$" not in domain else []
    ref = table_ref(written)
    if ref is None:
        return []
    if ref.type == "static":
        return [None]
    if ref.type == "inline" and ref.inline:
        return [k.lstrip(".").rstrip(".").lower() for k in parse_inline(ref.body) if k.strip(".")]
    return []


def _own(psl, words) -> tuple[set[str], set[str]]:
    """Return the policy's own names and their registrable domains."""
    # `localhost` (RFC 6761) names this host wherever it is written: relaying for it reaches nobody else.
    # A public suffix is nobody's own name, even when the policy writes it (`set mydomain = test`).
    own_names = {n for n in _own_names(words) if not psl.is_public(n)} | {"localhost"}
    return own_names, {r for r in (_registrable(psl, d) for d in own_names) if r}


def _own_names(words) -> list[str]:
    names = []
    for parameter in OWN_DOMAIN_PARAMETERS:
        names.extend(w for w in words(parameter) if ":" not in w and not w.startswith(("/", "!")))
    for parameter in OWN_NAME_PARAMETERS:
        names.extend(words(parameter)[:1])
    return [n.lstrip(".").rstrip(".").lower() for n in names if n and "$" not in n]


def _is_own_name(domain: str, own_names: set[str]) -> bool:
    """Tell whether domain is one of the policy's own names or below one (one set probe per label)."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in own_names for i in range(len(labels)))


def _registrable(psl, domain: str) -> str | None:
    return psl.privatesuffix(domain)


def _listed(own: set[str]) -> str:
    return "its own: " + ", ".join(sorted(own)) if own else "it names no domain of its own"


def suffix_list():
    """Return the Public Suffix List (loaded once, on first use)."""
    return _suffix_list()


def is_own_name(domain: str, own_names: set[str]) -> bool:
    """Tell whether domain is one of `own_names` or below one."""
    return _is_own_name(domain, own_names)


@functools.lru_cache(maxsize=1)
def _suffix_list():
    # Imported here: parsing the list takes ~0.2 s, paid only by policies that set relay_domains.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()
