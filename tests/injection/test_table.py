"""The injection table: every field a policy names x every character class that could change a line's meaning.

Each cell either is refused (an error of the expected codes, located in the policy, and no output
at all) or is kept, and then the compiled main.cf and sender map, read back as Postfix reads
them, hold exactly what the policy states and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import attrs
import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.load import files
from mailpolicy.model import values
from tests.injection.readback import main_cf_values, read_map
from tests.helpers import write_files

BASE = [
    "postfix 3.7",
    "hostname mx.example0.com",
    "local domains example0.com",
    "sasl dovecot private/auth",
    "relay only authenticated",
    "sender map hash:/etc/postfix/senders",
    "allow user bob as bob@example0.com",
]
MAP = "senders"
# A line that would open the server if it ever reached main.cf as a line of its own.
PAYLOAD = "mynetworks = 0.0.0.0/0"

# Cyrillic and Greek letters that look like the ASCII ones they replace.
_LOOKALIKE = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "s": "ѕ", "0": "О", "1": "І"}


def _insert(text: str, at: int, what: str) -> str:
    return text[:at] + what + text[at:]


def _lookalike(text: str, at: int) -> str:
    index = next(i for i in [*range(at, len(text)), *range(at)] if text[i] in _LOOKALIKE)
    return text[:index] + _LOOKALIKE[text[index]] + text[index + 1:]


@attrs.frozen
class Field:
    """Where a value stands in a policy: `line(value)` gives the policy line(s) and extra files."""

    name: str
    base: str
    at: int  # where characters are inserted: inside the value, never at an end
    place: Callable[[str], tuple[str, dict[str, str]]]
    codes: frozenset[str]  # the codes a refusal of this field may carry
    overlong: str
    replaces: bool = False  # the field's line replaces the base policy's line of the same statement


def _line(template: str) -> Callable[[str], tuple[str, dict[str, str]]]:
    return lambda value: (template.format(v=value), {})


FIELDS = [
    Field("login", "bob", 1, _line('allow user "{v}" as bob@example0.com'), frozenset({"MP203"}), "b" * 256),
    Field("address local part", "bob", 1, _line('allow user bob as "{v}@example0.com"'),
          frozenset({"MP201"}), "b" * 65),
    Field("address domain", "example0.com", 3, _line('allow user bob as "bob@{v}"'),
          frozenset({"MP201"}), "e" * 64 + ".com"),
    Field("local domain", "example0.com", 3, _line('local domains "{v}"'), frozenset({"MP202"}),
          ("e" * 60 + ".") * 5 + "com", replaces=True),
    Field("hostname", "mx.example0.com", 4, _line('hostname "{v}"'), frozenset({"MP208"}),
          "mx." + "e" * 64 + ".com", replaces=True),
    Field("trusted network", "10.0.0.0/8", 2, _line('trusted networks "{v}"'), frozenset({"MP204"}),
          "10.0.0.0/8" + "0" * 300),
    Field("sasl socket path", "private/auth", 9, _line('sasl dovecot "{v}"'), frozenset({"MP205"}),
          "private/" + "a" * 4100, replaces=True),
    Field("chroot path", "/var/spool/postfix", 5, _line('chroot "{v}"'), frozenset({"MP205"}),
          "/var/" + "s" * 4100),
    Field("sender map path", "hash:/etc/postfix/owners", 14, _line('sender map "{v}"'),
          frozenset({"MP206"}), "hash:/etc/" + "o" * 4100, replaces=True),
    Field("set name", "smtpd_banner", 5, _line('set "{v}" = ESMTP'), frozenset({"MP212", "MP401"}),
          "smtpd_banner" + "x" * 300),
    Field("set value", "ESMTP ready", 5, _line("set smtpd_banner = {v}"), frozenset({"MP212"}),
          "ESMTP " + "r" * files.MAX_LINE_CHARS),
    Field("include name", "users.mailpolicy", 5,
          lambda v: (f'include "{v}"', {v: "# included\n"}), frozenset({"MP112"}), "users" * 60 + ".mailpolicy"),
    Field("owners table address", "bob@example0.com", 1,
          lambda v: ('allow users from "owners.tsv"', {"owners.tsv": f"{v} bob\n"}),
          frozenset({"MP201", "MP215"}), "b" * 65 + "@example0.com"),
    Field("owners table login", "bob", 1,
          lambda v: ('allow users from "owners.tsv"', {"owners.tsv": f"bob@example0.com {v}\n"}),
          frozenset({"MP203"}), "b" * 256),
]

CLASSES: dict[str, Callable[[Field], str]] = {
    "newline": lambda f: _insert(f.base, f.at, "\n" + PAYLOAD + "\n"),
    "carriage return": lambda f: _insert(f.base, f.at, "\r" + PAYLOAD),
    "NUL": lambda f: _insert(f.base, f.at, "\0"),
    "comma": lambda f: _insert(f.base, f.at, ","),
    "space": lambda f: _insert(f.base, f.at, " "),
    "hash": lambda f: _insert(f.base, f.at, "#"),
    "equals": lambda f: _insert(f.base, f.at, "="),
    "dollar": lambda f: _insert(f.base, f.at, "$"),
    "braces": lambda f: _insert(f.base, f.at, "{}"),
    "leading dash": lambda f: "-" + f.base,
    "look-alike": lambda f: _lookalike(f.base, f.at),
    "overlong": lambda f: f.overlong,
}

# Codes that refuse a value before it reaches its validator, whatever the field.
LINE_BREAKERS = frozenset({"MP101", "MP102", "MP103", "MP110"})


@attrs.frozen
class Output:
    """A kept cell's compiled output, read back, with the value stated and the output without it."""

    main_cf: dict[str, str]
    owners: dict[str, tuple[str, ...]]
    value: str
    baseline: dict[str, str]


