"""Catalogue of Postfix main.cf parameter names and SMTP restriction names.

Data (in ``mailpolicy/postfix/data``, loaded lazily and cached):

* ``postfix-3.7.params``: every parameter of Postfix 3.7 with its default, as
  ``postconf -d`` printed it (regenerate with ``scripts/gen_postfix_params.py``).
  This is the only version whose full list is *measured*.
* ``history.json``: what postconf(5) (Postfix 3.7 and 3.10) says about
  parameters introduced in Postfix 2.10 .. 3.10, and about renamed,
  deprecated and removed names.
* ``restrictions.json``: the smtpd restriction names postconf(5) of Postfix
  3.7 documents, the lists each is valid in, and old restriction names.

A target version other than a measured one is answered from the nearest
measured list plus the history: a name of the 3.7 list counts as known for an
older target when its documented introduction (or a documented backport to
that release series) is not later than the target, and a name missing from the
3.7 list counts as known for a newer target when postconf(5) says it was
introduced in a later release no later than the target.  Parameters added
before Postfix 2.10 are not dated, and parameters removed after 3.7 are not
known, so answers for versions other than 3.7 are as good as postconf(5)'s
"This feature is available in Postfix X.Y and later" sentences, no better.
Versions are compared as major.minor: a name backported to a patch release of
a series (e.g. 3.6.10) counts as available in that whole series.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Literal

from mailpolicy.frozen import frozen
# The data files are found by path (importlib.resources would cost `check` about 4 ms of imports,
# zipfile among them) and read as the package build parsed them (postfix/data_files.py).
from mailpolicy.postfix.data_files import DATA, parse_params_text, parsed

__all__ = [
    "HOST_DEPENDENT", "NameProblem", "ParamInfo", "RAW_PARAMETERS", "check_name", "check_restriction",
    "daemon_twin", "known_versions", "obsolete_restriction_names", "parameter", "parse_params_text",
    "restriction_argument", "restriction_lists", "restriction_names", "suggest",
]

#: Default written for myhostname, mydomain, mynetworks and process_id, which
#: postconf computes from the machine it runs on.
HOST_DEPENDENT = "(host-dependent)"

#: The parameters a daemon reads raw (its CONFIG_RAW_TABLE: local.c, smtpd.c, postscreen.c of
#: Postfix 3.7): their `$name` is never a main.cf parameter. mailbox_command goes to the shell
#: as written (local/command.c: `$EXTENSION` is the environment variable local(8) exports);
#: forward_path, luser_relay and command_execution_directory are expanded by local_expand.c
#: with the delivery's own names (`$user`, `$home`, ...); the reply footers and expansion
#: filters by smtpd/postscreen with theirs. postconf does not expand them either.
RAW_PARAMETERS = frozenset({
    "default_rbl_reply", "command_execution_directory", "forward_path", "luser_relay", "mailbox_command",
    "postscreen_disable_vrfy_command", "postscreen_enforce_tls", "postscreen_expansion_filter",
    "postscreen_helo_required", "postscreen_reject_footer", "postscreen_use_tls", "smtpd_expansion_filter",
    "smtpd_reject_footer",
})

# "restriction": an SMTP access restriction name (current or obsolete) written as a parameter.
ProblemKind = Literal["unknown", "restriction", "wrong_daemon", "too_new", "removed", "deprecated"]


@frozen
class ParamInfo:
    name: str
    default: str
    introduced: str | None  # major.minor, when postconf(5) dates it (2.10 and later)


@frozen
class NameProblem:
    kind: ProblemKind
    message: str
    suggestion: str | None = None  # the name to use instead, when there is one


_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?\Z")
_SERVICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


# A check asks about a few versions hundreds of times (every parameter and restriction name).
@functools.lru_cache(maxsize=None)
def _vkey(version: str) -> tuple[int, int]:
    match = _VERSION.match(str(version).strip())
    if not match:
        raise ValueError(f"not a Postfix version: {version!r} (expected e.g. '3.7')")
    return int(match.group(1)), int(match.group(2))


def _norm(version: str) -> str:
    major, minor = _vkey(version)
    return f"{major}.{minor}"


@functools.lru_cache(maxsize=None)
def known_versions() -> tuple[str, ...]:
    """Postfix versions (major.minor) whose full parameter list is shipped, oldest first."""
    found = []
    for entry in DATA.iterdir():
        match = re.fullmatch(r"postfix-(\d+\.\d+)\.params", entry.name)
        if match:
            found.append(match.group(1))
    return tuple(sorted(found, key=_vkey))


@functools.lru_cache(maxsize=None)
def _defaults(measured: str) -> dict[str, str]:
    return parsed(f"postfix-{measured}.params")


@functools.lru_cache(maxsize=None)
def _history() -> dict[str, Any]:
    return parsed("history.json")


@functools.lru_cache(maxsize=None)
def _restrictions() -> dict[str, Any]:
    return parsed("restrictions.json")


@functools.lru_cache(maxsize=None)
def _base_for(version: str) -> str:
    """The measured version to start from: the newest one not after ``version``."""
    measured = known_versions()
    if not measured:
        raise RuntimeError("no postfix-X.Y.params data file in mailpolicy.postfix.data")
    older = [m for m in measured if _vkey(m) <= _vkey(version)]
    return older[-1] if older else measured[0]


def _introduced(name: str) -> dict[str, Any] | None:
    return _history()["introduced"].get(name)


def _available(name: str, version: str) -> bool:
    """Whether ``name`` is a parameter of Postfix ``version`` (major.minor)."""
    base = _base_for(version)
    entry = _introduced(name)
    if name in _defaults(base):
        if version == base or entry is None or _vkey(entry["version"]) <= _vkey(version):
            return True
        return any(_norm(b) == version for b in entry.get("backported", ()))
    return entry is not None and _vkey(base) < _vkey(entry["version"]) <= _vkey(version)


@functools.lru_cache(maxsize=None)
def _names(version: str) -> frozenset[str]:
    base = _base_for(version)
    candidates = set(_defaults(base)) | set(_history()["introduced"])
    return frozenset(n for n in candidates if _available(n, version))


@functools.lru_cache(maxsize=None)
def _all_names() -> frozenset[str]:
    names: set[str] = set(_history()["introduced"])
    for measured in known_versions():
        names |= set(_defaults(measured))
    return frozenset(names)


def names(version: str = "3.7") -> frozenset[str]:
    """Every parameter name Postfix ``version`` knows."""
    return _names(_norm(version))


def parameter(name: str, version: str = "3.7") -> ParamInfo | None:
    """The parameter ``name`` of Postfix ``version``, or None if it has none by that name.

    Defaults come from the measured list; for a parameter added after it, from
    postconf(5) (which may say 'see "postconf -d" output').
    """
    version = _norm(version)
    if not _available(name, version):
        return None
    entry = _introduced(name)
    defaults = _defaults(_base_for(version))
    default = defaults[name] if name in defaults else (entry or {}).get("default") or ""
    return ParamInfo(name=name, default=default, introduced=entry["version"] if entry else None)


def daemon_twin(name: str) -> str | None:
    """The other daemon's spelling of ``name`` (smtp_X <-> smtpd_X) when both exist.

    Both must be Postfix parameters (in some version): daemon_twin("smtp_tls_security_level")
    is "smtpd_tls_security_level", daemon_twin("smtp_recipient_restrictions") is None.
    Callers use it to warn when a client-side (smtp_) setting appears where the
    intent is about the server (smtpd_), or the other way round.
    """
    if name.startswith("smtpd_"):
        twin = "smtp_" + name[len("smtpd_"):]
    elif name.startswith("smtp_"):
        twin = "smtpd_" + name[len("smtp_"):]
    else:
        return None
    names = _all_names()
    return twin if name in names and twin in names else None


def suggest(name: str, version: str = "3.7") -> str | None:
    """The known parameter name closest to ``name`` by edit distance, or None if none is close."""
    return _closest(name, _names(_norm(version)))


def check_name(
    name: str, version: str = "3.7", *, transports: Iterable[str] = ()
) -> NameProblem | None:
    """Check a main.cf parameter name for Postfix ``version``; None if it is fine.

    ``transports`` names extra master.cf services (e.g. "dovecot") whose
    per-transport parameters (``dovecot_destination_recipient_limit``) are
    valid; those of the stock master.cf services are known already.
    """
    version = _norm(version)
    if "/" in name:
        parameter_part = name.rsplit("/", 1)[-1]
        return NameProblem(
            "unknown",
            f"'{name}' is a master.cf service parameter (postconf -P service/type/parameter),"
            " not a main.cf parameter name",
            parameter_part if _available(parameter_part, version) else None,
        )
    problem = _obsolete_problem(name, version, _history()["obsolete"], "parameter")
    if problem is not None:
        return problem
    if name in _history()["obsolete"] and name not in _all_names():
        return None  # a renamed parameter, still the current name in this version
    if _available(name, version):
        return None
    family = _transport_family(name)
    if family is not None and family[0] in set(transports):
        return None
    entry = _introduced(name)
    if entry is not None and _vkey(entry["version"]) > _vkey(version):
        return NameProblem("too_new", _too_new_message(name, entry, version), None)
    for mine, other in (("smtp_", "smtpd_"), ("smtpd_", "smtp_")):
        if name.startswith(mine) and _available(other + name[len(mine):], version):
            twin = other + name[len(mine):]
            return NameProblem(
                "wrong_daemon",
                f"'{name}' is not a Postfix parameter, but '{twin}' is: smtp_ parameters"
                " configure the SMTP client (outgoing mail), smtpd_ ones the SMTP server"
                " (incoming mail)",
                twin,
            )
    if family is not None:
        service, suffix = family
        return NameProblem(
            "unknown",
            f"'{name}' is a per-transport parameter (transport_{suffix}) and is valid only"
            f" if master.cf defines a delivery service named '{service}'",
            _closest(name, _names(version)),
        )
    if name in restriction_names() or name in _restrictions()["obsolete"]:
        return NameProblem(
            "restriction",
            f"'{name}' is an SMTP access restriction, not a parameter: list it in"
            " smtpd_*_restrictions",
            None,
        )
    hint = _closest(name, _names(version))
    message = f"unknown Postfix {version} parameter '{name}'"
    return NameProblem("unknown", message + (f"; did you mean '{hint}'?" if hint else ""), hint)


@functools.lru_cache(maxsize=None)
def restriction_names() -> frozenset[str]:
    """The SMTP access restriction names postconf(5) of Postfix 3.7 documents."""
    return frozenset(_restrictions()["restrictions"])


@functools.lru_cache(maxsize=None)
def obsolete_restriction_names() -> frozenset[str]:
    """The old SMTP access restriction names: deprecated, renamed or removed ones."""
    return frozenset(_restrictions()["obsolete"])


def restriction_argument(name: str) -> str | None:
    """What restriction ``name`` takes as its argument, as postconf(5) writes it (``type:table``).

    None for a name that takes none, and for an unknown name.
    """
    data = _restrictions()
    entry = data["restrictions"].get(name) or data["obsolete"].get(name)
    return entry.get("argument") if entry is not None else None


def restriction_lists(name: str) -> tuple[str, ...] | None:
    """The smtpd_*_restrictions lists in which restriction ``name`` is valid, per postconf(5).

    Sender and recipient restrictions in an earlier list (e.g. recipient
    restrictions in smtpd_client_restrictions) only work with
    smtpd_delay_reject = yes, Postfix's default.  None for an unknown name.
    """
    data = _restrictions()
    entry = data["restrictions"].get(name)
    if entry is None:
        return None
    return tuple(data["classes"][entry["class"]]["lists"])


def check_restriction(
    name: str, version: str = "3.7", *, classes: Iterable[str] = ()
) -> NameProblem | None:
    """Check one restriction name (without its arguments); None if Postfix ``version`` takes it.

    ``classes`` are the user's smtpd_restriction_classes names, which are valid too.
    """
    version = _norm(version)
    classes = set(classes)
    if name in classes:
        return None
    data = _restrictions()
    problem = _obsolete_problem(name, version, data["obsolete"], "restriction")
    if problem is not None:
        return problem
    entry = data["restrictions"].get(name)
    if entry is not None:
        since = entry.get("introduced")
        if since and _vkey(since) > _vkey(version):
            return NameProblem(
                "too_new",
                f"restriction '{name}' needs Postfix {since} or later (target is Postfix {version})",
            )
        return None
    if name in data["obsolete"]:  # an old name, still the current one for this version
        return None
    hint = _closest(name, restriction_names() | classes)
    message = f"unknown SMTP access restriction '{name}'"
    if _available(name, version):
        message += " (it is a main.cf parameter name)"
    return NameProblem("unknown", message + (f"; did you mean '{hint}'?" if hint else ""), hint)


def _obsolete_problem(
    name: str, version: str, table: dict[str, Any], what: str
) -> NameProblem | None:
    entry = table.get(name)
    if entry is None:
        return None
    since, removed = entry["since"], entry["removed"]
    if since is not None and _vkey(version) < _vkey(since):
        return None  # still the current name for this version
    replacement = entry["replacement"]
    reason = entry["reason"]
    instead = f"; use '{replacement}' instead" if replacement and replacement not in reason else ""
    if removed is not None and _vkey(version) >= _vkey(removed):
        return NameProblem(
            "removed",
            f"{what} '{name}' is not supported by Postfix {version}: {reason}{instead}",
            replacement,
        )
    return NameProblem(
        "deprecated", f"{what} '{name}' is deprecated: {reason}{instead}", replacement
    )


def _too_new_message(name: str, entry: dict[str, Any], version: str) -> str:
    message = f"'{name}' needs Postfix {entry['version']} or later (target is Postfix {version})"
    if entry.get("backported"):
        message += "; also in patch releases " + ", ".join(entry["backported"])
    return message


@functools.lru_cache(maxsize=None)
def _families() -> tuple[str, ...]:
    # Longest first: "transport_rate_delay" before any shorter tail of it.
    return tuple(sorted(_history()["transport_parameter_families"], key=len, reverse=True))


def _transport_family(name: str) -> tuple[str, str] | None:
    for suffix in _families():
        if name.endswith("_" + suffix):
            service = name[: -len(suffix) - 1]
            if _SERVICE.match(service):
                return service, suffix
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 once it is certain to exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    """Closest candidate: same name but for case, else the least edit distance (at most 3)."""
    folded, prefix, limit = name.lower(), name.split("_", 1)[0], max(1, min(3, len(name) // 4))
    by_length = _by_length(candidates) if isinstance(candidates, frozenset) else _length_index(candidates)
    ranked = []
    # Only names within `limit` of this length can be within `limit` edits (_distance says limit + 1
    # for the rest): an audit suggests a name for each of thousands of unknown ones, so the other
    # lengths are skipped rather than measured one by one.
    for length in range(len(folded) - limit, len(folded) + limit + 1):
        for lowered, candidate in by_length.get(length, ()):
            d = -1 if lowered == folded else _distance(folded, lowered, limit)
            if d <= limit:
                ranked.append((d, candidate.split("_", 1)[0] != prefix, candidate))
    return min(ranked)[2] if ranked else None


@functools.lru_cache(maxsize=64)
def _by_length(candidates: frozenset[str]) -> dict[int, tuple[tuple[str, str], ...]]:
    """The candidates (lower-cased, as written) by length, built once per candidate set."""
    return _length_index(candidates)


def _length_index(candidates: Iterable[str]) -> dict[int, tuple[tuple[str, str], ...]]:
    index: dict[int, list[tuple[str, str]]] = {}
    for candidate in candidates:
        lowered = candidate.lower()
        index.setdefault(len(lowered), []).append((lowered, candidate))
    return {length: tuple(group) for length, group in index.items()}
