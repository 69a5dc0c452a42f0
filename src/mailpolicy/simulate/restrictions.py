"""One evaluator per SMTP access restriction, each saying what postconf(5) says it does.

Replies are Postfix 3.7's, measured against a real smtpd where the comment says so. Restrictions
whose answer lives in DNS (RBLs, unknown domains) or in a policy server offer every answer they
could give through `ctx.choose`, the "not listed / not found" answer first; the decision then
says DEPENDS when the answers disagree. Simplifications, each also noted where it is made:
clients present no TLS certificate and talk plaintext; a verified client name is
`request.client_name`; address verification and policy servers are never consulted.
"""

from __future__ import annotations

from mailpolicy.simulate.access import ACCESS, access_outcomes
from mailpolicy.simulate.context import (
    DEFER_IF_PERMIT, DEFER_IF_REJECT, RECIPIENT, SENDER, WARN_IF_REJECT,
    Context, Outcome, Step, dunno, permit, reject,
)
from mailpolicy.simulate.address import fully_qualified, split_address, unquote, valid_address_literal, valid_hostname
from mailpolicy.simulate.logins import sender_login_mismatch
from mailpolicy.simulate.matchlist import BAD_PATTERN, match_interfaces
from mailpolicy.simulate.lookup import UNKNOWN
from mailpolicy.simulate.recipients import unlisted
from mailpolicy.simulate.registry import EVALUATORS, READS, restriction

# --- generic ----------------------------------------------------------------------------------

@restriction("permit")
def _permit(ctx: Context, step: Step) -> Outcome:
    # "Permit the request. This restriction is useful at the end of a restriction list."
    return permit("permits every request")


@restriction("reject")
def _reject(ctx: Context, step: Step) -> Outcome:
    # "Reject the request ... The reject_code configuration parameter specifies the response
    # code (default: 554)." Measured: 554 5.7.1 <name>: Recipient address rejected: Access denied
    code = ctx.config.value("reject_code").strip() or "554"
    return reject(ctx.reply(code, "5.7.1", f"<{step.reply_name}>: {step.reply_class} rejected: Access denied"),
                  "rejects every request")


@restriction("defer")
def _defer(ctx: Context, step: Step) -> Outcome:
    # "Defer the request ... defer_code (default: 450)". Measured: 450 4.3.2 ... Try again later
    code = ctx.config.value("defer_code").strip() or "450"
    return reject(ctx.reply(code, "4.3.2", f"<{step.reply_name}>: {step.reply_class} rejected: Try again later"),
                  "defers every request")


@restriction("defer_if_permit", "defer_if_reject")
def _defer_if(ctx: Context, step: Step) -> Outcome:
    # "Defer the request if some later restriction would result in an explicit or implicit
    # PERMIT [REJECT] action." Measured: 450 4.7.0 <name>: ... rejected: defer_if_permit requested
    code = ctx.config.value("defer_code").strip() or "450"
    kind = DEFER_IF_PERMIT if step.name == "defer_if_permit" else DEFER_IF_REJECT
    return Outcome(kind, ctx.reply(code, "4.7.0", f"<{step.reply_name}>: {step.reply_class} rejected: "
                                               f"{step.name} requested"))


@restriction("warn_if_reject")
def _warn_if_reject(ctx: Context, step: Step) -> Outcome:
    # "When warn_if_reject is placed before a reject-type restriction ... this logs a
    # reject_warning message instead of rejecting a request."
    return Outcome(WARN_IF_REJECT, note="the next rejection only logs a warning")


@restriction("reject_unauth_pipelining", "reject_multi_recipient_bounce", "sleep", "permit_tls_clientcerts",
             "permit_tls_all_clientcerts", "check_ccert_access")
def _no_effect(ctx: Context, step: Step) -> Outcome:
    # Pipelining is a property of the session, not of one request; a bounce with one recipient
    # is not multi-recipient; `sleep` only pauses; the model's clients send no TLS certificate.
    return dunno("no effect on a single, certificate-less request")


