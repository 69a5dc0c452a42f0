"""What a restriction sees when smtpd evaluates it, and what it answers."""

from __future__ import annotations

from typing import Callable

from mailpolicy.frozen import frozen
from mailpolicy.simulate.address import Resolved
from mailpolicy.simulate.request import Request

DUNNO = "dunno"
PERMIT = "permit"
REJECT = "reject"          # any 4xx or 5xx reply; the code says which
DEFER_IF_PERMIT = "defer_if_permit"
DEFER_IF_REJECT = "defer_if_reject"
WARN_IF_REJECT = "warn_if_reject"

# Which part of a request each list's restrictions speak of, in smtpd's reply texts.
CLIENT, HELO, SENDER, RECIPIENT = "Client host", "Helo command", "Sender address", "Recipient address"


@frozen
class Outcome:
    """A restriction's answer: dunno (next restriction), permit, reject (with reply), or a flag."""

    kind: str
    reply: str = ""
    note: str = ""
    sources: tuple[str, ...] = ()


def dunno(note: str = "", sources: tuple[str, ...] = ()) -> Outcome:
    return Outcome(DUNNO, note=note, sources=sources)


def permit(note: str = "", sources: tuple[str, ...] = ()) -> Outcome:
    return Outcome(PERMIT, note=note, sources=sources)


def reject(reply: str, note: str = "", sources: tuple[str, ...] = ()) -> Outcome:
    return Outcome(REJECT, reply, note, sources)


@frozen
class Step:
    """One restriction being evaluated: its name, argument, the list it is in, and how replies name things."""

    name: str
    argument: str | None
    parameter: str
    position: int
    reply_name: str
    reply_class: str


# A choice point: (what is unknown, the possible outcomes, nominal first) -> the outcome taken.
Chooser = Callable[[str, tuple[Outcome, ...]], Outcome]


class Context:
    """A request being decided, with everything a restriction may ask about it."""

    def __init__(self, model, request: Request, choose: Chooser, known: frozenset[str]) -> None:
        self.model = model
        self.config = model.config
        self.request = request
        self.choose = choose
        # Which parts of the request smtpd knows yet: with smtpd_delay_reject = no the client
        # list runs at connect time, before HELO, AUTH, MAIL FROM and RCPT TO.
        self.known = known
        self._resolved: dict[str, Resolved] = {}
        self.runner = None  # the Runner evaluating lists for this request (nested lists need it)

    def has(self, part: str) -> bool:
        return part in self.known

    @property
    def login(self) -> str | None:
        if "login" not in self.known or not self.model.sasl_enabled:
            return None
        return self.request.sasl_login

    def resolve(self, address: str) -> Resolved:
        if address not in self._resolved:
            self._resolved[address] = self.model.resolver.resolve(address)
        return self._resolved[address]

    def reply(self, code: str, dsn: str, text: str) -> str:
        """Return an SMTP reply, its DSN class made to agree with the code, soft_bounce applied."""
        # smtpd_check_reject(): the enhanced status code follows the reply code's class, and
        # soft_bounce = yes turns every 5xx into 4xx (postconf(5) soft_bounce).
        if self.model.soft_bounce and code.startswith("5"):
            code = "4" + code[1:]
        if dsn and dsn[0] in "45":
            dsn = code[0] + dsn[1:]
        return f"{code} {dsn} {text}".replace("  ", " ").strip()
