"""Hypothesis strategies for hostile policies: from the grammar, from raw text and bytes, by mutating examples."""

from __future__ import annotations

import functools
from pathlib import Path

from hypothesis import strategies as hs
from hypothesis.extra.lark import from_lark
from lark import Lark

from mailpolicy.parse.grammar import grammar_path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*REPO.glob("examples/**/*.mailpolicy")])

# Files every generated folder may hold, so includes and tables meet each other: cycles, repeats,
# escapes and missing files all happen.
TOP = "site.mailpolicy"
PART = "part.mailpolicy"
NESTED = "sub/nested.mailpolicy"
TABLE = "owners.tsv"
FILE_NAMES = [TOP, PART, NESTED, TABLE, "sub/../part.mailpolicy", "missing.mailpolicy", "../escape.mailpolicy",
              "/etc/passwd", "~/x", "sub", "", "usеrs.mailpolicy", "./" + TOP, "sub/../../x"]

GOOD = [
    "3.7", "3.6", "2.10", "3.10", "mx.example0.com", "example0.com", "example1.test", "bücher.example",
    "xn--bcher-kva.example", "10.0.0.0/8", "192.168.10.0/24", "[::1]/128", "2001:db8::/32", "127.0.0.1",
    "198.51.100.7", "dovecot", "cyrus", "private/auth", "/var/spool/postfix/private/auth", "off",
    "/var/spool/postfix", "hash:/etc/postfix/senders", "lmdb:/etc/postfix/o", "texthash:/etc/postfix/t",
    "bob", "jimminey", "a.smith", "a@example0.com", "@example0.com", "jcricket@example0.com", "spam@evil.test",
    "<>", "smtpd_banner", "smtpd_tls_security_level", "relay_domains", "mynetworks_style", "smtpd_helo_required",
    "message_size_limit", "smtpd_client_restrictions", "smtpd_recipient_restrictions",
]
HOSTILE = [
    "0.0.0.0/0", "::/0", "10.0.0.1/8", "::fff:10.0.0.0/104", "fe80::1%eth0", "exаmple0.com", "ｅxample.com",
    "straße.de", "xn--zzz.com", "xn--abc.com", "a..b", "-rf", "-", "a$b", "${x", "$", "{", "}", "x" * 300,
    "../x", "/etc/passwd", "~", "victim%gmail.test@example0.com", "gmail.test!victim@example0.com",
    "a@b@example0.com", "auth-client", "private/", "private/../x", "hash:relative", "mysql:/x", "smtp_relay_restrictions",
    "smtpd_relay_restrictions", "mynetworks", "4.0", "3", "3.7.11", "ä@example0.com", "\u00a0", "\u200b",
    "\u202e", "\\", "é", "١٢٣.com", "аррӏе.com",
]
SET_VALUES = [
    "may", "yes", "no", "0", "10240000", "$myhostname ESMTP", "permit", "reject", "subnet", "host",
    "permit_mynetworks, reject_unauth_destination", "permit_sasl_authenticated, permit", "$mynetworks",
    "$smtpd_relay_restrictions", "${x", "${x?{a}:{b}}", "a }", "{ a", "0.0.0.0/0", "static:ALL", "example0.com, gmail.test",
    "reject_invalid_helo_hostname", "check_relay_domains", "$$", "a # comment", "ESMTP#1", "x=y", "-v", "ｅ",
    "permit_mynеtworks", "\u00a0x", "\t", "$(x)", "${}",
]
KEYWORDS = ["postfix", "hostname", "local", "domains", "trusted", "networks", "sasl", "chroot", "relay", "only",
            "authenticated", "or", "nobody", "sender", "map", "allow", "user", "as", "users", "from", "set",
            "include", "expect", "sending", "to", "anonymous"]

_values = hs.one_of(hs.sampled_from(GOOD), hs.sampled_from(HOSTILE), hs.sampled_from(FILE_NAMES),
                    hs.text(max_size=12))
