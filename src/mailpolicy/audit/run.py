"""Audit a configuration in use: read it, run every check once per smtpd service, collect the diagnostics."""

from __future__ import annotations

import os
from typing import Callable, Iterable


from mailpolicy.audit import (
    definitions, login_map, networks, privileged, sasl, services, tls,
)
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView, with_helpers
from mailpolicy.audit.files import ConfigFiles, read_config, stock_master_cf
from mailpolicy.checks import CHECKS as CORE_CHECKS
from mailpolicy.checks.bare_postmaster import check_bare_postmaster
from mailpolicy.checks.relay_declaration import check_relay_declaration
from mailpolicy.diagnostics import Diagnostic, finalize, has_errors
from mailpolicy.frozen import frozen
from mailpolicy.source import SourceFile

AuditCheck = Callable[[AuditContext], Iterable[Diagnostic]]

CHECKS: tuple[AuditCheck, ...] = (
    definitions.check_main_cf_lines,
    definitions.check_overridden,
    definitions.check_references,
    services.check_master_overrides,
    services.check_overrides_smtpd_does_not_read,
    services.check_hostname,
    networks.check_mynetworks,
    sasl.check_sasl_path,
    login_map.check_login_map,
    login_map.check_login_map_entries,
    privileged.check_privileged_parameters,
    tls.check_service_tls,
    *CORE_CHECKS,  # the checks a compile runs too (mailpolicy.checks)
    check_relay_declaration,  # MP324: relay_domains entries and myorigin judged with the Public Suffix List
    check_bare_postmaster,  # MP336: the sender login check is missing where mail to the bare postmaster is decided
)


@frozen
class Audit:
    """What auditing one configuration found, and the files it read (for showing their lines)."""

    path: str
    files: ConfigFiles
    context: AuditContext
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def audit_context(files: ConfigFiles, version: str = "3.7") -> AuditContext:
    """Return the context the checks read: one view per smtpd service, login tables read once."""
    master = files.master_cf if files.master_cf is not None and files.master_cf.smtpd_services else stock_master_cf()
    views = tuple(with_helpers(ServiceView(files.main_cf, service, version), master) for service in master.smtpd_services)
    tables: dict[str, login_map.LoginTable] = {}
    for view in views:
        for table in login_map.read_login_tables(files, view):
            tables.setdefault(table.path, table)
    return AuditContext(files, views, version, tuple(tables.values()))


def audit_config(path: str | os.PathLike, *, version: str = "3.7", warnings_as_errors: bool = False,
                 checks: tuple[AuditCheck, ...] = CHECKS) -> Audit:
    """Audit the configuration at `path` (a folder or a main.cf); raise ConfigUnreadable if there is none."""
    files = read_config(path)
    ctx = audit_context(files, version)
    found = list(files.diagnostics)
    for check in checks:
        found.extend(check(ctx))
    sources = files.sources + tuple(t.source for t in ctx.login_tables if t.source is not None)
    return Audit(str(path), files, ctx, sources, finalize(found, warnings_as_errors))
