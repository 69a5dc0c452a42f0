"""Each way mailpolicy once read a main.cf differently from Postfix (issue 19), as data: what Postfix
reads (measured with postconf -n / -x on 3.7.11, checked again against postconf when it is installed)."""

from __future__ import annotations


import pytest

from mailpolicy.postfix.expand import Expander, ExpansionError
from mailpolicy.postfix.main_cf import read_main_cf
from tests.fuzz import postconf_oracle as oracle

# (case, main.cf bytes, parameter, the value Postfix reads or None when Postfix does not set it)
READS = [
    ("nbsp-is-not-whitespace", b"mynetworks = 127.0.0.0/8\n \xc2\xa0# 0.0.0.0/0 was here\n",
     "mynetworks", "127.0.0.0/8 \u00a0# 0.0.0.0/0 was here"),
    ("cr-continues", b"mynetworks = 127.0.0.0/8\n\r10.0.0.0/8\n", "mynetworks", "127.0.0.0/8 10.0.0.0/8"),
    ("ff-continues", b"mynetworks = 127.0.0.0/8\n\x0c10.0.0.0/8\n", "mynetworks", "127.0.0.0/8\x0c10.0.0.0/8"),
    ("vt-continues", b"mynetworks = 127.0.0.0/8\n\x0b10.0.0.0/8\n", "mynetworks", "127.0.0.0/8\x0b10.0.0.0/8"),
    ("comment-inside-list", b"mynetworks = 1.1.1.1\n# c\n  2.2.2.2\n", "mynetworks", "1.1.1.1 2.2.2.2"),
    ("indented-comment-inside-list", b"mynetworks = 1.1.1.1\n   # c\n  2.2.2.2\n", "mynetworks", "1.1.1.1 2.2.2.2"),
    ("hash-after-text-is-value", b"mynetworks = 1.1.1.1 # 0.0.0.0/0\n", "mynetworks", "1.1.1.1 # 0.0.0.0/0"),
    ("bom-is-part-of-the-name", b"\xef\xbb\xbfmynetworks = 0.0.0.0/0\n", "mynetworks", None),
    ("unicode-space-in-name", b"my\xc2\xa0networks = 0.0.0.0/0\n", "mynetworks", None),
    ("nul-ends-the-line", b"mynetworks = 127.0.0.0/8\x00 0.0.0.0/0\n  10.0.0.0/8\n", "mynetworks", "127.0.0.0/8"),
    ("latin1-bytes", b"smtpd_banner = caf\xe9\n", "smtpd_banner", "caf\udce9"),
    ("crlf", b"mynetworks = 127.0.0.0/8\r\nmyhostname = a\r\n", "mynetworks", "127.0.0.0/8"),
    ("line-over-64k", b"mynetworks = " + b"10.0.0.1, " * 8000 + b"192.0.2.1\n", "mynetworks",
     "10.0.0.1, " * 8000 + "192.0.2.1"),
    ("leading-whitespace-line-ignored", b" mynetworks = 0.0.0.0/0\nmyhostname = x\n", "mynetworks", None),
]


@pytest.mark.parametrize(("case", "data", "name", "value"), READS, ids=[r[0] for r in READS])
def test_reads_as_postfix_does(case, data, name, value) -> None:
    main_cf = read_main_cf(data.decode("utf-8", "surrogateescape"), "main.cf")
    assert not [p for p in main_cf.problems if p.fatal]
    assert main_cf.value(name) == value


