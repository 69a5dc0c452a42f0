"""reject_*sender_login_mismatch: who may use which MAIL FROM, per smtpd_sender_login_maps.

postconf(5): "reject_sender_login_mismatch: Reject the request when $smtpd_sender_login_maps
specifies an owner for the MAIL FROM address, but the client is not (SASL) logged in as that
MAIL FROM address owner; or when the client is (SASL) logged in, but the client login name
doesn't own the MAIL FROM address according to $smtpd_sender_login_maps."
reject_authenticated_sender_login_mismatch enforces it "for authenticated clients only",
reject_unauthenticated_sender_login_mismatch "for unauthenticated clients only", and
reject_known_sender_login_mismatch "only to MAIL FROM addresses that are known in
$smtpd_sender_login_maps". Measured on Postfix 3.7 (all four, with a hash map):
  553 5.7.1 <jcricket@example0.com>: Sender address rejected: not logged in
  553 5.7.1 <random@example0.com>: Sender address rejected: not owned by user jimminey
the login is compared without regard to case; the MAIL FROM address is resolved first
(`jc%example0.com@example0.com` is looked up as jc@example0.com); the null sender is never
checked; and with smtpd_sasl_auth_enable = no all four are ignored ("restriction ... ignored:
no SASL support"). With smtpd_sender_login_maps empty no address has an owner, so a logged-in
client is "not owned by user ..." for every sender (reject_sender_login_mismatch and
reject_authenticated_sender_login_mismatch; measured on 3.7, without a warning in the log).
"""

from __future__ import annotations

from mailpolicy.simulate.address import DomainClass, unquote
from mailpolicy.simulate.context import Context, Outcome, Step, dunno, reject
from mailpolicy.simulate.lookup import UNKNOWN, owner_keys

_SOURCES = ("smtpd_sender_login_maps",)


def owners(ctx: Context, sender: str):
    """Return (key found, owners) for a MAIL FROM address: owners is a tuple, None (no owner) or UNKNOWN."""
    resolved = ctx.resolve(sender)
    # The `user` key is tried only when the domain matches $myorigin, $mydestination,
    # $inet_interfaces or $proxy_interfaces (postconf(5) smtpd_sender_login_maps); measured:
    # `alice` owns alice@$myhostname but not alice@gmail.test.
    local_domain = (resolved.domain_class is DomainClass.LOCAL
                    or resolved.domain == ctx.config.value("myorigin").strip().lower())
    keys = owner_keys(resolved.local.lower(), resolved.domain, local_domain, ctx.config.value("recipient_delimiter"))
    key, found = ctx.model.login_maps.search(keys)
    if found is UNKNOWN or found is None:
        return key, found
    # "one or more logins separated by commas or white space"
    return key, tuple(name for name in found.replace(",", " ").split() if name)


def sender_login_mismatch(ctx: Context, step: Step) -> Outcome:
    """Evaluate one of the four login-mismatch restrictions."""
    sender = ctx.request.sender
    if not ctx.has("sender"):
        return dunno("no sender yet")
    if not ctx.model.sasl_enabled:
        return dunno("ignored: smtpd_sasl_auth_enable = no (Postfix logs \"ignored: no SASL support\")",
                     ("smtpd_sasl_auth_enable",))
    if not sender:
        return dunno("the null sender is never checked")
    login = ctx.login
    name = step.name
    shown = unquote(sender)
    not_owned = reject(f"553 5.7.1 <{shown}>: Sender address rejected: not owned by user {login}",
                       f"{login} does not own <{shown}>", _SOURCES)
    not_logged_in = reject(f"553 5.7.1 <{shown}>: Sender address rejected: not logged in",
                           f"<{shown}> has an owner and the client is not logged in", _SOURCES)
    key, found = owners(ctx, sender)
    if login:
        if name == "reject_unauthenticated_sender_login_mismatch":
            return dunno("the client is logged in")
        if found is UNKNOWN:
            return ctx.choose("contents of smtpd_sender_login_maps",
                              (dunno(f"{login} owns <{shown}>", _SOURCES), not_owned))
        if found is None:
            if name == "reject_known_sender_login_mismatch":
                return dunno(f"<{shown}> has no owner", _SOURCES)
            return not_owned
        if any(owner.lower() == login.lower() for owner in found):
            return dunno(f"{login} owns <{shown}> (key {key})", _SOURCES)
        return Outcome(not_owned.kind, not_owned.reply,
                       f"<{shown}> is owned by {', '.join(found)} (key {key}), not by {login}", _SOURCES)
    if name == "reject_authenticated_sender_login_mismatch":
        return dunno("the client is not logged in")
    if found is UNKNOWN:
        return ctx.choose("contents of smtpd_sender_login_maps", (dunno(f"<{shown}> has no owner", _SOURCES),
                                                                   not_logged_in))
    if found is None:
        return dunno(f"<{shown}> has no owner", _SOURCES)
    return Outcome(not_logged_in.kind, not_logged_in.reply,
                   f"<{shown}> is owned by {', '.join(found)} (key {key}) and the client is not logged in", _SOURCES)
