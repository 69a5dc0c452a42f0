"""Parameter expansion as Postfix does it, including the relational form its own defaults use."""

from __future__ import annotations

import pytest

from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError


def expander(values: dict[str, str]) -> Expander:
    def lookup(name: str) -> str | None:
        if name in values:
            return values[name]
        known = pf.parameter(name)
        return known.default if known else None
    return Expander(lookup)


@pytest.mark.parametrize("text, expected", [
    ("$a", "A"), ("${a}", "A"), ("$(a)", "A"), ("x$a.y", "xA.y"), ("$$a", "$a"),
    ("${a?yes}", "yes"), ("${empty?yes}", ""), ("${a:no}", ""), ("${empty:no}", "no"),
    ("${a?{S}:{E}}", "S"), ("${empty?{S}:{E}}", "E"), ("${a?{$b}}", "B"),
    ("${{$a} == {A} ? {eq} : {ne}}", "eq"), ("${{2} < {10} ? {lt} : {ge}}", "lt"),
    ("${{3.6} <level {3.10} ? {older} : {newer}}", "older"), ("$nested", "A-B"),
])
def test_forms(text, expected):
    values = {"a": "A", "b": "B", "empty": "", "nested": "$a-${b}"}
    assert expander(values).expand(text) == expected


@pytest.mark.parametrize("level, relay, style", [
    ("0", "", "subnet"),
    ("2", "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination", "host"),
    ("3.6", "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination", "host"),
])
def test_postfix_defaults_follow_compatibility_level(level, relay, style):
    exp = expander({"compatibility_level": level})
    assert exp.expand(pf.parameter("smtpd_relay_restrictions").default) == relay
    assert exp.expand(pf.parameter("mynetworks_style").default) == style


def test_undefined_names_expand_to_nothing_and_are_collected():
    exp = expander({})
    assert exp.expand("a $nosuchname b") == "a  b"
    assert exp.undefined == {"nosuchname"}


@pytest.mark.parametrize("text", ["${a", "${a!x}", "${{1} ~ {2} ? {a} : {b}}", "$loop"])
def test_what_postfix_cannot_expand_raises(text):
    with pytest.raises(ExpansionError):
        expander({"a": "A", "loop": "$loop2", "loop2": "$loop"}).expand(text)