_gap = hs.sampled_from([" ", " ", " ", "\t", "  ", ""])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _explicit() -> dict:
    """Strategies for each terminal: keywords followed by a gap, values from the pools above."""
    explicit = {name.upper(): hs.tuples(hs.just(name), _gap).map("".join) for name in KEYWORDS}
    explicit.update({
        "VALUE": _values.filter(lambda v: v and not any(c.isspace() or c in ',#"=' for c in v)).map(lambda v: v + " "),
        "STRING": _values.map(_quote).map(lambda v: v + " "),
        "SET_VALUE": hs.one_of(hs.sampled_from(SET_VALUES), hs.text(max_size=20)).map(lambda v: " " + v),
        "VERDICT": hs.sampled_from(["accept ", "reject "]),
        "EQUAL": hs.sampled_from(["= ", " = ", "="]),
        "COMMA": hs.sampled_from([", ", ",", " , "]),
        "_NL": hs.sampled_from(["\n", "\n", "\n", "\n\n", "\r\n"]),
    })
    return explicit


@functools.lru_cache(maxsize=None)
def _grammar() -> Lark:
    # Built from the grammar file: the parser mailpolicy runs may be loaded from a table cache,
    # which keeps no grammar for hypothesis to derive from.
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual")


def grammar_policies():
    """Return policy texts the grammar derives, with realistic and hostile values in every slot."""
    return from_lark(_grammar(), start="start", explicit=_explicit())


def raw_grammar_policies():
    """Return texts derived from the grammar with its own terminals: any Unicode in every value."""
    return from_lark(_grammar(), start="start")


@hs.composite
def junk_lines(draw) -> str:
    """Return a line of keywords, values and junk in any order."""
    pieces = draw(hs.lists(hs.one_of(hs.sampled_from(KEYWORDS), _values, hs.sampled_from(['"', ",", "=", "#", "\\"])),
                           max_size=8))
    gaps = draw(hs.lists(_gap, min_size=len(pieces), max_size=len(pieces)))
    return "".join(g + p for g, p in zip(gaps, pieces))


def junk_policies():
    """Return texts of junk lines, and sometimes plain random text."""
    lines = hs.lists(junk_lines(), max_size=10).map("\n".join)
    return hs.one_of(lines, hs.text(max_size=200))


@hs.composite
def mutated_examples(draw) -> str:
    """Return an example policy after a few random edits: characters deleted, inserted, lines swapped or cut."""
    text = draw(hs.sampled_from([p.read_text(encoding="utf-8") for p in EXAMPLES]))
    for _ in range(draw(hs.integers(1, 5))):
        if not text:
            break
        at = draw(hs.integers(0, len(text) - 1))
        edit = draw(hs.sampled_from(["delete", "insert", "replace", "swap", "truncate", "duplicate"]))
        if edit == "delete":
            text = text[:at] + text[at + draw(hs.integers(1, 10)):]
        elif edit in ("insert", "replace"):
            piece = draw(hs.one_of(hs.sampled_from(HOSTILE + SET_VALUES + KEYWORDS + ["\n", "\r", "\0", '"', ",", "#"]),
                                   hs.text(max_size=5)))
            text = text[:at] + piece + text[at + (len(piece) if edit == "replace" else 0):]
        elif edit == "swap":
            lines = text.split("\n")
            i, j = draw(hs.integers(0, len(lines) - 1)), draw(hs.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif edit == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            text = "\n".join([*lines, lines[at % len(lines)]])
    return text


@hs.composite
def owner_tables(draw) -> str:
    """Return an owners table: address and login lines, comments, continuations and junk."""
    line = hs.one_of(
        hs.tuples(hs.sampled_from(GOOD + HOSTILE), _gap, hs.sampled_from(GOOD + HOSTILE)).map(lambda t: "".join(t)),
        hs.sampled_from(["# comment", "", " continued", "address login", "a@example0.com bob, alice",
                         "@example0.com\tpostmaster", "x@example0.com"]),
        hs.text(max_size=20))
    return "\n".join(draw(hs.lists(line, max_size=8)))


@hs.composite
def policy_folders(draw) -> dict[str, str | bytes]:
    """Return the files of a policy folder: the top file and the files it may include or read."""
    text = hs.one_of(grammar_policies(), mutated_examples(), junk_policies())
    files: dict[str, str | bytes] = {TOP: draw(text)}
    for name in draw(hs.lists(hs.sampled_from([PART, NESTED, TABLE]), unique=True)):
        files[name] = draw(owner_tables()) if name == TABLE else draw(text)
    if draw(hs.booleans()):
        # Make includes and tables likely: name the other files from the top one.
        files[TOP] += "".join(f'\ninclude "{n}"' if n != TABLE else f'\nallow users from "{n}"'
                              for n in draw(hs.lists(hs.sampled_from(FILE_NAMES + [PART, TABLE]), max_size=4)))
    return files
