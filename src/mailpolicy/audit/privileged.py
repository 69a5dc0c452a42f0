"""Report main.cf lines and smtpd -o overrides that set a parameter Postfix uses as root.

A deployed server may need one (a Postfix built into /usr/local), so this is a warning, not an
error: it names what the value decides, so a reviewer checks who can write the place it names.
A value equal to the default of Debian's Postfix (postfix/data/postfix-3.7.params) is only a
note, and one that asks Postfix to do nothing (`readme_directory = no`) is not reported.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.diagnostics import Diagnostic, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.privileged import is_inert, is_privileged, risk


def check_privileged_parameters(ctx: AuditContext) -> Iterator[Diagnostic]:
    """MP412 at every definition of a privileged parameter; a note where it changes nothing."""
    for setting in ctx.written():
        if not is_privileged(setting.name):
            continue
        info = pf.parameter(setting.name, ctx.version)
        default = info.default if info is not None else None
        value = " ".join(setting.value.split())
        if is_inert(setting.name, value):
            continue  # Debian's stock main.cf says `readme_directory = no`: nothing is done with it
        if value == default:
            yield cat.PRIVILEGED_DEPLOYED.at(
                setting.name_span, f"{setting.name} {risk(setting.name)}; this is its default on Debian",
                hint="nothing to do; on another system check it names that system's own", severity=Severity.NOTE)
            continue
        yield cat.PRIVILEGED_DEPLOYED.at(
            setting.name_span,
            f"{setting.name} {risk(setting.name)}: `{value}` is not Debian's default (`{default}`)",
            hint=("make sure only root can write what it names; in a policy this line must be "
                  f"`set privileged {setting.name} = ...`"))
