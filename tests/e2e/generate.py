"""Seeded generators for the differential test: policies, raw main.cf settings, and requests.

Every address, network and login comes from small fixed palettes, so generated owners, trusted
networks and requests collide often (an owned sender, a client inside a trusted network) and
every interesting case shows up within a few hundred policies. All clients are loopback
addresses and all trusted networks loopback networks, so the real server and the simulator see
the very same addresses: no stand-in sits between them.
"""

from __future__ import annotations

import random

import attrs

DOMAINS = ("example0.com", "example1.org")
OTHER_DOMAIN = "gmail.test"
LOGINS = ("alice", "bob", "carol")
STRANGER = "mallory"  # a login no map line names
CLIENTS = ("127.0.0.1", "127.0.0.2", "127.0.0.9", "127.0.1.5", "127.0.3.3")
NETWORKS = ("127.0.0.1/32", "127.0.0.0/30", "127.0.0.8/29", "127.0.1.0/24", "127.0.0.0/16",
            "10.0.0.0/8", "192.168.10.0/24", "[2001:db8:10::]/48")
LOCAL_PARTS = ("info", "sales", "jcricket", "Postmaster")
# This host's own names, local beside the stated local domains: every policy here says
# `hostname mx.example0.com` and never `local domains only`.
HOST_NAMES = ("mx.example0.com", "localhost")
LOOPBACK_LITERAL = "[127.0.0.1]"  # the sandbox's smtpd listens there: a local name too (resolve_local.c)
MAP_TYPES = ("hash", "btree", "lmdb", "cdb", "texthash")
RELAY_MODES = ("nobody", "only authenticated", "authenticated or trusted")
# What open-relay scanners send: routing hidden in the local part of a local address.
RELAY_TRICKS = ("victim%gmail.test@{d}", "gmail.test!victim@{d}", '"victim@gmail.test"@{d}',
                "victim@gmail.test@{d}",
                # smtpd drops a source route before anything else (smtpd.c extract_addr()).
                "@gmail.test:info@{d}", "@{d}:victim@gmail.test",
                # Never looked up in the recipient tables of a local domain (check_rcpt_maps()).
                "MAILER-DAEMON@{d}", "double-bounce@{d}")


@attrs.frozen
class GeneratedPolicy:
    """Policy text and what requests against it should draw from."""

    text: str
    logins: tuple[str, ...]
    owned: tuple[str, ...]
    sasl: bool
    # What the test wrote, kept for the intent oracle (`intended`): never read back from the
    # compiler's output, so a compiler bug cannot make both sides of a comparison agree.
    owners: tuple[tuple[str, str], ...] = ()
    local_domains: tuple[str, ...] = ()


@attrs.frozen
class Probe:
    """One request to send to both the server and the simulator."""

    client: str
    login: str | None
    sender: str
    recipient: str
    service: str | None = None  # a policy's `service` (its own port); None: the one smtpd

    def describe(self) -> str:
        who = f"user {self.login}" if self.login else "anonymous"
        on = f" on {self.service}" if self.service else ""
        return f"{who} from {self.client}{on}: MAIL FROM:<{self.sender}> RCPT TO:<{self.recipient}>"


def address(rng: random.Random, domains=DOMAINS) -> str:
    return f"{rng.choice(LOCAL_PARTS).lower()}@{rng.choice(domains)}"


def policy(rng: random.Random) -> GeneratedPolicy:
    """Return a random policy in the mailpolicy language that compiles."""
    lines = ["postfix 3.7", "hostname mx.example0.com"]
    local_domains = tuple(rng.sample(DOMAINS, rng.randint(1, 2)))
    lines.append("local domains " + ", ".join(local_domains))
    if rng.random() < 0.7:
        # Without `only` this host (127.0.0.0/8) stays trusted, and so would every loopback client:
        # mostly `only`, so that clients inside and outside the stated networks both occur.
        exact = "only " if rng.random() < 0.8 else ""
        lines.append(f"trusted networks {exact}" + ", ".join(rng.sample(NETWORKS, rng.randint(1, 3))))
    relay = rng.choice(RELAY_MODES)
    owners = []
    for _ in range(rng.randint(0, 5)):
        owned = f"@{rng.choice(DOMAINS)}" if rng.random() < 0.2 else address(rng)
        owners.append((rng.choice(LOGINS), owned))
    # SASL is needed to relay by login or to own addresses; without either it is optional.
    sasl = relay != "nobody" or bool(owners) or rng.random() < 0.5
    lines.append(f"relay {relay}")
    if sasl:
        lines.append("sasl dovecot private/auth")
        lines.append(f"sender map {rng.choice(MAP_TYPES)}:/etc/postfix/sender_owners")
        lines += [f"allow user {login} as {owned}" for login, owned in owners]
    if rng.random() < 0.2:
        lines.append("chroot off")
    logins = tuple(sorted({login for login, _ in owners} | {STRANGER})) if sasl else ()
    return GeneratedPolicy("\n".join(lines) + "\n", logins, tuple(o for _, o in owners if sasl), sasl,
                           tuple(owners) if sasl else (), local_domains)


