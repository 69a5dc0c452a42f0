"""Restrictions smtpd skips because the service does not offer SASL (MP337).

src/smtpd/smtpd_check.c (generic_checks, Postfix 3.7): check_sasl_access and the four
reject_*_sender_login_mismatch restrictions run only `if (var_smtpd_sasl_enable)`; otherwise
smtpd logs "restriction `NAME' ignored: no SASL support" and goes on to the next entry, as if the
entry were not written. reject_sender_login_mismatch is a built-in class of two of them
(smtpd_check.c smtpd_check_init: reject_authenticated_sender_login_mismatch and
reject_unauthenticated_sender_login_mismatch), so it logs both names. permit_sasl_authenticated
is skipped without a word (it can only permit a login, and there is none), so it is not reported.
Shown on Postfix 3.7.11 by tests/corpus/test_realworld_live.py: with smtpd_sasl_auth_enable = no
the log line appears and an anonymous client sends as an address the login map gives an owner.

The finding is a warning where the entry would have refused anonymous clients an owned address
("not logged in"): Postfix runs, but the entry protects nothing on this service. For the entries
that concern logged-in clients only (check_sasl_access, reject_authenticated_sender_login_mismatch)
nothing is lost but a log line per use, so it is a note (mailcow's and Mail-in-a-Box's port 25).
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.diagnostics import Diagnostic, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import ANONYMOUS_LOGIN_CHECKS, LOGIN_MISMATCH_CHECKS, entries

# smtpd_check.c smtpd_check_init: reject_sender_login_mismatch is a class of these two, each logged.
LOGGED_AS = {"reject_sender_login_mismatch": ("reject_authenticated_sender_login_mismatch",
                                              "reject_unauthenticated_sender_login_mismatch")}
# smtpd_check.c: the restrictions guarded by `if (var_smtpd_sasl_enable)` with the warning: every
# login check and check_sasl_access.
IGNORED_WITHOUT_SASL = LOGIN_MISMATCH_CHECKS | {"check_sasl_access"}


def check_no_sasl_support(host: Host) -> Iterator[Diagnostic]:
    """Report each restriction smtpd ignores on a service whose SASL is off."""
    return host.per_service(_ignored)


def _ignored(service: Service) -> Iterator[Diagnostic]:
    model = service.model()
    if model.sasl_enabled or model.fatal:
        return
    for parameter, words in model.lists.items():
        for entry in entries(words):
            if entry.name not in IGNORED_WITHOUT_SASL:
                continue
            span = service.entry_span(parameter, entry.position) or service.fallback_span()
            logged = " and ".join(f"\"restriction `{name}' ignored: no SASL support\""
                                  for name in LOGGED_AS.get(entry.name, (entry.name,)))
            # Those that also refuse an anonymous client an owned address protect nothing here (a
            # warning); the others concern logged-in clients only, of which there are none (a note).
            if entry.name in ANONYMOUS_LOGIN_CHECKS:
                yield cat.IGNORED_WITHOUT_SASL.at(
                    span, f"{entry.name} in {parameter} does nothing here: smtpd_sasl_auth_enable is off, so smtpd "
                          f"skips it (logging {logged}) and an anonymous client may use an address "
                          "smtpd_sender_login_maps gives an owner",
                    hint="turn SASL on for this service (smtpd_sasl_auth_enable = yes; in a policy, a `sasl` statement), "
                         "or remove the entry")
            else:
                yield cat.IGNORED_WITHOUT_SASL.at(
                    span, f"{entry.name} in {parameter} is skipped: smtpd_sasl_auth_enable is off, so no client "
                          f"logs in here and smtpd logs {logged} each time it gets there",
                    hint="remove the entry from this service's list (it only concerns logged-in clients)",
                    severity=Severity.NOTE)
