"""Main.cf parameters as smtpd reads them: the value set, else the target version's default, expanded.

Defaults are `postconf -d` of the target version (`mailpolicy.postfix.parameters`), including
the compatibility_level-dependent ones: smtpd_relay_restrictions is empty below level 1,
mynetworks_style is `subnet` and relay_domains `$mydestination` below level 2 (postconf(5),
COMPATIBILITY_README). postconf computes myhostname, mydomain and mynetworks from the machine;
here they come from `Host`, so the model never depends on the machine it runs on.
"""

from __future__ import annotations

import ipaddress
from typing import Mapping

from mailpolicy.frozen import frozen
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError
from mailpolicy.postfix.restriction_lists import split_words


@frozen
class Host:
    """What postconf(1) reads from the machine: its name and its interface addresses with prefix lengths."""

    hostname: str = "mail.example.invalid"
    interfaces: tuple[tuple[str, int], ...] = (("127.0.0.1", 8), ("::1", 128))

    def networks(self, style: str) -> str:
        """Return mynetworks for mynetworks_style `host`, `subnet` or `class`, as postconf -d prints it."""
        found: list[str] = []
        for address, prefix in self.interfaces:
            ip = ipaddress.ip_address(address)
            if style == "host":
                prefix = ip.max_prefixlen
            elif style == "class" and ip.version == 4:
                # Class A, B, C by the first octet (postconf(5) mynetworks_style).
                first = int(str(ip).split(".")[0])
                prefix = 8 if first < 128 else 16 if first < 192 else 24
            network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
            text = f"{network.network_address}/{network.prefixlen}"
            found.append(text if ip.version == 4 else f"[{network.network_address}]/{network.prefixlen}")
        v4 = [n for n in found if not n.startswith("[")]
        return " ".join(dict.fromkeys(v4 + [n for n in found if n.startswith("[")]))


class Config:
    """Look up main.cf parameters by name, expanded as Postfix expands them."""

    def __init__(self, params: Mapping[str, str], version: str = "3.7", host: Host = Host()) -> None:
        self.params = dict(params)
        self.version = version
        self.host = host
        self._expander = Expander(self.raw)
        self._cache: dict[str, str] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self.errors: list[str] = []
        self._finding_mydomain = False

    def raw(self, name: str) -> str | None:
        """Return a parameter's unexpanded value: as set, else its default, else None (not a parameter)."""
        if name in self.params:
            return self.params[name]
        if name == "myhostname":
            return self.host.hostname
        if name == "mydomain":
            # mail_params.c (check_mydomainname): what follows the first dot of myhostname, or
            # "localdomain" when it has none. myhostname is evaluated while mydomain is still
            # unset, so `myhostname = mail.$mydomain` is "mail." and mydomain "" (postconf -x
            # agrees) - not an endless loop between the two defaults.
            if self._finding_mydomain:
                return None
            self._finding_mydomain = True
            try:
                _first, dot, rest = self.value("myhostname").strip().partition(".")
            finally:
                self._finding_mydomain = False
            return rest if dot else "localdomain"
        if name == "mynetworks":
            return self.host.networks(self.value("mynetworks_style").strip())
        info = pf.parameter(name, self.version)
        return info.default if info is not None else None

    def is_set(self, name: str) -> bool:
        return name in self.params

    def value(self, name: str) -> str:
        """Return a parameter's value with every `$name` expanded ("" for an unknown name)."""
        if name not in self._cache:
            raw = self.raw(name)
            try:
                self._cache[name] = self._expander.expand(raw) if raw is not None else ""
            except ExpansionError as error:
                # Postfix stops with a fatal error on a value it cannot expand.
                self.errors.append(f"{name}: {error}")
                self._cache[name] = ""
        return self._cache[name]

    def expanded(self, name: str) -> str | None:
        """Return a parameter's expanded value, or None when Postfix cannot expand it (it stops instead)."""
        raw = self.raw(name)
        try:
            return self._expander.expand(raw) if raw is not None else ""
        except ExpansionError:
            return None

    def expand(self, text: str) -> str:
        """Expand `$name` references in a value that is not a parameter (a table's result)."""
        try:
            return self._expander.expand(text)
        except ExpansionError:
            return text

    def words(self, name: str) -> tuple[str, ...]:
        """Return a list parameter's elements."""
        # The open-relay proof asks for the same lists once per candidate request (hundreds of
        # thousands with a large sender map); values never change, so each is split once.
        found = self._words.get(name)
        if found is None:
            found = self._words[name] = split_words(self.value(name))
        return found

    def flag(self, name: str) -> bool:
        """Return a yes/no parameter (Postfix accepts yes/no, true/false in any case)."""
        return self.value(name).strip().lower() in ("yes", "true")

    def number(self, name: str, fallback: int) -> int:
        try:
            return int(self.value(name).strip())
        except ValueError:
            return fallback
