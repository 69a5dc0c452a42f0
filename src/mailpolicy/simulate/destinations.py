"""Relay control and recipient checks: what postconf(5) says of each, and Postfix 3.7's replies.

reject_unauth_destination is the relay check (postconf(5) smtpd_relay_restrictions); the
address it judges is resolved first (address.py), so relay tricks such as
`victim%gmail.test@ourdomain` are judged by where they really go.
"""

from __future__ import annotations

from mailpolicy.simulate.address import unquote
from mailpolicy.simulate.context import RECIPIENT, Context, Outcome, Step, dunno, permit, reject
from mailpolicy.simulate.recipients import unlisted
from mailpolicy.simulate.registry import restriction


def _recipient(ctx: Context) -> str:
    return unquote(ctx.request.recipient)



@restriction("reject_unauth_destination", "defer_unauth_destination", reads="recipient")
def _unauth_destination(ctx: Context, step: Step) -> Outcome:
    # "Reject the request unless ... the resolved RCPT TO domain matches $relay_domains or a
    # subdomain thereof, and contains no sender-specified routing (user@elsewhere@domain), [or]
    # matches $mydestination, $inet_interfaces, $proxy_interfaces, $virtual_alias_domains, or
    # $virtual_mailbox_domains ... relay_domains_reject_code (default: 554)".
    # defer_unauth_destination: measured 454 4.7.1 with the default 554, 450 with 550.
    if not ctx.has("recipient"):
        return dunno("no recipient yet")
    resolved = ctx.resolve(ctx.request.recipient)
    denied = _relay_denied(ctx, step.name.startswith("defer"))
    if resolved.authorized:
        return dunno(_why_authorized(resolved), resolved.domain_class.sources)
    if resolved.unknown:
        # A table of mydestination or relay_domains whose contents are not known may list the domain.
        maybe = dunno(f"{' or '.join(resolved.unknown)} lists {resolved.domain}", resolved.unknown)
        return ctx.choose(" and ".join(resolved.unknown) + " tables", (denied, maybe))
    return denied


def _relay_denied(ctx: Context, defer: bool) -> Outcome:
    code = ctx.config.value("relay_domains_reject_code").strip() or "554"
    if defer:
        code = "4" + code[1:]
    resolved = ctx.resolve(ctx.request.recipient)
    why = ("the address routes elsewhere (sender-specified routing)" if resolved.routed
           else f"{resolved.domain} is not a domain this server receives or relays for")
    return reject(ctx.reply(code, "5.7.1", f"<{_recipient(ctx)}>: Relay access denied"), why,
                  ("mydestination", "relay_domains"))


def _why_authorized(resolved) -> str:
    return f"{resolved.domain} is a {resolved.domain_class.value} destination"


@restriction("permit_auth_destination", reads="recipient")
def _permit_auth_destination(ctx: Context, step: Step) -> Outcome:
    # "Permit the request when ... the resolved RCPT TO domain matches $relay_domains ... [or]
    # $mydestination, ... and the address contains no sender-specified routing".
    if not ctx.has("recipient"):
        return dunno()
    resolved = ctx.resolve(ctx.request.recipient)
    if resolved.authorized:
        return permit(_why_authorized(resolved), resolved.domain_class.sources)
    if resolved.unknown:
        return ctx.choose(" and ".join(resolved.unknown) + " tables", (
            dunno("not an authorized destination"),
            permit(f"{' or '.join(resolved.unknown)} lists {resolved.domain}", resolved.unknown)))
    return dunno("not an authorized destination")


@restriction("permit_mx_backup", reads="recipient")
def _permit_mx_backup(ctx: Context, step: Step) -> Outcome:
    # "Permit the request when the local mail system is a backup MX for the RCPT TO domain, or
    # when the domain is an authorized destination"; never with sender-specified routing. DNS decides.
    if not ctx.has("recipient"):
        return dunno()
    resolved = ctx.resolve(ctx.request.recipient)
    if resolved.authorized:
        return permit(_why_authorized(resolved))
    if resolved.routed:
        return dunno("sender-specified routing")
    return ctx.choose(f"MX records of {resolved.domain}", (dunno("this host is not an MX of the domain"),
                                                            permit("this host is a backup MX of the domain")))


@restriction("check_relay_domains", reads="recipient")
def _check_relay_domains(ctx: Context, step: Step) -> Outcome:
    # Obsolete (warns since 2.2, removed in 3.9). Measured on 3.7: permits an authorized
    # destination, else "554 5.7.1 <rcpt>: Recipient address rejected: Relay access denied".
    if not ctx.has("recipient"):
        return dunno()
    resolved = ctx.resolve(ctx.request.recipient)
    if resolved.authorized:
        return permit(_why_authorized(resolved), resolved.domain_class.sources)
    code = ctx.config.value("relay_domains_reject_code").strip() or "554"
    return reject(ctx.reply(code, "5.7.1", f"<{step.reply_name}>: {step.reply_class} rejected: Relay access denied"),
                  f"{resolved.domain} is not an authorized destination", ("relay_domains",))


@restriction("reject_unlisted_recipient", "check_recipient_maps", reads="recipient")
def _unlisted_recipient(ctx: Context, step: Step) -> Outcome:
    # "Reject the request when the RCPT TO address is not listed in the list of valid recipients
    # for its domain class."
    if not ctx.has("recipient"):
        return dunno()
    return unlisted(ctx, ctx.request.recipient, RECIPIENT, "5.1.1")


