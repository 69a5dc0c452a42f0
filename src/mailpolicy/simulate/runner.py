"""Evaluate one restriction list the way smtpd's generic_checks() does.

postconf(5): "Restrictions are applied in the order as specified; the first restriction that
matches wins." A permit ends its own list only; a reject ends the request. Names compare
without regard to case. A name in smtpd_restriction_classes is a list of its own, evaluated in
place: its permit or reject ends the outer list too, as an access table's restriction-list
result does. An unknown name makes smtpd log "unknown smtpd restriction" and answer
"451 4.3.5 Server configuration error" (measured on 3.7).
"""

from __future__ import annotations

import attrs

from mailpolicy.frozen import frozen, mutable
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.restriction_lists import entries, split_words, takes_argument
from mailpolicy.simulate.context import (
    DEFER_IF_PERMIT, DEFER_IF_REJECT, DUNNO, PERMIT, REJECT, WARN_IF_REJECT, Context, Outcome, Step, dunno, reject,
)
from mailpolicy.simulate.restrictions import EVALUATORS

SERVER_ERROR = "451 4.3.5 Server configuration error"
# smtpd_check.c check_table_result(): "Don't get carried away with recursion": an access table's
# restriction-list result evaluated with state->recursion (the number of generic_checks() calls
# in progress) above 100 gets a server configuration error.
MAX_TABLE_RECURSION = 100
# Restriction classes have no such limit: a class that reaches itself again recurses until smtpd
# runs out of stack and dies (measured on 3.7: "smtpd ... killed by signal 11", the client sees
# the connection close). The request and the class list do not change between rounds and the
# flags only ever get set, so a class nesting this much deeper than the table limit is a loop.
CRASH = "(no reply: smtpd crashes"


def class_loop_depth(classes: int) -> int:
    """Return a nesting depth only a restriction class that reaches itself forever gets past."""
    return MAX_TABLE_RECURSION + 6 * (classes + 1)


@mutable
class Flags:
    """What earlier restrictions asked for: defer_if_permit, defer_if_reject, warn_if_reject."""

    defer_if_permit: Outcome | None = None
    defer_if_reject: Outcome | None = None
    defer_if_reject_list: str | None = None  # the list whose defer_if_reject is in force
    warn: bool = False
    discarded: bool = False  # an access table said DISCARD: every later list stops at once

    def saved(self) -> tuple:
        """Return the flags as a tuple (`restore` sets them back)."""
        return self.defer_if_permit, self.defer_if_reject, self.defer_if_reject_list, self.warn

    def restore(self, saved: tuple) -> None:
        """Set the flags to what `saved` returned."""
        self.defer_if_permit, self.defer_if_reject, self.defer_if_reject_list, self.warn = saved

    def deferred(self, outcome: Outcome) -> Outcome:
        """Return a 5xx reject as the 4xx deferral a defer_if_reject in force asks for."""
        if self.defer_if_reject is None or outcome.kind != REJECT or not outcome.reply.startswith("5"):
            return outcome
        return attrs.evolve(outcome, reply=self.defer_if_reject.reply,
                            note=outcome.note + "; deferred by an earlier defer_if_reject")


@frozen
class Ended:
    """How a list ended: the outcome and the step that gave it (None: the list ran out)."""

    outcome: Outcome
    step: Step | None


