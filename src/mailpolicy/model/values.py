"""Validate and normalise the values a policy names: domains, addresses, logins, networks, paths.

Every function returns the normalised value or raises `ValueProblem` with a message and a hint.
The rules are deliberately narrower than RFC 5321 allows: a value ends up as a token in main.cf
or as a key or result in a Postfix lookup table, where a space, comma, `#`, `=` or `$` would
change what the line means (a second owner, a comment, a parameter expansion).
"""

from __future__ import annotations

import ipaddress
import re

import attrs


@attrs.frozen
class ValueProblem(Exception):
    """Why a value is refused, and what to write instead."""

    message: str
    hint: str | None = None


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9_+'&*-]+(\.[A-Za-z0-9_+'&*-]+)*$")
_LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._+@-]*$")
_PATH = re.compile(r"^[A-Za-z0-9._/+@:-]+$")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
MAP_TYPES = ("hash", "lmdb", "cdb", "btree", "texthash")
SASL_TYPES = ("dovecot", "cyrus")

# The versions mailpolicy knows how to target: smtpd_relay_restrictions needs 2.10, and the
# parameter catalogue has data up to 3.10.
MIN_VERSION = (2, 10)
MAX_VERSION = (3, 10)


def _unsafe_characters(text: str) -> list[str]:
    return sorted({ch for ch in text if ch.isspace() or ch in ',#=$"{}\\' or not ch.isprintable()})


def domain(text: str) -> str:
    """Return a domain in lower case, international names as punycode (IDNA 2003, Python's codec)."""
    if not text:
        raise ValueProblem("the domain is empty")
    bad = _unsafe_characters(text)
    if bad:
        raise ValueProblem(f"the domain contains {' '.join(repr(c) for c in bad)}",
                           "a domain holds letters, digits, hyphens and dots only")
    name = text.rstrip(".") if text.endswith(".") and not text.endswith("..") else text
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueProblem(f"`{text}` is not a valid international domain name ({error})",
                               "check the spelling; look-alike characters from other scripts are refused") from None
    name = name.lower()
    if len(name) > 253:
        raise ValueProblem("the domain is longer than 253 characters")
    for label in name.split("."):
        if not label:
            raise ValueProblem(f"`{text}` has an empty label", "remove the doubled, leading or trailing dot")
        if not _LABEL.match(label):
            raise ValueProblem(f"`{label}` is not a valid domain label",
                               "a label holds letters, digits and inner hyphens, at most 63 characters")
    return name


def address(text: str) -> str:
    """Return `local@domain` or `@domain` (every address of the domain), lower-cased.

    Postfix's hash and lmdb tables lower-case their keys (postmap(1)), so the map holds
    addresses in lower case and two spellings of one address are one key.
    """
    if "@" not in text:
        raise ValueProblem(f"`{text}` is not an address", "write user@domain, or @domain for every address of a domain")
    local, _, dom = text.rpartition("@")
    if local:
        if any(ch in local for ch in "%!@"):
            raise ValueProblem(f"`{text}` has source routing in its local part (`%`, `!` or `@`)",
                               "those are relay tricks, not addresses; write the plain user@domain")
        if not local.isascii():
            raise ValueProblem(f"`{text}` has a non-ASCII local part", "mailpolicy supports ASCII local parts only")
        if len(local) > 64 or not _LOCAL_PART.match(local):
            raise ValueProblem(f"`{local}` is not a valid local part",
                               "use letters, digits and . _ + - ' & * (no leading, trailing or doubled dot)")
    return f"{local.lower()}@{domain(dom)}"


