"""One SMTP request as smtpd sees it at RCPT TO, and the decision Postfix gives it."""

from __future__ import annotations

import enum

from mailpolicy.frozen import frozen

ACCEPTED = "250 2.1.5 Ok"


class Verdict(str, enum.Enum):
    """What happens to a request: 2xx, 5xx, 4xx, or an answer only DNS or an unknown table knows."""

    ACCEPT = "accept"
    REJECT = "reject"
    DEFER = "defer"
    DEPENDS = "depends"

    @classmethod
    def of_reply(cls, reply: str) -> Verdict:
        """Return the verdict an SMTP reply code means (a reply without a code: the server is not there)."""
        code = reply[:1]
        if code == "2":
            return cls.ACCEPT
        if code == "5":
            return cls.REJECT
        return cls.DEFER


@frozen
class Request:
    """EHLO, an optional AUTH, MAIL FROM and one RCPT TO, from one client address.

    `sender` "" is the null sender (MAIL FROM:<>). `client_name` is the verified reverse DNS
    name smtpd logs (`unknown` when the address has none), which hostname patterns and
    check_client_access look at; it is part of the request because DNS, not the
    configuration, decides it.
    """

    client_address: str
    sasl_login: str | None
    sender: str
    recipient: str
    helo: str = "client.example.test"
    client_name: str = "unknown"
    # The login was claimed with `XCLIENT LOGIN=` by a client in smtpd_authorized_xclient_hosts, not
    # with AUTH: smtpd.c xclient_cmd calls smtpd_sasl_auth_extern without looking at the EHLO discard
    # mask, so `auth` in smtpd_discard_ehlo_keywords does not stop it (measured by A2, s7).
    xclient: bool = False

    def describe(self) -> str:
        """Return the request in one line, as a person would say it."""
        who = f"user {self.sasl_login}" if self.sasl_login else "anonymous"
        return (f"{who} from {self.client_address} sending as <{self.sender}> to <{self.recipient}>")


@frozen
class Decision:
    """The outcome of a request and what decided it.

    `parameter` and `restriction` name the list and the entry that decided. For an accepted
    request that is the permit that let it skip a relay check (reject_unauth_destination and
    the like) later in its list; else the permit that ended the relay or recipient list; else
    (and always for a $relay_domains recipient) None, with `sources` naming the parameter that
    made the recipient's domain one this server accepts mail for;
    `position` is the entry's index among the list's restrictions. `reply` is what Postfix
    answers; for DEPENDS it is the answer when every DNS list and unknown table says "not
    found", and `possible` holds every verdict some answer could give. `sources` are the
    main.cf parameters whose values the deciding step read (mynetworks, relay_domains, ...), and
    `reason` says in words why that step decided as it did.
    """

    verdict: Verdict
    parameter: str | None
    restriction: str | None
    reply: str
    trace: tuple[str, ...] = ()
    position: int | None = None
    sources: tuple[str, ...] = ()
    possible: frozenset[Verdict] = frozenset()
    reason: str = ""

    @property
    def summary(self) -> str:
        """Return the verdict, the deciding entry and the reply in one line."""
        where = f"{self.parameter}: {self.restriction}" if self.restriction else (self.parameter or "no restriction")
        return f"{self.verdict.value} by {where} ({self.reply})"
