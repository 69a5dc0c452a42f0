"""Validate and normalise the values a policy names: domains, addresses, logins, networks, paths.

Every function returns the normalised value or raises `ValueProblem` with a message and a hint.
The rules are deliberately narrower than RFC 5321 allows: a value ends up as a token in main.cf
or as a key or result in a Postfix lookup table, where a space, comma, `#`, `=` or `$` would
change what the line means (a second owner, a comment, a parameter expansion).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata

from mailpolicy.frozen import frozen
from mailpolicy.parse import lookalikes
from mailpolicy.postfix.networks import IPNetwork
from mailpolicy.postfix.table_refs import table_ref


@frozen
class ValueProblem(Exception):
    """Why a value is refused, and what to write instead."""

    message: str
    hint: str | None = None
    offset: int | None = None  # where in the value the problem is, when it is one character


# All used with fullmatch: `$` would also match before a final newline.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_LOCAL_PART = re.compile(r"[A-Za-z0-9_+'&*={}-]+(\.[A-Za-z0-9_+'&*={}-]+)*")
# A local part already in canonical form: _LOCAL_PART in lower case.
_LOWER_LOCAL_PART = re.compile(r"[a-z0-9_+'&*={}-]+(\.[a-z0-9_+'&*={}-]+)*")
_LOGIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+@-]*")
_PATH = re.compile(r"[A-Za-z0-9._/+@:-]+")
_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")
# Longest path a value may name (PATH_MAX, including the final NUL, is 4096 on Linux).
MAX_PATH = 4095
# Characters IDNA 2003 (Python's codec) and IDNA 2008 (browsers, libidn2) turn into different
# names: `straße` is `strasse` to one and `xn--strae-oqa` to the other (UTS 46 "deviations").
_IDNA_DEVIATIONS = {"ß": "ss", "ς": "σ"}
# Dots other than `.` that IDNA 2003 also takes as label separators.
_OTHER_DOTS = "\u3002\uff0e\uff61"
MAP_TYPES = ("hash", "lmdb", "cdb", "btree", "texthash")
SASL_TYPES = ("dovecot", "cyrus")

# The versions mailpolicy knows how to target: smtpd_relay_restrictions needs 2.10, and the
# parameter catalogue has data up to 3.10.
MIN_VERSION = (2, 10)
MAX_VERSION = (3, 10)


def _unsafe_characters(text: str) -> list[str]:
    return sorted({ch for ch in text if ch.isspace() or ch in ',#=$"{}\\' or not ch.isprintable()})


# A large policy names a few domains hundreds of thousands of times (one per owned address);
# the checks are pure, so each spelling is checked once. Refusals raise and are not cached.
@functools.lru_cache(maxsize=4096)
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
        name = _international(name, text)
    name = name.lower()
    if len(name) > 253:
        raise ValueProblem("the domain is longer than 253 characters")
    for label in name.split("."):
        if not label:
            raise ValueProblem(f"`{text}` has an empty label", "remove the doubled, leading or trailing dot")
        if not _LABEL.fullmatch(label):
            raise ValueProblem(f"`{label}` is not a valid domain label",
                               "a label holds letters, digits and inner hyphens, at most 63 characters")
        if label.startswith("xn--"):
            _check_unicode_label(_punycode(label, text), name)
    return name


def _international(name: str, text: str) -> str:
    """Return the ASCII (punycode) form of an international domain, refusing look-alikes and ambiguities."""
    for ch in name:
        if ch in _OTHER_DOTS:
            raise ValueProblem(f"`{text}` separates labels with {lookalikes.describe(ch)}",
                               "write the dot as `.`", offset=name.index(ch))
        if ch in _IDNA_DEVIATIONS:
            raise ValueProblem(f"`{text}` holds {lookalikes.describe(ch)}, which IDNA 2003 and IDNA 2008 "
                               "turn into different domains",
                               "write the xn-- form of the name you mean", offset=name.index(ch))
    labels = name.split(".")
    for label in labels:
        _check_unicode_label(label, name)
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueProblem(f"`{text}` is not a valid international domain name ({error})",
                           "check the spelling of each label") from None


def _check_unicode_label(label: str, name: str) -> None:
    """Refuse a label that looks like another name: mixed scripts, look-alikes, compatibility forms."""
    top = name.rsplit(".", 1)[-1]
    if top.startswith("xn--"):
        top = _punycode(top, name)
    top_script = next((s for s in map(lookalikes.script, top) if s), None)
    found = lookalikes.problem(label, own_script=top_script)
    if found:
        raise ValueProblem(found, "retype the name in plain letters of one script; a name that looks like "
                                  "another is refused")


def _punycode(label: str, text: str) -> str:
    """Return the Unicode form of an `xn--` label, so the look-alike rules see what it shows."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        # Only the form the name's own encoding gives back is accepted: the decoder is lenient.
        canonical = "xn--" + decoded.encode("punycode").decode("ascii")
    except UnicodeError:
        canonical = decoded = None
    if (canonical != label or decoded.isascii() or decoded != unicodedata.normalize("NFC", decoded).lower()
            or not decoded.isprintable()):
        raise ValueProblem(f"`{label}` in `{text}` is not valid punycode",
                           "write the international name itself, or copy its xn-- form exactly")
    return decoded


