"""The three kinds of smtpd listener a policy can state, and what each one is in master.cf.

RFC 8314 and RFC 6409 name the ports: 25 receives mail from other servers (MX), 587 takes mail
from the site's own users after STARTTLS and a login, 465 does the same over TLS from the first
byte. Postfix's own master.cf (conf/master.cf in the source) writes them as the services `smtp`,
`submission` and `submissions`, each `inet` with the command `smtpd`; the `-o` overrides below
are what a service changes from main.cf for itself alone (master(8): "-o name=value ... overrides
main.cf for this service").
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import SMTPD_LISTS

INBOUND, SUBMISSION, SUBMISSIONS = "inbound", "submission", "submissions"


@frozen
class Kind:
    """One kind of listener: its policy word, master.cf service name and port, and how it works."""

    word: str
    service: str          # master.cf's first column (a name from /etc/services)
    port: int
    implicit_tls: bool    # TLS from the first byte (smtpd_tls_wrappermode), else STARTTLS if any
    login_required: bool  # a client must log in before it may send anything
    purpose: str


KINDS: dict[str, Kind] = {
    INBOUND: Kind(INBOUND, "smtp", 25, False, False,
                  "mail from other servers (the MX): STARTTLS offered when there is a certificate, never required; AUTH only after it"),
    SUBMISSION: Kind(SUBMISSION, "submission", 587, False, True,
                     "mail from the site's users (RFC 6409): STARTTLS required before AUTH, login required"),
    SUBMISSIONS: Kind(SUBMISSIONS, "submissions", 465, True, True,
                      "mail from the site's users over implicit TLS (RFC 8314): login required"),
}


# master.cf's first column names the port by /etc/services name or number, after an optional
# `host:` (master_ent.c get_master_ent; `smtps` is 465's old name, still in Debian's services).
PORT_KINDS = {"smtp": INBOUND, "25": INBOUND, "submission": SUBMISSION, "587": SUBMISSION,
              "submissions": SUBMISSIONS, "smtps": SUBMISSIONS, "465": SUBMISSIONS}


def port_kind(endpoint: str) -> str | None:
    """Return the kind of listener a master.cf service name (`smtp`, `192.0.2.1:587`) is, or None."""
    return PORT_KINDS.get(endpoint.rpartition(":")[2])


# The parameters that decide who may relay, log in or send as whom: a master.cf `-o` of one makes
# its service answer those questions differently from main.cf (audit MP704, import, diff).
DECISIVE_PARAMETERS = frozenset({
    *SMTPD_LISTS, "mynetworks", "mynetworks_style", "mydestination", "relay_domains",
    "smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path", "smtpd_sender_login_maps",
    "smtpd_delay_reject", "smtpd_restriction_classes",
    # `auth` among them answers AUTH "not enabled" on that service (simulate/tls_state.py auth_discarded).
    "smtpd_discard_ehlo_keywords",
})
