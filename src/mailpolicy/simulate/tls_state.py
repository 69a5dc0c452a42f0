"""When TLS decides whether a client can log in at all.

smtpd.c activates SASL on a plain-text session only when neither smtpd_tls_auth_only nor
smtpd_enforce_tls (folded into it at startup) is set, and again after STARTTLS; with
smtpd_tls_wrappermode the whole session is TLS. A client that does TLS whenever it is offered
(as the simulated and verify's clients do) can therefore log in unless login needs TLS and smtpd
has no certificate: STARTTLS is then not announced (level none) or answered "454 4.7.0 TLS not
available due to local problem" (level may), the session stays in plain text, and AUTH answers
"503 5.5.1 Error: authentication not enabled" (measured: tests/services/test_tls_live.py).
"""

from __future__ import annotations

CERTIFICATE_PARAMETERS = ("smtpd_tls_cert_file", "smtpd_tls_chain_files", "smtpd_tls_eccert_file",
                          "smtpd_tls_dcert_file")


def login_blocked_by_tls(config) -> str | None:
    """Return why no client can log in for want of TLS, or None when one that does TLS can."""
    level = config.value("smtpd_tls_security_level").strip().lower()
    needs_tls = (config.flag("smtpd_tls_auth_only") or config.flag("smtpd_enforce_tls") or level == "encrypt"
                 or config.flag("smtpd_tls_wrappermode"))
    if not needs_tls:
        return None
    if any(config.value(name).strip() for name in CERTIFICATE_PARAMETERS):
        return None
    return "login needs TLS (smtpd_tls_auth_only) and smtpd has no certificate to offer TLS with"
