"""Refuse `set` of a parameter Postfix uses as root unless the line says `privileged`."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.privileged import is_inert, is_privileged, risk


def check_privileged_settings(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """MP409 for an unacknowledged privileged `set`, MP410 for a needless `privileged`, MP411 notes."""
    for setting in ctx.policy.settings:
        needs = is_privileged(setting.name) and not is_inert(setting.name, setting.value)
        if needs and setting.privileged is None:
            # A policy is reviewed as mail policy; a value here runs or writes as root on
            # every `postfix start`, so it must be said so on the line itself.
            yield cat.PRIVILEGED_PARAMETER.at(
                setting.name_span,
                f"{setting.name} {risk(setting.name)}: a policy may set it only as `set privileged`",
                hint=(f"delete the line to keep Postfix's default, or write `set privileged {setting.name} = ...` "
                      "if this server really needs it (see docs/security.md)"))
        elif needs:
            yield cat.PRIVILEGED_ACKNOWLEDGED.at(
                setting.privileged,
                f"{setting.name} {risk(setting.name)}; acknowledged with `privileged`",
                hint="`mailpolicy verify` runs its sandbox with Postfix's default instead")
        elif setting.privileged is not None:
            # Only where it is needed, so that the word keeps meaning something to a reviewer.
            why = "to `no` asks Postfix to do nothing" if is_privileged(setting.name) else "is not privileged"
            yield cat.NOT_PRIVILEGED.at(
                setting.privileged, f"{setting.name} {why}: `privileged` acknowledges nothing here",
                hint=f"write `set {setting.name} = ...`")