# The cells that are kept, each with what the output must then hold. Every other cell is refused.
KEPT: dict[tuple[str, str], Callable[[Output], None]] = {}


def with_bare_keys(owners: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Return the map docs/language.md promises for addresses of the local domain example0.com: each
    also under its bare local part (local domains are one namespace)."""
    found = dict(owners)
    for key, logins in owners.items():
        found[key.rpartition("@")[0]] = logins
    return found


def kept(field: str, *classes: str):
    def register(check):
        for name in classes:
            KEPT[(field, name)] = check
        return check
    return register


@kept("address local part", "leading dash")
@kept("owners table address", "leading dash")
def _dash_local(out: Output) -> None:
    # `-bob` is a valid local part (RFC 5322 atext); as a map key it is data, never an option.
    assert out.owners == with_bare_keys({"-bob@example0.com": ("bob",), "bob@example0.com": ("bob",)})


@kept("address local part", "equals", "braces")
@kept("owners table address", "equals", "braces")
def _atext_local(out: Output) -> None:
    # `=`, `{` and `}` are RFC 5322 atext: `b=ob` and `b{}ob` are local parts smtpd accepts, and
    # postmap reads them as plain key characters (postmap -q finds them on Postfix 3.7).
    local = out.value.split("@")[0]
    assert out.owners == with_bare_keys({f"{local}@example0.com": ("bob",), "bob@example0.com": ("bob",)})


@kept("set value", "comma", "space", "hash", "equals", "braces", "leading dash")
def _literal_set_value(out: Output) -> None:
    # main.cf reads `#` as a comment only at the start of a line, and `=`, `,` and balanced
    # braces inside a value as themselves (postconf(5)).
    assert out.main_cf == {**out.baseline, "smtpd_banner": out.value}


@kept("set name", "overlong")
def _unknown_long_name(out: Output) -> None:
    # A name Postfix does not know and no $name reads is postconf's "unused parameter" (MP414, a
    # warning): Postfix ignores the line, which changes no parameter it reads.
    assert out.main_cf == {**out.baseline, out.value: "ESMTP"}


@kept("include name", "comma", "space", "hash", "equals", "dollar", "braces", "leading dash")
def _odd_file_name(out: Output) -> None:
    # A file name reaches the output only inside a comment citing it; the output is unchanged.
    assert out.main_cf == out.baseline


@kept("owners table login", "comma", "space")
def _two_owners(out: Output) -> None:
    # In the table format commas and spaces separate owners: `b,ob` states two logins.
    assert out.owners == with_bare_keys({"bob@example0.com": ("bob", "b", "ob")})


def _policy(field: Field, value: str) -> tuple[str, dict[str, str], int]:
    """Return the policy text with the field's line, the extra files, and the line number it is on."""
    line, files = field.place(value)
    lines = list(BASE)
    replaced = next((i for i, b in enumerate(lines) if b.split()[0] == line.split()[0]), None) if field.replaces else None
    if replaced is not None:
        lines[replaced] = line
        number = replaced + 1
    else:
        lines.append(line)
        number = len(lines)
    return "\n".join(lines) + "\n", files, number


def _compile(tmp_path: Path, text: str, files: dict[str, str]):
    write_files(tmp_path, {**files, "site.mailpolicy": text})
    return compile_policy(tmp_path / "site.mailpolicy")


def _cells():
    for field in FIELDS:
        for name in CLASSES:
            yield pytest.param(field, name, id=f"{field.name}-{name}")


def _has_file_name_char(value: str) -> bool:
    return "\0" not in value and "\n" not in value and "\r" not in value and len(value) < 255


@pytest.mark.parametrize("field, name", list(_cells()))
def test_cell(tmp_path, field: Field, name: str) -> None:
    value = CLASSES[name](field)
    assert value != field.base
    text, files, number = _policy(field, value)
    if field.name == "include name" and not _has_file_name_char(value):
        files = {}  # the file system cannot hold this name; the policy still names it
    result = _compile(tmp_path, text, files)
    errors = [d for d in result.diagnostics if d.is_error]
    if (field.name, name) in KEPT:
        assert not errors, [(d.code, d.message) for d in errors]
        (tmp_path / "baseline").mkdir()
        baseline = _compile(tmp_path / "baseline", "\n".join(BASE) + "\n", {})
        KEPT[(field.name, name)](Output(main_cf_values(result.outputs["main.cf"]), read_map(result.outputs[MAP]),
                                        value, main_cf_values(baseline.outputs["main.cf"])))
        return
    assert errors, f"{field.name} accepted {value!r}"
    assert not result.outputs
    # Refused for the value itself, where it stands: the policy line that holds it (the line a
    # line break cut it at), or the owners table. Later checks may add consequences (a refused
    # `sasl` line leaves `relay only authenticated` without SASL); those are not counted.
    expected = _refusal_codes(field, name)
    line = 1 if "owners" in field.name else number
    direct = [d for d in errors if d.code in expected and d.span.line in (line, line + 1)]
    assert direct, (expected, [(d.code, str(d.span), d.message) for d in errors])
    for d in errors:
        assert d.span is not None and Path(d.span.path).parent == tmp_path, d


def _refusal_codes(field: Field, name: str) -> frozenset[str]:
    if name in ("newline", "carriage return", "NUL"):
        # Cut or refused by the parser; in an owners table the cut line is checked by itself.
        return LINE_BREAKERS | (field.codes if "owners" in field.name else frozenset())
    if name == "overlong" and field.name == "set value":
        return frozenset({"MP109"})  # longer than a line may be
    if name == "overlong" and field.name == "include name":
        return frozenset({"MP105"})  # longer than a file name may be
    return field.codes


def test_every_field_meets_every_class() -> None:
    assert len(FIELDS) * len(CLASSES) == len(list(_cells())) == 14 * 12
    # Every kept cell names a real field and class, so a typo cannot silently keep nothing.
    names = {f.name for f in FIELDS}
    assert all(f in names and c in CLASSES for f, c in KEPT)


def test_look_alike_messages_name_the_character() -> None:
    with pytest.raises(values.ValueProblem) as problem:
        values.domain("exаmple0.com")
    assert "U+0430 CYRILLIC SMALL LETTER A" in problem.value.message and "looks like `a`" in problem.value.message
