"""Plan the TLS parameters of main.cf and the master.cf services a policy states.

What each kind of listener overrides with `-o`, and why (master(5): the daemon applies each
`-o name=value` after reading main.cf, for this service alone):

- inbound (smtp, port 25): nothing. It offers STARTTLS (main.cf's `smtpd_tls_security_level =
  may`) but never requires it: RFC 3207 section 4 says a publicly referenced server must not, and
  a sender without TLS could not deliver. SASL stays enabled there, with main.cf's
  `smtpd_tls_auth_only = yes` (no AUTH before STARTTLS): with `smtpd_sasl_auth_enable = no`
  smtpd skips every reject_*sender_login_mismatch ("restriction ... ignored: no SASL support",
  smtpd_check.c generic_checks), so an anonymous client on port 25 could send as any owned
  address. Turning the login off on the MX would turn ownership off with it.
- inbound `without logins` (with a `sasl`): `smtpd_discard_ehlo_keywords=<main.cf's value>,auth`.
  EHLO then leaves AUTH out (smtpd.c ehlo_cmd) and AUTH answers "503 5.5.1 Error: authentication
  not enabled" (smtpd_sasl_proto.c smtpd_sasl_auth_cmd), as with SASL off, while SASL stays on, so
  smtpd_check.c (which tests var_smtpd_sasl_enable, not the discard mask) still refuses an
  anonymous client an owned sender. The `-o` replaces main.cf's value, so it carries the keywords
  a `set smtpd_discard_ehlo_keywords` gives main.cf (measured: tests/services/test_no_logins_live.py).
  Without a `sasl` no service takes logins and nothing is written (MP222).
- submission (587): `smtpd_tls_security_level=encrypt` (smtpd refuses MAIL before STARTTLS:
  "530 5.7.0 Must issue a STARTTLS command first", smtpd.c), `smtpd_tls_auth_only=yes` (AUTH is
  announced only once TLS is up, smtpd.c ehlo_cmd), `smtpd_sasl_auth_enable=yes` and
  `smtpd_client_restrictions=permit_sasl_authenticated,reject` (RFC 6409 section 4.3: the MSA
  requires authentication; with smtpd_delay_reject = yes the client list runs at RCPT TO, so
  the reject comes with the envelope, as smtpd_check.c's other lists do).
- submissions (465): `smtpd_tls_wrappermode=yes` (TLS from the first byte, RFC 8314 section
  3.3) and the same login rules as submission.
Each also sets `syslog_name`, so its log lines say which listener they came from.
"""

from __future__ import annotations

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.model import values
from mailpolicy.model.policy import Policy, ServiceConfig
from mailpolicy.plan.model import ConfigPlan, Parameter
from mailpolicy.plan.restrictions import service_data_restrictions, service_sender_restrictions
from mailpolicy.postfix.service_kinds import DECISIVE_PARAMETERS, INBOUND, KINDS, Kind
from mailpolicy.simulate.tls_state import discard_words
from mailpolicy.source import Span

# The protocol floor: RFC 9325 (BCP 195, 2022) section 3.1.1: "Implementations MUST NOT negotiate
# TLS version 1.1" (nor 1.0, nor SSL), and TLS 1.2 "MUST" be supported; Mozilla's server-side TLS
# "intermediate" profile (v5.7) says the same. Postfix >= 3.6 writes it as `>=TLSv1.2`
# (postconf(5) smtpd_tls_protocols); earlier releases only know the exclusion form.
MODERN_PROTOCOLS = ">=TLSv1.2"
EXCLUDED_PROTOCOLS = "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
# The cipher floor: RFC 9325 section 4.1 ("MUST NOT negotiate the NULL cipher suites", RC4,
# suites under 112 bits, and "SHOULD NOT" under 128 bits). Postfix's `high` grade is OpenSSL's
# HIGH set (tls_high_cipherlist: "aNULL:-aNULL:HIGH:@STRENGTH"): 128 bits and more, no export,
# no RC4, no NULL encryption. It holds every suite of Mozilla's "intermediate" list.
CIPHER_GRADE = "high"
DISCARD_KEYWORDS = "smtpd_discard_ehlo_keywords"


