"""The requests MP307 (checks/shading.py) decides a list on: every class the restrictions tell apart.

A rejection is shaded only if *every* request it would reject meets a permit first. Deciding that
on a few sample requests was a false error whenever the samples happened to be keys of an access
table before it (`check_recipient_access inline:{gmail.test=OK}, reject_unauth_destination`: the
sample remote recipient was at gmail.test, so every rejected sample was permitted first, while
mail to any other remote domain is rejected). The requests are now the relay proof's candidate
classes (simulate/proof.py request_classes): every key of every known access table written so
that key is met first, every local and relay domain, every address form smtpd resolves
differently, and fresh values no table names. For exact-match tables that set meets every answer
each table can give (docs/proof.md "The requests searched, and why they are enough"), so a
rejection every one of these requests reaches only after a permit is shaded for every request.

Each client class is tried with them: outside clients (one per class of client address), a
trusted client, and logged-in clients (a login owning each sample address, and one owning none),
each with the owned senders too. Tables whose contents are unknown answer "not found" when the
list before a rejection runs (nominal answers), so a permit that only such a table gives never
shades anything: MP307 says nothing it cannot show.

Above MAX_REQUESTS per client class the product is not enumerated and the service gets no MP307
at all: a claim that a rejection never fires needs every class tried, and fewer requests could
only make it wrong (silence is sound; the relay and ownership proofs judge the same lists).
"""

from __future__ import annotations

import itertools

from mailpolicy.simulate import PostfixModel, Request
from mailpolicy.simulate.address import strip_source_route
from mailpolicy.simulate.proof import request_classes

STRANGER = "nobody-owns-this-login"
MAX_REQUESTS = 4000
FRESH_SENDER = "someone@fresh-nothing-names.example"
FRESH_HELO = "fresh-nothing-names.example"


def client_requests(model: PostfixModel, trusted: str, owned: list[tuple[str, str]]) -> dict[str, list[Request]] | None:
    """Return the requests of each client class: anonymous outside clients, a trusted one, logged-in ones.

    `owned` is a few (address, login) pairs of the sender login map; a login nobody's map names is
    added, so a login owning nothing is tried too. None: too many to try (MAX_REQUESTS).
    """
    classes = request_classes(model)
    clients, helos = classes["client_address"], list(dict.fromkeys([*classes["helo"], FRESH_HELO]))
    # A sender and HELO name no table names (the proof's base ones a table may well list), and the
    # addresses as smtpd's restrictions see them: extract_addr() drops a source route first (smtpd.c).
    senders = _as_checked([*classes["sender"], FRESH_SENDER, *(address for address, _ in owned)])
    recipients = _as_checked(classes["recipient"])
    logins = list(dict.fromkeys([*(login for _, login in owned), STRANGER]))

    def requests(addresses: list[str], login: str | None) -> list[Request]:
        return [Request(client, login, sender, recipient, helo)
                for client, helo, sender, recipient in itertools.product(addresses, helos, senders, recipients)]

    if len(clients) * len(helos) * len(senders) * len(recipients) > MAX_REQUESTS:
        return None
    return {
        "anonymous clients": requests(clients, None),
        "trusted clients": requests([trusted], None),
        "logged-in clients": [r for login in logins for r in requests(clients[:1], login)],
    }


def _as_checked(addresses: list[str]) -> list[str]:
    return list(dict.fromkeys(strip_source_route(address) for address in addresses))
