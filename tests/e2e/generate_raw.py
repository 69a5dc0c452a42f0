"""Seeded generator of hand-written-style main.cf settings for the differential test.

The compiler only ever writes safe restriction lists; the simulator must also judge the lists
people write by hand (the seed's permit-first mistakes among them), so these settings draw
restriction lists freely from the restrictions smtpd decides without DNS, plus the parameters
that steer them. Every list set is one Postfix starts with: at least one of the restrictions
smtpd requires stands in the relay or recipient list before any `permit`.
"""

from __future__ import annotations

import random

import attrs

from tests.e2e.generate import DOMAINS, LOGINS, NETWORKS, STRANGER, address

SENDER_MAP = "hash:/etc/postfix/senders"

PLAIN = (
    "permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination", "defer_unauth_destination",
    "permit_auth_destination", "reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
    "reject_unauthenticated_sender_login_mismatch", "reject_known_sender_login_mismatch",
    "reject_non_fqdn_sender", "reject_non_fqdn_recipient", "reject_unlisted_sender", "reject_unlisted_recipient",
    "reject_non_fqdn_helo_hostname", "reject_invalid_helo_hostname", "permit", "reject", "defer_if_permit",
    "defer_if_reject", "warn_if_reject",
)
ACCESS = (
    "check_sender_access inline:{{ {sender}=REJECT, {domain}=OK }}",
    "check_recipient_access inline:{{ {domain}=REJECT, victim@gmail.test=OK }}",
    "check_client_access inline:{{ 127.0.0.9=REJECT, 127.0.1.5=OK }}",
    "check_helo_access inline:{{ sandbox-client.test=DUNNO }}",
)
LISTS = ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
         "smtpd_relay_restrictions", "smtpd_recipient_restrictions")
# In these lists smtpd 3.7's reject_unlisted_sender answers identical sessions differently (550,
# then 250, ...: see test_simulator_fixes_live.py); no verdict of one request can be compared there.
BEFORE_SENDER = ("smtpd_client_restrictions", "smtpd_helo_restrictions")
REQUIRED = ("reject_unauth_destination", "defer_unauth_destination", "reject", "defer_if_permit")


@attrs.frozen
class RawConfig:
    """main.cf parameters, the sender map's lines, and what requests should draw from."""

    params: dict[str, str]
    map_lines: dict[str, str]
    logins: tuple[str, ...]
    owned: tuple[str, ...]

    @property
    def main_cf(self) -> str:
        return "".join(f"{name} = {value}\n" for name, value in self.params.items())

    @property
    def tables(self) -> dict[str, dict[str, str]]:
        return {SENDER_MAP: self.map_lines} if self.map_lines else {}


def raw_config(rng: random.Random) -> RawConfig:
    """Return random main.cf settings Postfix starts with."""
    params = {"compatibility_level": "3.6", "myhostname": "mx.example0.com",
              "mydestination": ", ".join(rng.sample(DOMAINS, rng.randint(1, 2)))}
    params["mynetworks"] = " ".join(rng.sample((*NETWORKS, "0.0.0.0/0", "127.0.0.0/8"), rng.randint(1, 2)))
    if rng.random() < 0.3:
        params["relay_domains"] = rng.choice(("example1.org", "$mydestination", "gmail.test"))
    # Without a list of local users smtpd refuses every local recipient (550 User unknown).
    params["local_recipient_maps"] = rng.choice(("", "", "inline:{ info=x, sales@example0.com=x }"))
    if rng.random() < 0.1:
        params["smtpd_delay_reject"] = "no"
    if rng.random() < 0.1:
        params["allow_percent_hack"] = "no"
    sasl = rng.random() < 0.8
    if sasl:
        params.update(smtpd_sasl_auth_enable="yes", smtpd_sasl_type="dovecot", smtpd_sasl_path="private/auth")
    owners: dict[str, list[str]] = {}
    if sasl and rng.random() < 0.8:
        for _ in range(rng.randint(1, 4)):
            owned = f"@{rng.choice(DOMAINS)}" if rng.random() < 0.2 else address(rng)
            owners.setdefault(owned, []).append(rng.choice(LOGINS))
        params["smtpd_sender_login_maps"] = SENDER_MAP
    _restrictions(rng, params, next(iter(owners), "info@example0.com"))
    logins = tuple(sorted({login for names in owners.values() for login in names} | {STRANGER})) if sasl else ()
    map_lines = {key: ", ".join(dict.fromkeys(names)) for key, names in owners.items()}
    return RawConfig(params, map_lines, logins, tuple(owners))


def _restrictions(rng: random.Random, params: dict[str, str], owned: str) -> None:
    """Fill the five restriction lists; make sure a required restriction is reachable."""
    domain = rng.choice(DOMAINS)
    sender = owned if not owned.startswith("@") else f"info{owned}"
    lists: dict[str, list[str]] = {}
    for name in LISTS:
        if rng.random() < 0.4 and name not in ("smtpd_relay_restrictions", "smtpd_recipient_restrictions"):
            continue
        plain = PLAIN if name not in BEFORE_SENDER else tuple(r for r in PLAIN if r != "reject_unlisted_sender")
        lists[name] = [rng.choice(ACCESS).format(sender=sender, domain=domain) if rng.random() < 0.15
                       else rng.choice(plain) for _ in range(rng.randint(0, 4))]
    relay = lists["smtpd_relay_restrictions"]
    if not _reachable(relay) and not _reachable(lists["smtpd_recipient_restrictions"]):
        places = [at for at in range(_first_permit(relay) + 1) if at == 0 or relay[at - 1] != "warn_if_reject"]
        relay.insert(rng.choice(places), rng.choice(REQUIRED[:2]))
    params.update((name, ", ".join(words)) for name, words in lists.items())


def _first_permit(words: list[str]) -> int:
    return words.index("permit") if "permit" in words else len(words)


def _reachable(words: list[str]) -> bool:
    # One right after warn_if_reject does not count: smtpd would refuse to start.
    before = words[:_first_permit(words)]
    return any(word in REQUIRED and (i == 0 or before[i - 1] != "warn_if_reject") for i, word in enumerate(before))
