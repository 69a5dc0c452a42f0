"""A `proxy:` login map that proxymap(8) will not serve (MP339): smtpd stops at every connection.

smtpd opens a `proxy:TYPE:NAME` table through proxymap, which serves only the tables its
proxy_read_maps approves (src/proxymap/proxymap.c, v3.7.11, authorize_proxied_maps()): each word of
the expanded value that starts with `proxy:` approves the table after its `proxy:` prefixes; a
request for any other table is "unapproved", and smtpd's lookup stops it with "fatal: proxymap
service is not configured for table" at every connection (measured: tests/e2e/test_owner_maps_live.py,
which audits the same main.cf too).

proxy_read_maps is proxymap's parameter, read from main.cf (and the proxymap service's own master.cf
`-o`), never from an smtpd service's `-o`: its default names $smtpd_sender_login_maps as main.cf
sets it, so an smtpd service whose `-o smtpd_sender_login_maps` names another `proxy:` map is
refused too (the host gives the value as proxymap reads it: `Host.proxymap_parameter`). A value
with a `{...}` group (a nested pipemap/unionmap, which proxymap reads on its own) or a /file
(ignored by 3.7.11, read by later versions) is left alone: no guess.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.table_refs import table_ref, through_proxy
from mailpolicy.source import Span

LOGIN_MAPS = "smtpd_sender_login_maps"
APPROVING = "proxy_read_maps"


def check_proxy_maps(host: Host) -> Iterator[Diagnostic]:
    """Report each `proxy:` login map a service names that proxymap's proxy_read_maps leaves out."""
    approval = ProxyApproval(host)
    return host.per_service(lambda service: _refused(service, approval))


class ProxyApproval:
    """The tables proxymap serves, read from the host on first need (most configurations proxy nothing)."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._read = False
        self.tables: frozenset[str] | None = None  # None: the value cannot be judged
        self.span: Span | None = None              # the line that set proxy_read_maps (None: the default)

    def unapproved(self, service: Service) -> list[str]:
        """Return the service's `proxy:` login maps proxymap refuses, as written."""
        proxied = [word for word in service.model().config.words(LOGIN_MAPS) if _proxied(word) is not None]
        if not proxied:
            return []
        if not self._read:
            self._read = True
            value, self.span = self._host.proxymap_parameter(APPROVING)
            self.tables = _approved(value)
        if self.tables is None:
            return []
        return [word for word in proxied if _proxied(word) not in self.tables]


def _refused(service: Service, approval: ProxyApproval) -> Iterator[Diagnostic]:
    for word in approval.unapproved(service):
        if approval.span is not None:
            span, hint = approval.span, ("keep $smtpd_sender_login_maps in proxy_read_maps (its default), or drop "
                                         "proxy: from the map")
        else:
            # The default approves main.cf's login maps only: this one is a service's own.
            span = service.element_span(LOGIN_MAPS, word) or service.fallback_span()
            hint = ("add it to proxy_read_maps in main.cf (proxymap reads main.cf, not this service's settings), "
                    "or drop proxy: from the map")
        yield cat.PROXY_MAP_NOT_APPROVED.at(
            span, f"proxy_read_maps does not list {word}: proxymap refuses the login map, and smtpd stops "
                  "at every connection (\"proxymap service is not configured for table\")", hint=hint)


def _proxied(word: str) -> str | None:
    """Return the table a `proxy:` reference asks proxymap for, after every `proxy:` (None: not proxied)."""
    if not through_proxy(word):
        return None
    opened = table_ref(word)
    return str(opened) if opened is not None else None


def _approved(value: str | None) -> frozenset[str] | None:
    """Return the tables an expanded proxy_read_maps approves; None for a value not judged here."""
    if value is None:
        return None  # a value Postfix cannot expand: MP708 reports it
    words = split_words(value)
    if any(w.startswith("/") or "{" in w or "(" in w for w in words):
        return None
    return frozenset(table for table in map(_proxied, words) if table is not None)
