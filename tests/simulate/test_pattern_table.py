"""regexp:/pcre: tables read as Postfix reads them (src/util/dict_regexp.c, dict_pcre.c): a case per rule of syntax."""

from __future__ import annotations

import pytest

from mailpolicy.simulate.pattern_table import UNREADABLE, inline_rules, lookup

# (kind, inline body, key, the addresses the lookup gives; None: no rule matches)
CASES = [
    ("regexp", r"{/^(.*)\+.*@example0\.com$/ $1@example0.com}", "bob+x@example0.com", ["bob@example0.com"]),
    ("regexp", r"{/^(.*)\+.*@example0\.com$/ $1@example0.com}", "bob@example0.com", None),
    # `!` toggles the match: one negates, two negate back (spaces between them are allowed).
    ("regexp", r"{!/^bob@/ other}", "alice@x.test", ["other"]),
    ("regexp", r"{!/^bob@/ other}", "bob@x.test", None),
    ("regexp", r"{!!/^(bob)@/ $1@y.test}", "bob@x.test", ["bob@y.test"]),
    ("regexp", r"{! ! /^(bob)@/ $1@y.test}", "bob@x.test", ["bob@y.test"]),
    # `$number` in a negative rule, or beyond the groups: Postfix skips the rule.
    ("regexp", r"{!/^(bob)@/ $1@y.test}", "alice@x.test", None),
    ("regexp", r"{/^bob@/ $1@y.test}", "bob@x.test", None),
    # The old two-pattern form: the first must match, the second must not.
    ("regexp", r"{/@x\.test$/!/^bob@/ matched}", "alice@x.test", ["matched"]),
    ("regexp", r"{/@x\.test$/!/^bob@/ matched}", "bob@x.test", None),
    # if/endif guard the rules between them; an unclosed if guards the rest.
    ("regexp", r"{if /@x\.test$/}, {/^a/ inside}, {endif}, {/^a/ outside}", "a@x.test", ["inside"]),
    ("regexp", r"{if /@x\.test$/}, {/^a/ inside}, {endif}, {/^a/ outside}", "a@y.test", ["outside"]),
    ("regexp", r"{IF !/@x\.test$/}, {/^a/ inside}, {ENDIF}", "a@x.test", None),
    ("regexp", r"{if /@x\.test$/}, {/^a/ inside}", "a@y.test", None),
    # Case: insensitive unless `i` toggles it.
    ("regexp", r"{/^BOB@/ hit}", "bob@x.test", ["hit"]),
    ("regexp", r"{/^BOB@/i hit}", "bob@x.test", None),
    ("pcre", r"{/^BOB@/i hit}", "bob@x.test", None),
    # An unknown flag skips the rule; `$$` is a dollar; a result may list several addresses.
    ("regexp", r"{/^a/q hit}, {/^a/ second}", "a@x.test", ["second"]),
    ("pcre", r"{/^(a)@/ $1@x.test, $$1@y.test}", "a@z.test", ["a@x.test", "$1@y.test"]),
]


@pytest.mark.parametrize(("kind", "body", "key", "expected"), CASES)
def test_a_lookup_answers_as_postfix_does(kind, body, key, expected) -> None:
    found = lookup(inline_rules(kind, body), key)
    assert (None if found is None else found[1]) == expected


def test_a_pattern_python_cannot_read_leaves_the_answer_unknown() -> None:
    assert lookup(inline_rules("pcre", r"{/(?<=a+)b/ x}, {/b/ y}"), "ab") is UNREADABLE
