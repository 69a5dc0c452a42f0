"""A deployed configuration as a host of the checks (checks/host.py): the files, one view per smtpd service,
and the target version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import attrs

from mailpolicy.audit.effective import Origin, ServiceView, Word
from mailpolicy.audit.files import ConfigFiles
from mailpolicy.checks.host import Wording, Written
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.frozen import frozen
from mailpolicy.postfix.main_cf import MainCf
from mailpolicy.postfix.restriction_lists import entries
from mailpolicy.simulate.config import Config
from mailpolicy.source import Span

if TYPE_CHECKING:
    from mailpolicy.checks.host import Service


# How a deployed configuration says a fix: as main.cf lines and the audit's own options.
WORDING = Wording(anonymous_client="an anonymous client on the Internet", decided="set",
                  rename_parameter="rename it to `{instead}`; Postfix ignores `{name}` without a word",
                  newer_postfix="audit with `--postfix VERSION`",
                  log_in_instead="remove it; clients whose address changes (a phone, a laptop) should log in instead "
                                 "(smtpd_sasl_auth_enable = yes and permit_sasl_authenticated before "
                                 "reject_unauth_destination)")


@frozen
class AuditContext:
    files: ConfigFiles
    views: tuple[ServiceView, ...]
    version: str
    login_tables: tuple = ()  # LoginTable of every smtpd_sender_login_maps text table, read once
    # The simulator's model of each kind of smtpd service (audit/simulation.py model_for), built once
    # and shared by the checks that read it: building one expands every main.cf value.
    models: dict = attrs.field(factory=dict, eq=False, repr=False, hash=False)

    @property
    def main(self) -> MainCf:
        return self.files.main_cf

    wording = WORDING

    def written(self) -> tuple[Written, ...]:
        """Return every main.cf definition and smtpd -o override, each with where its value's lines stand."""
        origins = [Origin(definition=definition) for definition in self.main.definitions]
        if self.files.master_cf is not None:
            origins += [Origin(override=override) for service in self.files.master_cf.smtpd_services
                        for override in service.overrides]
        return tuple(Written(origin.name, origin.value, origin.span, origin.value_span, tuple(origin.pieces()))
                     for origin in origins)

    def transports(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.files.master_cf.services) if self.files.master_cf else ()

    def transport_commands(self) -> tuple[tuple[str, str], ...]:
        if not self.files.master_cf:
            return ()
        return tuple((s.name, s.command) for s in self.files.master_cf.services if s.type == "unix")

    def proxymap_parameter(self, name: str) -> tuple[str | None, Span | None]:
        """Return a parameter as proxymap(8) reads it: main.cf under the proxymap service's own `-o`.

        The service is master.cf's `proxymap_service_name` (main.cf's, else `proxymap`) running
        proxymap (mail_params.c; smtpd's dict_proxy client connects to it by that name).
        """
        params = {d.name: d.value for d in self.main.definitions}
        wanted = (self.main.value("proxymap_service_name") or "proxymap").strip()
        services = self.files.master_cf.services if self.files.master_cf is not None else ()
        service = next((s for s in reversed(services) if s.name == wanted and s.command == "proxymap"), None)
        override = service.override(name) if service is not None else None
        if service is not None:
            params.update((o.name, o.value) for o in service.overrides)
        definition = self.main.get(name)
        span = override.span if override is not None else definition.name_span if definition is not None else None
        return Config(params, self.version).expanded(name), span

    def per_service(self, check: Callable[[Service], Iterable[Diagnostic]]) -> Iterator[Diagnostic]:
        """Run a check of the check core (checks/host.py) for every smtpd service."""
        from mailpolicy.audit.service import DeployedService

        return self.per_view(lambda view: check(DeployedService(self, view)))

    def per_view(self, check: Callable[[ServiceView], Iterable[Diagnostic]]) -> Iterator[Diagnostic]:
        """Run a check for every smtpd service; a finding only some services have names them."""
        found: dict[Diagnostic, list[str]] = {}
        # Services alike in everything a check reads get the same findings: the check runs once
        # per kind, so 10,000 alike services cost one run. Findings that point into master.cf or
        # name the service are that service's own, so for those every service is checked.
        done: dict[tuple, tuple[Diagnostic, ...]] = {}
        master_path = self.files.master_cf.source.path if self.files.master_cf is not None else None
        for view in self.views:
            key = _kind(view)
            shared = done.get(key)
            if shared is None:
                shared = tuple(check(view))
                if not any(_own(d, view, master_path) for d in shared):
                    done[key] = shared
            for diagnostic in shared:
                found.setdefault(diagnostic, []).append(view.label)
        for diagnostic, labels in found.items():
            if len(labels) == len(self.views):
                yield diagnostic
            else:
                yield attrs.evolve(diagnostic, message=f"{', '.join(labels)}: {diagnostic.message}")

    def restrictions(self, view: ServiceView, name: str) -> list[Word]:
        """Return the restrictions of list `name` as the view sees it, arguments left out.

        Positions match the simulator's: entry i of this list is the restriction a Decision's
        `position` i names.
        """
        words = view.words(name)
        return [words[entry.index] for entry in entries([w.text for w in words])]


def _kind(view: ServiceView) -> tuple:
    """Return what a check can read of a service besides main.cf: every field but its name, its -o
    values, and whether clients outside can reach it (which its name's host part decides)."""
    from mailpolicy.audit.simulation import reachable_from_outside

    service = view.service
    return (service.type, service.private, service.unprivileged, service.chroot, service.wakeup,
            service.maxproc, service.command, service.arguments,
            tuple((o.name, o.value) for o in view.overrides), reachable_from_outside(view))


def _own(diagnostic: Diagnostic, view: ServiceView, master_path: str | None) -> bool:
    """Tell whether a finding is about this one service: it points into master.cf or names it."""
    spans = [diagnostic.span, *(related.span for related in diagnostic.related)]
    if master_path is not None and any(span is not None and span.path == master_path for span in spans):
        return True
    texts = [diagnostic.message, diagnostic.hint or "", *(related.message for related in diagnostic.related)]
    return any(view.label in text or view.service.name in text for text in texts)