def address(text: str) -> str:
    """Return `local@domain` or `@domain` (every address of the domain), lower-cased.

    Postfix's hash and lmdb tables lower-case their keys (postmap(1)), so the map holds
    addresses in lower case and two spellings of one address are one key.
    """
    local, at, dom = text.rpartition("@")
    if at and len(local) <= 64 and _LOWER_LOCAL_PART.fullmatch(local) and domain(dom) == dom:
        # Already canonical, as nearly every address of a large policy is: the text itself is
        # returned, so the policy keeps one string per address instead of a copy.
        return text
    return checked_address(text)


def address_or_none(text: str) -> str | None:
    """Return `address(text)`, or None when it is refused (for checking many at once)."""
    try:
        return address(text)
    except ValueProblem:
        return None


def checked_address(text: str) -> str:
    """Return what `address` returns, every check made in full (the reference for its shortcut)."""
    if "@" not in text:
        raise ValueProblem(f"`{text}` is not an address", "write user@domain, or @domain for every address of a domain")
    local, _, dom = text.rpartition("@")
    if local:
        if "%" in local or "!" in local or "@" in local:
            raise ValueProblem(f"`{text}` has source routing in its local part (`%`, `!` or `@`)",
                               "those are relay tricks, not addresses; write the plain user@domain")
        if not local.isascii():
            raise ValueProblem(f"`{text}` has a non-ASCII local part", "mailpolicy supports ASCII local parts only")
        if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
            raise ValueProblem(f"`{local}` is not a valid local part",
                               "use letters, digits and . _ + - ' & * = { } (no leading, trailing or doubled dot)")
    return f"{local.lower()}@{domain(dom)}"


def login(text: str) -> str:
    """Return a SASL login as written: it becomes an owner in the sender login map."""
    if not text:
        raise ValueProblem("the login is empty")
    if len(text) > 255:
        raise ValueProblem("the login is longer than 255 characters")
    if not _LOGIN.fullmatch(text):
        bad = _unsafe_characters(text) or sorted(set(re.sub(r"[A-Za-z0-9._+@-]", "", text)))
        shown = " ".join(lookalikes.describe(c) if not c.isascii() else repr(c) for c in bad)
        raise ValueProblem(f"the login `{text}` contains {shown or 'a leading symbol'}",
                           "a login holds ASCII letters, digits and . _ + @ - and starts with a letter, digit or _")
    return text


def is_login(text: str) -> bool:
    """Tell whether `login(text)` accepts the text (for checking many at once)."""
    try:
        login(text)
    except ValueProblem:
        return False
    return True


@frozen
class Network:
    """A trusted network as parsed; `host_bits` tells that the address was not the network's own."""

    network: IPNetwork
    host_bits: bool


# The audit reads each mynetworks entry in several checks: a 10,000-entry list was parsed three times.
@functools.lru_cache(maxsize=65536)
def network(text: str) -> Network:
    """Return a network from `a.b.c.d[/n]`, `[v6]/n` or bare `v6/n` (Postfix wants brackets; the compiler adds them)."""
    body = text
    if "%" in body:
        # ipaddress accepts an IPv6 zone (`fe80::1%eth0`); mynetworks has no such syntax.
        raise ValueProblem(f"`{text}` names an interface zone (`%`)", "write the network without `%...`")
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


