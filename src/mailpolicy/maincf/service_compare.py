"""`diff --against`: the stated services against the deployed master.cf's, override by override.

Only the kinds the policy states are compared, as deploy replaces only those: every deployed
`inet` service on such a port (maincf/master_merge.py) against the policy's service of that kind.
A difference is the command, the chroot column, or an `-o` of a parameter a stated service
decides (plan/services.py SERVICE_DECIDED): the rest of a deployed service is not the policy's.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen

from mailpolicy.plan.services import SERVICE_DECIDED, ServicePlan
from mailpolicy.postfix.master_cf import MasterCf, Service
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.service_kinds import port_kind
from mailpolicy.source import Span


@frozen
class ServiceChange:
    """One stated service that deploying would add or change, or a deployed one it would drop."""

    kind: str
    endpoint: str                  # master.cf's first column (the policy's, or the deployed one's)
    deployed_at: Span | None       # None: not deployed, deploying adds it
    removed: tuple[str, ...] = ()  # `-o name=value` (or `command ...`, `chroot ...`) going away
    added: tuple[str, ...] = ()
    dropped: bool = False          # a deployed service on a stated port that no stated service keeps


def compare_services(deployed: MasterCf, services: tuple[ServicePlan, ...]) -> tuple[ServiceChange, ...]:
    """Return what deploying the stated services changes in `deployed`."""
    stated = {service.word for service in services}
    on_ports = [s for s in deployed.services if s.type == "inet" and port_kind(s.name) in stated]
    changes: list[ServiceChange] = []
    matched: set[int] = set()
    for service in services:
        for endpoint in service.endpoints():
            found = next((s for s in on_ports if s.name == endpoint and id(s) not in matched), None)
            if found is None:
                changes.append(ServiceChange(service.word, endpoint, None, added=_settings(service)))
                continue
            matched.add(id(found))
            removed, added = _difference(_deployed_settings(found), _settings(service))
            if removed or added:
                changes.append(ServiceChange(service.word, endpoint, found.span, removed, added))
    for left in on_ports:
        if id(left) not in matched:
            changes.append(ServiceChange(port_kind(left.name), left.name, left.span,
                                         removed=_deployed_settings(left), dropped=True))
    return tuple(changes)


def _settings(service: ServicePlan) -> tuple[str, ...]:
    chroot = "y" if service.chroot else "n"
    return ("command smtpd", f"chroot {chroot}", *(f"-o {o.name}={o.value}" for o in service.overrides))


def _deployed_settings(service: Service) -> tuple[str, ...]:
    chroot = "y" if service.chrooted() else "n"
    overrides = {o.name: o.value for o in service.overrides if o.name in SERVICE_DECIDED}  # the last -o wins
    return (f"command {service.command}", f"chroot {chroot}", *(f"-o {n}={v}" for n, v in overrides.items()))


def _difference(deployed: tuple[str, ...], planned: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    normal = [_normal(s) for s in planned]
    removed = tuple(s for s in deployed if _normal(s) not in normal)
    kept = [_normal(s) for s in deployed]
    return removed, tuple(s for s in planned if _normal(s) not in kept)


def _normal(setting: str) -> str:
    """Return a setting with list separators made alike (`a, b` and `a,b` are one list to Postfix)."""
    head, _, value = setting.partition("=")
    return f"{head}={' '.join(split_words(value))}" if value else setting
