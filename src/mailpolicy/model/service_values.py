"""Check the values of `tls` and `service` statements (kept apart from build.py, which is long)."""

from __future__ import annotations

import ipaddress

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.model.policy import ServiceConfig, TlsConfig
from mailpolicy.parse import statements as st
from mailpolicy.postfix.service_kinds import KINDS
from mailpolicy.source import Span


def build_tls(s: st.Tls, diagnostics: list[Diagnostic]) -> TlsConfig | None:
    """Return the TLS files, or None (with MP219) when one is not an absolute file path.

    smtpd reads them as root before it chroots (smtpd.c pre_jail_init -> tls_server_init), so
    unlike `smtpd_sasl_path` they are paths of the real file system, and must be absolute to
    mean the same file whatever the daemon's working folder is.
    """
    files = [_file(word, what, diagnostics) for word, what in
             ((s.certificate, "certificate"), (s.key, "key"), (s.chain, "chain"))]
    if None in files[:2] or (s.chain is not None and files[2] is None):
        return None
    return TlsConfig(files[0], files[1], files[2], s.span, s.key.span)


def _file(word: st.Word | None, what: str, diagnostics: list[Diagnostic]) -> str | None:
    if word is None:
        return None
    try:
        path = values.path(word.text)
    except values.ValueProblem as problem:
        diagnostics.append(cat.INVALID_TLS_FILE.at(word.span, f"the {what} file: {problem.message}", hint=problem.hint))
        return None
    if not path.startswith("/") or path.endswith("/"):
        diagnostics.append(cat.INVALID_TLS_FILE.at(
            word.span, f"the {what} file `{path}` is not an absolute file path",
            hint="smtpd reads it before it chroots: write the full path, e.g. /etc/ssl/private/mail.key"))
        return None
    return path


def build_service(s: st.Service, earlier: list[ServiceConfig], diagnostics: list[Diagnostic]) -> ServiceConfig | None:
    """Return the listener a `service` line states, or None (MP217, MP218) when it cannot be one."""
    word = s.kind.text.lower()
    if word not in KINDS:
        diagnostics.append(cat.INVALID_SERVICE.at(
            s.kind.span, f"`{s.kind.text}` is not a listener mailpolicy knows",
            hint="write `service inbound` (port 25), `service submission` (587) or `service submissions` (465)"))
        return None
    addresses = []
    for address in s.addresses:
        parsed = _listen_address(address, diagnostics)
        if parsed is None:
            return None
        addresses.append(parsed)
    service = ServiceConfig(word, tuple(addresses), s.span, _without_logins(s, word, diagnostics))
    for other in earlier:
        if other.kind == word and (not other.addresses or not addresses or set(other.addresses) & set(addresses)):
            diagnostics.append(cat.DUPLICATE_SERVICE.at(
                s.span, f"`service {word}` already listens there",
                hint="state each listener once (list several addresses on one line with `on A, B`)",
                related=(Related(other.span, "first stated here"),)))
            return None
    return service


def _without_logins(s: st.Service, word: str, diagnostics: list[Diagnostic]) -> Span | None:
    """Return where `without logins` stands, or None (with MP221 on a listener that requires a login)."""
    if s.without_logins is None or not KINDS[word].login_required:
        return s.without_logins
    diagnostics.append(cat.LOGIN_SERVICE_WITHOUT_LOGINS.at(
        s.without_logins, f"`service {word}` exists to take logins (it refuses every client that has not logged "
        "in), so without them it would take no mail at all",
        hint="remove `without logins`; it is for `service inbound` (port 25), the MX"))
    return None


def _listen_address(word: st.Word, diagnostics: list[Diagnostic]) -> str | None:
    """Return a listen address as master.cf writes it before `:port` (IPv6 in brackets)."""
    text = word.text
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        diagnostics.append(cat.INVALID_SERVICE.at(
            word.span, f"`{text}` is not an IP address to listen on",
            hint="write an IPv4 or IPv6 address of this host, e.g. `on 192.0.2.1` or `on [2001:db8::1]`"))
        return None
    return f"[{address}]" if address.version == 6 else str(address)
