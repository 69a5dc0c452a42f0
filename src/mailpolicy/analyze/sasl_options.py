"""Check SASL security options: dropping `noanonymous` matters only to a login named `anonymous`.

smtpd_sasl_security_options defaults to `noanonymous` (postconf(5)); a `set` replaces the whole
value, so `set smtpd_sasl_security_options = noplaintext` offers the ANONYMOUS mechanism (Debian's
libsasl2-modules ships it for Cyrus). A client may then log in without a password, but smtpd
never treats that as authenticated for relaying: permit_sasl_authenticated is
`permit_sasl_auth()` in src/smtpd/smtpd_sasl_proto.c, which permits only when the method is not
"anonymous". What the anonymous client does get is the login name Cyrus and Dovecot give it,
`anonymous`: reject_sender_login_mismatch then lets it use the addresses that login owns, and
refuses every other address ("not owned by user anonymous"), even unowned ones. Measured on
Postfix 3.7.11 with Cyrus and `noplaintext` (tests/e2e/test_sasl_anonymous_live.py): AUTH
ANONYMOUS 235, RCPT to a remote domain 554 Relay access denied, an address owned by `jim` 553,
an address owned by `anonymous` accepted.

So MP322 is an error only when the options drop noanonymous and a login named `anonymous` (any
case) owns an address: anyone could send as it. smtpd_sasl_tls_security_options defaults to
$smtpd_sasl_security_options and is checked the same way when set.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import split_words

SECURITY_OPTIONS = ("smtpd_sasl_security_options", "smtpd_sasl_tls_security_options")
# The login name an ANONYMOUS SASL client gets from Cyrus (its anonymous plugin) and Dovecot
# (anonymous_username's default).
ANONYMOUS_LOGIN = "anonymous"


def check_sasl_security_options(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse SASL security options that drop `noanonymous` when a login named `anonymous` owns an address."""
    for setting in ctx.policy.settings:
        if setting.name not in SECURITY_OPTIONS:
            continue
        words = [w.lower() for w in split_words(setting.value)]
        if "noanonymous" in words or any(w.startswith("$") for w in words):
            continue  # a $-reference is expanded and checked where it is set
        owned = _owned_by_anonymous(ctx)
        if owned is None:
            continue  # permit_sasl_auth never permits the anonymous method; it owns nothing
        yield cat.SASL_ANONYMOUS.at(
            setting.value_span, f"{setting.name} = {setting.value} drops noanonymous: a client logging in with "
                                f"AUTH ANONYMOUS, no password, is the login `{ANONYMOUS_LOGIN}`, which owns <{owned}>, "
                                "so anyone may send as it",
            hint=f"add noanonymous: `set {setting.name} = noanonymous"
                 + (f", {setting.value}`" if setting.value else "`")
                 + f", or give the addresses of `{ANONYMOUS_LOGIN}` to a login with a password")


def _owned_by_anonymous(ctx: AnalysisContext) -> str | None:
    """Return an address a login named `anonymous` owns, or None."""
    table = ctx.plan.sender_map
    if table is None:
        return None
    for key, owners in table.owners.items():
        if ANONYMOUS_LOGIN in owners.lower() and ANONYMOUS_LOGIN in (o.lower() for o in owners.split(", ")):
            return key if not key.startswith("@") else "anyone" + key
    return None
