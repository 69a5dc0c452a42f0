"""Relay domains the configuration cannot tell apart: the open-relay proof probes one of each group.

The proof (proof.py) probes four recipients per relay_domains entry (RELAY_TRICKS): 40,000
requests for a 10,000-entry list, each resolved and classified. Most such lists are names the
configuration mentions once, in relay_domains, and nowhere else. Such names are interchangeable,
and probing one stands for all (docs/proof.md, "Interchangeable relay domains"):

Let d1 and d2 be two entries with the same group key (`_group_key`). Renaming d1 to d2
and d2 to d1 everywhere (a bijection on names) maps the configuration to itself: each is written
once, as a plain word of relay_domains, whose order does not matter because the list holds only
plain names (a domain list answers "some entry matches", matchlist.py; no `!` exclusion or
table makes a position count); no other parameter value and no known table key or value holds
either name or a subdomain of it (a label-suffix count over every token of the configuration);
their parents are the same text (the same group key), so every parent-domain match treats them
alike. The simulator reads a recipient domain only by comparing it, or its parents, with
configured text (domain lists, access and other tables: lookup.py `domain_keys`), by its shape
(`valid_hostname`, numeric domains: address.py; the first labels of both are plain letters,
digits and hyphens of a length Postfix accepts, and the key holds the first label's form), and by
DNS answers, which the model does not know for any domain (every answer is explored alike). A
regexp or pcre table could tell any two names apart, so with one anywhere nothing is grouped. The
decision on a request naming d1 is therefore the decision on the same request naming d2 with the
names swapped, and a relay through one is a relay through the other.
"""

from __future__ import annotations

import re
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError
from mailpolicy.postfix.restriction_lists import split_words

# Below this many relay domains the proof probes each (grouping costs a pass over the configuration).
MIN_TO_GROUP = 64
# A first label Postfix's valid_hostname() accepts and that is not all digits: the shape the key keeps.
_FIRST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOKEN = re.compile(r"[a-z0-9_.-]+")
# Text that can match a name without containing it (docs/proof.md): grouping is then unsound.
_PATTERN_TABLE = re.compile(r"\b(?:regexp|pcre):", re.IGNORECASE)
# smtpd.c and postscreen.c look these up with the SMTP command's verb alone (their defaults are regexp tables).
COMMAND_TABLES = frozenset({"smtpd_forbidden_commands", "postscreen_forbidden_commands"})


def interchangeable_domains(model, domains: list[str]) -> list[str]:
    """Return `domains` (relay_domains' plain names, in order) with one name kept per interchangeable group.

    A name outside every group is kept.
    """
    if len(domains) < MIN_TO_GROUP:
        return domains
    places = _places(model, frozenset(domains))
    if places is None:
        return domains
    kept: list[str] = []
    seen_keys: set[tuple] = set()
    for domain in domains:
        key = _group_key(domain, places)
        if key is None or key not in seen_keys:
            kept.append(domain)
            if key is not None:
                seen_keys.add(key)
    return kept


def _group_key(domain: str, places: dict[str, list]) -> tuple | None:
    """Return what the configuration can know of `domain`: its parent, and where and how it is written."""
    first, dot, parent = domain.partition(".")
    if len(domain) > 253 or not _FIRST_LABEL.fullmatch(first) or first.isdigit() or first.startswith("xn--"):
        return None
    written = places.get(domain, [])
    if any(place is None for place in written):
        return None  # in a table, or as a parameter's name: not modelled as interchangeable
    return (parent, dot, tuple(sorted(written)))


def _places(model, wanted: frozenset[str]) -> dict[str, list] | None:
    """Map each name of `wanted` to where it is written: (parameter, run, template) for each word that holds it or a subdomain.

    A run is a stretch of plain words (bare names) between other words (`!x`, `type:table`, ...):
    within a run the order of names cannot change what a list matches. A name in a table or a
    parameter's own name is None. None overall when a pattern table or an unexpandable value
    makes grouping unsound.
    """
    config = model.config
    places: dict[str, list] = {}
    # A token can only name a wanted domain or a subdomain of one if it ends in one's last label.
    tails = {domain.rpartition(".")[2] for domain in wanted}
    expander = Expander(config.raw)
    for name in sorted(set(config.params) | pf.names(config.version) | {"myhostname", "mydomain", "mynetworks"}):
        raw = config.raw(name)
        if raw is None:
            continue
        try:
            value = expander.expand(raw)
        except ExpansionError:
            if name in config.params:
                return None
            value = raw  # a default Postfix never expands (smtpd_expansion_filter): its text as it is
        if name not in COMMAND_TABLES and _PATTERN_TABLE.search(value):
            return None
        run = 0
        for word in split_words(value.lower()):
            plain = _TOKEN.fullmatch(word) is not None
            run += not plain
            for token in _TOKEN.findall(word):
                if token.rpartition(".")[2] not in tails:
                    continue
                for suffix, prefix in _suffixes(token, wanted):
                    template = prefix + "{}" if plain else word.replace(suffix, "{}")
                    places.setdefault(suffix, []).append((name, run, plain, template))
        for suffix, _prefix in _suffixes(name.lower(), wanted):
            places.setdefault(suffix, []).append(None)
    for entries in model.tables.known.values():
        for key, value in entries.items():
            if _PATTERN_TABLE.search(value):
                return None  # a table's result may name a restriction that reads a pattern table
            for token in _TOKEN.findall(f"{key} {value}".lower()):
                for suffix, _prefix in _suffixes(token, wanted):
                    places.setdefault(suffix, []).append(None)
    return places


def _suffixes(token: str, wanted: frozenset[str]) -> list[tuple[str, str]]:
    """Return (suffix, what precedes it) for each suffix of `token` in `wanted` that starts at a label."""
    found = []
    start = 0
    while True:
        if token[start:] in wanted:
            found.append((token[start:], token[:start]))
        dot = token.find(".", start)
        if dot < 0:
            return found
        start = dot + 1
