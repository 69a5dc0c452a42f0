"""Run every `expect` line against the simulator (MP501 failed, MP502 cannot be decided).

Each line is one request: `anonymous` comes from 203.0.113.9, an Internet address no trusted
network holds; `trusted` from an address inside the first trusted network (127.0.0.1 when
there is none); `user LOGIN` from 203.0.113.9, logged in as LOGIN. `expect accept` holds when
Postfix answers 2xx; `expect reject` only when it answers 5xx (a 4xx deferral is not a
rejection: the client will try again). A failure says which list and restriction decided, why,
and the reply Postfix would give.

What DNS or an unknown table would answer is taken to be the nominal answer: no DNS list lists
the client, every domain is in DNS, an unknown table holds none of the request's keys, a policy
server answers DUNNO. A failure that holds only under that assumption says so. An expectation
cannot be evaluated (MP502) when smtpd would not start at all.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.analyze.simulation import entry_span, parameter_span, request_for
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model.policy import Expectation
from mailpolicy.simulate import Decision, Verdict

_WORDS = {Verdict.ACCEPT: "accepts", Verdict.REJECT: "rejects", Verdict.DEFER: "defers (temporary error)"}


def check_expectations(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report each `expect` line the compiled configuration does not honour."""
    if not ctx.policy.expectations:
        return
    if ctx.plan.services:  # one smtpd per stated service, each with its own expect lines
        from mailpolicy.analyze.services import check_service_expectations

        yield from check_service_expectations(ctx, check_expectations)
        return
    model = ctx.model()
    if model.fatal:
        yield cat.EXPECTATION_INVALID.at(
            ctx.policy.expectations[0].span, f"no expectation can be evaluated: smtpd would not start ({model.fatal})",
            hint="fix the restriction lists so smtpd starts")
        return
    for expectation in ctx.policy.expectations:
        request = request_for(ctx, expectation.client, expectation.login, expectation.sender, expectation.recipient)
        outcomes = model.branches(request)
        decision = outcomes[0].decision
        wanted = expected_verdict(expectation)
        depends = _depends_on_dns(outcomes, wanted)
        if depends is not None:
            yield cat.EXPECTATION_DEPENDS_ON_DNS.at(
                expectation.span, f"whether Postfix {_WORDS[wanted].split()[0]} {_request(expectation)} depends on "
                f"DNS: {depends}", hint="the compile cannot know what DNS will answer; `mailpolicy verify` asks a "
                "real Postfix, or choose a sender whose domain this server receives mail for")
            continue
        if decision.verdict is wanted:
            continue
        assumed = ""
        if len({b.decision.verdict for b in outcomes}) > 1:
            assumed = " (assuming no DNS list lists the client and unknown tables hold none of its keys)"
            unread = [t.reference for t in ctx.plan.sql_tables if t.reference not in ctx.plan.database_rows]
            if unread:
                # The answer is in rows this compile does not read: not a failure, a stated assumption.
                yield cat.EXPECTATION_NEEDS_DATABASE.at(
                    expectation.span, f"whether Postfix {_WORDS[wanted].split()[0]} "
                    f"{_request(expectation)} depends on what {', '.join(unread)} answers",
                    hint="`mailpolicy check --db` decides it with the rows as they are now; `mailpolicy verify "
                         "--database ROWS.sql` on a real server")
                continue
            maps = [m.reference for m in ctx.policy.owner_maps] if ctx.policy.sasl else []
            if maps:
                # The site's own login maps: no compile reads them; verify with stand-in rows does.
                yield cat.EXPECTATION_NEEDS_OWNER_MAP.at(
                    expectation.span, f"whether Postfix {_WORDS[wanted].split()[0]} {_request(expectation)} "
                    f"depends on what {', '.join(maps)} answers",
                    hint="`mailpolicy verify POLICY --owners-map REF=ROWS` decides it with those rows standing in")
                continue
        yield cat.EXPECTATION_FAILED.at(
            expectation.span,
            f"expected {wanted.value}, but Postfix {_WORDS[decision.verdict]} {_request(expectation)}{assumed}: "
            f"{_decided_by(decision)} - \"{decision.reply}\"",
            hint=_hint(decision, wanted), related=_related(ctx, decision))

def _depends_on_dns(outcomes: list, wanted: Verdict) -> str | None:
    """Say how the verdict follows DNS, when only DNS answers (records, DNS lists) decide whether it is `wanted`.

    Then neither a pass nor a failure would be true: the nominal answer (every domain in DNS, no
    list lists anything) is an assumption, and the line's verdict is one of the answers.
    """
    verdicts = {b.decision.verdict for b in outcomes}
    if len(verdicts) < 2 or wanted not in verdicts:
        return None
    nominal = outcomes[0].decision
    others = [b for b in outcomes[1:] if b.decision.verdict is not nominal.verdict]
    if not all(label.startswith("DNS ") for b in others for label, _ in b.choices):
        return None
    said = []
    for branch in others:
        answer = " and ".join(branch.answers)
        decided = f"{branch.decision.restriction} in {branch.decision.parameter}" if branch.decision.restriction \
            else branch.decision.parameter
        said.append(f"it {_WORDS[branch.decision.verdict]} when {answer} ({decided}: \"{branch.decision.reply}\")")
    return "; ".join(dict.fromkeys(said)) + f"; it {_WORDS[nominal.verdict]} otherwise"


def expected_verdict(expectation: Expectation) -> Verdict:
    """The verdict an `expect` line states: accept, reject (5xx) or defer (4xx, try later)."""
    return Verdict.ACCEPT if expectation.accept else Verdict.DEFER if expectation.defer else Verdict.REJECT


def _request(expectation: Expectation) -> str:
    who = {"anonymous": "an anonymous client", "trusted": "a trusted client"}.get(
        expectation.client.value, f"user {expectation.login}")
    return f"{who} sending as <{expectation.sender}> to <{expectation.recipient}>"


def _decided_by(decision: Decision) -> str:
    if decision.restriction and decision.parameter:
        return f"{decision.restriction} in {decision.parameter} decided ({decision.reason})"
    if decision.parameter:
        return f"{decision.parameter} decided ({decision.reason})"
    return decision.reason or "no restriction decided"


def _hint(decision: Decision, wanted: Verdict) -> str:
    if wanted is Verdict.ACCEPT:
        return "the line that decided is shown below; if the expectation is right, the policy is not"
    if decision.verdict is Verdict.DEFER:
        return ("it is refused for now (4xx), and a client tries again later: write `expect defer`, or refuse it "
                "for good (`relay` without `, others try later`)")
    if wanted is Verdict.DEFER and decision.verdict is Verdict.REJECT:
        return "it is refused for good (5xx), not for now: write `expect reject`, or correct the policy"
    return "nothing refused this request; add the statement that should refuse it, or correct the expectation"


def _related(ctx: AnalysisContext, decision: Decision) -> tuple[Related, ...]:
    related = []
    span = entry_span(ctx, decision.parameter, decision.position)
    if span is not None:
        related.append(Related(span, f"{decision.restriction or decision.parameter} decided here"))
    for name in decision.sources:
        source = parameter_span(ctx, name)
        if source is not None and source != span:
            related.append(Related(source, f"{name} is decided here"))
    return tuple(related)
