"""Rewrite a user's main.cf so it runs in isolation without changing its policy."""

from __future__ import annotations

import re
from collections.abc import Mapping

from mailpolicy.postfix.privileged import PRIVILEGED

# Parameters the sandbox owns: these, and every parameter that chooses programs, libraries,
# users or folders Postfix uses as root (postfix/privileged.py), which get Postfix's built-in
# defaults. Everything else — restrictions, mynetworks, SASL and sender-login settings — is
# left exactly as the user wrote it.
ISOLATION_PARAMETERS = (
    "config_directory",
    "queue_directory",
    "data_directory",
    "inet_interfaces",
    "inet_protocols",
    "maillog_file",
    "maillog_file_prefixes",
    "default_transport",
    "relay_transport",
)
OWNED_PARAMETERS = ISOLATION_PARAMETERS + tuple(name for name in PRIVILEGED if name not in ISOLATION_PARAMETERS)

# Table types whose lookups read an indexed file that `postmap` must build first.
POSTMAP_TYPES = frozenset({"hash", "btree", "lmdb", "cdb", "dbm", "sdbm"})

# A table reference with a literal absolute path, e.g. hash:/etc/postfix/senders.
# "proxy:hash:/x" needs no special case: the search simply finds "hash:/x" inside it.
_TABLE_REF = re.compile(r"(?<![A-Za-z0-9_])(?P<type>[a-z][a-z0-9_]*):(?P<path>/[^\s,{}]+)")

_NAME = re.compile(r"\s*([A-Za-z0-9_]+)\s*=")


def logical_entries(text: str) -> list[list[str]]:
    """Split main.cf text into logical entries (a parameter line plus its continuations)."""
    # Postfix: a line starting with whitespace continues the last logical line, and
    # blank or '#' lines are skipped even in the middle of one, so such lines get
    # folded into the entry they sit inside.
    entries: list[list[str]] = []
    last_param: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        standalone = not stripped or stripped.startswith("#")
        if standalone:
            entries.append([line])
        elif line[:1].isspace() and last_param is not None:
            for between in entries[last_param + 1:]:
                entries[last_param].extend(between)
            del entries[last_param + 1:]
            entries[last_param].append(line)
        else:
            entries.append([line])
            last_param = len(entries) - 1
    return entries


def _standalone(entry: list[str]) -> bool:
    """Tell whether an entry is a comment or blank line."""
    first = entry[0].strip()
    return not first or first.startswith("#")


def entry_name(entry: list[str]) -> str | None:
    """Return the parameter name an entry assigns, or None for comments and blanks."""
    if _standalone(entry):
        return None
    match = _NAME.match(entry[0])
    return match.group(1) if match else None


# The transports whose names smtpd itself acts on: a recipient resolved to `error` is refused with
# 550 and one resolved to `retry` with 450 (src/smtpd/smtpd_check.c check_rcpt_maps compares the
# resolver's transport with MAIL_SERVICE_ERROR and MAIL_SERVICE_RETRY). Neither sends anything.
_REFUSING_TRANSPORTS = ("error", "retry")


def kept_transports(text: str, names: tuple[str, ...] = ("default_transport", "relay_transport")) -> dict[str, str]:
    """Return the policy's own value of each of `names` whose transport is `error` or `retry`.

    The sandbox replaces default_transport and relay_transport so nothing accepted leaves; but a
    policy that sends off-host mail to `error` or `retry` has smtpd refuse it at RCPT TO, and a
    stand-in would accept it instead, so `verify` and the simulator would disagree on an `expect`
    line. Those two transports deliver nothing, so the policy's value is kept as written (the last
    definition wins, as in Postfix). A value that names another parameter (`$name`) is not read.
    """
    found: dict[str, str] = {}
    for entry in logical_entries(text):
        name = entry_name(entry)
        if name in names:
            value = " ".join(line.strip() for line in entry if not line.strip().startswith("#"))
            value = value.split("=", 1)[1].strip()
            found[name] = value
    return {name: value for name, value in found.items()
            if value.partition(":")[0].strip() in _REFUSING_TRANSPORTS}


def find_table_refs(text: str) -> list[tuple[str, str]]:
    """List (type, absolute path) table references outside comments, in order."""
    refs = []
    for entry in logical_entries(text):
        if entry_name(entry) is None:
            continue
        for match in _TABLE_REF.finditer("\n".join(entry)):
            refs.append((match.group("type"), match.group("path")))
    return refs


def rewrite_main_cf(text: str, overrides: Mapping[str, str], relocate: Mapping[str, str]) -> str:
    """Comment out owned parameters, relocate table paths, and append the overrides."""
    out: list[str] = []
    for entry in logical_entries(text):
        name = entry_name(entry)
        if name in overrides:
            # Commented out rather than left for the appended value to win: Postfix
            # would otherwise log "overriding earlier entry" on every command.
            out.extend("#sandbox# " + line for line in entry)
            continue
        if name is None:
            out.extend(entry)
            continue
        joined = "\n".join(entry)
        out.append(_TABLE_REF.sub(lambda m: _relocated(m, relocate), joined))
    out.append("")
    out.append("# --- appended by mailpolicy.sandbox: isolation only, no policy ---")
    out.extend(f"{name} = {value}" for name, value in overrides.items())
    return "\n".join(out) + "\n"


def _relocated(match: re.Match[str], relocate: Mapping[str, str]) -> str:
    """Return a table reference pointing at the sandbox copy when there is one."""
    path = match.group("path")
    return f"{match.group('type')}:{relocate.get(path, path)}"
