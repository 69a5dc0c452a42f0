"""Text from input files is printed escaped by every renderer: no terminal escape reaches the reader."""

import json

import pytest

from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.diagnostics.printable import is_printable, printable
from mailpolicy.diagnostics.render_github import render_github
from mailpolicy.diagnostics.render_json import render_json
from mailpolicy.diagnostics.render_text import render_text
from mailpolicy.source import Span

# (text as read, how it prints)
CASES = [
    ("plain", "plain"),
    ("tab\tstays", "tab\tstays"),
    ("\x1b[2J", "\\x1b[2J"),
    ("a\rb", "a\\x0db"),
    ("nul\x00", "nul\\x00"),
    ("csi\x9b31m", "csi\\x9b31m"),
    ("del\x7f", "del\\x7f"),
    ("rtl\u202eevil", "rtl\\u202eevil"),
    ("\ufeffbom", "\\ufeffbom"),
    ("line\u2028sep", "line\\u2028sep"),
    (b"caf\xe9".decode("utf-8", "surrogateescape"), "caf\\xe9"),
    ("café ok", "café ok"),
    ("127.0.0.0/8 \u00a0# 0.0.0.0/0", "127.0.0.0/8 \\xa0# 0.0.0.0/0"),
]


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_printable_escapes_what_a_terminal_would_act_on(text, shown):
    assert printable(text) == shown
    assert is_printable(printable(text))


HOSTILE = "my\x1b]0;pwned\x07networks = 0.0.0.0/0\r\x1b[1A"


def _diagnostic():
    return cat.MAIN_CF_SYNTAX.at(Span("main\x1b.cf", 1, 3, 6), f"bad line: {HOSTILE}", hint=f"fix {HOSTILE}")


@pytest.mark.parametrize("render", [
    lambda ds: render_text(ds, lambda path, line: HOSTILE, colour=False),
    render_json,
    render_github,
])
def test_every_renderer_escapes_controls_from_the_input(render):
    out = render([_diagnostic()])
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "\\x1b" in out


def test_json_stays_valid_with_undecodable_bytes():
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")
    out = render_json([cat.MAIN_CF_SYNTAX.at(Span("main.cf", 1, 1), f"name {bad}")])
    out.encode("utf-8")  # a lone surrogate would raise here
    assert json.loads(out)["diagnostics"][0]["message"] == "name \\xff\\xfe"


def test_caret_stays_under_the_escaped_text():
    line = "\x1b[31mmynetworks = 0.0.0.0/0"
    out = render_text([cat.MAIN_CF_SYNTAX.at(Span("main.cf", 1, 6, 16), "x")], lambda p, n: line)
    shown, caret = [row for row in out.splitlines() if " | " in row]
    column = caret.index("^")
    assert shown[column:column + len("mynetworks")] == "mynetworks"


def test_the_ascii_shortcut_passes_exactly_the_characters_the_expression_leaves_alone() -> None:
    # printable() skips the expression for plain ASCII text (start-up: the expression is compiled only
    # when needed); over every ASCII character, alone and beside others, both must agree.
    from mailpolicy.diagnostics.printable import _plain, _unsafe

    for code in range(128):
        for text in (chr(code), f"a{chr(code)}\tb", f"\t{chr(code)}"):
            assert _plain(text) == (_unsafe().search(text) is None), repr(text)
    assert not _plain("caf\u00e9") and printable("caf\u00e9 \u202e") == "caf\u00e9 \\u202e"