@restriction("reject_plaintext_session")
def _plaintext(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the connection is not encrypted ... plaintext_reject_code
    # (default: 450)". The model's sessions are plaintext. Measured: 450 4.7.1 Session encryption is required
    code = ctx.config.value("plaintext_reject_code").strip() or "450"
    return reject(ctx.reply(code, "4.7.1", "Session encryption is required"), "the session is not encrypted")


@restriction("check_policy_service", reads="all")
def _policy_service(ctx: Context, step: Step) -> Outcome:
    # "Query the specified policy server": its answer is not known here.
    return ctx.choose(f"policy server {step.argument}", access_outcomes(ctx, step))


# --- client -----------------------------------------------------------------------------------

@restriction("permit_mynetworks", reads="client")
def _permit_mynetworks(ctx: Context, step: Step) -> Outcome:
    # "Permit the request when the client IP address matches any network or network address
    # listed in $mynetworks."
    found = ctx.model.client_list("mynetworks").match(ctx.request.client_address, ctx.request.client_name,
                                                      ctx.model.tables)
    where = ("mynetworks",)
    if found is BAD_PATTERN:
        return reject(ctx.reply("451", "4.3.0", f"<{step.reply_name}>: Temporary lookup failure"),
                      "mynetworks holds a network with host bits set; Postfix cannot use it", where)
    if found is UNKNOWN:
        return ctx.choose("mynetworks tables", (dunno("not in mynetworks", where), permit("in mynetworks", where)))
    if found:
        return permit(f"{ctx.request.client_address} is in mynetworks", where)
    return dunno(f"{ctx.request.client_address} is not in mynetworks", where)


@restriction("permit_inet_interfaces", reads="client")
def _permit_inet_interfaces(ctx: Context, step: Step) -> Outcome:
    # "Permit the request when the client IP address matches $inet_interfaces."
    addresses = tuple(a for a, _ in ctx.config.host.interfaces)
    if match_interfaces(ctx.config.words("inet_interfaces"), ctx.request.client_address, addresses):
        return permit("the client is this host", ("inet_interfaces",))
    return dunno("the client is not this host", ("inet_interfaces",))


@restriction("permit_sasl_authenticated", reads="login")
def _permit_sasl_authenticated(ctx: Context, step: Step) -> Outcome:
    # "Permit the request when the client is successfully authenticated via the RFC 4954 (AUTH)
    # protocol." With smtpd_sasl_auth_enable = no nobody is.
    if ctx.login:
        return permit(f"logged in as {ctx.login}", ("smtpd_sasl_auth_enable",))
    return dunno("not logged in")


@restriction("reject_unknown_client_hostname", "reject_unknown_client", "reject_unknown_reverse_client_hostname",
             reads="client")
def _unknown_client(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when 1) the client IP address->name mapping fails ..." The reply is
    # always 450 when the lookup failed temporarily. The verified name is the request's.
    if ctx.request.client_name != "unknown":
        return dunno(f"the client has the name {ctx.request.client_name}")
    code = ctx.config.value("unknown_client_reject_code").strip() or "450"
    # Measured: 450 4.7.25 ... cannot find your hostname, [ip]; 450 4.7.1 ... your reverse hostname
    what, dsn = ("reverse hostname", "4.7.1") if "reverse" in step.name else ("hostname", "4.7.25")
    return reject(ctx.reply(code, dsn, f"Client host rejected: cannot find your {what}, "
                                       f"[{ctx.request.client_address}]"), "the client has no name in DNS")


@restriction("reject_rbl_client", "reject_rhsbl_client", "reject_rhsbl_reverse_client", "reject_rbl", reads="client")
def _rbl(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the reversed client network address is listed ... under
    # rbl_domain ... maps_rbl_reject_code (default: 554), default_rbl_reply". DNS decides.
    # reject_rbl is reject_rbl_client's Postfix 2.0 name, still accepted by 3.7 (restrictions.json).
    code = ctx.config.value("maps_rbl_reject_code").strip() or "554"
    what = ctx.request.client_address
    listed = reject(ctx.reply(code, "5.7.1", f"Service unavailable; {step.reply_class} [{what}] blocked using "
                                             f"{step.argument}"), f"listed by {step.argument}")
    return ctx.choose(f"DNS list {step.argument}", (dunno(f"not listed by {step.argument}"), listed))


READS.update(reject_rhsbl_helo="helo", reject_rhsbl_recipient="recipient")
for _name in ("reject_rhsbl_helo", "reject_rhsbl_recipient"):
    EVALUATORS[_name] = _rbl


@restriction("reject_rhsbl_sender", reads="sender")
def _rhsbl_sender(ctx: Context, step: Step) -> Outcome:
    # smtpd_check.c generic_checks: `if (state->sender && *state->sender) status =
    # reject_rbl_domain(state, *cpp, state->sender, SMTPD_NAME_SENDER)`: the null sender is never
    # looked up. rbl_reject_reply: $rbl_what is the sender address, $rbl_domain the list without
    # its `=filter` (split_at '='). DNS decides whether the list lists the sender's domain.
    sender = ctx.request.sender
    if not ctx.has("sender") or not sender:
        return dunno("the null sender is not looked up")
    code = ctx.config.value("maps_rbl_reject_code").strip() or "554"
    zone = step.argument.partition("=")[0]
    listed = reject(ctx.reply(code, "5.7.1", f"Service unavailable; {step.reply_class} [{unquote(sender)}] "
                                             f"blocked using {zone}"), f"listed by {step.argument}")
    return ctx.choose(f"DNS list {step.argument}", (dunno(f"not listed by {step.argument}"), listed))


@restriction("permit_dnswl_client", "permit_rhswl_client", reads="client")
def _dnswl(ctx: Context, step: Step) -> Outcome:
    # "For safety, permit_dnswl_client is silently ignored when it would override
    # reject_unauth_destination."
    if ctx.has("recipient") and not ctx.resolve(ctx.request.recipient).authorized:
        return dunno("ignored: it would override reject_unauth_destination")
    return ctx.choose(f"DNS list {step.argument}", (dunno(f"not listed by {step.argument}"),
                                                     permit(f"listed by {step.argument}")))


@restriction("reject_maps_rbl", reads="client")
def _maps_rbl(ctx: Context, step: Step) -> Outcome:
    # Obsolete form of reject_rbl_client for every domain in $maps_rbl_domains (removed in 3.9).
    domains = ctx.config.words("maps_rbl_domains")
    if not domains:
        return dunno("maps_rbl_domains is empty")
    return _rbl(ctx, Step(step.name, " ".join(domains), step.parameter, step.position, step.reply_name,
                          step.reply_class))


# --- HELO -------------------------------------------------------------------------------------

@restriction("reject_non_fqdn_helo_hostname", "reject_non_fqdn_hostname", reads="helo")
def _non_fqdn_helo(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the HELO or EHLO hostname is not in fully-qualified domain form
    # ... non_fqdn_reject_code (default: 504)". Measured: `1.2.3.4` and `client` are refused,
    # `[1.2.3.4]` and `x.test.` are not.
    helo = ctx.request.helo
    if not ctx.has("helo") or fully_qualified(helo):
        return dunno("the HELO name is fully qualified")
    code = ctx.config.value("non_fqdn_reject_code").strip() or "504"
    return reject(ctx.reply(code, "5.5.2", f"<{helo}>: Helo command rejected: need fully-qualified hostname"),
                  "the HELO name is not fully qualified")


@restriction("reject_invalid_helo_hostname", "reject_invalid_hostname", reads="helo")
def _invalid_helo(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the HELO or EHLO hostname is malformed ...
    # invalid_hostname_reject_code (default: 501)". Measured: `a..b` and `-x.test` are refused
    # ("Invalid name"), `[bad]` too ("invalid ip address"); `x`, `x_y` and `1.2.3.4` pass.
    helo = ctx.request.helo
    if not ctx.has("helo"):
        return dunno()
    code = ctx.config.value("invalid_hostname_reject_code").strip() or "501"
    if helo.startswith("["):
        if valid_address_literal(helo):
            return dunno("a valid address literal")
        return reject(ctx.reply(code, "5.5.2", f"<{helo}>: Helo command rejected: invalid ip address"))
    name = helo[:-1] if helo.endswith(".") and not helo.endswith("..") else helo
    if valid_hostname(name) or _is_address(name):
        return dunno("a valid name")
    return reject(ctx.reply(code, "5.5.2", f"<{helo}>: Helo command rejected: Invalid name"))


@restriction("permit_naked_ip_address", reads="helo")
def _naked_ip(ctx: Context, step: Step) -> Outcome:
    # Obsolete (removed in 3.9): measured on 3.7, HELO 1.2.3.4 is permitted, [1.2.3.4] is not.
    if ctx.has("helo") and _is_address(ctx.request.helo):
        return permit("the HELO argument is a naked IP address")
    return dunno("the HELO argument is not a naked IP address")


def _is_address(text: str) -> bool:
    return all(part.isdigit() for part in text.split(".")) and text.count(".") == 3


@restriction("reject_unknown_helo_hostname", "reject_unknown_hostname", reads="helo")
def _unknown_helo(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the HELO or EHLO hostname has no DNS A or MX record." DNS decides.
    code = ctx.config.value("unknown_hostname_reject_code").strip() or "450"
    helo = ctx.request.helo
    return ctx.choose(f"DNS records of {helo}", (
        dunno(f"{helo} has an address"),
        reject(ctx.reply(code, "4.7.1", f"<{helo}>: Helo command rejected: Host not found"), f"{helo} is not in DNS")))


# --- sender -----------------------------------------------------------------------------------

@restriction("reject_non_fqdn_sender", reads="sender")
def _non_fqdn_sender(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the MAIL FROM address specifies a domain that is not in
    # fully-qualified domain form ... (default: 504)". Measured: `a@evil` and `a` are refused.
    return _non_fqdn(ctx, ctx.request.sender, SENDER) if ctx.has("sender") else dunno()


@restriction("reject_non_fqdn_recipient", reads="recipient")
def _non_fqdn_recipient(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the RCPT TO address specifies a domain that is not in
    # fully-qualified domain form".
    return _non_fqdn(ctx, ctx.request.recipient, RECIPIENT) if ctx.has("recipient") else dunno()


def _non_fqdn(ctx: Context, address: str, what: str) -> Outcome:
    if not address:
        return dunno("the null address")
    domain = split_address(address)[1] or ""
    if fully_qualified(domain):
        return dunno(f"{domain} is fully qualified")
    code = ctx.config.value("non_fqdn_reject_code").strip() or "504"
    return reject(ctx.reply(code, "5.5.2", f"<{unquote(address)}>: {what} rejected: need fully-qualified address"),
                  "the domain is not fully qualified")


@restriction("reject_unknown_sender_domain", "reject_unknown_address", reads="sender")
def _unknown_sender_domain(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when Postfix is not the final destination for the sender address, and
    # the MAIL FROM domain has 1) no DNS MX and no DNS A record ..." Measured: 450 4.1.8 ... Domain not found
    # Measured on 3.7: the old reject_unknown_address answers the same, and passes an unknown recipient domain.
    return _unknown_domain(ctx, ctx.request.sender, SENDER, "4.1.8") if ctx.has("sender") else dunno()


@restriction("reject_unknown_recipient_domain", reads="recipient")
def _unknown_recipient_domain(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when Postfix is not final destination for the recipient domain, and the
    # RCPT TO domain has 1) no DNS MX and no DNS A record ..."
    return _unknown_domain(ctx, ctx.request.recipient, RECIPIENT, "4.1.2") if ctx.has("recipient") else dunno()


def _unknown_domain(ctx: Context, address: str, what: str, dsn: str) -> Outcome:
    if not address:
        return dunno("the null address")
    resolved = ctx.resolve(address)
    if resolved.domain_class.final:
        return dunno(f"this server is the final destination of {resolved.domain}")
    # smtpd_check.c reject_unknown_address: "Skip local destinations and non-DNS forms": an
    # address literal (`user@[192.0.2.1]`) is never looked up (tests/e2e/test_sender_checks_live.py).
    if resolved.domain.startswith("[") and resolved.domain.endswith("]"):
        return dunno(f"{resolved.domain} is an address literal, not looked up in DNS")
    code = ctx.config.value("unknown_address_reject_code").strip() or "450"
    return ctx.choose(f"DNS records of {resolved.domain}", (
        dunno(f"{resolved.domain} is in DNS"),
        reject(ctx.reply(code, dsn, f"<{unquote(address)}>: {what} rejected: Domain not found"),
               f"{resolved.domain} is not in DNS")))


@restriction("reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
             "reject_unauthenticated_sender_login_mismatch", "reject_known_sender_login_mismatch", reads="sender")
def _login_mismatch(ctx: Context, step: Step) -> Outcome:
    return sender_login_mismatch(ctx, step)


@restriction("reject_unlisted_sender", reads="sender")
def _unlisted_sender(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the MAIL FROM address is not listed in the list of valid
    # recipients for its domain class." Measured: 550 5.1.0 <a@b>: Sender address rejected: User unknown in local recipient table
    if not ctx.has("sender") or not ctx.request.sender:
        return dunno()
    return unlisted(ctx, ctx.request.sender, SENDER, "5.1.0")


@restriction("reject_unverified_sender", "reject_unverified_recipient", reads="sender")
def _unverified(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when mail to the MAIL FROM [RCPT TO] address is known to bounce" - the
    # verify(8) cache decides; default codes 450.
    is_sender = step.name.endswith("sender")
    address = ctx.request.sender if is_sender else ctx.request.recipient
    if not address or not ctx.has("sender" if is_sender else "recipient"):
        return dunno()
    what, dsn = (SENDER, "4.1.7") if is_sender else (RECIPIENT, "4.1.1")
    code = ctx.config.value(f"unverified_{'sender' if is_sender else 'recipient'}_reject_code").strip() or "450"
    return ctx.choose(f"address verification of {address}", (
        dunno("the address is deliverable"),
        reject(ctx.reply(code, dsn, f"<{unquote(address)}>: {what} rejected: undeliverable address"),
               "address verification says the address bounces")))


READS["reject_unverified_recipient"] = "recipient"


# The recipient and relay restrictions register themselves in their own module.
import mailpolicy.simulate.destinations  # noqa: E402,F401

for _name, (_reads, _what) in ACCESS.items():
    EVALUATORS[_name] = _what
    READS[_name] = _reads