def login(text: str) -> str:
    """Return a SASL login as written: it becomes an owner in the sender login map."""
    if not text:
        raise ValueProblem("the login is empty")
    if len(text) > 255:
        raise ValueProblem("the login is longer than 255 characters")
    if not _LOGIN.match(text):
        bad = _unsafe_characters(text) or sorted(set(re.sub(r"[A-Za-z0-9._+@-]", "", text)))
        raise ValueProblem(f"the login `{text}` contains {' '.join(repr(c) for c in bad) or 'a leading symbol'}",
                           "a login holds letters, digits and . _ + @ - and starts with a letter, digit or _")
    return text


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@attrs.frozen
class Network:
    """A trusted network as parsed; `host_bits` tells that the address was not the network's own."""

    network: IPNetwork
    host_bits: bool


def network(text: str) -> Network:
    """Return a network from `a.b.c.d[/n]`, `[v6]/n` or bare `v6/n` (Postfix wants brackets; the compiler adds them)."""
    body = text
    if body.startswith("["):
        close = body.find("]")
        if close < 0:
            raise ValueProblem(f"`{text}` opens `[` without closing it")
        body = body[1:close] + body[close + 1:]
    try:
        loose = ipaddress.ip_network(body, strict=False)
    except ValueError as error:
        raise ValueProblem(f"`{text}` is not a network ({error})",
                           "write an address or CIDR block such as 192.0.2.0/24 or [2001:db8::]/32") from None
    strict = ipaddress.ip_network(body.split("/")[0]).network_address == loose.network_address
    return Network(loose, host_bits=not strict)


def render_network(net: IPNetwork) -> str:
    """Return a network as mynetworks wants it: IPv6 in brackets."""
    if net.version == 6:
        return f"[{net.network_address}]/{net.prefixlen}"
    return str(net)


def path(text: str) -> str:
    """Return a path that can stand as one main.cf token."""
    if not text:
        raise ValueProblem("the path is empty")
    if not _PATH.match(text):
        bad = _unsafe_characters(text) or sorted(set(re.sub(r"[A-Za-z0-9._/+@:-]", "", text)))
        raise ValueProblem(f"the path contains {' '.join(repr(c) for c in bad)}",
                           "a path holds letters, digits and . _ / + @ : - only")
    if text.startswith("-"):
        raise ValueProblem("the path starts with `-`", "write it as ./" + text)
    if "/../" in f"/{text}/":
        raise ValueProblem("the path contains `..`", "write the path without `..`")
    return text


def sender_map(text: str) -> tuple[str, str]:
    """Return (type, absolute path) of a lookup table such as hash:/etc/postfix/senders."""
    kind, sep, where = text.partition(":")
    if not sep:
        raise ValueProblem(f"`{text}` names no table type", "write TYPE:/absolute/path, e.g. hash:/etc/postfix/senders")
    if kind not in MAP_TYPES:
        raise ValueProblem(f"`{kind}` is not a supported table type",
                           "use one of " + ", ".join(MAP_TYPES))
    where = path(where)
    if not where.startswith("/") or where.endswith("/"):
        raise ValueProblem(f"`{where}` is not an absolute file path",
                           "smtpd opens the table by this path; write it from /")
    return kind, where


def version(text: str) -> str:
    """Return a supported Postfix version `MAJOR.MINOR`."""
    match = _VERSION.match(text)
    if not match:
        raise ValueProblem(f"`{text}` is not a Postfix version", "write MAJOR.MINOR, e.g. 3.7")
    number = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= number <= MAX_VERSION:
        raise ValueProblem(f"Postfix {text} is not supported",
                           f"mailpolicy targets Postfix {MIN_VERSION[0]}.{MIN_VERSION[1]} to "
                           f"{MAX_VERSION[0]}.{MAX_VERSION[1]}")
    return f"{number[0]}.{number[1]}"


def version_tuple(text: str) -> tuple[int, int]:
    """Return a `MAJOR.MINOR` version as a comparable tuple."""
    major, minor = text.split(".")
    return int(major), int(minor)


def hostname(text: str) -> str:
    """Return a fully qualified host name for myhostname."""
    name = domain(text)
    if "." not in name:
        raise ValueProblem(f"`{text}` is not fully qualified", "write the full name, e.g. mx.example0.com")
    return name
