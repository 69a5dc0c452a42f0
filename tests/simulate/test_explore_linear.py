"""Exploring a request's unknown answers: same decisions as replaying from the start, linear work.

`simulate/explore.py` starts the run for another answer at the restriction that asked (the
runner saves its state there) instead of deciding the request again from the start. The oracle
here is the replaying algorithm it replaced, kept verbatim: on generated configurations (every
list, restriction classes, flags, access tables whose values are restriction lists, delayed or
immediate rejection) both must give the same branches in the same order and the same combined
decision, with and without the run limit cut short. Bounded and derandomized for CI.
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from mailpolicy.simulate import explore
from mailpolicy.simulate.explore import MAX_RUNS
from mailpolicy.simulate.context import reject
from mailpolicy.simulate.registry import EVALUATORS
from mailpolicy.simulate.request import Decision, Request, Verdict
from mailpolicy.simulate.runner import Runner
from tests.simulate.support import OUTSIDE, model

# --- the replaying algorithm, as it was before it resumed at the choice (the oracle) ----------


@attrs.frozen
class _OldChoice:
    label: str
    where: tuple
    index: int
    count: int
    note: str


def _old_runs(run, limit: int) -> tuple[list, bool]:
    results: list[tuple[Decision, list[_OldChoice]]] = []
    pending: list[tuple[int, ...]] = [()]
    truncated = False
    while pending:
        prefix = pending.pop()
        taken: list[_OldChoice] = []

        def choose(key, options, prefix=prefix, taken=taken):
            label, where = key
            index = prefix[len(taken)] if len(taken) < len(prefix) else 0
            taken.append(_OldChoice(label, where, index, len(options), options[index].note))
            return options[index]

        results.append((run(choose), taken))
        for depth in range(len(prefix), len(taken)):
            base = tuple(c.index for c in taken[:depth])
            pending.extend(base + (alternative,) for alternative in range(taken[depth].count - 1, 0, -1))
        if len(results) >= limit and pending:
            truncated = True
            break
    return results, truncated


def _old_branches(run, limit: int = MAX_RUNS) -> list[tuple[Decision, tuple[str, ...]]]:
    results, _ = _old_runs(run, limit)
    return [(decision, tuple(c.note for c in taken if c.index)) for decision, taken in results]


# --- generated configurations -----------------------------------------------------------------

ENTRIES = (
    "check_client_access hash:/etc/postfix/unknown1", "check_client_access hash:/etc/postfix/unknown2",
    "check_sender_access hash:/etc/postfix/unknown3", "check_recipient_access hash:/etc/postfix/unknown4",
    "check_helo_access hash:/etc/postfix/unknown5", "check_sender_mx_access hash:/etc/postfix/unknown6",
    "reject_rbl_client zen.example", "reject_rhsbl_sender dbl.example", "permit_dnswl_client list.example",
    "reject_unknown_sender_domain", "reject_unknown_helo_hostname", "check_policy_service unix:private/policy",
    "reject_unverified_recipient",
    # known tables: a value that is a restriction list is evaluated in place (and may ask again)
    "check_client_access hash:/etc/postfix/nested", "check_sender_access hash:/etc/postfix/senders",
    "myclass", "otherclass",
    "permit", "reject", "defer", "permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination",
    "defer_unauth_destination", "permit_auth_destination", "defer_if_permit", "defer_if_reject", "warn_if_reject",
    "reject_non_fqdn_sender", "reject_unlisted_recipient", "reject_sender_login_mismatch",
)
LISTS = ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
         "smtpd_relay_restrictions", "smtpd_recipient_restrictions")
TABLES = {
    # A result may not name a table (smtpd_check.c check_table_result(): 451), so the unknown
    # answers inside it come from DNS.
    "hash:/etc/postfix/nested": {"203.0.113.9": "reject_rbl_client nested.example, reject_unknown_helo_hostname, "
                                                "permit_dnswl_client ok.example"},
    "hash:/etc/postfix/senders": {"evil.test": "DEFER_IF_PERMIT", "example0.com": "reject_unknown_helo_hostname",
                                  "a@gmail.test": "REJECT"},
    "hash:/etc/postfix/logins": {"jim@example0.com": "jim"},
}
CLASS_BODY = st.lists(st.sampled_from(ENTRIES[:13] + ENTRIES[17:]), min_size=1, max_size=4).map(", ".join)


@st.composite
def configurations(draw):
    params = {name: ", ".join(draw(st.lists(st.sampled_from(ENTRIES), max_size=6))) for name in
              draw(st.lists(st.sampled_from(LISTS), min_size=1, max_size=5, unique=True))}
    if not any(w in params.get("smtpd_relay_restrictions", "") + params.get("smtpd_recipient_restrictions", "")
               for w in ("reject_unauth_destination", "defer_unauth_destination")):
        params["smtpd_relay_restrictions"] = params.get("smtpd_relay_restrictions", "") + ", reject_unauth_destination"
    params.update(smtpd_restriction_classes="myclass, otherclass", myclass=draw(CLASS_BODY),
                  otherclass=draw(CLASS_BODY), smtpd_delay_reject=draw(st.sampled_from(("yes", "no"))),
                  smtpd_sasl_auth_enable="yes", smtpd_sender_login_maps="hash:/etc/postfix/logins")
    request = Request(draw(st.sampled_from((OUTSIDE, "127.0.0.1"))), draw(st.sampled_from((None, "jim"))),
                      draw(st.sampled_from(("a@evil.test", "jim@example0.com", "a@gmail.test", ""))),
                      draw(st.sampled_from(("u@gmail.test", "u@example0.com", "postmaster"))),
                      draw(st.sampled_from(("client.example.test", "1.2.3.4"))), "unknown")
    return params, request


@settings(max_examples=300, derandomize=True, deadline=None)
@given(configurations(), st.sampled_from((3, 17, MAX_RUNS)))
def test_resuming_decides_as_replaying_did(configuration, limit) -> None:
    params, request = configuration
    m = model(TABLES, **params)

    def run(choose):
        return m._decide_once(request, choose)

    new = [(b.decision, b.answers) for b in explore.branches(run, limit)]
    assert new == _old_branches(run, limit)
    # Combining the runs did not change; what is compared is which runs are made and what they decide.
    assert explore.explore(run, limit) == explore._combine(*_old_runs(run, limit))
    if limit == MAX_RUNS:
        assert [(b.decision, b.answers) for b in m.branches(request)] == new
        assert m.decide(request) == explore.explore(run, limit)


def test_a_branch_resumes_after_the_state_of_earlier_lists() -> None:
    # A permit in the client list, a defer_if_permit and a warn_if_reject pending when the
    # unknown answers: the run for each answer must see them as the all-nominal run did.
    m = model(TABLES, smtpd_client_restrictions="defer_if_permit, check_client_access hash:/etc/postfix/nested",
              smtpd_helo_restrictions="warn_if_reject, reject_rbl_client zen.example, reject_unknown_helo_hostname",
              smtpd_relay_restrictions="check_sender_access hash:/etc/postfix/unknown3, reject_unauth_destination")
    request = Request(OUTSIDE, None, "a@evil.test", "u@example0.com", "client.example.test", "unknown")

    def run(choose):
        return m._decide_once(request, choose)

    new = [(b.decision, b.answers) for b in m.branches(request)]
    assert new == _old_branches(run)
    assert len(new) > 20
    # The pending defer_if_permit turns what would be accepted into a deferral, on many branches;
    # and warn_if_reject makes a listed zen.example a warning, so it ends nothing.
    assert sum(d.restriction == "defer_if_permit" for d, _ in new) > 5
    assert any("listed by zen.example" in answers for _, answers in new)
    assert all(d.restriction != "reject_rbl_client" or d.parameter != "smtpd_helo_restrictions" for d, _ in new)


def test_a_choice_after_a_nested_list_ends_starts_from_the_enclosing_restriction(monkeypatch) -> None:
    # No evaluator does this today; one that runs a list and then asks must still be explored
    # right: the run for its other answers starts at the enclosing restriction, in the state
    # the earliest run saw there, even when the run it branches from started inside the list.
    def nested_then_choose(ctx, step):
        inner = ctx.runner.nested(step, "warn_if_reject, reject_rbl_client a.example, reject_rbl_client b.example",
                                  "a test list", 1)
        if inner.kind != "dunno":
            return inner
        return ctx.choose("the last word", (inner, reject("554 5.7.1 no", "the last word is no")))

    monkeypatch.setitem(EVALUATORS, "test_nested_then_choose", nested_then_choose)
    m = model(TABLES, smtpd_client_restrictions="reject_rbl_client z.example, warn_if_reject, test_nested_then_choose, "
                                                "check_client_access hash:/etc/postfix/unknown1")
    request = Request(OUTSIDE, None, "a@evil.test", "u@example0.com", "client.example.test", "unknown")
    new = [(b.decision, b.answers) for b in m.branches(request)]
    assert new == _old_branches(lambda choose: m._decide_once(request, choose))
    assert any(d.reply == "554 5.7.1 no" for d, _ in new)


# --- work: linear in the number of unknowns ------------------------------------------------


def _evaluations(monkeypatch, entry: str, n: int, old: bool = False, nested: bool = False) -> int:
    calls = [0]
    evaluate = Runner.evaluate

    def counting(self, step, depth):
        calls[0] += 1
        return evaluate(self, step, depth)

    monkeypatch.setattr(Runner, "evaluate", counting)
    entries = ", ".join(entry.format(i) for i in range(n))
    where = {"smtpd_client_restrictions": entries}
    if nested:
        where = {"smtpd_restriction_classes": "big", "big": entries,
                 "smtpd_client_restrictions": "reject_rbl_client z, big"}
    m = model(smtpd_sasl_auth_enable="yes", **where,
              smtpd_relay_restrictions="permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination")
    request = Request(OUTSIDE, None, "a@evil.test", "u@gmail.test", "client.example.test", "unknown")
    if old:
        found = _old_branches(lambda choose: m._decide_once(request, choose))
    else:
        found = [(b.decision, b.answers) for b in m.branches(request)]
    # Every unknown was asked (up to the run limit).
    assert found[0][0].verdict is Verdict.REJECT and len(found) >= min(n, MAX_RUNS)
    monkeypatch.setattr(Runner, "evaluate", evaluate)
    return calls[0]


def test_unknown_tables_cost_evaluations_linear_in_their_number(monkeypatch) -> None:
    entry = "check_client_access hash:/etc/postfix/unknown{}"
    small, large = _evaluations(monkeypatch, entry, 40), _evaluations(monkeypatch, entry, 80)
    assert large <= 2.2 * small, (small, large)
    # The replaying oracle does per-pair work: this test tells the two apart.
    assert _evaluations(monkeypatch, entry, 80, old=True) > 3 * _evaluations(monkeypatch, entry, 40, old=True)


def test_dns_lists_cost_evaluations_linear_in_their_number(monkeypatch) -> None:
    entry = "reject_rbl_client zen{}.example"
    small, large = _evaluations(monkeypatch, entry, 60), _evaluations(monkeypatch, entry, 120)
    assert large <= 2.2 * small, (small, large)
    # Past the run limit the growth stays linear too (each run beyond the nominal one is short).
    assert _evaluations(monkeypatch, entry, 600) <= 2.2 * _evaluations(monkeypatch, entry, 300)


def test_unknowns_in_a_restriction_class_cost_evaluations_linear_in_their_number(monkeypatch) -> None:
    entry = "check_client_access hash:/etc/postfix/unknown{}"
    small = _evaluations(monkeypatch, entry, 40, nested=True)
    large = _evaluations(monkeypatch, entry, 80, nested=True)
    assert large <= 2.2 * small, (small, large)
