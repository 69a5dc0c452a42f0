"""Make a configuration runnable in the sandbox, the same way for the original and for the import.

A real server reads tables from MySQL, PostgreSQL, LDAP or socketmap, asks policy services and
milters, and finds its SASL server at a path of its own; none of that exists here. Every value
of main.cf and of each service's `-o` override goes through `Replacer.value`, so both sides get
the same stand-ins, and what the comparison claims holds under them (docs/audit.md, "Decides
like the original"):

- a table of a type the sandbox cannot have (`proxy:`, `mysql:`, `pgsql:`, `ldap:`, `sqlite:`,
  `memcache:`, `socketmap:`, `tcp:`) and every file-backed table (`hash:`, `lmdb:`, `cdb:`,
  `btree:`, `dbm:`, `texthash:`, and `pcre:`, `regexp:`, `cidr:`) becomes a file in the sandbox
  holding the rows the configuration's STANDINS file gives it (none: empty). Indexed types become
  `texthash:` (the same lookups as `hash:` without postmap, dict_thash.c); pattern types keep theirs;
- `check_policy_service ANYTHING` asks one stand-in policy service that answers DUNNO to every
  request (policy.py), as a policy server that has no opinion does;
- a DNS list (`reject_rbl_client`, `reject_rhsbl_*`, `permit_dnswl_client`, `permit_rhswl_client`
  with its list) is left out: no list names a loopback client or a `.test` domain, and the sandbox
  must not depend on the network; the other DNS lookups (`reject_unknown_*`) stay, and are answered
  by this machine's resolver for domains that do not exist. For the same reason postscreen's DNS
  lists (`postscreen_dnsbl_sites`) are empty: its other tests run as configured;
- `smtpd_milters` and `non_smtpd_milters` are empty (a milter that accepts everything);
- `cleanup_service_name` is `cleanup`, the sandbox's only cleanup service, and `smtpd_proxy_filter`
  is empty (a before-queue filter that passes everything);
- `smtpd_sasl_path` is `private/auth`, where the sandbox's Dovecot answers (with STANDINS's logins);
- `smtpd_tls_CAfile`, `smtpd_tls_CApath` and `tls_server_sni_maps` are empty: the sandbox's throwaway
  certificate stands in for the site's, and a CA file that is not on this machine makes smtpd's TLS
  set-up fail, so it would offer no STARTTLS (iRedMail names its own certificate as its CA file); an
  SNI table names the site's certificate files per host name (FreedomBox);
- `mynetworks` keeps its networks except those holding the outside client (verify/standins.py).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import attrs

from mailpolicy.sandbox.mainconf import entry_name, logical_entries
from mailpolicy.verify.standins import stand_ins

# Table types that need a server or an index file this machine does not have.
_SERVER_TYPES = "mysql|pgsql|ldap|sqlite|memcache|socketmap|tcp"
_INDEXED_TYPES = "hash|lmdb|cdb|btree|dbm|sdbm|texthash"
_PATTERN_TYPES = "pcre|regexp|cidr"
# `proxy:` in front of any of them: proxymap only relays lookups, so it goes with the table.
_TABLE = re.compile(
    rf"(?<![A-Za-z0-9_:$])(?:proxy:)?(?:(?P<server>{_SERVER_TYPES}):(?P<target>[^\s,{{}}]+)"
    rf"|(?P<file>{_INDEXED_TYPES}|{_PATTERN_TYPES}):(?P<path>/[^\s,{{}}]+))")
# `check_policy_service inet:host:port`, `unix:private/x`, or the `{ name, option=... }` form.
_POLICY = re.compile(r"check_policy_service(?:\s*,\s*|\s+)(?:\{[^}]*\}|[^\s,]+)")
# A DNS list restriction and its list's name (`reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]`).
_DNS_LIST = re.compile(r"\b(?:reject_rbl_client|reject_rhsbl_(?:client|reverse_client|sender|recipient|helo)"
                       r"|permit_dnswl_client|permit_rhswl_client)(?:\s*,\s*|\s+)[^\s,]+")
_MILTERS = ("smtpd_milters", "non_smtpd_milters")
# The site's CA and its per-name certificates: tls_server_sni_maps (FreedomBox) names a table of the
# site's certificate files, which this machine does not have (smtpd stops at its first lookup).
_TLS_AUTHORITIES = ("smtpd_tls_CAfile", "smtpd_tls_CApath", "tls_server_sni_maps")
SASL_PATH = "private/auth"


class StandInError(ValueError):
    """A STANDINS file that does not parse; the message names the file and line."""


@attrs.define
class StandIns:
    """One configuration's STANDINS file: table rows, plain files, logins and scenario roles."""

    tables: dict[str, list[str]] = attrs.field(factory=dict)   # original reference -> rows
    files: dict[str, list[str]] = attrs.field(factory=dict)    # plain absolute path -> lines
    logins: dict[str, str] = attrs.field(factory=dict)         # login -> password
    roles: dict[str, list[str]] = attrs.field(factory=dict)    # role -> values (scenarios.py); sender: `LOGIN ADDRESS`


