"""check_*_access: search an access(5) table for one part of the request and act on what it says.

access(5) actions: OK or an all-numerical value permits; `4NN text` / `5NN text` reply with that
code; REJECT and DEFER use access_map_reject_code (554) and access_map_defer_code (450) with
"Access denied" when no text is given; DEFER_IF_REJECT / DEFER_IF_PERMIT set a flag ("Service
unavailable"); DUNNO stops the search and does nothing; RELAY is OK; DISCARD accepts and ends
every later list (measured on 3.7: a DISCARD before reject_unauth_destination lets a remote
recipient through); HANGUP closes the connection without a reply; FILTER, HOLD,
PREPEND, REDIRECT, BCC, INFO and WARN do not decide; anything else is a restriction list,
evaluated in place. Every reply was measured on Postfix 3.7, e.g.
`554 5.7.1 <x@dom.test>: Sender address rejected: text`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from mailpolicy.postfix.table_refs import table_ref
from mailpolicy.simulate.context import (
    DEFER_IF_PERMIT, DEFER_IF_REJECT, PERMIT, Context, Outcome, Step, dunno, permit, reject,
)
from mailpolicy.simulate.lookup import UNKNOWN, address_keys, client_keys, domain_keys

if TYPE_CHECKING:
    from mailpolicy.simulate.lookup import PatternTable

# Texts, compiled by re's own cache when a table's value is read: a policy whose tables are all
# unknown or written by the compile never needs them (0.5 ms of `check`'s start-up to compile).
_NUMERIC_REPLY = r"([45]\d\d)(?:\s+(\d\.\d{1,3}\.\d{1,3}))?\s*(.*)\Z"
_DSN = r"(\d\.\d{1,3}\.\d{1,3})\s+(.*)\Z"
_NO_DECISION = ("FILTER", "HOLD", "PREPEND", "REDIRECT", "BCC", "INFO", "WARN")


def access_outcomes(ctx: Context, step: Step) -> tuple[Outcome, ...]:
    """Return every outcome a table (or policy server) with unknown contents could give, "not found" first."""
    source = step.argument or step.name
    code = ctx.config.value("access_map_reject_code").strip() or "554"
    defer = ctx.config.value("access_map_defer_code").strip() or "450"
    text = f"<{step.reply_name}>: {step.reply_class} rejected: Access denied"
    return (dunno(f"{source}: not found"), permit(f"{source}: OK"),
            reject(ctx.reply(code, "5.7.1", text), f"{source}: REJECT"),
            reject(ctx.reply(defer, "4.7.1", text), f"{source}: DEFER"))


def action(ctx: Context, step: Step, value: str, key: str) -> Outcome:
    """Return what an access(5) table value does (a restriction list is evaluated in place)."""
    value = value.strip()
    word, _, text = value.partition(" ")
    text = text.strip()
    upper = word.upper()
    where = f"{step.argument}: {key} -> {value}"
    prefix = f"<{step.reply_name}>: {step.reply_class} rejected: "
    # smtpd_check.c check_table_result(): "OK or RELAY means YES".
    if upper in ("OK", "RELAY") or value.isdigit():
        return permit(where)
    if upper == "HANGUP":
        # check_table_result(): "Drop the connection without sending any reply" (measured on 3.7:
        # the client sees the connection close at RCPT TO). A client that gets no reply tries
        # again later, so it counts as a deferral; warn_if_reject does not stop it.
        return reject(f"(no reply: {step.argument} says HANGUP: smtpd drops the connection)", where)
    if upper == "DUNNO":
        return dunno(where)
    if upper in ("REJECT", "DEFER"):
        code_name = "access_map_reject_code" if upper == "REJECT" else "access_map_defer_code"
        code = ctx.config.value(code_name).strip() or ("554" if upper == "REJECT" else "450")
        dsn, text = _split_dsn(text, "5.7.1" if upper == "REJECT" else "4.7.1")
        return reject(ctx.reply(code, dsn, prefix + (text or "Access denied")), where)
    if upper in ("DEFER_IF_REJECT", "DEFER_IF_PERMIT"):
        code = ctx.config.value("access_map_defer_code").strip() or "450"
        dsn, text = _split_dsn(text, "4.7.1")
        kind = DEFER_IF_PERMIT if upper == "DEFER_IF_PERMIT" else DEFER_IF_REJECT
        return Outcome(kind, ctx.reply(code, dsn, prefix + (text or "Service unavailable")), where)
    if upper == "DISCARD" and not ctx.has("sender"):
        # smtpd_check.c not_in_client_helo(): with smtpd_delay_reject = no, a client or helo
        # list runs before MAIL FROM and DISCARD "is always skipped" there.
        return dunno(where + " (skipped before MAIL FROM)")
    if upper == "DISCARD":
        # check_table_result() sets state->discard and permits; generic_checks() then stops at
        # the top of every list, nested or not, and smtpd_check_mail()/smtpd_check_rcpt() skip
        # the unlisted-sender and unlisted-recipient checks (measured on 3.7: a DISCARD in the
        # client list accepts a remote recipient that reject_unauth_destination would refuse).
        if ctx.runner is not None:
            ctx.runner.flags.discarded = True
        return permit(where + " (accepted, then discarded; later restrictions are skipped)")
    if upper in _NO_DECISION:
        return dunno(where)
    numeric = re.match(_NUMERIC_REPLY, value, re.S)
    if numeric:
        code, dsn, text = numeric.groups()
        dsn = dsn or ("5.7.1" if code.startswith("5") else "4.7.1")
        return reject(ctx.reply(code, dsn, prefix + (text or "Access denied")), where)
    return ctx.model.run_nested(ctx, step, value, where)


def _split_dsn(text: str, default: str) -> tuple[str, str]:
    found = re.match(_DSN, text, re.S)
    return (found.group(1), found.group(2)) if found else (default, text)


def _search(ctx: Context, step: Step, keys: list[str], only_address: str | None = None,
            full: list[str] | None = None) -> Outcome:
    """Search a table for `keys` in order; a pattern table only for the `full` keys (default: the first)."""
    if not step.argument:
        return _missing_table(ctx, step)
    table = ctx.model.tables.table(step.argument)
    if table is None:
        # Lazily: a configuration without a pattern table never loads the regexp/pcre reader (start-up).
        from mailpolicy.simulate.pattern_witness import solved_pattern_table

        patterns = solved_pattern_table(step.argument)
        if patterns is not None:
            return _pattern_search(ctx, step, patterns, keys[:1] if full is None else full)
        ref = table_ref(step.argument)
        if ref is not None and not ref.supported:
            # dict_open(): "unsupported dictionary type" (types are case-sensitive), a table whose every
            # lookup fails; check_access() then refuses with a temporary error (measured on 3.7.11).
            prefix = f"<{step.reply_name}>: {step.reply_class} rejected: "
            return reject(ctx.reply("451", "4.3.5", prefix + "Server configuration error"),
                          f"{step.argument}: unsupported dictionary type {ref.type}: lookup error")
        return ctx.choose(f"contents of {step.argument}", access_outcomes(ctx, step))
    if table.kind == "cidr" and only_address is not None:
        keys = [only_address]
    for key in keys:
        found = table.find(key)
        if found is not None:
            return action(ctx, step, ctx.config.expand(found), key)
    return dunno(f"{step.argument}: no key matches")


def _pattern_search(ctx: Context, step: Step, patterns: "PatternTable", keys: list[str]) -> Outcome:
    # smtpd looks a pattern table up with whole keys only: partial keys (parent domains, user@,
    # shorter network prefixes) are searched with DICT_FLAG_FIXED, which regexp and pcre tables lack
    # (smtpd_check.c check_access FULL/PARTIAL; src/global/mail_addr_find.c find_addr).
    for key in keys:
        found = patterns.access_value(key)
        if found is UNKNOWN:
            return ctx.choose(f"contents of {step.argument}", access_outcomes(ctx, step))
        if found is not None:
            return action(ctx, step, found, key)
    return dunno(f"{step.argument}: no pattern matches")


def _missing_table(ctx: Context, step: Step) -> Outcome:
    # Measured: `check_client_access` with nothing after it: "451 4.3.5 Server configuration error".
    return reject("451 4.3.5 Server configuration error", f"{step.name} needs a type:table argument")


def _parent_matches(ctx: Context) -> bool:
    return ctx.model.parent_matches("smtpd_access_maps")


def check_client_access(ctx: Context, step: Step) -> Outcome:
    # "Search the specified access database for the client hostname, parent domains, client IP
    # address, or networks obtained by stripping least significant octets."
    request = ctx.request
    keys = client_keys(request.client_name, request.client_address, _parent_matches(ctx))
    # check_namadr_access: the name, then the address, each whole (FULL) before its parents.
    whole = [request.client_name.lower(), str(ipaddress.ip_address(request.client_address))]
    return _search(ctx, step, keys, only_address=request.client_address, full=whole)


def check_helo_access(ctx: Context, step: Step) -> Outcome:
    # "Search the specified access(5) database for the HELO or EHLO hostname or parent domains."
    if not ctx.has("helo"):
        return dunno()
    helo = ctx.request.helo.lower().rstrip(".")
    keys = [helo] if helo.startswith("[") else domain_keys(helo, _parent_matches(ctx))
    return _search(ctx, step, keys)


def check_sender_access(ctx: Context, step: Step) -> Outcome:
    # "Search the specified access(5) database for the MAIL FROM address, domain, parent domains,
    # or localpart@". Measured: the resolved address is searched (`who` finds `who@$myorigin`);
    # the null sender is searched as $smtpd_null_access_lookup_key.
    if not ctx.has("sender"):
        return dunno()
    return _address_search(ctx, step, ctx.request.sender, sender=True)


def check_recipient_access(ctx: Context, step: Step) -> Outcome:
    # "Search the specified access(5) database for the resolved RCPT TO address, domain, parent
    # domains, or localpart@".
    if not ctx.has("recipient"):
        return dunno()
    return _address_search(ctx, step, ctx.request.recipient, sender=False)


def _address_search(ctx: Context, step: Step, address: str, sender: bool) -> Outcome:
    if not address:
        return _search(ctx, step, [ctx.config.value("smtpd_null_access_lookup_key").strip() or "<>"])
    resolved = ctx.resolve(address)
    delimiter = ctx.config.value("recipient_delimiter")
    outcome = _search(ctx, step, address_keys(resolved.local.lower(), resolved.domain, delimiter,
                                              _parent_matches(ctx)))
    # allow_untrusted_routing = no: a recipient with sender-specified routing is "too suspicious
    # for returning an OK result" (postconf(5) allow_untrusted_routing).
    if (not sender and outcome.kind == PERMIT and resolved.routed
            and not ctx.config.flag("allow_untrusted_routing")):
        return dunno(outcome.note + "; ignored: sender-specified routing")
    return outcome


def check_sasl_access(ctx: Context, step: Step) -> Outcome:
    # "Use the remote SMTP client SASL user name as the lookup key ... username@domainname when
    # the smtpd_sasl_local_domain parameter value is non-empty."
    login = ctx.login
    if not login:
        return dunno("not logged in")
    domain = ctx.config.value("smtpd_sasl_local_domain").strip()
    return _search(ctx, step, [f"{login}@{domain}" if domain else login])


def check_dns_access(ctx: Context, step: Step) -> Outcome:
    # check_*_mx_access, _ns_access, _a_access and check_reverse_client_hostname_*: the keys come
    # from DNS (MX hosts, name servers, addresses, the unverified reverse name). "A result of OK
    # is not allowed for safety reasons", so a match can only reject or do nothing.
    if not step.argument:
        return _missing_table(ctx, step)
    outcomes = access_outcomes(ctx, step)
    return ctx.choose(f"DNS records for {step.name} {step.argument}", (outcomes[0], *outcomes[2:]))


ACCESS = {
    "check_client_access": ("client", check_client_access),
    "check_helo_access": ("helo", check_helo_access),
    "check_sender_access": ("sender", check_sender_access),
    "check_recipient_access": ("recipient", check_recipient_access),
    "check_sasl_access": ("login", check_sasl_access),
    **{f"check_{part}_{kind}_access": (reads, check_dns_access)
       for part, reads in (("client", "client"), ("helo", "helo"), ("sender", "sender"), ("recipient", "recipient"),
                           ("reverse_client_hostname", "client"))
       for kind in ("mx", "ns", "a")},
    "check_reverse_client_hostname_access": ("client", check_dns_access),
}

