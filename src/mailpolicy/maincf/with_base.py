"""`compile --base`: a compiled policy merged into an existing main.cf, then proved no open relay as merged."""

from __future__ import annotations

from pathlib import Path


from mailpolicy.diagnostics import Diagnostic, has_errors
from mailpolicy.emit.provenance import Provenance
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_named_file
from mailpolicy.maincf.merge import merge_main_cf
from mailpolicy.maincf.relay_proof import prove_merged
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.postfix.main_cf import MainCf, read_main_cf
from mailpolicy.source import SourceFile


@frozen
class BaseMerge:
    """The main.cf to write (None when the merge or its proof found errors), what they report, and the files cited."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[SourceFile, ...]


def read_base(path: Path) -> MainCf:
    """Read the base main.cf a command line names; raises OSError when it cannot be read."""
    data = read_named_file(path)
    # Bytes that are not UTF-8 (a Latin-1 comment) are carried through unchanged.
    return read_main_cf(data.decode("utf-8", "surrogateescape"), str(path))


def merge_and_prove(base: MainCf, plan: ConfigPlan, provenance: Provenance) -> BaseMerge:
    """Return the base merged with the plan, once the merge and the open-relay proof of its result pass."""
    merged = merge_main_cf(base, plan, provenance)
    if has_errors(merged.diagnostics):
        return BaseMerge(None, merged.diagnostics, (base.source,))
    # The base's own parameters (relay_domains, smtpd_authorized_xclient_hosts) can open a relay
    # past the policy's restrictions: what is written must pass the same proof as the policy.
    proof = prove_merged(base, merged, plan.version)
    text = None if has_errors(proof.diagnostics) else merged.text
    return BaseMerge(text, (*merged.diagnostics, *proof.diagnostics), (base.source, *proof.sources))