class Runner:
    """Run restriction lists for one request, keeping a trace and the flags as far as smtpd keeps them."""

    def __init__(self, ctx: Context, trace: list[str], tape=None) -> None:
        self.ctx = ctx
        self.trace = trace
        self.flags = Flags()
        self.current: Step | None = None
        self.depth = 0  # how many lists are being evaluated inside the top one
        # explore.Tape, when the request is explored: it learns where each restriction starts
        # and in what state, so that a run taking another answer there starts there too.
        self.tape = tape

    def run(self, parameter: str, words: tuple[str, ...], reply_name: str, reply_class: str,
            depth: int = 0) -> Ended:
        """Evaluate a list; return the permit or reject that ended it, or dunno when none did."""
        if depth == 0:
            # Measured on 3.7: warn_if_reject never reaches past its own list; defer_if_reject
            # does not reach from the client list to the helo list, nor from either to the sender
            # list, nor from the sender list to the relay list, but does reach from the relay list
            # into the recipient list (smtpd checks those two together, at RCPT TO). Only
            # defer_if_permit waits for the end of all lists.
            self.flags.warn = False
            # smtpd_check.c smtpd_check_rcpt(): SMTPD_CHECK_RESET() before the relay and
            # recipient lists, not between them, in whichever order
            # smtpd_relay_before_recipient_restrictions puts them.
            if parameter != self.ctx.model.rcpt_lists[1]:
                self.flags.defer_if_reject = self.flags.defer_if_reject_list = None
        outer, self.depth = self.depth, depth
        try:
            return self._run_at(parameter, words, reply_name, reply_class, depth)
        finally:
            self.depth = outer

    def _run_at(self, parameter: str, words: tuple[str, ...], reply_name: str, reply_class: str,
                depth: int) -> Ended:
        tape = self.tape
        if tape is None:
            return self._run(parameter, words, reply_name, reply_class, depth, 0)
        resumed = tape.enter(depth == 0)
        if isinstance(resumed, Ended):
            return resumed  # an earlier run with the same answers so far saw this list end so
        start = 0
        if resumed is not None:
            start, state = resumed
            if state is not None:
                trace, length, flags = state
                self.trace[:] = trace[:length]
                self.flags.restore(flags)
        ended = self._run(parameter, words, reply_name, reply_class, depth, start)
        tape.leave(ended)
        return ended

    def _run(self, parameter: str, words: tuple[str, ...], reply_name: str, reply_class: str, depth: int,
             start: int) -> Ended:
        tape = self.tape
        listed = entries(words)
        for entry in listed[start:] if start else listed:
            if self.flags.discarded:
                # generic_checks(): "if (state->discard != 0) break;" at the top of every list.
                self.trace.append(f"  {parameter}: skipped: an earlier DISCARD ends every list")
                return Ended(dunno(), None)
            step = Step(entry.name, entry.argument, parameter, entry.position, reply_name, reply_class)
            if tape is not None:
                tape.mark(entry.position, (self.trace, len(self.trace), self.flags.saved()))
            outcome = self.evaluate(step, depth)
            shown = entry.shown
            if outcome.kind == WARN_IF_REJECT:
                self.flags.warn = True
                self.trace.append(f"  {parameter}: {shown}: the next rejection only warns")
                continue
            warned, self.flags.warn = self.flags.warn, False
            if outcome.kind == DEFER_IF_PERMIT and warned:
                # Measured on 3.7: smtpd logs it as a reject_warning and sets nothing.
                self.trace.append(f"  {parameter}: {shown}: logged as reject_warning ({outcome.reply})")
                continue
            if outcome.kind == DEFER_IF_PERMIT:
                self.flags.defer_if_permit = self.flags.defer_if_permit or outcome
            elif outcome.kind == DEFER_IF_REJECT:
                if self.flags.defer_if_reject is None:
                    self.flags.defer_if_reject, self.flags.defer_if_reject_list = outcome, parameter
            elif outcome.kind == REJECT and warned and not _unwarnable(outcome):
                self.trace.append(f"  {parameter}: {shown}: would reject ({outcome.reply}); logged as reject_warning")
                continue
            elif self.flags.deferred(outcome) is not outcome:
                if self.flags.defer_if_permit is not None and self.flags.defer_if_reject_list == parameter:
                    # Measured on 3.7: with a defer_if_permit pending, a 5xx in the very list of
                    # the defer_if_reject is dropped and ends that list; later lists still run
                    # (and the pending defer_if_permit answers if none of them rejects).
                    self.trace.append(f"  {parameter}: {shown}: would reject ({outcome.reply}); dropped "
                                      "(defer_if_reject in this list, defer_if_permit pending): the list ends")
                    return Ended(dunno(), None)
                # A later 5xx turns into the deferral defer_if_reject asked for (measured on 3.7).
                outcome = self.flags.deferred(outcome)
            self.trace.append(f"  {parameter}: {shown}: {_describe(outcome)}")
            if outcome.kind in (PERMIT, REJECT):
                return Ended(outcome, step)
            if self.flags.defer_if_permit is not None and self.flags.defer_if_reject is not None:
                # generic_checks(): "if (state->defer_if_permit.active &&
                # state->defer_if_reject.active) break;": nothing later in this list can change
                # the answer, so the list ends undecided.
                self.trace.append(f"  {parameter}: defer_if_permit and defer_if_reject both pending: the list ends")
                return Ended(dunno(), None)
        return Ended(dunno(), None)

    def evaluate(self, step: Step, depth: int) -> Outcome:
        """Return one restriction's outcome (a restriction class is evaluated in place)."""
        self.current = step
        ctx = self.ctx
        model = ctx.model
        known = step.name in EVALUATORS and _available(step.name, model.version)
        if known:
            if takes_argument(step.name) and step.argument is None:
                return reject(SERVER_ERROR, f"{step.name} needs an argument; smtpd logs a configuration error")
            return EVALUATORS[step.name](ctx, step)
        if step.name in model.classes:
            return self.nested(step, ctx.config.value(step.name), f"restriction class {step.name}", depth,
                               parameter=step.name)
        return reject(SERVER_ERROR, f"unknown restriction {step.name}: smtpd logs \"unknown smtpd restriction\"")

    def nested(self, step: Step, value: str, where: str, depth: int, parameter: str | None = None) -> Outcome:
        """Evaluate a restriction list found inside another (a class, or an access table's result)."""
        if parameter is None:
            # check_table_result(): a result naming a table ("do not specify lookup tables inside
            # SMTPD access maps") or evaluated past the recursion limit is a configuration error.
            if ":" in value:
                return reject(SERVER_ERROR, f"{where}: an access table result may not name a table")
            if depth + 1 > MAX_TABLE_RECURSION:
                return reject(SERVER_ERROR, f"{where}: causes unreasonable recursion (smtpd's limit is "
                                            f"{MAX_TABLE_RECURSION} nested lists)")
        elif depth + 1 > class_loop_depth(len(self.ctx.model.classes)):
            return reject(f"{CRASH}: restriction class {step.name} reaches itself without end)",
                          f"{where} nests without end: smtpd runs out of stack and dies")
        self.trace.append(f"  {step.parameter}: {step.name}: evaluates {where} = {value}")
        ended = self.run(parameter or step.parameter, split_words(value), step.reply_name, step.reply_class,
                         depth + 1)
        if ended.step is not None:
            self.current = ended.step
        return ended.outcome if ended.outcome.kind != DUNNO else dunno(f"{where}: no restriction decided")


def _available(name: str, version: str) -> bool:
    # A deprecated name (check_recipient_maps, the Postfix 2.0 name of reject_unlisted_recipient)
    # still works in 3.7; only a version that lacks a name refuses it.
    problem = pf.check_restriction(name, version)
    return problem is None or problem.kind not in ("too_new", "removed")


def _unwarnable(outcome: Outcome) -> bool:
    # smtpd_check.c smtpd_check_reject(): warn_if_reject does not soften a MAIL_ERROR_SOFTWARE
    # reject (reject_server_error's "451 4.3.5 Server configuration error"), and a HANGUP or a
    # crash leaves nothing to warn about.
    return outcome.reply == SERVER_ERROR or outcome.reply.startswith("(")


def _describe(outcome: Outcome) -> str:
    text = {PERMIT: "permit", REJECT: f"reject: {outcome.reply}", DUNNO: "no decision",
            DEFER_IF_PERMIT: "defer if a later restriction permits",
            DEFER_IF_REJECT: "defer if a later restriction rejects"}.get(outcome.kind, outcome.kind)
    return f"{text} ({outcome.note})" if outcome.note else text