def read_standins(path: Path) -> StandIns:
    """Read a STANDINS file: `table REF` / `file PATH` with indented rows, logins, scenario roles.

    `login NAME PASSWORD ADDRESS` is a Dovecot login that owns ADDRESS; `domain`, `mailbox` and
    `other` (an address someone else owns) feed the scenarios (scenarios.py).
    """
    found = StandIns()
    rows: list[str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1].isspace():
            if rows is None:
                raise StandInError(f"{path}:{number}: a row outside any `table` or `file`")
            rows.append(line.strip())
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word in ("table", "file") and rest:
            rows = (found.tables if word == "table" else found.files).setdefault(rest, [])
        elif word == "login" and len(rest.split()) == 3:
            name, password, address = rest.split()
            found.logins[name] = password
            found.roles.setdefault("sender", []).append(f"{name} {address}")
            rows = None
        elif word in ("domain", "mailbox", "other") and len(rest.split()) == 1:
            found.roles.setdefault(word, []).append(rest)
            rows = None
        else:
            raise StandInError(
                f"{path}:{number}: expected `table REF`, `file PATH`, `login NAME PASSWORD ADDRESS`, "
                "`domain D`, `mailbox ADDRESS` or `other ADDRESS`")
    return found


class Replacer:
    """Rewrites values the same way for both sides, and collects the stand-in files to write."""

    def __init__(self, standins: StandIns, folder: Path, policy_port: int):
        self.standins = standins
        self.folder = folder
        self.policy_port = policy_port
        self.files: dict[str, str] = {}        # stand-in path -> text
        self.replaced: dict[str, str] = {}     # original reference -> stand-in reference
        for plain, lines in standins.files.items():
            self.files[str(self._place(plain))] = _rows(lines)

    def _place(self, original: str) -> Path:
        """The stand-in file for an original table or path (one file per original, so both sides share it)."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", original).strip("_")[-80:]
        return self.folder / slug

    def _table(self, match: re.Match[str]) -> str:
        original = match.group(0)
        kind = match.group("file") or "texthash"
        if kind in _INDEXED_TYPES.split("|"):
            kind = "texthash"
        path = self._place(original)
        if original.endswith(":"):
            # A prefix that `${name}suffix` completes (Mailu's `podop = socketmap:unix:PATH:`): each
            # table STANDINS names under it gets the file the completed reference points at.
            for listed, rows in self.standins.tables.items():
                if listed.startswith(original):
                    self.files[f"{path}-{listed[len(original):]}"] = _rows(rows)
            self.replaced[original] = f"{kind}:{path}-"
            return self.replaced[original]
        self.files[str(path)] = _rows(self.standins.tables.get(original, []))
        self.replaced[original] = f"{kind}:{path}"
        return self.replaced[original]

    def value(self, name: str, value: str) -> str:
        """Return a parameter's value with every stand-in applied."""
        if name in _MILTERS:
            return ""
        if name == "smtpd_sasl_path":
            return SASL_PATH
        if name in _TLS_AUTHORITIES:
            return ""
        if name == "smtpd_proxy_filter":
            # A before-queue content filter (modoboa's amavis on 10026) that passes everything.
            return ""
        if name == "cleanup_service_name":
            # Mail-in-a-Box's submission hands mail to its own `authclean` cleanup (it strips
            # headers); the sandbox has only `cleanup`, which decides nothing at RCPT either.
            return "cleanup"
        if name == "postscreen_dnsbl_sites":
            # No list names a loopback client; the sandbox must not ask the network (see above).
            return ""
        if name == "mynetworks":
            return stand_ins(value).sandbox_mynetworks
        value = _POLICY.sub(f"check_policy_service,inet:127.0.0.1:{self.policy_port}", value)
        value = _DNS_LIST.sub("", value)
        value = _TABLE.sub(self._table, value)
        for plain in self.standins.files:
            value = re.sub(rf"(?<![:\w/]){re.escape(plain)}(?![\w/.-])", str(self._place(plain)), value)
        return value

    def main_cf(self, text: str) -> str:
        """Return main.cf text with every parameter's value replaced; comments and layout kept."""
        out = []
        for entry in logical_entries(text):
            name = entry_name(entry)
            if name is None:
                out.extend(entry)
                continue
            # Postfix joins a parameter's continuation lines with a space (and drops comment lines inside).
            joined = " ".join(line.strip() for line in entry if not line.strip().startswith("#"))
            _, _, value = joined.partition("=")
            out.append(f"{name} = {self.value(name, value.strip())}")
        return "\n".join(out) + "\n"

    def write_files(self) -> None:
        """Write the stand-in files, readable by user postfix, before either side boots."""
        self.folder.mkdir(mode=0o755, exist_ok=True)
        self.folder.chmod(0o755)
        aged = time.time() - 60
        for path, text in self.files.items():
            Path(path).write_text(text, encoding="utf-8")
            Path(path).chmod(0o644)
            # Postfix waits until a texthash or pattern file is over a second old before reading it.
            os.utime(path, (aged, aged))


def _rows(rows: list[str]) -> str:
    return "".join(f"{row}\n" for row in rows)
