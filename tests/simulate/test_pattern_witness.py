"""Witness keys of inline regexp:/pcre: access tables: one per class of the table and shape of key."""

from __future__ import annotations

import pytest

from mailpolicy.simulate.pattern_table import inline_rules, lookup
from mailpolicy.simulate.pattern_witness import can_permit, solved_pattern_table, witnesses

LOCAL = ("example0.com",)


def keys(kind: str, body: str, part: str = "recipient") -> tuple[str, ...] | None:
    return witnesses(tuple(inline_rules(kind, body)), part, LOCAL)


def deciding_rule(kind: str, body: str, key: str) -> int | None:
    """Return the line of the rule that decides `key` (Python's re, as the simulator evaluates it)."""
    found = lookup(inline_rules(kind, body), key)
    return None if found is None else found[0].line


# (kind, table body, a key of each class the table has, by the rule line deciding it; None: no rule)
TABLES = [
    ("regexp", r"{/^victim@gmail\.test$/ OK}", {1, None}),
    ("pcre", r"{/@example0\.com$/ DUNNO}, {/@gmail\.test$/ OK}", {1, 2, None}),
    ("regexp", r"{!/@example0\.com$/ OK}", {1, None}),
    ("regexp", r"{!!/^x[0-9]+@/ OK}", {1, None}),
    ("regexp", r"{/^a@x\.test$|^b@y\.test$/ OK}", {1, None}),
    ("pcre", r"{if /@gmail\.test$/}, {/^v/ OK}, {endif}, {/^v/ REJECT}", {2, 4, None}),
    ("regexp", r"{/^spam@/ REJECT}, {/^spam@gmail/ OK}", {1, None}),  # rule 2 never decides
    ("pcre", r"{/^[^@]+@[^.]+\.example0\.com$/ OK}, {/%/ OK}", {1, 2, None}),
    ("regexp", r"{/x@a\.test/!/^y/ OK}", {1, None}),
]


@pytest.mark.parametrize(("kind", "body", "classes"), TABLES)
def test_every_class_of_the_table_has_a_witness_and_only_those(kind, body, classes) -> None:
    found = keys(kind, body)
    assert found is not None
    assert {deciding_rule(kind, body, key) for key in found} == classes


def test_a_class_holding_both_local_and_remote_addresses_gets_a_witness_of_each() -> None:
    found = keys("regexp", r"{/^postmaster@/ OK}")
    assert {k for k in found if k.startswith("postmaster@")} == {"postmaster@example0.com", "postmaster@a.aa"}
    # ...and the routed forms smtpd resolves as relaying, which an OK may not let through.
    assert any("%" in k for k in found) and any("!" in k for k in found)


def test_witnesses_take_the_shape_of_the_part_looked_up() -> None:
    assert keys("pcre", r"{/^203\.0\.113\./ OK}", "client") == ("203.0.113.0", "0.0.0.0")
    assert keys("regexp", r"{/\.example0\.com$/ OK}", "helo") == ("a.example0.com", "a.aa")
    assert keys("regexp", r"{/^boss\+/ OK}", "sender") == ("boss+@a.aa", "a@a.aa")


@pytest.mark.parametrize("body", [
    r"{/^(a)\1/ OK}",                 # back-reference
    r"{/^a(?=b)/ OK}",                # look-around (pcre)
    r"{/a^b/ OK}",                    # an anchor inside
    r"{/\bvictim/ OK}",               # word boundary
    r"{/^Victim@/i OK}",              # case-sensitive: the client's case is the key's
    r"{/^a/m OK}",                    # multi-line
    r"{/[a-z]*a[a-z]{12}@/ OK}",      # a counted repetition whose automaton doubles per count
])
def test_what_the_automata_cannot_read_is_not_solved(body) -> None:
    assert keys("pcre", body) is None


def test_an_anchor_ends_only_its_own_branch() -> None:
    found = keys("regexp", r"{/^a@x\.test|b$/ OK}")
    # `^a@x\.test` is anchored at the start only, `b$` at the end only: both hold for longer keys.
    assert deciding_rule("regexp", r"{/^a@x\.test|b$/ OK}", "a@x.testing") == 1
    assert {deciding_rule("regexp", r"{/^a@x\.test|b$/ OK}", k) for k in found} == {1, None}


def test_a_table_that_cannot_permit_is_evaluated_even_unsolved() -> None:
    assert not can_permit(inline_rules("regexp", r"{/^spam@/ REJECT}, {/x/ 550 no}, {/y/ DUNNO}"))
    assert can_permit(inline_rules("regexp", r"{/^spam@/ REJECT}, {/x/ permit_mynetworks}"))
    assert solved_pattern_table(r"regexp:{ {/^(a)\1/ REJECT} }") is not None
    assert solved_pattern_table(r"regexp:{ {/^(a)\1/ OK} }") is None
    assert solved_pattern_table(r"regexp:{ {/^a/ OK} }") is not None


def test_a_table_whose_automata_outgrow_the_budget_is_not_solved(monkeypatch) -> None:
    import mailpolicy.simulate.pattern_witness as module

    monkeypatch.setattr(module, "BUDGET_SECONDS", 0.2)
    # The "16th symbol from the end is an a" language, written without a count: 2**16 states.
    body = "{/(a|b)*a" + "(a|b)" * 16 + "@/ OK}"
    assert keys("pcre", body) is None
