"""Addresses as smtpd and trivial-rewrite(8) see them: syntax, internal form, and where they resolve.

Resolution follows trivial-rewrite's resolver (ADDRESS_REWRITING_README, postconf(5)
allow_percent_hack, swap_bangpath, resolve_dequoted_address): while the domain is local
($mydestination, $inet_interfaces, $proxy_interfaces), strip it and look at the local part; an
`@` in it, a `site!user` (swap_bangpath), a `user%site` (allow_percent_hack) or a quoted local
part (resolve_dequoted_address) is routing the sender asked for, and is resolved again. A local
part that still holds `@`, `%` or `!` at the end is "sender-specified routing": postconf(5)
reject_unauth_destination never treats such an address as an authorized destination.
Measured on Postfix 3.7: `victim%gmail.test@ourdomain`, `gmail.test!victim@ourdomain`,
`"victim@gmail.test"@ourdomain` and `victim@gmail.test@ourdomain` all get "554 5.7.1 <...>:
Relay access denied", with the hacks on or off; `victim%ourdomain@ourdomain` is accepted.
"""

from __future__ import annotations

import enum
import ipaddress
import re

from mailpolicy.frozen import frozen

_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?\Z")
_ROUTING = "@%!"


class DomainClass(str, enum.Enum):
    """trivial-rewrite's address classes (ADDRESS_CLASS_README)."""

    LOCAL = "local"
    VIRTUAL_ALIAS = "virtual alias"
    VIRTUAL_MAILBOX = "virtual mailbox"
    RELAY = "relay"
    DEFAULT = "default"

    @property
    def final(self) -> bool:
        return self in (DomainClass.LOCAL, DomainClass.VIRTUAL_ALIAS, DomainClass.VIRTUAL_MAILBOX)

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the parameter that puts a domain in this class."""
        return {"local": ("mydestination",), "relay": ("relay_domains",),
                "virtual alias": ("virtual_alias_domains",),
                "virtual mailbox": ("virtual_mailbox_domains",)}.get(self.value, ())


@frozen
class Resolved:
    """Where an address goes: its resolved form, class, and whether it carries sender routing.

    `unknown` names the parameters whose tables decided the class without known contents.
    """

    local: str
    domain: str
    domain_class: DomainClass
    routed: bool
    error: bool = False
    unknown: tuple[str, ...] = ()
    routing_allowed: bool = False  # allow_untrusted_routing = yes

    @property
    def address(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def authorized(self) -> bool:
        """permit_auth_destination: a final or relay_domains destination without sender routing.

        smtpd_check.c permit_auth_destination(): "Skip source-routed ... mail" only with
        allow_untrusted_routing = no (measured on 3.7: with yes, resolve_dequoted_address = no and
        a local domain, "u@gmail.test"@local passes reject_unauth_destination).
        """
        return ((not self.routed or self.routing_allowed)
                and (self.domain_class.final or self.domain_class is DomainClass.RELAY))


def valid_hostname(name: str) -> bool:
    """Postfix's valid_hostname(): labels of letters, digits, `-`, `_`; no label starts or ends in `-`; not all digits."""
    if not name or len(name) > 255:
        return False
    labels = name.split(".")
    if any(len(label) > 63 or not _LABEL.match(label) for label in labels):
        return False
    # Measured: HELO 1.2.3.4 is "not fully-qualified" but `bad_name.test` is fine.
    return not all(ch.isdigit() or ch == "." for ch in name)


def valid_address_literal(text: str) -> bool:
    """Tell whether `[1.2.3.4]` or `[IPv6:...]` holds a valid address."""
    if not (text.startswith("[") and text.endswith("]")):
        return False
    inner = text[1:-1]
    if inner.lower().startswith("ipv6:"):
        inner = inner[5:]
        try:
            return ipaddress.ip_address(inner).version == 6
        except ValueError:
            return False
    try:
        return ipaddress.ip_address(inner).version == 4
    except ValueError:
        return False


def _unquoted(text: str, chars: str):
    """Yield the index of every character of `chars` that stands outside double quotes."""
    quoted, index = False, 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and quoted:
            index += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in chars:
            yield index
        index += 1


def _last_unquoted(text: str, chars: str) -> int:
    if '"' not in text:  # the common case, without a character loop
        return max(text.rfind(ch) for ch in chars)
    return max(_unquoted(text, chars), default=-1)


def _first_unquoted(text: str, chars: str) -> int:
    if '"' not in text:
        return min((i for i in (text.find(ch) for ch in chars) if i >= 0), default=-1)
    return next(_unquoted(text, chars), -1)


def unquote(text: str) -> str:
    """Return an address in Postfix's internal form: quotes removed, backslash escapes resolved."""
    if '"' not in text:
        return text
    out: list[str] = []
    index, quoted = 0, False
    while index < len(text):
        ch = text[index]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and quoted and index + 1 < len(text):
            index += 1
            out.append(text[index])
        else:
            out.append(ch)
        index += 1
    return "".join(out)


