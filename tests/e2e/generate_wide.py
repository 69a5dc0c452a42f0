"""Seeded generator of main.cf settings and raw SMTP envelopes across the mechanisms of issue 13.

Independent of the simulator: it writes main.cf values and MAIL FROM / RCPT TO text as a person
(or an attacker) would, from palettes of the forms Postfix reads differently, and never asks the
model what they mean; the real server judges. It covers what generate_raw.py leaves out:
access tables with every action (OK, RELAY, DISCARD, HANGUP, DEFER_IF_*, numeric replies,
restriction lists and class names as results), inline cidr tables, `.domain` patterns and keys
under both parent_domain_matches_subdomains settings, restriction classes (some reaching
themselves), canonical and virtual alias maps, smtpd_reject_unlisted_sender,
smtpd_relay_before_recipient_restrictions and compatibility levels, resolve_dequoted_address,
allow_percent_hack, swap_bangpath, double_bounce_sender, routes to the error and retry transports
(transport_maps, local_transport); and envelopes with source routes,
quoting, `%` and `!` routing, IP literals, MAILER-DAEMON, double-bounce, postmaster, subdomains,
case and trailing dots.
"""

from __future__ import annotations

import random

from tests.e2e.generate import LOGINS, STRANGER, Probe
from tests.e2e.generate_raw import SENDER_MAP, RawConfig

DOMAINS = ("example0.com", "example1.org")
SUBDOMAINS = ("sub.example0.com", "sub.example1.org", "a.b.example1.org")
REMOTE = ("gmail.test", "evil.test", "sub.gmail.test")
LOCALS = ("info", "sales", "nobody", "MAILER-DAEMON", "mailer-daemon", "double-bounce", "postmaster",
          "Postmaster", "bounces", "info+tag", "jcricket")
CLIENTS = ("127.0.0.1", "127.0.0.2", "127.0.0.9", "127.0.1.5")
ACTIONS = ("OK", "OK", "DUNNO", "DUNNO", "permit", "RELAY", "REJECT", "REJECT go away", "DEFER", "DUNNO", "DISCARD", "HANGUP", "DEFER_IF_REJECT",
           "DEFER_IF_PERMIT", "550 5.7.1 no", "450 later", "421 bye", "WARN", "INFO x", "HOLD", "FILTER smtp:x",
           "permit", "reject", "reject_unauth_destination", "permit_auth_destination", "defer_if_permit",
           "warn_if_reject reject", "reject_unlisted_recipient", "ok", "Relay", "200 fine", "OK trailing text")
PLAIN = ("permit_mynetworks", "permit_mynetworks", "permit_sasl_authenticated", "permit_sasl_authenticated",
         "reject_unauth_destination", "defer_unauth_destination",
         "permit_auth_destination", "reject_non_fqdn_sender", "reject_non_fqdn_recipient",
         "reject_unlisted_recipient", "permit", "reject", "defer", "defer_if_permit", "defer_if_reject",
         "warn_if_reject", "reject_sender_login_mismatch", "reject_unauth_pipelining")
LISTS = ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
         "smtpd_relay_restrictions", "smtpd_recipient_restrictions")
CLASSES = ("cls_a", "cls_b")


