"""What the live comparison sends to both sides: scenarios derived from STANDINS plus fixed adversarial ones.

Each scenario is one SMTP session (EHLO, STARTTLS where offered or implicit TLS on 465, AUTH
when it logs in, MAIL, RCPT, and DATA with a short message when RCPT is accepted), sent to every
public smtpd service (25, submission, submissions) the configuration has. The roles come from the
configuration's STANDINS file: `domain` (a domain it receives mail for), `mailbox` (an address
with a mailbox), `login NAME PASSWORD ADDRESS` (a user and the address it owns) and `other` (an
address someone else owns).
"""

from __future__ import annotations

import attrs

from mailpolicy.verify.standins import OUTSIDE_SOURCE, TRUSTED_SOURCE

from .standins import StandIns

FOREIGN = "victim@gmail.test"          # a domain the server has nothing to do with
STRANGER = "spam@evil.test"            # an outside sender
MISSING_ROLE = "STANDINS names no {role}: every configuration needs one (tests/corpus/live/scenarios.py)"


@attrs.frozen
class Scenario:
    name: str
    source: str
    login: str | None
    password: str | None
    mail_from: str
    rcpt_to: str


def scenarios(standins: StandIns) -> list[Scenario]:
    """The scenarios for one configuration, in a fixed order."""
    roles = {}
    for role in ("domain", "mailbox", "sender", "other"):
        if not standins.roles.get(role):
            raise ValueError(MISSING_ROLE.format(role=role))
        roles[role] = standins.roles[role][0]
    domain, mailbox, other = roles["domain"], roles["mailbox"], roles["other"]
    login, own = roles["sender"].split()
    password = standins.logins[login]

    def anonymous(name: str, mail_from: str, rcpt_to: str, source: str = OUTSIDE_SOURCE) -> Scenario:
        return Scenario(name, source, None, None, mail_from, rcpt_to)

    def logged_in(name: str, mail_from: str, rcpt_to: str) -> Scenario:
        return Scenario(name, OUTSIDE_SOURCE, login, password, mail_from, rcpt_to)

    return [
        anonymous("anonymous-relay", STRANGER, FOREIGN),
        anonymous("anonymous-to-mailbox", STRANGER, mailbox),
        anonymous("anonymous-to-unknown-user", STRANGER, f"no-such-user-7@{domain}"),
        anonymous("anonymous-to-domain-postmaster", STRANGER, f"postmaster@{domain}"),
        anonymous("anonymous-to-bare-postmaster", STRANGER, "postmaster"),
        anonymous("null-sender-to-mailbox", "", mailbox),
        anonymous("forged-own-sender-to-mailbox", other, mailbox),
        anonymous("percent-hack-relay", STRANGER, f"victim%gmail.test@{domain}"),
        anonymous("trusted-relay", STRANGER, FOREIGN, TRUSTED_SOURCE),
        logged_in("login-relay-as-own", own, FOREIGN),
        logged_in("login-relay-as-other", other, FOREIGN),
        logged_in("login-as-stranger", STRANGER, FOREIGN),
        Scenario("wrong-password", OUTSIDE_SOURCE, login, password + "-wrong", own, FOREIGN),
    ]
