"""Read compiled output back, the way Postfix will, to prove it says what the policy says.

main.cf is read with `mailpolicy.maincf.read_main_cf` (Postfix's logical-line rules, postconf(5));
the sender map with the small reader below, written from postmap(1) alone: "key whitespace value",
lines starting with `#` and empty lines ignored, a line starting with whitespace continues the
previous one. It shares no code with the map's renderer.
"""

from __future__ import annotations

import re

from mailpolicy.postfix.main_cf import read_main_cf

# smtpd_sender_login_maps: "the result is one or more logins separated by commas or whitespace".
_OWNER_SEPARATOR = re.compile(r"[,\s]+")


def main_cf_values(text: str) -> dict[str, str]:
    """Return every parameter of a main.cf as Postfix reads it; fail on anything Postfix would warn about."""
    parsed = read_main_cf(text, "main.cf")
    assert not parsed.problems, [p.message for p in parsed.problems]
    assert not parsed.overrides, [o.later.name for o in parsed.overrides]
    return {d.name: d.value for d in parsed.definitions}


def read_map(text: str) -> dict[str, tuple[str, ...]]:
    """Return key -> owners of a postmap source file; fail on a repeated key or a line without a value."""
    logical: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            assert logical, f"continuation without a first line: {line!r}"
            logical[-1] += " " + line.strip()
        else:
            logical.append(line)
    entries: dict[str, tuple[str, ...]] = {}
    for line in logical:
        key, *rest = line.split(None, 1)
        owners = tuple(o for o in _OWNER_SEPARATOR.split(rest[0] if rest else "") if o)
        assert owners, f"map line without a value: {line!r}"
        assert key not in entries, f"postmap would warn: duplicate key {key}"
        entries[key] = owners
    return entries


def words(value: str) -> list[str]:
    """Split a main.cf list value the way Postfix does: on commas and whitespace."""
    return [w for w in re.split(r"[,\s]+", value) if w]