def strip_source_route(address: str) -> str:
    """Return an address as smtpd keeps it: a deprecated source route `@a,@b:user@dom` dropped.

    smtpd.c extract_addr(): "Truncate deprecated route address form": text that starts with `@`
    loses everything up to its first `:` before anything else sees it (replies name the rest).
    Measured on 3.7: RCPT TO:<@gmail.test:info@example0.com> is accepted as info@example0.com.
    """
    if address.startswith("@"):
        colon = address.find(":")
        if colon >= 0:
            return address[colon + 1:]
    return address


def split_address(address: str) -> tuple[str, str | None]:
    """Split at the last `@` outside quotes: (local part, domain or None)."""
    at = _last_unquoted(address, "@")
    if at < 0:
        return address, None
    return address[:at], address[at + 1:]


class Resolver:
    """Resolve addresses against the domain classes of one configuration."""

    def __init__(self, classify, is_local, *, percent_hack: bool, swap_bangpath: bool, dequote: bool,
                 myorigin: str, null_domain: bool, numeric_domain: bool, routing_allowed: bool = False) -> None:
        self.routing_allowed = routing_allowed
        self.classify = classify        # domain -> (DomainClass, unknown parameter names)
        self.is_local = is_local        # domain -> True / False / None (unknown)
        self.percent_hack = percent_hack
        self.swap_bangpath = swap_bangpath
        self.dequote = dequote
        self.myorigin = myorigin
        self.null_domain = null_domain
        self.numeric_domain = numeric_domain
        self._cache: dict[str, Resolved] = {}

    def resolve(self, address: str) -> Resolved:
        """Return where `address` (external form, quotes as sent) resolves."""
        found = self._cache.get(address)
        if found is None:
            found = self._cache[address] = self._resolve(address)
        return found

    def _resolve(self, address: str) -> Resolved:
        local, domain = split_address(address)
        saved: str | None = None
        unknown: list[str] = []
        for _ in range(20):  # each round removes a routing operator, so this always ends
            if domain is not None:
                domain = domain[:-1] if domain.endswith(".") and not domain.endswith("..") else domain
                local_domain = self.is_local(domain.lower()) if domain else False
                if local_domain is None:
                    unknown.append("mydestination")
                if not local_domain:
                    break
                saved, domain = domain, None
            rewritten = self._reroute(local)
            if rewritten is None:
                break
            local, domain = rewritten
        if domain is None:
            # No domain left: the stripped local one, else $myorigin (append_at_myorigin).
            domain = saved if saved is not None else self.myorigin
        return self._finish(local, domain, tuple(unknown))

    def _reroute(self, local: str) -> tuple[str, str] | None:
        """Return (local, domain) for a local part that routes elsewhere, or None."""
        at = _last_unquoted(local, "@")
        if at >= 0:
            return local[:at], local[at + 1:]
        if self.swap_bangpath:
            bang = _first_unquoted(local, "!")
            if bang >= 0:
                return local[bang + 1:], local[:bang]
        if self.percent_hack:
            percent = _last_unquoted(local, "%")
            if percent >= 0:
                return local[:percent], local[percent + 1:]
        if self.dequote and len(local) >= 2 and local.startswith('"') and local.endswith('"'):
            inner = unquote(local)
            if any(ch in inner for ch in _ROUTING):
                rewritten = self._reroute(inner)
                if rewritten is not None:
                    return rewritten
        return None

    def _finish(self, local: str, domain: str, unknown: tuple[str, ...]) -> Resolved:
        internal = unquote(local)
        routed = any(ch in internal for ch in _ROUTING)
        domain = domain.lower()
        error = not self._valid_domain(domain)
        if domain and self.numeric_domain and _is_ip(domain):
            domain = f"[{domain}]"
            error = False
        domain_class, class_unknown = self.classify(domain)
        return Resolved(internal, domain, domain_class, routed, error, unknown + class_unknown, self.routing_allowed)

    def _valid_domain(self, domain: str) -> bool:
        # resolve_null_domain = no: "user@" is refused; resolve_numeric_domain = no: so is
        # "user@1.2.3.4" (measured: 501 5.1.3 Bad recipient address syntax).
        if not domain:
            return self.null_domain
        if domain.startswith("["):
            return valid_address_literal(domain)
        return valid_hostname(domain)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def fully_qualified(domain: str) -> bool:
    """reject_non_fqdn_*: a valid hostname with a dot, an address literal passes (measured on 3.7)."""
    if domain.startswith("["):
        return True
    if domain.endswith(".") and not domain.endswith(".."):
        domain = domain[:-1]
    return bool(domain) and valid_hostname(domain) and "." in domain
