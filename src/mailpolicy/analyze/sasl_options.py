"""Check SASL security options: replacing them must keep `noanonymous`.

smtpd_sasl_security_options defaults to `noanonymous` (postconf(5)); a `set` replaces the whole
value, so `set smtpd_sasl_security_options = noplaintext` silently allows the ANONYMOUS mechanism
(Debian's libsasl2-modules ships it for Cyrus). An anonymous SASL login counts as authenticated,
so permit_sasl_authenticated would let anybody relay. smtpd_sasl_tls_security_options defaults to
$smtpd_sasl_security_options and is checked the same way when set.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import split_words

SECURITY_OPTIONS = ("smtpd_sasl_security_options", "smtpd_sasl_tls_security_options")


def check_sasl_security_options(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse SASL security options that drop `noanonymous`."""
    for setting in ctx.policy.settings:
        if setting.name not in SECURITY_OPTIONS:
            continue
        words = [w.lower() for w in split_words(setting.value)]
        if "noanonymous" in words or any(w.startswith("$") for w in words):
            continue  # a $-reference is expanded and checked where it is set
        yield cat.SASL_ANONYMOUS.at(
            setting.value_span, f"{setting.name} = {setting.value} drops noanonymous: an anonymous SASL login "
                                "would count as authenticated, and permit_sasl_authenticated would let it relay",
            hint=f"add noanonymous: `set {setting.name} = noanonymous"
                 + (f", {setting.value}`" if setting.value else "`"))
