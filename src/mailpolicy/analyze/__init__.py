"""The analyze stage: a tuple of checks run in order, each yielding diagnostics.

Each check reads an `AnalysisContext` (the policy and the planned configuration) and yields
`Diagnostic`s; none of them changes anything. Add a check by writing a module and naming its
function here.
"""

from __future__ import annotations

from typing import Callable, Iterable

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.analyze.database import check_database_assumptions, check_owner_maps
from mailpolicy.analyze.expectations import check_expectations
from mailpolicy.analyze.hosted import (
    check_address_classes, check_aliases, check_hosted_delivery, check_hosting_settings, check_recipients,
)
from mailpolicy.analyze.owners import (
    check_duplicate_allows, check_owned_domains, check_owners_need_sasl, check_sasl_without_owners,
)
from mailpolicy.analyze.output_names import check_sender_map_name
from mailpolicy.analyze.privileged import check_privileged_settings
from mailpolicy.analyze.references import check_undefined_references
from mailpolicy.analyze.sasl_options import check_sasl_security_options
from mailpolicy.analyze.sasl_paths import check_sasl_path
from mailpolicy.analyze.service_checks import check_services
from mailpolicy.analyze.settings import check_duplicate_settings, check_managed_settings
from mailpolicy.analyze.stated_relay import check_stated_relay
from mailpolicy.checks import CHECKS as CORE_CHECKS
from mailpolicy.checks.relay_declaration import check_relay_declaration
from mailpolicy.diagnostics import Diagnostic

Check = Callable[[AnalysisContext], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    check_relay_declaration,  # MP324: relay_domains entries and myorigin judged with the Public Suffix List
    check_stated_relay,  # MP321: trusted and logged-in clients relay only as `relay` says
    check_expectations,
    check_sasl_path,
    check_sender_map_name,
    check_sasl_security_options,
    check_owners_need_sasl,
    check_sasl_without_owners,
    check_owned_domains,
    check_duplicate_allows,
    check_managed_settings,
    check_duplicate_settings,
    check_privileged_settings,
    check_undefined_references,
    *CORE_CHECKS,  # the checks a deployed configuration gets too (mailpolicy.checks)
    check_services,  # MP350-MP355: login only inside TLS, no TLS required on port 25
    check_address_classes,  # MP370: one domain in two address classes
    check_hosted_delivery,
    check_recipients,
    check_aliases,
    check_hosting_settings,
    check_database_assumptions,  # MP380: what a database table is assumed to answer
    check_owner_maps,  # MP334, MP338: a login map the site maintains
)


def analyze(ctx: AnalysisContext, checks: tuple[Check, ...] = CHECKS) -> list[Diagnostic]:
    """Run every check and return all their diagnostics."""
    found: list[Diagnostic] = []
    for check in checks:
        found.extend(check(ctx))
    return found
