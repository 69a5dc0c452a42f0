"""Restriction lists as smtpd reads them: elements, braces, and which restrictions take an argument."""

from __future__ import annotations

from mailpolicy.audit.run import audit_config
from mailpolicy.postfix import parameters as P
from mailpolicy.postfix.restriction_lists import argument_takers, entries, split_list, split_words
from mailpolicy.simulate import PostfixModel, Request
from tests.audit.config_folder import BASE, config_folder
from tests.helpers import compile_text

NESTED = "check_sender_access inline:{ a@x.test=REJECT, {b@x.test = REJECT no} }, reject_bogus_thing"


def test_lists_split_at_commas_and_spaces_but_not_inside_braces() -> None:
    value = "permit_mynetworks,  check_sender_access inline:{ a=OK, {b = REJECT x} }, reject"
    assert split_words(value) == ("permit_mynetworks", "check_sender_access", "inline:{ a=OK, {b = REJECT x} }",
                                  "reject")
    assert [element.offset for element in split_list(value)] == [0, 20, 40, 73]


def test_split_keeps_braced_arguments_whole_and_offsets_exact() -> None:
    value = "check_policy_service { inet:127.0.0.1:9998, timeout=10s },reject\tpermit"
    elements = split_list(value)
    assert [e.text for e in elements] == ["check_policy_service", "{ inet:127.0.0.1:9998, timeout=10s }",
                                          "reject", "permit"]
    assert all(value[e.offset:e.offset + len(e.text)] == e.text for e in elements)


def test_an_inline_table_with_commas_is_one_element() -> None:
    assert split_words("check_sender_access inline:{ a=b, c=d }") == ("check_sender_access", "inline:{ a=b, c=d }")
    assert split_words("a,{b,c}d e") == ("a", "{b,c}d", "e")
    # An unclosed brace holds the rest of the value, as smtpd's brace-aware tokenizer does.
    assert split_words("permit {a, b") == ("permit", "{a, b")


def test_references_stay_whole_only_in_text_before_expansion() -> None:
    value = "$(missing?reject a), ${x?b c} permit"
    assert [e.text for e in split_list(value, references=True)] == ["$(missing?reject a)", "${x?b c}", "permit"]
    assert split_words(value) == ("$(missing?reject", "a)", "${x?b c}", "permit")


def test_an_argument_follows_its_restriction_whatever_it_looks_like() -> None:
    listed = entries(split_words(f"SLEEP {{ 1 }}, {NESTED}, check_policy_service inet:127.0.0.1:9, permit"))
    assert [(e.position, e.index, e.name, e.argument) for e in listed] == [
        (0, 0, "sleep", "1"),
        (1, 2, "check_sender_access", "inline:{ a@x.test=REJECT, {b@x.test = REJECT no} }"),
        (2, 4, "reject_bogus_thing", None),
        (3, 5, "check_policy_service", "inet:127.0.0.1:9"),
        (4, 7, "permit", None),
    ]
    assert entries(("check_client_access",)) == entries(["check_client_access"])
    assert entries(("check_client_access",))[0].argument is None  # nothing follows: smtpd logs an error


def test_which_restrictions_take_an_argument_comes_from_postconf5() -> None:
    takers = argument_takers()
    assert {"check_etrn_access", "check_ccert_access", "check_sasl_access", "check_policy_service",
            "reject_rbl_client", "reject_rhsbl_reverse_client", "permit_dnswl_client", "sleep"} <= takers
    assert all(P.restriction_argument(name) == "type:table" for name in takers if name.endswith("_access"))
    assert not {"permit_mynetworks", "reject_unauth_destination", "warn_if_reject", "reject_maps_rbl"} & takers
    assert P.restriction_argument("sleep") == "seconds" and P.restriction_argument("no_such_thing") is None


def test_a_misspelt_argument_taker_is_guessed_only_for_the_name_checks() -> None:
    words = ("check_sendr_access", "example.com", "permit")
    assert [e.name for e in entries(words, guess_unknown=True)] == ["check_sendr_access", "permit"]
    assert [e.name for e in entries(words)] == ["check_sendr_access", "example.com", "permit"]


def test_the_compile_check_reads_nested_braces_as_one_argument(tmp_path) -> None:
    c = compile_text(tmp_path, f"postfix 3.7\nset smtpd_sender_restrictions = {NESTED}\n")
    found = [(d.code, d.span.line, d.span.column) for d in c.diagnostics if d.code == "MP316"]
    assert found == [("MP316", 2, 33 + NESTED.index("reject_bogus_thing"))]


def test_the_audit_reads_nested_braces_as_one_argument(tmp_path) -> None:
    folder = config_folder(tmp_path, BASE + f"smtpd_sender_restrictions = {NESTED}\n")
    found = [(d.code, d.span.line, d.span.column) for d in audit_config(folder).diagnostics if d.code == "MP316"]
    assert found == [("MP316", 5, 29 + NESTED.index("reject_bogus_thing"))]


def test_the_simulator_looks_up_the_inline_table_and_stops_at_the_unknown_name() -> None:
    model = PostfixModel.from_parameters({"compatibility_level": "3.6", "mydestination": "example0.com",
                                          "smtpd_sender_restrictions": NESTED})
    listed = model.decide(Request("203.0.113.9", None, "a@x.test", "u@example0.com"))
    unlisted = model.decide(Request("203.0.113.9", None, "c@x.test", "u@example0.com"))
    assert (listed.restriction, listed.position) == ("check_sender_access", 0)
    assert listed.reply.startswith("554 5.7.1")
    assert (unlisted.restriction, unlisted.position) == ("reject_bogus_thing", 1)
    assert unlisted.reply == "451 4.3.5 Server configuration error"
