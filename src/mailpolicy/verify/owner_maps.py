"""Stand rows in for the site's own login maps (`owners from map`) during `verify --owners-map REF=ROWS`.

The site's LDAP directory or SQL server is another machine's, and this machine's Postfix may
not even have the client (`postconf -m`). verify never reaches it: each map gets the rows given,
in the postmap source format (`ADDRESS LOGIN[, LOGIN...]` a line), as a `texthash:` table in the
sandbox. texthash (dict_thash.c) answers the same lookups a login map of any type answers
(smtpd asks `user@domain`, then `user`, then `@domain`), without postmap; `proxy:` is dropped with
the type, as proxymap only forwards lookups. So the verdicts are the policy's under those rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from mailpolicy.analyze.database import asked_whole_address
from mailpolicy.load.files import read_named_file
from mailpolicy.model.policy import Policy

PARAMETER = "smtpd_sender_login_maps"
# A rows file is a table a person writes for a test: a megabyte is plenty.
MAX_ROWS_BYTES = 1 << 20


class OwnerMapsRefused(ValueError):
    """`--owners-map` names a map the policy does not have, a map has none, or a rows file cannot be read."""


def parse_owner_maps(given: tuple[str, ...]) -> dict[str, Path]:
    """Return REF -> ROWS path from `--owners-map REF=ROWS` options (a reference holds no `=`)."""
    found: dict[str, Path] = {}
    for option in given:
        reference, sep, rows = option.partition("=")
        if not sep or not reference or not rows:
            raise OwnerMapsRefused(f"--owners-map {option}: write REF=ROWS, e.g. ldap:/etc/postfix/senders.cf=rows.txt")
        if reference in found:
            raise OwnerMapsRefused(f"--owners-map names {reference} twice")
        found[reference] = Path(rows)
    return found


def missing_reason(policy: Policy, given: dict[str, Path]) -> str | None:
    """Say why verify cannot stand in for the policy's login maps with these options, or None when it can."""
    maps = [m.reference for m in policy.owner_maps] if policy.sasl else []
    unknown = [r for r in given if r not in maps]
    if unknown:
        return (f"--owners-map names {', '.join(unknown)}, which is no `owners from map` of the policy"
                + (f" ({', '.join(maps)})" if maps else ""))
    left = [r for r in maps if r not in given]
    if left:
        return (f"the policy's owners are in the site's {', '.join(left)}, which the sandbox cannot reach: give "
                "`--owners-map REF=ROWS` for each, a file of `ADDRESS LOGIN` lines standing in for it")
    return None


def stand_in_rows(given: dict[str, Path]) -> dict[str, str]:
    """Return REF -> the rows text of each map (UTF-8, within the size limit)."""
    texts = {}
    for reference, rows in given.items():
        try:
            # A file the command line names: a FIFO or a device is refused instead of hanging (load/files.py).
            data = read_named_file(rows)
            if len(data) > MAX_ROWS_BYTES:
                raise ValueError(f"over {MAX_ROWS_BYTES:,} bytes")
            texts[reference] = data.decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            why = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise OwnerMapsRefused(f"--owners-map {reference}: cannot read {rows}: {why}") from None
    return texts


# POSIX extended regular expression metacharacters, and the `/` that delimits a regexp_table(5) pattern.
_REGEXP_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}/])")


def exact_regexp_rows(text: str) -> str:
    """Return `ADDRESS LOGIN[, LOGIN...]` rows as regexp_table(5) lines that match each ADDRESS whole.

    regexp tables match without regard to case by default, as the rows' lower-cased keys are meant.
    """
    lines = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, value = (line.split(None, 1) + [""])[:2]
        escaped = _REGEXP_SPECIAL.sub(r"\\\1", key)
        lines.append(f"/^{escaped}$/ {value.strip()}")
    return "".join(f"{line}\n" for line in lines)


def with_stand_ins(plan, maps: dict[str, str], texts: dict[str, str]) -> tuple[object, dict[str, str], list[str]]:
    """Return the plan with each site map replaced by a texthash stand-in, the maps to write, and the notes."""
    parameter = plan.parameter(PARAMETER)
    if parameter is None or not texts:
        return plan, maps, []
    references = [r.strip() for r in parameter.value.split(",")]
    maps = dict(maps)
    notes = []
    for index, reference in enumerate(references):
        if reference in texts:
            # One stand-in path per map, where the sandbox relocates it (sandbox/postfix.py).
            path = f"/verify-owners/{index}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', reference.rpartition('/')[2])}"
            if asked_whole_address(reference):
                # smtpd asks a tcp:/socketmap: service the whole address only: a regexp table, which
                # smtpd asks the same way (DICT_FLAG_PATTERN), matching each row's key exactly.
                maps[path] = exact_regexp_rows(texts[reference])
                references[index] = f"regexp:{path}"
                notes.append(f"owners: the rows given stand in for {reference} (regexp, each key matched whole: "
                             "smtpd asks that service the whole address only)")
                continue
            maps[path] = texts[reference]
            references[index] = f"texthash:{path}"
            notes.append(f"owners: the rows given stand in for {reference} (texthash: the same lookups, "
                         "user@domain, user, @domain)")
    value = ", ".join(references)
    parameters = tuple(attrs.evolve(p, value=value) if p.name == PARAMETER else p for p in plan.parameters)
    return attrs.evolve(plan, parameters=parameters), maps, notes