def wide_config(rng: random.Random) -> RawConfig:
    """Return random main.cf settings (Postfix may refuse some of them; the server says so)."""
    params = {"compatibility_level": rng.choice(("0", "1", "2", "3.6", "3.6", "3.6")),
              "myhostname": "mx.example0.com",
              "mydestination": ", ".join(rng.sample((*DOMAINS, ".example0.com", "inline:{ example1.org=x }"),
                                                    rng.randint(1, 2)))}
    params["mynetworks"] = rng.choice(("127.0.0.1/32", "127.0.0.0/30", "cidr:{ {127.0.0.8/29 OK} }",
                                       "127.0.1.0/24 !127.0.0.9 127.0.0.0/8", "127.0.0.0/8"))
    params["local_recipient_maps"] = rng.choice(("", "inline:{ info=x, sales@example0.com=x }", "inline:{ info=x }"))
    for name, values in _OPTIONAL.items():
        if rng.random() < 0.25:
            params[name] = rng.choice(values)
    sasl = rng.random() < 0.6
    map_lines: dict[str, str] = {}
    if sasl:
        params.update(smtpd_sasl_auth_enable="yes", smtpd_sasl_type="dovecot", smtpd_sasl_path="private/auth")
        if rng.random() < 0.7:
            map_lines = {"info@example0.com": "alice", "@example1.org": "bob", "sales@example0.com": "alice, carol"}
            params["smtpd_sender_login_maps"] = SENDER_MAP
    classes = _classes(rng)
    if classes:
        params["smtpd_restriction_classes"] = ", ".join(classes)
        params.update(classes)
    for name in LISTS:
        if rng.random() < 0.5 or name == "smtpd_relay_restrictions":
            words = [_restriction(rng, tuple(classes)) for _ in range(rng.randint(0, 3))]
            if name == "smtpd_relay_restrictions" and rng.random() < 0.93:
                words.insert(rng.randint(0, len(words)), "reject_unauth_destination")
            if name != "smtpd_relay_restrictions" or rng.random() < 0.95:
                params[name] = ", ".join(words)
    logins = tuple(sorted({*LOGINS, STRANGER})) if sasl else ()
    return RawConfig(params, map_lines, logins, tuple(map_lines))


_OPTIONAL = {
    "parent_domain_matches_subdomains": ("", "relay_domains", "smtpd_access_maps", "relay_domains smtpd_access_maps",
                                         "mynetworks"),
    "relay_domains": (".example1.org", "example1.org", "sub.gmail.test", "inline:{ .example1.org=x, gmail.test=x }",
                      "$mydestination", "!sub.example1.org example1.org"),
    "smtpd_reject_unlisted_sender": ("yes",),
    "smtpd_reject_unlisted_recipient": ("no",),
    "smtpd_relay_before_recipient_restrictions": ("no", "yes"),
    "resolve_dequoted_address": ("no",),
    "allow_percent_hack": ("no",),
    "swap_bangpath": ("no",),
    "allow_untrusted_routing": ("yes",),
    "double_bounce_sender": ("bounces",),
    "recipient_delimiter": ("+",),
    "canonical_maps": ("inline:{ nobody@example0.com=info@example0.com, @example1.org=@example0.com }",),
    "recipient_canonical_maps": ("inline:{ sales@example1.org=x@gmail.test }",),
    "sender_canonical_maps": ("inline:{ nobody@example0.com=info@example0.com }",),
    "virtual_alias_maps": ("inline:{ nobody@example1.org=info@example0.com }",),
    "smtpd_null_access_lookup_key": ("<>", "null-sender"),
    "smtpd_delay_reject": ("no",),
    "access_map_reject_code": ("550", "450"),
    # Routes to error and retry: smtpd refuses them in check_rcpt_maps (simulate/transport.py undeliverable).
    "transport_maps": ("inline:{ {example1.org=error:5.1.2 gone} }", "inline:{ {info@example0.com=retry:} }",
                       "inline:{ {gmail.test=error:no mail there} }", "regexp:{ {/^sales@/ error:closed} }",
                       "inline:{ example0.com=smtp: }"),
    "local_transport": ("error:closed", "retry", "local"),
}