def owns(login: str, sender: str, owners: tuple[tuple[str, str], ...], local_domains: tuple[str, ...] = ()) -> bool:
    """Tell whether the `allow user` lines the test wrote give sender (any case) to login.

    As docs/language.md states it: an `@domain` line owns every address of the domain that has no
    line of its own (Postfix looks up `user@domain` before `@domain`, smtpd_check.c). Local domains
    are one namespace ("Local domains are one namespace"): a local part a line owns at one local
    domain is owned, by the same logins, at every local name (the host's names and address literals
    included) and has a line of its own there; a local domain's `@domain` line also owns the
    addresses of the host's names (every policy here has `hostname mx.example0.com`).
    """
    sender = sender.lower()
    exact = {who for who, owned in owners if owned == sender}
    if exact:
        return login in exact
    local_part, _at, domain = sender.rpartition("@")
    local_names = (*local_domains, *HOST_NAMES)
    if domain in local_names or domain == LOOPBACK_LITERAL:
        namesakes = {who for who, owned in owners
                     if owned.rpartition("@")[0] == local_part and owned.rpartition("@")[2] in local_domains}
        if namesakes:
            return login in namesakes
    catch_alls = {f"@{domain}"}
    if domain in HOST_NAMES:
        catch_alls |= {f"@{d}" for d in local_domains}
    return any(who == login and owned in catch_alls for who, owned in owners)


def intended(generated: GeneratedPolicy, probe: Probe) -> str | None:
    """Return what the policy as written means for a logged-in client's sender, or None where it is silent.

    The oracle for sender ownership, from the `allow user` lines alone: a login sending as an
    address a line gives it, to a plain address of a local domain, is accepted; a login sending
    as an address the lines give only to other logins is refused. Everything else (relaying,
    unowned senders, anonymous clients) is left to the simulator comparison.
    """
    if probe.login is None or not probe.sender or "@" not in probe.sender:
        return None
    local_part, _, domain = probe.recipient.rpartition("@")
    if domain not in generated.local_domains or local_part not in [p.lower() for p in LOCAL_PARTS]:
        return None
    return ownership(generated, probe.login, probe.sender)


def ownership(generated: GeneratedPolicy, login: str, sender: str) -> str | None:
    """Return `accept` when the `allow user` lines give sender to login, `refuse` when only to others, else None."""
    if owns(login, sender, generated.owners, generated.local_domains):
        return "accept"
    if any(owns(other, sender, generated.owners, generated.local_domains) for other, _ in generated.owners):
        return "refuse"
    return None


def probes(rng: random.Random, generated: GeneratedPolicy, count: int, draw=None) -> list[Probe]:
    """Return `count` distinct random requests for a generated policy, each made by `draw(rng, generated)`."""
    draw = draw or _probe
    found: dict[Probe, None] = {}
    for _ in range(count * 20):
        if len(found) == count:
            break
        found[draw(rng, generated)] = None
    return list(found)


def _probe(rng: random.Random, generated: GeneratedPolicy) -> Probe:
    login = rng.choice(generated.logins) if generated.logins and rng.random() < 0.5 else None
    return Probe(rng.choice(CLIENTS), login, _sender(rng, generated), _recipient(rng))


def _sender(rng: random.Random, generated: GeneratedPolicy) -> str:
    roll = rng.random()
    if generated.owned and roll < 0.4:
        owned = rng.choice(generated.owned)
        # An @domain owner owns every other address of the domain.
        sender = f"{rng.choice(LOCAL_PARTS)}{owned}" if owned.startswith("@") else owned
        if rng.random() < 0.25:
            # The same mailbox by another local name, or bare (smtpd appends @$myorigin).
            other = rng.choice((*HOST_NAMES, LOOPBACK_LITERAL, None))
            sender = sender.rpartition("@")[0] + (f"@{other}" if other else "")
        return sender.upper() if rng.random() < 0.15 else sender
    if roll < 0.55:
        return ""  # the null sender of bounces
    if roll < 0.8:
        return address(rng)
    return address(rng, (OTHER_DOMAIN, "evil.test"))


def _recipient(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return address(rng)
    if roll < 0.8:
        return f"victim@{OTHER_DOMAIN}"
    return rng.choice(RELAY_TRICKS).format(d=rng.choice(DOMAINS))
