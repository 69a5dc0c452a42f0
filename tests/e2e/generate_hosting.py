"""Seeded generator of policies with the newer statements, and of the address forms they meet.

generate.py's policies state local domains, trusted networks, relay, SASL and owners only. These
add what sites host: `hosted domains` with `mailboxes` and `deliver to lmtp`, `alias` lines
(forwarding to remote addresses, catch-alls, aliases that logins own), `backup mx for` with its
recipients, `service` lines (inbound, submission, submissions, with `tls`), `set` lines that
change how addresses are read (recipient_delimiter, allow_percent_hack, swap_bangpath,
resolve_dequoted_address, smtpd_reject_unlisted_sender), and requests that spell addresses as an
attacker would: quoted local parts, source routes, `%` and `!`, trailing dots, case, extensions,
IP literals, subdomains of the backup-MX domain, the bare postmaster and the null sender. Like
generate.py it never asks the compiler or the simulator what an address means: the real server
judges, and the intent oracle (generate.intended) reads only the `allow user` lines written here.
"""

from __future__ import annotations

import random

import attrs

from tests.e2e import generate
from tests.e2e.generate import LOGINS, STRANGER, GeneratedPolicy, Probe

LOCAL = "example0.com"
HOSTED = ("example1.org", "example2.net")
BACKUP = "partner.example"
REMOTE = ("gmail.test", "evil.test")
MAILBOXES = ("alice", "bob", "info", "Sales")
CLIENTS = ("127.0.0.1", "127.0.0.9", "127.0.1.5")
NETWORKS = ("127.0.0.1/32", "127.0.1.0/24", "127.0.0.0/30")
RELAY_MODES = ("nobody", "only authenticated", "authenticated or trusted", "only trusted")
SERVICE_SETS = ((), ("inbound",), ("inbound", "submission"), ("inbound", "submissions"),
                ("inbound", "submission", "submissions"))
SETTINGS = (("recipient_delimiter", ("+", "-", "+-")), ("allow_percent_hack", ("yes", "no")),
            ("swap_bangpath", ("yes", "no")), ("resolve_dequoted_address", ("yes", "no")),
            ("smtpd_reject_unlisted_sender", ("yes",)), ("allow_untrusted_routing", ("no",)))
# How an attacker writes an address: each takes (local part, domain).
FORMS = ("{l}@{d}", "{l}@{d}", "{L}@{D}", "{l}@{d}.", '"{l}"@{d}', "@{r}:{l}@{d}", "{l}+x@{d}", "{l}-x@{d}",
         "{l}%{r}@{d}", "{r}!{l}@{d}", '"{l}@{r}"@{d}', "{l}@sub.{d}")


@attrs.frozen
class HostingPolicy(GeneratedPolicy):
    """A generated policy with the newer statements, and what its requests draw from."""

    services: tuple[str, ...] = ()
    hosted: tuple[str, ...] = ()
    mailboxes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    backup: bool = False


def policy(rng: random.Random) -> HostingPolicy:
    """Return a random policy with hosted domains, aliases, a backup MX and services that compiles."""
    lines = ["postfix 3.7", "hostname mx.example0.com", f"local domains {LOCAL}"]
    hosted = tuple(rng.sample(HOSTED, rng.randint(1, 2)))
    lines.append("hosted domains " + ", ".join(hosted))
    mailboxes = tuple(sorted({f"{rng.choice(MAILBOXES).lower()}@{rng.choice(hosted)}" for _ in range(rng.randint(1, 4))}))
    lines.append("mailboxes " + ", ".join(mailboxes))
    lines.append("deliver to lmtp private/dovecot-lmtp")
    aliases = []
    targets = (*mailboxes, f"info@{LOCAL}", f"friend@{rng.choice(REMOTE)}")
    for _ in range(rng.randint(0, 3)):
        alias = f"{rng.choice(('postmaster', 'abuse', 'team', 'info'))}@{rng.choice(hosted)}"
        if alias not in aliases and alias not in mailboxes:
            aliases.append(alias)
            lines.append(f"alias {alias} to " + ", ".join(rng.sample(targets, rng.randint(1, 2))))
    if rng.random() < 0.3:
        # A catch-all: the compiler keeps each mailbox of its domain its own (language.md, alias).
        domain = rng.choice(hosted)
        aliases.append(f"@{domain}")
        lines.append(f"alias @{domain} to {rng.choice(targets)}")
    backup = rng.random() < 0.5
    if backup:
        lines += [f"backup mx for {BACKUP}", f"mailboxes dave@{BACKUP}, " + f"erin@{BACKUP}"]
    if rng.random() < 0.6:
        exact = "only " if rng.random() < 0.8 else ""
        lines.append(f"trusted networks {exact}" + ", ".join(rng.sample(NETWORKS, rng.randint(1, 2))))
    services = rng.choice(SERVICE_SETS)
    relay = rng.choice(RELAY_MODES)
    if any(s != "inbound" for s in services) and "authenticated" not in relay:
        relay = "only authenticated"  # a submission service exists for logins to relay
    owners = []
    owned_pool = (*mailboxes, *(a for a in aliases if not a.startswith("@")), f"info@{LOCAL}", f"@{hosted[0]}")
    for _ in range(rng.randint(0, 4)):
        owners.append((rng.choice(LOGINS), rng.choice(owned_pool)))
    sasl = "authenticated" in relay or bool(owners) or any(s != "inbound" for s in services)
    lines.append(f"relay {relay}")
    if sasl:
        lines += ["sasl dovecot private/auth", "sender map hash:/etc/postfix/sender_owners"]
        lines += [f"allow user {login} as {owned}" for login, owned in owners]
    if services:
        # Submission needs TLS (MP352); the sandbox puts a throwaway certificate in place of these.
        lines.append("tls certificate /etc/ssl/certs/mx.pem key /etc/ssl/private/mx.key")
        lines += [f"service {s}" for s in services]
    for name, values in SETTINGS:
        if rng.random() < 0.2:
            lines.append(f"set {name} = {rng.choice(values)}")
    logins = tuple(sorted({login for login, _ in owners} | {STRANGER})) if sasl else ()
    owners_kept = tuple(owners) if sasl else ()
    return HostingPolicy("\n".join(lines) + "\n", logins, tuple(o for _, o in owners_kept), sasl, owners_kept,
                         (LOCAL,), services, hosted, mailboxes, tuple(aliases), backup)


