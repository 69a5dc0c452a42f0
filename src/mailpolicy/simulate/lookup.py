"""Lookup tables and the orders in which smtpd searches them.

A table is known when its contents were given (by reference, e.g. `hash:/etc/postfix/x`),
or written in main.cf itself (`inline:{ key=value, ... }`, `static:value`). Any other table
is unknown: a search that reaches it has no answer (UNKNOWN), and the caller turns that into
a DEPENDS outcome. Keys of indexed tables (hash, lmdb, cdb, btree, dbm, texthash, inline) are
case-insensitive, as postmap(1) folds them to lower case.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Iterable, Mapping

from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.table_refs import table_ref


class _Unknown:
    """The answer of a table whose contents are not known."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

_CIDR_TYPES = ("cidr",)
_PATTERN_TYPES = ("pcre", "regexp", "cidr", "tcp", "socketmap", "ldap", "mysql", "pgsql", "sqlite",
                  "memcache", "nis", "nisplus", "netinfo", "unix", "fail", "environ", "randmap",
                  "pipemap", "unionmap", "sdbm")


class NetworkIndex:
    """Networks indexed by prefix length: which of them holds an address costs one probe per length."""

    def __init__(self) -> None:
        # (version, prefix length) -> network number -> the value of the first network added.
        self._by_length: dict[tuple[int, int], dict[int, object]] = {}

    def add(self, network, value) -> None:
        numbers = self._by_length.setdefault((network.version, network.prefixlen), {})
        numbers.setdefault(int(network.network_address), value)

    def values(self, ip) -> list:
        """Return the value of every network holding `ip` (one per prefix length)."""
        found = []
        for (version, length), numbers in self._by_length.items():
            if version == ip.version:
                host_bits = ip.max_prefixlen - length
                value = numbers.get(int(ip) >> host_bits << host_bits)
                if value is not None:
                    found.append(value)
        return found


class FoldedTable:
    """Table contents whose keys are lower case already (a compiled sender map): used as they are.

    A compiled map of a million owners would otherwise be copied, key by key, for each model.
    """

    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries

    def items(self):
        return self.entries.items()


class Table:
    """One table with known contents; `find` returns the value for a key, or None."""

    def __init__(self, kind: str, entries: Mapping[str, str] | FoldedTable) -> None:
        self.kind = kind
        if kind == "cidr":
            # cidr_table(5): patterns are tried in the order written and the first that matches
            # wins; indexed by prefix length with each network's position, the earliest is found
            # in one probe per length (the open-relay proof asks once per network of the table).
            self.networks = [(_network(k), v) for k, v in entries.items()]
            self.index = NetworkIndex()
            for position, (network, value) in enumerate(self.networks):
                if network is not None:
                    self.index.add(network, (position, value))
            self.entries: dict[str, str] = {}
        elif isinstance(entries, FoldedTable):
            self.entries = entries.entries
        else:
            self.entries = {k.lower(): v for k, v in entries.items()}

    def find(self, key: str) -> str | None:
        if self.kind == "static":
            return self.entries[""]
        if self.kind == "cidr":
            try:
                address = ipaddress.ip_address(key.strip("[]"))
            except ValueError:
                return None
            found = self.index.values(address)
            return min(found)[1] if found else None
        return self.entries.get(key.lower())


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.replace("[", "").replace("]", ""), strict=False)
    except ValueError:
        return None


def _inline_items(body: str):
    """Yield each item of an inline table's body, a `{ ... }` item without its braces."""
    for item in split_words(body):
        yield item[1:-1].strip() if item.startswith("{") and item.endswith("}") else item


def parse_inline(body: str) -> dict[str, str]:
    """Parse the inside of `inline:{ key=value, { key = text with spaces } }` (Postfix 3.0, postconf(5))."""
    entries: dict[str, str] = {}
    for item in _inline_items(body):
        key, eq, value = item.partition("=")
        if eq:
            entries[key.strip()] = value.strip()
    return entries


def parse_inline_rules(body: str) -> dict[str, str]:
    """Parse the inside of `cidr:{ {pattern result}, ... }`: each braced item is one `pattern result` rule."""
    rules: dict[str, str] = {}
    for item in _inline_items(body):
        pattern, _, result = item.partition(" ")
        if pattern and result.strip():
            rules.setdefault(pattern, result.strip())
    return rules


class Tables:
    """Every table whose contents the model knows, found by its `type:name` reference."""

    def __init__(self, known: Mapping[str, Mapping[str, str] | FoldedTable]) -> None:
        self.known = {ref: entries if isinstance(entries, FoldedTable) else dict(entries)
                      for ref, entries in known.items()}
        self._tables: dict[str, Table | None] = {}

    def table(self, ref: str) -> Table | None:
        """Return the table a reference names, or None when its contents are unknown."""
        # Each search names its tables again; a table is built once (a sender map can hold millions of keys).
        if ref not in self._tables:
            self._tables[ref] = self._build(ref)
        return self._tables[ref]

    def _build(self, written: str) -> Table | None:
        parsed = table_ref(written)
        if parsed is None:
            return None
        kind, name = parsed.type, parsed.name
        if kind == "inline" and parsed.inline:
            return Table(kind, parse_inline(parsed.body))
        if kind == "cidr" and parsed.inline:
            # Postfix 3.7 dict_open(): `cidr:{ {pattern result}, ... }` is an inline cidr table,
            # one rule per braced item (measured: `cidr:{ {127.0.0.8/29 REJECT} }` in
            # check_client_access refuses 127.0.0.9).
            return Table("cidr", parse_inline_rules(parsed.body))
        if kind == "static":
            return Table("static", {"": parsed.body.strip() if parsed.inline else name})
        ref = str(parsed)
        entries = self.known.get(ref) if ref in self.known else self.known.get(written.strip())
        if entries is None:
            return None
        return Table("cidr" if kind in _CIDR_TYPES else kind, entries)


