"""Recipients at a domain for the transport check: one per class of a pattern transport_maps table."""

from __future__ import annotations

import pytest

from mailpolicy.simulate.pattern_table import inline_rules, lookup
from mailpolicy.simulate.pattern_witness import witnesses_at
from mailpolicy.simulate.transport import transport_rules

# (table body, domain, the rules (by line) that decide some address at the domain; None: no rule does)
TABLES = [
    (r"{/^ops[0-9]@gmail\.test$/ relay:}", "gmail.test", {1, None}),
    (r"{/^ops[0-9]@gmail\.test$/ relay:}", "other.test", {None}),
    (r"{/@gmail\.test$/ local:}, {/^x/ relay:}", "gmail.test", {1}),
    (r"{/^#x@/ relay:}, {/^[{}]/ smtp:}", "my-dom.example", {1, 2, None}),
    (r"{if /^a/}, {/b@/ relay:}, {endif}, {/./ local:}", "d.test", {2, 4}),
    (r"{!/^postmaster@/ relay:}", "d.test", {1, None}),
]


@pytest.mark.parametrize(("body", "domain", "classes"), TABLES)
def test_every_class_at_the_domain_has_an_address_and_only_those(body, domain, classes) -> None:
    rules = tuple(inline_rules("regexp", body))
    found = witnesses_at(rules, domain)
    assert found is not None and all(key.endswith(f"@{domain}") for key in found)
    decided = {None if (hit := lookup(list(rules), key)) is None else hit[0].line for key in found}
    assert decided == classes


def test_a_back_reference_is_not_solved() -> None:
    assert witnesses_at(tuple(inline_rules("pcre", r"{/^(a+)\1@d\.test$/ relay:}")), "d.test") is None


def test_transport_maps_skips_a_rule_whose_result_uses_captured_text() -> None:
    # src/trivial-rewrite/transport.c opens transport_maps with DICT_FLAG_NO_REGSUB (measured: transport-10.case).
    rules = transport_rules(r"regexp:{ {/^(.+)@d\.test$/ relay:[$1]}, {/^a/ local:} }")
    assert [rule.result for rule in rules] == ["local:"]
    assert transport_rules("hash:/etc/postfix/transport") is None
