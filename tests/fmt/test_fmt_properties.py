"""Property: any policy, however it is spaced, quoted and commented, formats idempotently and compiles the same."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from mailpolicy.compiler import compile_policy
from mailpolicy.fmt import format_text

_space = s.text(" \t", min_size=1, max_size=3)
_comment = s.sampled_from(["#", "# why", "#no space", "# a, b = c \"d\""])


def _value(choices: list[str]):
    """A bare value, sometimes quoted (it can stand bare, so quoting must not matter)."""
    return s.tuples(s.sampled_from(choices), s.booleans()).map(lambda v: f'"{v[0]}"' if v[1] else v[0])


def _list(choices: list[str]):
    separator = s.sampled_from([",", ", ", " ,", " , ", ",\t"])
    return s.lists(s.tuples(_value(choices), separator), min_size=1, max_size=3).map(
        lambda items: "".join(v + sep for v, sep in items[:-1]) + items[-1][0])


_DOMAINS = ["example0.com", "example1.com", "Example2.COM", "bad_domain"]
_ADDRESSES = ["jcricket@example0.com", "@example0.com", "x@example1.com", "not-an-address"]
_LOGINS = ["jimminey", "ops", "mallory", "as", "user"]

_statement = s.one_of(
    s.tuples(s.just("postfix"), _value(["3.7", "3.6", "3.4", "2.11", "9.9"])),
    s.tuples(s.just("hostname"), _value(["mx.example0.com", "mx", "mx.example1.com"])),
    s.tuples(s.just("local"), s.just("domains"), _list(_DOMAINS)),
    s.tuples(s.just("trusted"), s.just("networks"), _list(["127.0.0.0/8", "192.168.1.0/24", "[::1]/128",
                                                            "10.0.0.1/8", "0.0.0.0/0"])),
    s.tuples(s.just("sasl"), s.just("dovecot"), _value(["private/auth", "/var/spool/postfix/private/auth"])),
    s.tuples(s.just("sasl"), s.just("cyrus")),
    s.tuples(s.just("chroot"), s.sampled_from(["off", '"off"', "/var/spool/postfix", '"/var/spool/postfix"'])),
    s.sampled_from([("relay", "only", "authenticated"), ("relay", "authenticated", "or", "trusted"),
                    ("relay", "nobody")]),
    s.tuples(s.just("sender"), s.just("map"), _value(["hash:/etc/postfix/senders", "texthash:/etc/postfix/s"])),
    s.tuples(s.just("allow"), s.just("user"), _value(_LOGINS), s.just("as"), _list(_ADDRESSES)),
    s.tuples(s.just("set"), _value(["smtpd_tls_security_level", "smtpd_tls_loglevel", "smtp_helo_timeout"]),
             s.just("="), s.sampled_from(["may", "1", "", "a#b", "$myhostname, x"])),
    s.tuples(s.just("expect"), s.sampled_from(["accept", "reject"]),
             s.sampled_from(["anonymous", "trusted", "user jimminey", 'user "ops"']),
             s.just("sending"), s.just("as"), _value(_ADDRESSES[:1] + ["a@b.example", "<>"]),
             s.just("to"), _value(["friend@gmail.test", "jcricket@example0.com"])),
)


@s.composite
def _line(draw) -> str:
    kind = draw(s.sampled_from(["statement"] * 6 + ["comment", "blank"]))
    if kind == "blank":
        return draw(s.sampled_from(["", " ", "\t"]))
    if kind == "comment":
        return draw(s.sampled_from(["", "  "])) + draw(_comment)
    tokens = [t for t in draw(_statement) if t != ""]
    line = draw(s.sampled_from(["", " ", "\t"]))
    for token in tokens:
        line += token + draw(_space)
    if tokens[0] == "set":
        line = line.rstrip(" \t")  # a set value runs to the end of the line
        return line + (draw(s.sampled_from(["", " # note"])) if not line.endswith("=") else "")
    return line + draw(s.sampled_from(["", "# note"]))


_policy = s.tuples(s.lists(_line(), max_size=14), s.sampled_from(["\n", "\r\n"])).map(
    lambda parts: parts[1].join(parts[0]) + parts[1])


def _compiled(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.mailpolicy"
        path.write_bytes(text.encode())
        compilation = compile_policy(path)
    return compilation.outputs, [(d.code, d.span.line if d.span else 0) for d in compilation.diagnostics]


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_policy)
def test_formatting_is_idempotent_and_keeps_the_compiled_output(text: str) -> None:
    once = format_text(text, "gen.mailpolicy")
    assert once.text is not None, (text, once.diagnostics)
    assert format_text(once.text, "gen.mailpolicy").text == once.text
    assert _compiled(once.text) == _compiled(text)