def _classes(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.6:
        return {}
    classes: dict[str, str] = {}
    for name in CLASSES[:rng.randint(1, 2)]:
        # A class may name itself or the other: smtpd dies when it recurses for good (runner.py).
        words = [rng.choice((*PLAIN, *CLASSES)) if rng.random() < 0.7 else _access(rng, CLASSES)
                 for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.25:
            # A table that sends every IPv4 client to a class: through it a class may reach itself,
            # which smtpd stops at its recursion limit of 100 (451) rather than dying.
            target = rng.choice(CLASSES)
            every = rng.choice((f"check_client_access cidr:{{ {{0.0.0.0/0 {target}}} }}",
                                f"check_client_access static:{target}"))
            words.insert(rng.randint(0, len(words)), every)
        classes[name] = ", ".join(words)
    return classes


def _restriction(rng: random.Random, classes: tuple[str, ...]) -> str:
    roll = rng.random()
    if roll < 0.35:
        return _access(rng, classes)
    if roll < 0.6 and classes:
        return rng.choice(classes)
    plain = rng.choice(PLAIN)
    return plain


def _access(rng: random.Random, classes: tuple[str, ...]) -> str:
    kind = rng.choice(("client", "client", "sender", "recipient", "recipient", "helo"))
    if kind == "client" and rng.random() < 0.4:
        rules = ", ".join(f"{{{net} {rng.choice(ACTIONS)}}}" for net in rng.sample(
            ("127.0.0.8/29", "127.0.0.0/30", "127.0.1.0/24", "127.0.0.0/8", "10.0.0.0/8"), rng.randint(1, 2)))
        return f"check_client_access cidr:{{ {rules} }}"
    keys = {
        "client": ("unknown", "localhost", "127.0.0.9", "127.0.0", "127", "127.0.1.5", ".localhost"),
        "helo": ("sandbox-client.test", ".test", "test", "client.test"),
        "sender": ("info@example0.com", "example0.com", ".example0.com", "example1.org", ".example1.org", "org",
                   "info@", "nobody@", "<>", "null-sender", "gmail.test", "a@gmail.test", "sub.example1.org"),
        "recipient": ("victim@gmail.test", "gmail.test", ".gmail.test", "example0.com", "info@", "postmaster@",
                      "example1.org", ".example1.org", "MAILER-DAEMON@example0.com", "info@example0.com", "test"),
    }[kind]
    actions = (*ACTIONS, *classes)
    entries = ", ".join(f"{{{key}={rng.choice(actions)}}}" for key in rng.sample(keys, rng.randint(1, 3)))
    return f"check_{kind}_access inline:{{ {entries} }}"


def wide_probes(rng: random.Random, config: RawConfig, count: int) -> list[Probe]:
    """Return `count` distinct raw envelopes for a configuration."""
    found: dict[Probe, None] = {}
    for _ in range(count * 20):
        if len(found) == count:
            break
        login = rng.choice(config.logins) if config.logins and rng.random() < 0.3 else None
        found[Probe(rng.choice(CLIENTS), login, _address(rng, sender=True), _address(rng, sender=False))] = None
    return list(found)


def _address(rng: random.Random, sender: bool) -> str:
    roll = rng.random()
    if sender and roll < 0.12:
        return ""
    if not sender and roll < 0.04:
        return rng.choice(("postmaster", "Postmaster", "MAILER-DAEMON"))
    local = rng.choice(LOCALS)
    domain = rng.choice((*DOMAINS, *DOMAINS, *SUBDOMAINS, *REMOTE))
    if rng.random() < 0.1:
        domain = domain.upper() if rng.random() < 0.5 else domain + "."
    address = f"{local}@{domain}"
    form = rng.random()
    if form < 0.08:
        address = f"@{rng.choice(REMOTE + DOMAINS)}:{address}"  # a source route
    elif form < 0.14:
        address = f"@{rng.choice(REMOTE)},@{rng.choice(DOMAINS)}:{address}"
    elif form < 0.2:
        address = f"{local}%{rng.choice(REMOTE + DOMAINS)}@{rng.choice(DOMAINS)}"
    elif form < 0.25:
        address = f"{rng.choice(REMOTE + DOMAINS)}!{local}@{rng.choice(DOMAINS)}"
    elif form < 0.3:
        address = f'"{local}@{rng.choice(REMOTE)}"@{rng.choice(DOMAINS)}'
    elif form < 0.33:
        address = f'"{local}"@{domain}'
    elif form < 0.36:
        address = f"{local}@[127.0.0.1]"
    return address