@frozen
class Override:
    """One `-o name=value` of a service, and why the service needs it."""

    name: str
    value: str
    reason: str
    span: Span | None = None  # the statement that decided it, when not the `service` line


@frozen
class ServicePlan:
    """One master.cf smtpd service: its kind, where it listens, chroot column, and `-o` overrides."""

    kind: Kind
    addresses: tuple[str, ...]
    chroot: bool
    overrides: tuple[Override, ...]
    span: Span

    @property
    def word(self) -> str:
        return self.kind.word

    def endpoints(self) -> tuple[str, ...]:
        """Return master.cf's first column for each listen address (`smtp`, `192.0.2.1:submission`)."""
        if not self.addresses:
            return (self.kind.service,)
        return tuple(f"{address}:{self.kind.service}" for address in self.addresses)

    def override(self, name: str) -> str | None:
        return next((o.value for o in reversed(self.overrides) if o.name == name), None)


# The parameters the tls and service statements decide; a `set` of one is refused (MP355) while
# the policy states `tls` or a `service`.
TLS_MANAGED = (
    "smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_chain_files", "smtpd_tls_security_level",
    "smtpd_tls_auth_only", "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols", "smtpd_tls_ciphers",
    "smtpd_tls_mandatory_ciphers", "smtpd_tls_wrappermode", "smtpd_enforce_tls", "smtpd_use_tls",
)


# What a stated service decides in master.cf beyond main.cf: the overrides that decide relaying,
# logins and TLS, and the log name. import recognises a service by them and diff compares them.
SERVICE_DECIDED = DECISIVE_PARAMETERS | {"syslog_name", *TLS_MANAGED}


def tls_parameters(policy: Policy) -> list[Parameter]:
    """Return the main.cf TLS parameters of a policy's `tls` and `service` statements."""
    params = []
    if policy.sasl is not None and (policy.tls is not None or policy.services):
        decided = policy.tls or policy.services[0]
        params.append(Parameter("smtpd_tls_auth_only", "yes",
                                "AUTH is offered only after STARTTLS, on every smtpd service (a password never "
                                "crosses in clear)", decided.span,
                                statement="tls" if policy.tls else f"service {policy.services[0].kind}"))
    tls = policy.tls
    if tls is None:
        return params
    cite = {"source": tls.span, "statement": "tls"}
    if tls.chain is not None:
        # postconf(5) smtpd_tls_chain_files (Postfix >= 3.4): "each holding one or more private
        # keys directly followed by a corresponding certificate chain", read as if concatenated.
        params.append(Parameter("smtpd_tls_chain_files", f"{tls.key}, {tls.certificate}, {tls.chain}",
                                "the private key, then the certificate and its chain", **cite))
    else:
        params.append(Parameter("smtpd_tls_cert_file", tls.certificate,
                                "this server's certificate (and any intermediates after it)", **cite))
        params.append(Parameter("smtpd_tls_key_file", tls.key, "its private key", **cite))
    params.append(Parameter("smtpd_tls_security_level", "may",
                            "STARTTLS offered, never required: servers that cannot speak TLS still deliver "
                            "on port 25 (RFC 3207 section 4)", **cite))
    modern = values.version_tuple(policy.version.value) >= (3, 6)
    protocols = MODERN_PROTOCOLS if modern else EXCLUDED_PROTOCOLS
    for name in ("smtpd_tls_protocols", "smtpd_tls_mandatory_protocols"):
        params.append(Parameter(name, protocols, "TLS 1.2 or later (RFC 9325 section 3.1.1)", **cite))
    for name in ("smtpd_tls_ciphers", "smtpd_tls_mandatory_ciphers"):
        params.append(Parameter(name, CIPHER_GRADE, "no NULL, RC4, export or sub-128-bit ciphers "
                                "(RFC 9325 section 4.1)", **cite))
    return params