def intended(generated: HostingPolicy, probe: Probe) -> str | None:
    """Return what the `allow user` lines mean for a logged-in client's plain sender to an existing recipient.

    As generate.intended, but a recipient counts only when it exists (a mailbox, an alias, an address
    of a catch-all domain, or of the local domain, where the test says every address exists): an
    unknown recipient of a hosted domain is refused whoever sends.
    """
    if probe.login is None or not probe.sender or probe.sender.count("@") != 1 or '"' in probe.sender:
        return None
    recipient = probe.recipient
    if recipient.count("@") != 1 or not _exists(generated, recipient) or any(c in recipient for c in '"%!:'):
        return None
    # smtpd_reject_unlisted_sender refuses a sender of a hosted domain that is no mailbox or alias,
    # whoever owns it (seed 10 of the recorded run: an `@domain` owner's unknown address).
    if "smtpd_reject_unlisted_sender = yes" in generated.text and not _exists(generated, probe.sender.lower()):
        return None
    return generate.ownership(generated, probe.login, probe.sender)


def _exists(generated: HostingPolicy, address: str) -> bool:
    """Tell whether the policy as written makes `address` a recipient: a mailbox, an alias, a catch-all's, a local one."""
    domain = address.rpartition("@")[2]
    return (address in generated.mailboxes or address in generated.aliases or f"@{domain}" in generated.aliases
            or domain == LOCAL)


def probes(rng: random.Random, generated: HostingPolicy, count: int) -> list[Probe]:
    """Return `count` distinct random requests, each for one of the policy's services (None: main.cf's smtpd)."""
    return generate.probes(rng, generated, count, _probe)


def _probe(rng: random.Random, generated: HostingPolicy) -> Probe:
    login = rng.choice(generated.logins) if generated.logins and rng.random() < 0.5 else None
    service = rng.choice(generated.services) if generated.services else None
    return Probe(rng.choice(CLIENTS), login, _sender(rng, generated), _recipient(rng, generated), service)


def _spell(rng: random.Random, address: str) -> str:
    local, _, domain = address.rpartition("@")
    return rng.choice(FORMS).format(l=local, L=local.upper(), d=domain, D=domain.upper(), r=rng.choice(REMOTE))


def _sender(rng: random.Random, generated: HostingPolicy) -> str:
    roll = rng.random()
    if generated.owned and roll < 0.45:
        owned = rng.choice(generated.owned)
        address = f"{rng.choice(MAILBOXES).lower()}{owned}" if owned.startswith("@") else owned
        if rng.random() < 0.2:
            # The local part at the host's own names: the same Unix user as at the local domain,
            # another mailbox than at a hosted one (docs/language.md, "Local domains are one namespace").
            return f"{address.rpartition('@')[0]}@{rng.choice((*generate.HOST_NAMES, generate.LOOPBACK_LITERAL))}"
        return _spell(rng, address) if rng.random() < 0.4 else address
    if roll < 0.55:
        return ""
    if roll < 0.8:
        return _spell(rng, rng.choice((*generated.mailboxes, *(a for a in generated.aliases if "@" in a[1:]),
                                       f"info@{LOCAL}")))
    return f"someone@{rng.choice(REMOTE)}"


def _recipient(rng: random.Random, generated: HostingPolicy) -> str:
    roll = rng.random()
    named = (*generated.mailboxes, *(a for a in generated.aliases if not a.startswith("@")), f"info@{LOCAL}",
             f"nobody@{rng.choice(generated.hosted)}", f"postmaster@{rng.choice(generated.hosted)}")
    if generated.backup:
        named += (f"dave@{BACKUP}", f"nobody@{BACKUP}")
    if roll < 0.45:
        return rng.choice(named)
    if roll < 0.8:
        return _spell(rng, rng.choice(named))
    if roll < 0.9:
        return f"victim@{rng.choice(REMOTE)}"
    return rng.choice(("postmaster", "info@[127.0.0.1]", f"victim@{rng.choice(REMOTE)}."))
