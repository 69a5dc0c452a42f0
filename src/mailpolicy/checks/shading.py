"""Find rejections an earlier permit makes dead (MP307), in every list the plan holds.

postconf(5): in a restriction list "the first restriction that matches wins", and a permit ends
the list. A reject_* is shaded when, for every request it would reject, a permit earlier in the
same list matches first, so it never fires (as aerleon's _DetectShading finds a term that an
earlier term makes unreachable). The simulator decides it: each reject_* (and reject, defer,
defer_*) is evaluated alone for requests of every client class - anonymous outside clients,
a trusted one, logged-in clients - with every class of HELO name, sender and recipient the
restrictions tell apart (checks/shading_requests.py: complete for exact-match tables, so a
table key is never mistaken for every value); then the list is run up to it for the same requests.

Reported: a rejection dead for every client it could reject; and a *_sender_login_mismatch
dead for every logged-in client (the seed's `permit_sasl_authenticated,
reject_sender_login_mismatch`: a login may then send as anyone). A rejection that only trusted
or logged-in clients skip (`permit_mynetworks, reject_unauth_destination`) is what such a list
is for, and is not reported; nor is a compiler-written list shaded by permit_mynetworks, which
only happens when the trusted networks hold every address (MP302/MP303 and MP301 report that).
A rejection after a bare `permit` is a warning: the author ended the list on purpose, and the dead
entry opens nothing (MP301 proves relaying on its own), unless it is a login check.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.shading_requests import client_requests
from mailpolicy.diagnostics import Diagnostic, Related, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import (LOGGED_IN_LOGIN_CHECKS, LOGIN_MISMATCH_CHECKS, SMTPD_LISTS, Entry,
                                                 entries)
from mailpolicy.simulate import PostfixModel, Request
from mailpolicy.simulate.alone import evaluate_alone, run_list_alone
from mailpolicy.simulate.context import PERMIT, REJECT
from mailpolicy.simulate.runner import Ended



@frozen
class Shading:
    """A rejection an earlier permit beats: where both stand, and for whom it never fires."""

    parameter: str
    position: int
    name: str
    permit_position: int
    permit_name: str
    who: str  # "any client" or "a logged-in client"


def check_shading(host: Host) -> Iterator[Diagnostic]:
    """Report each reject_* that an earlier permit_* in its list always beats, in every service."""
    return host.per_service(_shaded)


def _shaded(service: Service) -> Iterator[Diagnostic]:
    model = service.model()
    if model.fatal:
        return  # smtpd would not start: nothing is decided by its lists (the audit reports it, MP712)
    classes = client_requests(model, service.trusted_client(), service.owned_samples(3))
    if classes is None:
        return  # too many request classes to try them all: a shading claim on fewer could be false
    for found in find_shading(model, classes):
        if found.permit_name == "permit_mynetworks" and (found.who == "any client" or service.compiled(found.parameter)):
            continue  # the trusted networks hold everyone: MP302/MP303 and MP301 name that entry
        span = service.entry_span(found.parameter, found.position) or service.fallback_span()
        permit_span = service.entry_span(found.parameter, found.permit_position)
        severity = {}
        if found.permit_name == "permit" and found.name not in LOGIN_MISMATCH_CHECKS:
            # A bare `permit` ends its list on purpose; what follows is dead but opens nothing the
            # proofs do not judge on their own (relaying: MP301 over smtpd_relay_restrictions too;
            # sender ownership: the login checks above stay errors). A warning, not a refusal.
            severity = {"severity": Severity.WARNING}
        yield cat.SHADED_RESTRICTION.at(
            span, shading_message(found), hint=shading_hint(found, service.compiled(found.parameter)),
            related=(Related(permit_span, f"{found.permit_name} permits first here"),) if permit_span else (),
            **severity)


def shading_message(found: Shading) -> str:
    """Return the message for a shaded rejection."""
    whom = "them" if found.who != "any client" else "every client it would reject"
    return (f"{found.name} in {found.parameter} can never reject {found.who}: {found.permit_name} before it "
            f"permits {whom} first, and a permit ends the list")


def find_shading(model: PostfixModel, classes: dict[str, list[Request]]) -> list[Shading]:
    """Return every rejection in every list of a model that an earlier permit always beats."""
    found: list[Shading] = []
    for parameter in [*SMTPD_LISTS, *sorted(model.classes)]:
        words = model.config.words(parameter)
        listed = entries(words)
        runs = _Runs(model, parameter, words)
        for entry in listed:
            if entry.position == 0 or not _rejects_only(entry.name):
                continue
            shaded = _shading(model, parameter, entry, runs, classes)
            if shaded is not None:
                who, permit_position = shaded
                found.append(Shading(parameter, entry.position, entry.name, permit_position,
                                     listed[permit_position].name, who))
    return found


def _rejects_only(name: str) -> bool:
    return name in ("reject", "defer") or name.startswith(("reject_", "defer_")) and name not in (
        "defer_if_permit", "defer_if_reject")


def _shading(model: PostfixModel, parameter: str, entry: Entry, runs: _Runs,
             classes: dict[str, list[Request]]) -> tuple[str, int] | None:
    """Return (whom it never rejects, the position of the permit that shades it), or None."""
    name, argument = entry.name, entry.argument
    per_class: dict[str, Counter] = {}
    reachable: set[str] = set()
    for who, requests in classes.items():
        permits: Counter = Counter()
        for request in requests:
            if not _would_reject(model, request, parameter, name, argument):
                continue
            ended = runs.ended_before(request, entry.position)
            if ended is None:
                reachable.add(who)
            elif ended.outcome.kind == PERMIT:
                permits[ended.step.position] += 1
        if permits:
            per_class[who] = permits
    dead = {who: permits for who, permits in per_class.items() if who not in reachable}
    if not dead:
        return None
    if not reachable:
        return "any client", _most_common(dead)
    # Only a check that refuses logged-in clients something can be shaded for them alone.
    if name in LOGGED_IN_LOGIN_CHECKS and "logged-in clients" in dead:
        return "a logged-in client", dead["logged-in clients"].most_common(1)[0][0]
    return None


def _most_common(dead: dict[str, Counter]) -> int:
    total: Counter = Counter()
    for permits in dead.values():
        total.update(permits)
    return total.most_common(1)[0][0]


def _would_reject(model: PostfixModel, request: Request, parameter: str, name: str, argument: str | None) -> bool:
    """Tell whether the restriction alone rejects the request for some answer of DNS or a table."""
    rejects = []

    def choose(key, outcomes):
        rejects.extend(o.kind == REJECT for o in outcomes)
        return outcomes[0]

    outcome = evaluate_alone(model, request, parameter, name, argument, choose)
    return outcome.kind == REJECT or any(rejects)


class _Runs:
    """How one list ends for each request, run once: every rejection in it asks about the part before it.

    Running the list up to each restriction would be quadratic in the list's length; the list up
    to a restriction ends where the whole list does, if that is before the restriction (smtpd
    evaluates a list in order and stops at the first permit or reject; nominal answers throughout).
    """

    def __init__(self, model: PostfixModel, parameter: str, words: tuple[str, ...]) -> None:
        self.model = model
        self.parameter = parameter
        self.words = words
        self._ended: dict[Request, Ended] = {}

    def ended_before(self, request: Request, position: int) -> Ended | None:
        """Return how the list ended before the restriction at `position`, or None if it was reached."""
        ended = self._ended.get(request)
        if ended is None:
            ended = self._ended[request] = run_list_alone(self.model, request, self.parameter, self.words)
        if ended.outcome.kind in (PERMIT, REJECT) and ended.step.position < position:
            return ended
        return None


def shading_hint(found: Shading, compiled: bool) -> str:
    """Return what to do about a shaded rejection (`compiled`: the compiler wrote the list)."""
    name, permit_name = found.name, found.permit_name
    if permit_name == "permit_mynetworks":
        return "the trusted networks hold every client address; trust only the networks that really send here"
    if compiled:
        return f"the compiler wrote this list; what {permit_name} matches comes from the statement it cites"
    if name in LOGIN_MISMATCH_CHECKS:
        return (f"put {name} before {permit_name}, or leave it to smtpd_sender_restrictions, where the "
                "policy's `allow user` lines already place it with no permit before it")
    return f"move {name} before {permit_name}, or remove it if it is not meant to apply"

