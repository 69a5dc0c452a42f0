"""When TLS decides whether a client can log in at all, read from any parameter lookup.

smtpd.c activates SASL on a plain-text session only when neither smtpd_tls_auth_only nor
smtpd_enforce_tls (folded into it at startup) is set, and again after STARTTLS; with
smtpd_tls_wrappermode the whole session is TLS. A client that does TLS whenever it is offered
(as the simulated and verify's clients do) can therefore log in unless login needs TLS and smtpd
has no certificate: STARTTLS is then not announced (level none) or answered "454 4.7.0 TLS not
available due to local problem" (level may), the session stays in plain text, and AUTH answers
"503 5.5.1 Error: authentication not enabled" (measured: tests/services/test_tls_live.py).

Each function takes `value(name) -> str`, the effective (expanded) value of a parameter, so the
compiled policy's services (plan/service_views.py), the simulator's Config and a deployed
service (audit/tls.py) answer the same questions with the same rules.
"""

from __future__ import annotations

from typing import Callable

Lookup = Callable[[str], str]

CERTIFICATE_PARAMETERS = ("smtpd_tls_cert_file", "smtpd_tls_chain_files", "smtpd_tls_eccert_file",
                          "smtpd_tls_dcert_file")


def flag(value: Lookup, name: str) -> bool:
    """Return a yes/no parameter as Postfix reads it (yes/true in any case)."""
    return value(name).strip().lower() in ("yes", "true")


def tls_level(value: Lookup) -> str:
    """Return the effective smtpd_tls_security_level: when it is empty, smtpd.c derives it from the
    older smtpd_enforce_tls (encrypt) and smtpd_use_tls (may)."""
    level = value("smtpd_tls_security_level").strip().lower()
    if level:
        return level
    if flag(value, "smtpd_enforce_tls"):
        return "encrypt"
    return "may" if flag(value, "smtpd_use_tls") else ""


def implicit_tls(value: Lookup) -> bool:
    return flag(value, "smtpd_tls_wrappermode")


def login_needs_tls(value: Lookup) -> bool:
    """Tell whether smtpd announces and accepts AUTH only inside TLS."""
    return (implicit_tls(value) or flag(value, "smtpd_tls_auth_only") or tls_level(value) == "encrypt"
            or flag(value, "smtpd_enforce_tls"))


def auth_discarded(value: Lookup) -> bool:
    """Tell whether smtpd_discard_ehlo_keywords takes AUTH away from every client (`without logins`).

    smtpd.c ehlo_cmd leaves AUTH out of EHLO when the discard mask holds `auth` (ehlo_mask.c: the
    names in any case, unknown ones ignored), and smtpd_sasl_proto.c smtpd_sasl_auth_cmd then answers
    AUTH "503 5.5.1 Error: authentication not enabled", the same as with SASL off; SASL itself stays
    on, so the login checks of smtpd_check.c still run (measured: tests/services/test_no_logins_live.py).
    With smtpd_discard_ehlo_keyword_address_maps a client the map finds gets the map's words
    instead (smtpd.c smtpd_proto), so there the answer is "not for every client": False.
    `XCLIENT LOGIN=` is not AUTH: smtpd.c xclient_cmd logs an authorized client in whatever the
    mask says, so the simulator's XCLIENT pose (Request.xclient) is not refused by it.
    """
    if value("smtpd_discard_ehlo_keyword_address_maps").strip():
        return False
    return "auth" in discard_words(value("smtpd_discard_ehlo_keywords"))


def discard_words(text: str) -> list[str]:
    """Return the keywords of a smtpd_discard_ehlo_keywords value, lower case, in order (ehlo_mask.c)."""
    return [word.lower() for word in text.replace(",", " ").split()]


def login_offered(value: Lookup) -> bool:
    """Tell whether smtpd takes AUTH at all (perhaps only inside TLS): SASL on and `auth` not discarded."""
    return flag(value, "smtpd_sasl_auth_enable") and not auth_discarded(value)


def has_certificate(value: Lookup) -> bool:
    return any(value(name).strip() for name in CERTIFICATE_PARAMETERS)


def login_blocked_by_tls(config) -> str | None:
    """Return why no client can log in for want of TLS, or None when one that does TLS can."""
    if not login_needs_tls(config.value) or has_certificate(config.value):
        return None
    return "login needs TLS (smtpd_tls_auth_only) and smtpd has no certificate to offer TLS with"
