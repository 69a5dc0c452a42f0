"""What an accepted request that relays only for some answers of unreadable tables means: an assumption.

The proof decides a request once for every answer DNS and tables of unknown contents could give
(simulate/explore.py). A request that relays only along some of those answers is one of three
things, by the choices that branch made (their labels, simulate/access.py, destinations.py,
restrictions.py):

- **no relay at all**: the branch answers that mydestination, virtual_alias_domains or
  virtual_mailbox_domains lists the recipient's domain. A domain such a table lists is this
  server's own final destination (trivial-rewrite's address classes, ADDRESS_CLASS_README):
  mail for it is delivered here, not relayed, and reject_unauth_destination rightly lets it in
  (smtpd_check.c permit_auth_destination). Nothing to assume: whatever the table holds, the
  request either is refused or stays here. (A routed address is never an authorized destination,
  listed or not, so such a branch cannot accept it either.) Transports that send a final
  domain's mail on are judged apart (simulate/transports.py).
- **an assumption**: the branch needs a table the administrator fills (SQL, LDAP, socketmap,
  tcp, a file not given or not readable, a policy server) to answer something specific; the
  proof holds if it does not, and the note says what the table must not do, e.g. that
  relay_domains' table lists only domains this server is a backup MX for. This is issue 13's
  third outcome: undecidable, stated, not an error.
- **a possible open relay** (still an error): the branch needs DNS to answer something (an MX
  record naming this host). DNS is the Internet's, not the administrator's: nothing an assumption
  about one's own tables could cover. So does an inline `regexp:{...}`/`pcre:{...}` access table
  whose patterns the search cannot solve (simulate/pattern_witness.py: a back-reference, look-around):
  its patterns are written in main.cf, nothing is assumed about them (docs/proof.md "Pattern access
  tables"). A solved one is evaluated exactly and never reaches here.
"""

from __future__ import annotations

from typing import Iterable

from mailpolicy.frozen import frozen
from mailpolicy.postfix.table_refs import table_ref

# The domain classes whose tables make a domain this server's final destination.
FINAL_CLASS_TABLES = frozenset({"mydestination", "virtual_alias_domains", "virtual_mailbox_domains"})

# What an access table must not answer, by the part of the request its restriction reads: an OK
# (or RELAY, a number, a permit_* list) before the relay check lets the request skip it.
_ACCESS_SAYS = {
    "check_client_access": "answers OK (or another permit) only for clients trusted to relay",
    "check_reverse_client_hostname_access": "answers OK (or another permit) only for clients trusted to relay",
    "check_helo_access": "answers no permit (OK, RELAY, a permit_* list): any client may send the HELO name it lists",
    "check_sender_access": ("answers no permit (OK, RELAY, a permit_* list): any client may send the MAIL FROM "
                            "address it lists"),
    "check_recipient_access": "answers OK (or another permit) only for recipients this server receives mail for",
    "check_sasl_access": "answers OK (or another permit) only for logins trusted to relay",
}
_GENERIC_SAYS = "answers no permit that lets mail for other domains through"
RELAY_DOMAINS_SAYS = ("lists only domains this server is a backup MX for: mail for a domain it lists is relayed "
                      "for any client")
MYNETWORKS_SAYS = "lists only networks whose hosts are trusted to relay"
POLICY_SAYS = "never answers OK (or another permit) for mail to a domain this server does not receive for"
REWRITE_SAYS = ("answers only with addresses the administrator chose, never one built from the address it is "
                "asked for (as a $1-style pattern or a program could)")


@frozen
class Assumption:
    """A table the proof cannot read, and what it must not do for the proof to hold.

    `parameter` and `position` say where the table is named: a restriction list and the entry's
    position in it, or a parameter whose value names it (position None).
    """

    table: str
    parameter: str
    says: str
    position: int | None = None
    restriction: str | None = None

    @property
    def sentence(self) -> str:
        """Return the assumption as one sentence, e.g. for a note and explain."""
        where = f"{self.restriction} in {self.parameter}" if self.restriction else self.parameter
        return f"{self.table} ({where}) {self.says}"


@frozen
class Judgement:
    """What one accepting branch means: no relay, an error (DNS decides), or relay unless assumptions hold."""

    relays: bool
    assumptions: tuple[Assumption, ...] = ()


NO_RELAY = Judgement(False)
RELAY = Judgement(True)


def judge_branch(choices: Iterable[tuple[str, tuple]], unreadable, recipient_routed: bool,
                 routing_allowed: bool) -> Judgement:
    """Judge an accepting branch by its non-nominal choices: each a (label, (parameter, restriction, position)).

    `unreadable(parameter)` returns the table references of a parameter whose contents are unknown.
    """
    assumptions: list[Assumption] = []
    dns = False
    for label, where in choices:
        parameter, restriction, position = where if where else (None, None, None)
        if label.startswith("contents of ") and _written_inline(label[len("contents of "):]):
            dns = True  # written in main.cf, so no assumption: a pattern table the search cannot solve
        elif label.startswith("contents of "):
            table = label[len("contents of "):]
            says = _ACCESS_SAYS.get(restriction or "", _GENERIC_SAYS)
            if table == "smtpd_sender_login_maps":
                assumptions.extend(Assumption(t, table, _GENERIC_SAYS) for t in unreadable(table) or (table,))
            else:
                assumptions.append(Assumption(table, parameter or "", says, position, restriction))
        elif label.startswith("policy server "):
            assumptions.append(Assumption(label[len("policy server "):], parameter or "", POLICY_SAYS, position,
                                          restriction))
        elif label == "mynetworks tables":
            assumptions.extend(Assumption(t, "mynetworks", MYNETWORKS_SAYS) for t in unreadable("mynetworks") or ("mynetworks",))
        elif label.endswith(" tables") and not label.startswith("DNS"):
            listed = set(label[:-len(" tables")].split(" and "))
            if listed <= FINAL_CLASS_TABLES or (recipient_routed and not routing_allowed):
                return NO_RELAY  # the branch makes the domain this server's own (or refuses a routed address)
            assumptions.extend(Assumption(t, "relay_domains", RELAY_DOMAINS_SAYS)
                               for t in unreadable("relay_domains") or ("relay_domains",))
        else:
            dns = True  # DNS lists, DNS records, MX records, address verification: not the administrator's
    if dns:
        return RELAY
    return Judgement(True, tuple(dict.fromkeys(assumptions)))


def _written_inline(table: str) -> bool:
    """Tell whether a table reference holds its contents in main.cf (`regexp:{...}`, `proxy:pcre:{...}`)."""
    ref = table_ref(table)
    return ref is not None and ref.inline