# (case, main.cf bytes, what the reader or the Expander must refuse, as Postfix stops with "fatal")
FATAL = [
    ("missing-equals", b"foo bar\n", "missing '=' after attribute name"),
    ("missing-name", b"= bar\n", "missing attribute name"),
    ("nul-before-equals", b"mynetworks\x00 = 0.0.0.0/0\n", "missing '=' after attribute name"),
    ("lone-dollar", b"smtpd_banner = a $ b\n", "empty macro name"),
    ("dollar-at-end", b"smtpd_banner = a$\n", "empty macro name"),
    ("unclosed-brace", b"smtpd_banner = ${myhostname\n", "truncated macro reference"),
    ("cycle", b"a1 = $b1\nb1 = $a1\nsmtpd_banner = $a1\n", "unreasonable macro call nesting"),
    ("self-reference", b"myorigin = $myorigin\n", "unreasonable macro call nesting"),
    # compat_level.c: an empty or malformed operand of <level is fatal (found by the oracle fuzz).
    ("empty-level-operand", b"smtpd_banner = ${{$undefined_x} <level {3.0} ? {a} : {b}}\n",
     "malformed compatibility level syntax"),
    ("four-part-level", b"smtpd_banner = ${{3.6.1.2} <level {3} ? {a} : {b}}\n", "malformed compatibility level"),
    # A relation's operand starts a nesting count of its own (mac_expand.c), so a cycle through
    # it never reaches the limit: postconf recurses until it crashes (found by the oracle fuzz, run F).
    ("cycle-through-relation", b"a = ${{$a} == {x} ? {y} : {z}}\nsmtpd_banner = $a\n", "refers to itself"),
    ("level-through-itself", b"compatibility_level = ${{$compatibility_level} <level {3.6} ? {old} : {new}}3.6\n",
     "refers to itself"),
    ("cycle-through-relation-and-name", b"a = ${{$b} == {x} ? {y} : {z}}\nb = $a\nsmtpd_banner = $a\n",
     "refers to itself"),
]
CRASHES_POSTCONF = ("cycle-through-relation", "level-through-itself", "cycle-through-relation-and-name")


def _refusal(data: bytes) -> str:
    main_cf = read_main_cf(data.decode("utf-8", "surrogateescape"), "main.cf")
    fatal = [p.message for p in main_cf.problems if p.fatal]
    if fatal:
        return fatal[0]
    values = main_cf.parameters
    for definition in values.values():
        try:
            Expander(lambda n: values[n].value if n in values else None).expand(definition.value)
        except ExpansionError as error:
            return str(error)
    return ""


@pytest.mark.parametrize(("case", "data", "why"), FATAL, ids=[f[0] for f in FATAL])
def test_refuses_what_postfix_refuses(case, data, why) -> None:
    assert why in _refusal(data)


@pytest.mark.parametrize("data", [f[1] for f in FATAL if f[0] in CRASHES_POSTCONF], ids=CRASHES_POSTCONF)
def test_postconf_crashes_on_a_cycle_through_a_relation(requires_postconf, data) -> None:
    with oracle.tempfile.TemporaryDirectory() as folder:
        oracle._write_cool(oracle.Path(folder, "main.cf"), data)
        oracle._write_cool(oracle.Path(folder, "master.cf"), oracle.MASTER_CF)
        status, _, _ = oracle._postconf(folder, "-nx")
    assert status != 0  # the oracle maps a death by signal (SIGSEGV here) to 1


@pytest.mark.parametrize("data", [r[1] for r in READS] + [f[1] for f in FATAL] + [
    b"myhostname = mail.$mydomain\nmydestination = $myhostname, $mydomain\n",
    b"smtpd_banner = ${myorigin:x}y ${nothing_set:z} ${myorigin?{a}:{b}} ${ myorigin }\n",
    b"smtpd_banner = ${{ 3} <level {+4} ? {a} : {b}} ${{3.6} <level {3.10} ? {c} : {d}}\n",
    b"mydomain = ${mydomain?{x}:{y}} example0.com\nmydestination = $mydomain\n",
    b"smtpd_banner = ${:empty name} ${ } end\n",
], ids=[r[0] for r in READS] + [f[0] for f in FATAL] + ["mydomain-myhostname-defaults", "conditionals", "levels", "self-test-is-not-a-cycle", "empty-name-with-colon"])
def test_each_case_agrees_with_postconf(requires_postconf, data) -> None:
    assert oracle.check(data, with_commands=True) is None