def plan_services(policy: Policy) -> tuple[ServicePlan, ...]:
    """Return the master.cf services the policy states, in the fixed order inbound, submission, submissions."""
    order = list(KINDS)
    chosen = sorted(policy.services, key=lambda s: order.index(s.kind))
    chroot = policy.chroot.value is not None
    return tuple(ServicePlan(KINDS[s.kind], s.addresses, chroot,
                             kind_overrides(KINDS[s.kind]) + _no_logins(policy, s) + _sender_checks(policy, s.kind),
                             s.span)
                 for s in chosen)


def _no_logins(policy: Policy, service: ServiceConfig) -> tuple[Override, ...]:
    """Return the override that turns AUTH off on a `without logins` service (see the module's docstring)."""
    if service.without_logins is None or policy.sasl is None:
        return ()
    return (Override("smtpd_discard_ehlo_keywords", no_logins_keywords(policy.settings),
                     "`without logins`: EHLO offers no AUTH and AUTH is refused (503), while SASL stays on so "
                     "ownership is still checked"),)


def no_logins_keywords(settings) -> str:
    """Return main.cf's smtpd_discard_ehlo_keywords (a `set` line's, else none) with `auth` added."""
    stated = next((s.value for s in reversed(settings) if s.name == DISCARD_KEYWORDS), "")
    return with_auth(stated)


def with_auth(keywords: str) -> str:
    """Return a smtpd_discard_ehlo_keywords value as one -o word (no spaces), `auth` added if missing."""
    words = discard_words(keywords)
    return ",".join(words if "auth" in words else [*words, "auth"])


def _sender_checks(policy: Policy, kind: str) -> tuple[Override, ...]:
    """Return the service's own sender and data lists, when `refuse senders`/`allow forged senders ... on KIND` say so."""
    found = []
    value = service_sender_restrictions(policy, kind)
    if value is not None:
        said = (f"`allow forged senders ... on {kind}`: this listener's own login check"
                if policy.forgery_of(kind) else f"`refuse senders ... on {kind}`: this listener's own checks")
        forgery = policy.forgery_of(kind)
        found.append(Override("smtpd_sender_restrictions", value, f"{said}, after ownership" if forgery is None
                              else said, forgery.span if forgery is not None else None))
    value = service_data_restrictions(policy, kind)
    if value is not None:
        found.append(Override("smtpd_data_restrictions", value,
                              f"`allow forged senders ... on {kind}`: this listener's login check again at DATA "
                              "(mail to the bare postmaster)", policy.forgery_of(kind).span))
    return tuple(found)


def kind_overrides(kind: Kind) -> tuple[Override, ...]:
    """Return the `-o` overrides every service of a kind is written with (import recognises them)."""
    if kind.word == INBOUND:
        return ()  # main.cf's settings are the MX's (see the module's docstring)
    found = [Override("syslog_name", f"postfix/{kind.service}", "log lines name this listener")]
    if kind.implicit_tls:
        found.append(Override("smtpd_tls_wrappermode", "yes", "TLS from the first byte (RFC 8314)"))
    else:
        found.append(Override("smtpd_tls_security_level", "encrypt", "no mail before STARTTLS"))
        found.append(Override("smtpd_tls_auth_only", "yes", "AUTH only after STARTTLS"))
    found.append(Override("smtpd_sasl_auth_enable", "yes", "users log in here"))
    found.append(Override("smtpd_client_restrictions", "permit_sasl_authenticated,reject",
                          "login required to send (RFC 6409 section 4.3)"))
    return tuple(found)


def service_plan(plan: ConfigPlan, service: ServicePlan) -> ConfigPlan:
    """Return the parameters one service runs with: main.cf's, then its `-o` overrides (the last wins).

    master(8) hands each `-o` to the daemon, which applies it after main.cf (mail_conf.c
    mail_conf_read, then the -o settings), so `$name` in either is expanded against the result:
    the simulator's Config expands them the same way when it reads this plan.
    """
    replaced = {o.name: Parameter(o.name, o.value, f"{o.reason} (master.cf -o of service {service.word})",
                                  o.span or service.span, managed=True, statement=f"service {service.word}")
                for o in service.overrides}
    kept = tuple(p for p in plan.parameters if p.name not in replaced)
    # services=(): the result is one smtpd's view, not a policy with listeners of its own.
    return attrs.evolve(plan, parameters=kept + tuple(replaced.values()), services=())
