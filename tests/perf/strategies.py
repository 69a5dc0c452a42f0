"""Hypothesis strategies for policy text: plausible statements, near misses and junk, line by line."""

from __future__ import annotations

from hypothesis import strategies as st

from mailpolicy.parse.lines import line_reader
from mailpolicy.parse.registry import STATEMENTS

# Words the grammar knows (every keyword, so a new statement is drawn too), values of every
# shape, and the characters that end or break a token.
_KEYWORDS = tuple(sorted(line_reader().keywords))
_PIECES = _KEYWORDS + (
    "3.7", "dovecot", "off", "=", "accept", "reject", "bob", "jim.my", "a@example0.com", "@example0.com", "x+y@b.example", "allowuser", "as\"q@x\"",
    '"q@x.example"', '"a \\" b"', '"open', '""', ",", ", ", " ,", "#", "# note", "#c", "=v",
    "\u00a0", "\x00", "\r", "\u2028", "é@ü.example", "[::1]/128", "10.0.0.0/8", "\\",
)
_GAPS = ("", " ", "  ", "\t", " \t ")


@st.composite
def policy_lines(draw, max_pieces: int = 9) -> str:
    """Return one line: mostly `allow user` shapes, sometimes any sequence of pieces."""
    if draw(st.booleans()):
        login = draw(st.sampled_from(("bob", "as", "u_1", '"q"', '"q\\"x"', "jim.my", "a@b")))
        count = draw(st.integers(1, 4))
        addresses = [draw(st.sampled_from(("a@example0.com", "@example0.com", '"x y@b.example"', "as",
                                           "b@c#d", "é@ü.example", '"a\\\\b@c.example"')))
                     for _ in range(count)]
        gap = draw(st.sampled_from(_GAPS[1:]))
        comma = draw(st.sampled_from((",", ", ", " , ", "\t,")))
        tail = draw(st.sampled_from(("", " ", " # note", "#x", ",", " junk")))
        lead = draw(st.sampled_from(("", " ", "\t")))
        return f"{lead}allow{gap}user{gap}{login}{gap}as{gap}{comma.join(addresses)}{tail}"
    pieces = draw(st.lists(st.sampled_from(_PIECES), max_size=max_pieces))
    gaps = draw(st.lists(st.sampled_from(_GAPS), min_size=len(pieces), max_size=len(pieces)))
    return "".join(g + p for g, p in zip(gaps, pieces))


@st.composite
def policy_texts(draw, max_lines: int = 12) -> str:
    """Return a policy text of several lines, with or without a final newline."""
    lines = draw(st.lists(policy_lines(), max_size=max_lines))
    ending = draw(st.sampled_from(("", "\n", "\r\n")))
    return "\n".join(lines) + ending


_SLOTS = ("bob", "as", "to", "a@example0.com", "@example0.com", '"q@x.example"', '"a \\" b"', "3.7", "private/auth",
          "hash:/etc/x", "10.0.0.0/8", "é@ü.example", '"open', '""', "x#c", "a=b", "user", "relay")
_TEMPLATES = (
    "postfix {v}", "hostname {v}", "local{g}domains {v}{l}", "trusted{g}networks {v}{l}", "sasl {v}", "sasl {v}{g}{v}",
    "chroot {v}", "relay{g}nobody", "relay only{g}authenticated", "relay only trusted", "relay authenticated{g}or trusted",
    "relay only", "sender map {v}", "allow users{g}from {v}", "include {v}", "set {v}{g}={g}{s}", "set {v}=",
    "set {v} = # note", "expect {r}{g}anonymous sending as {v} to {v}", "expect {r} trusted sending{g}as {v}{g}to {v}",
    "expect {r} user {v} sending as {v} to {v}", "expect maybe anonymous sending as {v} to {v}",
    # Every statement of the registry, its keyword then values: a list or one value.
    *(f"{kind.keyword} {{v}}{{l}}" for kind in STATEMENTS),
)


@st.composite
def statement_lines(draw) -> str:
    """Return a line shaped like one of the statements, with odd gaps, values and trailers."""
    template = draw(st.sampled_from(_TEMPLATES))
    gap = lambda: draw(st.sampled_from((" ", "\t", "  ", "", " \t")))  # noqa: E731
    fill = {
        "v": lambda: draw(st.sampled_from(_SLOTS)),
        "g": gap,
        "l": lambda: "".join(draw(st.sampled_from((",", ", ", " ,", ",,"))) + draw(st.sampled_from(_SLOTS))
                             for _ in range(draw(st.integers(0, 2)))),
        "s": lambda: draw(st.sampled_from(("$myhostname ESMTP", "yes", "a # b", "x  ", "#c", '"q"', ""))),
        "r": lambda: draw(st.sampled_from(("accept", "reject", "acceptx"))),
    }
    line = ""
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        key, _, rest = after.partition("}")
        line += before + fill[key]()
    line += rest
    lead = draw(st.sampled_from(("", " ", "\t")))
    tail = draw(st.sampled_from(("", " ", " # why", "#x", ",", " junk", "\t")))
    return lead + line.replace(" ", gap() or " ", 1) + tail
