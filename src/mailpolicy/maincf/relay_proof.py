"""Prove a merged main.cf is no open relay (MP301) before compile --base writes it, locating each way at the base.

A policy that compiles is never an open relay, but `--base` keeps every parameter of the base the
policy does not set: `relay_domains = static:ALL` makes every domain a relay destination, and
`smtpd_authorized_xclient_hosts = 0.0.0.0/0` lets any client claim a login with XCLIENT, past the
policy's restrictions. So the merged text gets the audit's open-relay search, as it stands, with
the master.cf beside the base (Debian's stock smtpd service when there is none). Nothing is
written to audit it: the merged main.cf is read from memory, its tables from the base's folder.

Each finding is reported at the base: a line the merge kept at that line of the base; a line the
policy wrote at the policy's statement, with the base's own definitions the finding names (the
parameter that really opens the relay) put first, since that is the line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from mailpolicy.audit.files import ConfigFiles
from mailpolicy.audit.run import audit_context
from mailpolicy.checks.open_relay import check_open_relay
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_named_file
from mailpolicy.maincf.merge import Merged
from mailpolicy.postfix.main_cf import Definition, MainCf, read_main_cf
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.source import SourceFile, Span

_MERGED = "(merged main.cf)"  # the merged text's name while audited; every span on it is mapped back
_WORD = re.compile(r"[a-z0-9_]+")


@frozen
class RelayProof:
    """The open-relay errors of a merged main.cf, located at the base, and the files they cite."""

    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[SourceFile, ...]


def prove_merged(base: MainCf, merged: Merged, version: str) -> RelayProof:
    """Return every way an anonymous outside client could relay through the merged main.cf (MP301 only)."""
    folder = Path(base.path).parent
    main_cf = read_main_cf(merged.text, _MERGED)
    master_cf, sources = None, ()
    master_path = folder / "master.cf"
    if master_path.is_file():
        try:
            text = read_named_file(master_path).decode("utf-8", "surrogateescape")
        except OSError:
            text = None  # unreadable: audited as Debian's stock service, as `audit` does without one
        if text is not None:
            master_cf = read_master_cf(text, str(master_path))
            sources = (master_cf.source,)
    files = ConfigFiles(folder, main_cf, master_cf, (main_cf.source, *sources), ())
    found = [d for d in check_open_relay(audit_context(files, version)) if d.code == cat.OPEN_RELAY.code]
    return RelayProof(tuple(_at_base(d, base, merged) for d in found), sources if found else ())


def _at_base(diagnostic: Diagnostic, base: MainCf, merged: Merged) -> Diagnostic:
    """Return the diagnostic with every span on the merged text moved to the base or the policy."""
    span, from_base = _map(diagnostic.span, base, merged)
    related = []
    for item in diagnostic.related:
        mapped, _ = _map(item.span, base, merged)
        if mapped is not None:
            related.append(Related(mapped, item.message))
    if not from_base:
        # The policy's line accepted the request, but a base parameter opened the way (the hint
        # names it): that base line is the one to fix.
        blamed = _blamed(diagnostic, base, merged)
        if blamed:
            if span is not None:
                related.insert(0, Related(span, "the policy's part: the request passes here"))
            span = blamed[0].name_span
            related[:0] = [Related(d.name_span, f"the base sets {d.name} here") for d in blamed[1:]]
    return attrs.evolve(diagnostic, span=span, related=tuple(dict.fromkeys(related)))


def _map(span: Span | None, base: MainCf, merged: Merged) -> tuple[Span | None, bool]:
    """Return where a span on the merged text stands in the base or the policy, and whether in the base."""
    if span is None or span.path != _MERGED:
        return span, span is not None
    if not 1 <= span.line <= len(merged.origins):
        return None, False
    origin = merged.origins[span.line - 1]
    if origin.parameter is None and origin.base_line is not None:
        return attrs.evolve(span, path=base.path, line=origin.base_line), True  # kept byte for byte
    return (origin.parameter.source if origin.parameter is not None else None), False


def _blamed(diagnostic: Diagnostic, base: MainCf, merged: Merged) -> list[Definition]:
    """Return the base's definitions the merge kept and the diagnostic's message or hint names, in file order."""
    words = set(_WORD.findall(f"{diagnostic.message} {diagnostic.hint or ''}"))
    kept = {o.base_line for o in merged.origins if o.parameter is None}
    return sorted((d for d in base.parameters.values() if d.name in words and d.line in kept),
                  key=lambda d: d.line)
