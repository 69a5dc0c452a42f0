"""The main.cf reader: logical lines as Postfix reads them, every physical line kept."""

from __future__ import annotations

from mailpolicy.postfix.main_cf import LineKind, read_main_cf
from mailpolicy.source import Span

SAMPLE = (
    "# Debian's main.cf\n"
    "smtpd_banner = $myhostname ESMTP $mail_name\n"
    "\n"
    "mynetworks = 127.0.0.0/8\n"
    "    # the office\n"
    "    10.0.0.0/8\n"
    "\n"
    "\t192.168.0.0/16\n"
    "myhostname=mx.example0.com\n"
    "alias_maps = hash:/etc/aliases # not a comment\n"
    "relayhost = [a.example]\n"
    "relayhost = [b.example]\n"
    "mydestination =\n"
    "    $myhostname,\n"
    "    localhost\n"
)


def test_every_line_is_kept_byte_for_byte() -> None:
    for text in (SAMPLE, SAMPLE.replace("\n", "\r\n"), SAMPLE.rstrip("\n"), "", "\n\n", "a = b\r\n c\n"):
        assert read_main_cf(text, "main.cf").text == text


def test_continuation_lines_join_across_comments_and_blank_lines() -> None:
    conf = read_main_cf(SAMPLE, "main.cf")
    mynetworks = conf.get("mynetworks")
    assert mynetworks.value == "127.0.0.0/8 10.0.0.0/8 192.168.0.0/16"
    assert mynetworks.name_span == Span("main.cf", 4, 1, 11)
    assert mynetworks.value_span == Span("main.cf", 4, 14, 25)
    assert mynetworks.continuation_spans == (Span("main.cf", 6, 5, 15), Span("main.cf", 8, 2, 16))
    assert mynetworks.value_lines == (4, 6, 8)
    assert mynetworks.last_line == 8
    assert [line.kind for line in conf.lines[3:8]] == [
        LineKind.PARAMETER, LineKind.COMMENT, LineKind.CONTINUATION, LineKind.BLANK, LineKind.CONTINUATION]


def test_value_starting_on_a_continuation_line() -> None:
    conf = read_main_cf(SAMPLE, "main.cf")
    mydestination = conf.get("mydestination")
    assert mydestination.value == "$myhostname, localhost"
    assert mydestination.value_span is None
    assert mydestination.words == ("$myhostname", "localhost")


def test_hash_after_text_belongs_to_the_value_and_spaces_around_equals_are_optional() -> None:
    conf = read_main_cf(SAMPLE, "main.cf")
    assert conf.value("alias_maps") == "hash:/etc/aliases # not a comment"
    assert conf.value("myhostname") == "mx.example0.com"
    assert conf.value("smtpd_banner") == "$myhostname ESMTP $mail_name"
    assert conf.value("nonexistent") is None


def test_later_definitions_override_earlier_ones_and_are_recorded() -> None:
    conf = read_main_cf(SAMPLE, "main.cf")
    assert conf.value("relayhost") == "[b.example]"
    (override,) = conf.overrides
    assert (override.earlier.line, override.later.line) == (11, 12)
    assert [d.line for d in conf.definitions_of("relayhost")] == [11, 12]
    assert list(conf.parameters) == ["smtpd_banner", "mynetworks", "myhostname", "alias_maps", "relayhost",
                                     "mydestination"]


def test_lines_postfix_refuses_are_reported_in_its_words() -> None:
    text = "  leading = 1\n  more\nmy hostname = x\n  continued\n= value\nok = yes\n"
    conf = read_main_cf(text, "main.cf")
    assert [(p.span.line, p.message, p.fatal) for p in conf.problems] == [
        (1, 'logical line must not start with whitespace: "  leading = 1  more"', False),
        (3, "missing '=' after attribute name: \"my hostname = x  continued\"", True),
        (5, 'missing attribute name: "= value"', True),
    ]
    assert [line.kind for line in conf.lines] == [LineKind.MALFORMED] * 5 + [LineKind.PARAMETER]
    assert list(conf.parameters) == ["ok"]
    assert conf.text == text


def test_source_shows_lines_for_diagnostics() -> None:
    conf = read_main_cf(SAMPLE.replace("\n", "\r\n"), "main.cf")
    assert conf.source.line_text(4) == "mynetworks = 127.0.0.0/8"
