"""Prove the main.cf a deploy would install is no open relay, before anything is installed.

The build was proven when it was compiled, but the merge keeps every other parameter of the
deployed main.cf: a `relay_domains = static:ALL` or `smtpd_authorized_xclient_hosts = 0.0.0.0/0`
left there opens a relay past the policy's restrictions (maincf/relay_proof.py explains both).
So the merged text, with the master.cf that will be beside it, gets the audit's open-relay search
(checks/open_relay.py), as `compile --base` does; only its MP301 errors stop the deploy.
"""

from __future__ import annotations

from pathlib import Path

from mailpolicy.audit.files import ConfigFiles
from mailpolicy.audit.run import audit_context
from mailpolicy.checks.open_relay import check_open_relay
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.main_cf import read_main_cf
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.source import SourceFile


def open_relays(target: Path, main_cf: str, master_cf: str | None,
                version: str = "3.7") -> tuple[list[Diagnostic], list[SourceFile]]:
    """Return every way an anonymous outside client could relay through the configuration to be installed."""
    merged = read_main_cf(main_cf, f"{target / 'main.cf'} (as deploy would write it)")
    master = read_master_cf(master_cf, str(target / "master.cf")) if master_cf is not None else None
    sources = [merged.source, *([master.source] if master is not None else [])]
    files = ConfigFiles(target, merged, master, tuple(sources), ())
    found = [d for d in check_open_relay(audit_context(files, version)) if d.code == cat.OPEN_RELAY.code]
    return found, sources
