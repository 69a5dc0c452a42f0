"""master.cf fields validated as master_ent.c (get_master_ent) does, each refusal located at its field."""

from __future__ import annotations

import pytest

from mailpolicy.postfix.master_cf import read_master_cf

GOOD = "smtp      inet  n       -       y       -       -       smtpd\n"

# (case, line, column of the refused field, words of the message)
REFUSED = [
    ("private-not-bool", "smtp inet x - y - - smtpd\n", 11, 'field "private": bad value: "x"'),
    ("unpriv-not-bool", "smtp inet n yes y - - smtpd\n", 13, 'field "unpriv": bad value: "yes"'),
    ("chroot-not-bool", "smtp inet n - Y - - smtpd\n", 15, 'field "chroot": bad value: "Y"'),
    ("wakeup-not-number", "smtp inet n - y never - smtpd\n", 17, 'field "wakeup": bad value: "never"'),
    ("maxproc-not-number", "smtp inet n - y - lots smtpd\n", 19, 'field "maxproc": bad value: "lots"'),
    ("inet-private", "smtp inet y - y - - smtpd\n", 11, "inet service cannot be private"),
    ("inet-private-default", "smtp inet - - y - - smtpd\n", 11, "inet service cannot be private"),
    ("bad-type", "smtp tcp n - y - - smtpd\n", 6, "is not a service type"),
    ("too-few-fields", "smtp inet n - y\n", 1, "needs 8 fields"),
]


@pytest.mark.parametrize(("case", "line", "column", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_fields_master_refuses_are_reported_at_the_field(case, line, column, words) -> None:
    master = read_master_cf(GOOD + line, "master.cf")
    assert [s.label for s in master.services] == ["smtp/inet"]
    (problem,) = master.diagnostics
    assert problem.code == "MP707" and words in problem.message
    assert (problem.span.line, problem.span.column) == (2, column)


@pytest.mark.parametrize("line", [
    "pickup unix n - y 60 1 pickup\n", "qmgr unix n - n 300? 1 qmgr\n", "smtp inet n - n - 100 smtpd\n",
])
def test_fields_master_accepts_are_accepted(line) -> None:
    assert not read_master_cf(line, "master.cf").diagnostics


def test_a_whitespace_led_first_line_is_ignored_as_postfix_ignores_it() -> None:
    master = read_master_cf("  -o smtpd_relay_restrictions=permit\n" + GOOD, "master.cf")
    assert [s.label for s in master.services] == ["smtp/inet"] and not master.services[0].overrides


def test_a_multi_line_o_group_is_located() -> None:
    text = GOOD.rstrip("\n") + "\n  -o {\n     smtpd_relay_restrictions = permit }\n"
    (service,) = read_master_cf(text, "master.cf").services
    (override,) = service.overrides
    assert override.name == "smtpd_relay_restrictions" and override.value == "permit"
    assert override.span.line == 2  # where the group starts, never without a location
