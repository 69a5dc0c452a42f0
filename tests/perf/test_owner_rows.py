"""Owners kept as columns build the same policy, map and diagnostics as one object per statement."""

from __future__ import annotations

import attrs
from hypothesis import given, settings

from mailpolicy.analyze import AnalysisContext
from mailpolicy.analyze.owners import check_duplicate_allows, check_owned_domains
from mailpolicy.load.loader import LoadedPolicy
from mailpolicy.model.build import build_policy
from mailpolicy.model.owners import Owners, Ownership
from mailpolicy.parse import parse_text
from mailpolicy.parse import statements as st
from mailpolicy.plan import plan_config
from mailpolicy.source import Span
from tests.perf.strategies import policy_texts

FEW = settings(max_examples=300, derandomize=True, deadline=None)
HEADER = "local domains example0.com\nsasl dovecot private/auth\n"


def loaded_from(text: str, expand: bool) -> LoadedPolicy:
    parsed = parse_text(text, "p")
    statements = tuple(st.expanded(parsed.statements)) if expand else parsed.statements
    # The loader replaces an `include` by the statements of its file; no file is read here.
    statements = tuple(s for s in statements if not st.is_a(s, "Include"))
    return LoadedPolicy((parsed.source,), statements, {}, parsed.diagnostics)


def built(text: str, expand: bool):
    policy, problems = build_policy(loaded_from(text, expand))
    return list(policy.owners), [(d.code, str(d.span), d.span.end_column, d.message) for d in problems]


@FEW
@given(policy_texts())
def test_rows_build_what_the_statements_they_expand_to_build(text: str) -> None:
    assert built(text, expand=False) == built(text, expand=True)


def test_a_run_of_plain_lines_is_one_statement_until_another_statement_ends_it() -> None:
    text = ("allow user a as a@example0.com\n# between\n\nallow user b as b@example0.com, c@example0.com\n"
            'relay nobody\nallow user "q" as q@example0.com\nallow user d as d@example0.com\n')
    kinds = [type(s).__name__ for s in parse_text(text, "p").statements]
    assert kinds == ["AllowUserRows", "Relay", "AllowUser", "AllowUserRows"]
    first = parse_text(text, "p").statements[0]
    assert len(first) == 2 and first.span == Span("p", 1, 1, 31)
    logins = [s.login.text for s in st.expanded(parse_text(text, "p").statements) if isinstance(s, st.AllowUser)]
    assert logins == ["a", "b", "q", "d"]


def test_owners_columns_give_back_each_ownership_with_its_span() -> None:
    pairs = [Ownership("a@example0.com", "alice", Span("p", 3, 20, 34)),
             Ownership("@example1.org", "bob", Span("q", 9, 5, 18)),
             Ownership("b@example1.org", "alice", Span("p", 4, 1, 15))]
    owners = Owners.of(pairs)
    assert list(owners) == pairs and owners[1] == pairs[1] and len(owners) == 3
    assert owners.paths == ("p", "q")
    assert owners.domains == {"example0.com": 0, "example1.org": 1}
    assert Owners.of(owners) is owners and owners == Owners.of(list(pairs))
    assert owners != Owners.of(pairs[:2])


def compiled(text: str):
    policy, problems = build_policy(loaded_from(HEADER + text, expand=False))
    assert not problems
    return policy, plan_config(policy)


def test_the_map_merges_owners_in_order_and_counts_distinct_pairs() -> None:
    policy, plan = compiled("allow user bob as s@example0.com, s@example0.com, b@example0.com\n"
                            "allow user amy as s@example0.com\nallow user bob as S@Example0.com\n")
    table = plan.sender_map
    # example0.com is a local domain: each local part gets its bare key too (plan/sender_map.py).
    assert table.keys == ["b", "b@example0.com", "s", "s@example0.com"]
    assert table.owners == {"s@example0.com": "bob, amy", "b@example0.com": "bob", "s": "bob, amy", "b": "bob"}
    assert table.owners_of("s@example0.com") == ("bob", "amy")
    assert (len(policy.owners), table.pairs) == (5, 3)


def test_repeated_pairs_are_reported_at_each_repetition_with_the_first() -> None:
    policy, plan = compiled("allow user bob as s@example0.com, s@example0.com\nallow user bob as S@Example0.com\n")
    found = [(str(d.span), str(d.related[0].span)) for d in check_duplicate_allows(AnalysisContext(policy, plan))]
    assert found == [("p:3:35", "p:3:19"), ("p:4:19", "p:3:19")]
    # Without SASL there is no map to count pairs in; the check looks for itself.
    bare = attrs.evolve(policy, sasl=None)
    assert len(list(check_duplicate_allows(AnalysisContext(bare, plan_config(bare))))) == 2


def test_each_foreign_domain_is_reported_once_at_its_first_address() -> None:
    policy, plan = compiled("allow user a as a@example0.com, x@other.example\nallow user b as y@other.example\n")
    found = [(str(d.span), d.message) for d in check_owned_domains(AnalysisContext(policy, plan))]
    assert found == [("p:3:33", "`x@other.example` is in other.example, which is not a local domain")]


def test_rows_keep_the_spans_of_addresses_written_in_another_form() -> None:
    # Punycode is longer than the name written, a trailing dot and capitals are dropped: the
    # owner's span must still cover the word as written.
    text = "allow user bob as a@bücher.example, B@Example0.com., x@example0.com\n"
    assert built(text, expand=False) == built(text, expand=True)
    owners, _ = built(text, expand=False)
    line = text.rstrip("\n")
    assert [line[o.span.column - 1:o.span.end_column - 1] for o in owners] == [
        "a@bücher.example", "B@Example0.com.", "x@example0.com"]
    assert [o.address for o in owners] == ["a@xn--bcher-kva.example", "b@example0.com", "x@example0.com"]