def path(text: str) -> str:
    """Return a path that can stand as one main.cf token."""
    if not text:
        raise ValueProblem("the path is empty")
    if len(text) > MAX_PATH:
        raise ValueProblem(f"the path is {len(text):,} characters long, over {MAX_PATH:,}")
    if not _PATH.fullmatch(text):
        bad = _unsafe_characters(text) or sorted(set(re.sub(r"[A-Za-z0-9._/+@:-]", "", text)))
        shown = " ".join(lookalikes.describe(c) if not c.isascii() else repr(c) for c in bad)
        raise ValueProblem(f"the path contains {shown}",
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
    return kind, _absolute_file(where, "smtpd opens the table by this path; write it from /")


def _absolute_file(text: str, hint: str) -> str:
    """Return the path of a table's file, which smtpd opens by this name: absolute, not a folder."""
    where = path(text)
    if not where.startswith("/") or where.endswith("/"):
        raise ValueProblem(f"`{where}` is not an absolute file path", hint)
    return where


# `owners from map`: a login map the site maintains. The file types postmap builds, and the
# client types whose TYPE:/path names a configuration file (mysql_table(5), pgsql_table(5),
# ldap_table(5), sqlite_table(5)) that says where the rows are.
OWNER_MAP_TYPES = (*MAP_TYPES, "mysql", "pgsql", "ldap", "sqlite")
# And the lookup services a program of the site answers (Mailu's podop): dict_tcp.c and
# dict_sockmap.c open them with DICT_FLAG_PATTERN, so smtpd asks them the whole address only
# (mail_addr_find.c sends its partial keys, `user` and `@domain`, to DICT_FLAG_FIXED tables alone).
SERVICE_OWNER_MAP_TYPES = ("tcp", "socketmap")


def owner_map(text: str) -> str:
    """Return a login map reference `[proxy:]TYPE:/absolute/path` (or a `tcp:`/`socketmap:` service), as written.

    `proxy:` is kept: proxymap(8) opens the table for smtpd and answers the same lookups (it
    serves smtpd_sender_login_maps while proxy_read_maps keeps its default, which names it).
    """
    ref = table_ref(text)  # through every `proxy:`, as proxymap opens it (postfix/table_refs.py)
    if ref is None:
        raise ValueProblem(f"`{text}` names no table type",
                           "write [proxy:]TYPE:/absolute/path, e.g. ldap:/etc/postfix/ldap-senders.cf")
    kind, where = ref.type, ref.name
    if kind in SERVICE_OWNER_MAP_TYPES:
        _lookup_service(kind, where)
        return text
    if kind not in OWNER_MAP_TYPES:
        raise ValueProblem(f"`{kind}` is not a login map type the language takes",
                           "use one of " + ", ".join((*OWNER_MAP_TYPES, *SERVICE_OWNER_MAP_TYPES))
                           + ", optionally after proxy:")
    _absolute_file(where, "name the table (or its client configuration file) from /")
    return text


def _lookup_service(kind: str, where: str) -> None:
    """Check the endpoint of a `tcp:` or `socketmap:` table, as dict_tcp.c and dict_sockmap.c split it.

    tcp:HOST:PORT; socketmap:inet:HOST:PORT:NAME or socketmap:unix:PATH:NAME (the last colon
    separates the map name the server is asked for).
    """
    if kind == "tcp":
        host, _, port = where.rpartition(":")
        if not host or not port:
            raise ValueProblem(f"`tcp:{where}` names no HOST:PORT", "write tcp:HOST:PORT, e.g. tcp:127.0.0.1:10041")
        return
    endpoint, _, name = where.rpartition(":")
    family, _, address = endpoint.partition(":")
    if family not in ("inet", "unix") or not address or not name or (family == "inet" and ":" not in address):
        raise ValueProblem(f"`socketmap:{where}` names no server and map",
                           "write socketmap:inet:HOST:PORT:NAME or socketmap:unix:PATH:NAME")


def version(text: str) -> str:
    """Return a supported Postfix version `MAJOR.MINOR`."""
    match = _VERSION.fullmatch(text)
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


def set_value(text: str) -> str:
    """Return a `set` value that Postfix reads as written: `$` expansions well formed, braces paired, no look-alikes."""
    _check_expansions(text)
    for match in re.finditer(r"[^\s,]+", text):
        found = lookalikes.problem(match.group(), latin_lookalikes=False)
        if found:
            bad = next(i for i, ch in enumerate(match.group()) if not ch.isascii())
            raise ValueProblem(found, "retype it in plain characters: Postfix compares names byte for byte",
                               offset=match.start() + bad)
    return text


def _check_expansions(text: str) -> None:
    """Refuse what Postfix's parameter expansion (mac_expand) cannot read: a stray `$` or an unpaired brace."""
    opened: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "$":
            after = text[i + 1:i + 2]
            if after == "$":  # `$$` is a literal `$`
                i += 2
                continue
            if after in ("{", "("):
                if not re.match(r"[A-Za-z0-9_{]", text[i + 2:i + 3]):
                    raise ValueProblem(f"`${after}` is not followed by a parameter name",
                                       "write ${name} or $(name); write $$ for a literal `$`", offset=i)
                opened.append(("}" if after == "{" else ")", i + 1))
                i += 2
                continue
            if not re.match(r"[A-Za-z0-9_]", after):
                raise ValueProblem("this `$` starts no parameter name",
                                   "write $name or ${name}; write $$ for a literal `$`", offset=i)
        elif ch in "{(" and opened:
            opened.append(("}" if ch == "{" else ")", i))
        elif ch == "{":
            opened.append(("}", i))
        elif ch in "})" and opened and opened[-1][0] == ch:
            opened.pop()
        elif ch == "}":
            raise ValueProblem("this `}` closes no `{`", "pair every `{` with a `}`", offset=i)
        i += 1
    if opened:
        closer, where = opened[-1]
        raise ValueProblem(f"this `{text[where]}` is never closed", f"close it with `{closer}`", offset=where)