class PatternTable:
    """An inline `regexp:{...}`/`pcre:{...}` table (simulate/pattern_table.py): matched against the whole key only.

    Postfix never looks a pattern table up with a partial key (src/util/match_ops.c match_hostname:
    "Don't look up parent domain substrings with regexp maps"; src/util/maps.c skips tables without
    DICT_FLAG_FIXED for partial keys), so callers give it the full name alone.
    """

    def __init__(self, kind: str, body: str) -> None:
        from mailpolicy.simulate.pattern_table import inline_rules

        self.kind = kind
        self.rules = inline_rules(kind, body)
        self.entries: dict[str, str] = {}

    def find(self, key: str) -> "str | None | _Unknown":
        from mailpolicy.simulate.pattern_table import UNREADABLE, lookup

        found = lookup(self.rules, key)
        if found is UNREADABLE:
            return UNKNOWN
        return None if found is None else ",".join(found[1]) or found[0].result


    def access_value(self, key: str) -> "str | None | _Unknown":
        """Return the access(5) value the first matching rule gives, `$1` replaced by the text it matched."""
        from mailpolicy.simulate.pattern_table import UNREADABLE, lookup, result_text

        found = lookup(self.rules, key)
        if found is UNREADABLE:
            return UNKNOWN
        if found is None:
            return None
        rule = found[0]
        own = rule.conditions[rule.own]
        return result_text(own.regex.search(key) if own.match and own.regex is not None else None, rule.result)


@functools.lru_cache(maxsize=256)
def pattern_table(ref: str) -> PatternTable | None:
    """Return the inline pattern table a reference writes in main.cf (through proxy:), or None."""
    parsed = table_ref(ref)
    if parsed is not None and parsed.type in ("regexp", "pcre") and parsed.inline:
        return PatternTable(parsed.type, parsed.body)
    return None


class Maps:
    """A list of tables searched in order for each key (Postfix's maps_find)."""

    def __init__(self, tables: Tables, refs: Iterable[str]) -> None:
        self.refs = tuple(refs)
        self.tables = [(ref, tables.table(ref)) for ref in self.refs]

    def __bool__(self) -> bool:
        return bool(self.refs)

    def find(self, key: str) -> str | None | _Unknown:
        for _ref, table in self.tables:
            if table is None:
                return UNKNOWN
            found = table.find(key)
            if found is not None:
                return found
        return None

    def search(self, keys: Iterable[str]) -> tuple[str | None, str | None | _Unknown]:
        """Return the first key found and its value, trying keys in order (UNKNOWN: no answer)."""
        for key in keys:
            found = self.find(key)
            if found is UNKNOWN:
                return key, UNKNOWN
            if found is not None:
                return key, found
        return None, None


def split_local(local: str, delimiter: str) -> tuple[str, str | None]:
    """Split `user+ext` at the first recipient_delimiter character: ("user", "+ext"), or (local, None)."""
    if delimiter:
        for index, ch in enumerate(local):
            if ch in delimiter and index > 0:
                return local[:index], local[index:]
    return local, None


def owner_keys(local: str, domain: str, local_domain: bool, delimiter: str) -> list[str]:
    """Return the keys smtpd_sender_login_maps (and the recipient maps) are searched with.

    postconf(5) smtpd_sender_login_maps: `user@domain` always, then `user` only when the domain
    matches $myorigin, $mydestination, $inet_interfaces or $proxy_interfaces, then `@domain`;
    an address extension is tried with and without (`user+foo@domain` before `user@domain`).
    """
    base, extension = split_local(local, delimiter)
    keys = [f"{local}@{domain}"]
    if extension:
        keys.append(f"{base}@{domain}")
    if local_domain:
        keys.append(local)
        if extension:
            keys.append(base)
    keys.append(f"@{domain}")
    return list(dict.fromkeys(keys))


def domain_keys(domain: str, parent_matches: bool) -> list[str]:
    """Return the access(5) keys for a domain: itself, then its parents (`.parent` without parent matching)."""
    labels = domain.split(".")
    keys = [domain]
    for index in range(1, len(labels)):
        parent = ".".join(labels[index:])
        keys.append(parent if parent_matches else "." + parent)
    return keys


def address_keys(local: str, domain: str, delimiter: str, parent_matches: bool) -> list[str]:
    """Return access(5) keys for an address: user+ext@domain, user@domain, domain (and parents), user+ext@, user@."""
    base, extension = split_local(local, delimiter)
    keys = [f"{local}@{domain}"]
    if extension:
        keys.append(f"{base}@{domain}")
    keys.extend(domain_keys(domain, parent_matches))
    keys.append(f"{local}@")
    if extension:
        keys.append(f"{base}@")
    return list(dict.fromkeys(keys))


def client_keys(name: str, address: str, parent_matches: bool) -> list[str]:
    """Return access(5) keys for a client: its name and parents (if known), its address, then shorter prefixes."""
    # smtpd_check.c check_namadr_access(): the name is searched even when it is `unknown`
    # (measured on 3.7: `unknown=REJECT` refuses every client without a verified name).
    keys = domain_keys(name.lower(), parent_matches) if name else []
    ip = ipaddress.ip_address(address)
    text = str(ip)
    keys.append(text)
    if ip.version == 4:
        parts = text.split(".")
        keys.extend(".".join(parts[:n]) for n in (3, 2, 1))
    else:
        # access(5): "repeatedly truncating the last :octetpair from the compressed-form" address.
        while text.count(":") > 2 and ":" in text.rstrip(":"):
            text = text[:text.rstrip(":").rfind(":")]
            if text and not text.endswith(":"):
                keys.append(text)
    return keys
