"""The compiled policy as a host of the checks (checks/host.py): the policy and the configuration planned from it.

Its services are main.cf itself (every smtpd service of master.cf runs with it unless it overrides
a value) and each `service` the policy states, with the `-o` overrides the compiler writes for it
into master.cf (plan/service_views.py). A finding points at the policy line that decided what the check read: a
list entry's statement (`relay`, `allow user`), the column of a restriction on a `set` line, or
the `trusted networks` entry that holds a client (analyze/simulation.py).
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import attrs

from mailpolicy.analyze import simulation
from mailpolicy.checks.host import TrustedNetwork, Wording, Written
from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import ConfigPlan, SenderMapPlan
from mailpolicy.plan.simulator_model import model_from_plan

if TYPE_CHECKING:
    from mailpolicy.checks.host import Service
    from mailpolicy.diagnostics import Diagnostic
    from mailpolicy.plan.service_views import View
    from mailpolicy.simulate import PostfixModel
    from mailpolicy.source import Span


# How the compiled policy says a fix: as policy statements.
WORDING = Wording(anonymous_client="an anonymous client outside the trusted networks", decided="decided",
                  rename_parameter="write `set {instead} = ...`; Postfix would ignore `{name}` without a word",
                  newer_postfix="say so with `postfix VERSION`",
                  log_in_instead="for clients whose address changes (a phone, a laptop), authenticate them with SASL "
                                 "(`sasl dovecot private/auth` and `relay only authenticated`) instead of trusting "
                                 "networks")


@frozen
class AnalysisContext:
    policy: Policy
    plan: ConfigPlan
    # Built on first use and kept with the context (so they go when the compilation does): the
    # simulator's model of the plan, which every simulator check reads and which copies the whole
    # sender map (seconds with a million owners), and the context of each stated service.
    _built: dict = attrs.field(factory=dict, init=False, eq=False, repr=False)

    wording = WORDING
    judges_relay_domains = True

    @property
    def version(self) -> str:
        return self.policy.version.value

    def written(self) -> tuple[Written, ...]:
        """Return the policy's `set` lines (a value is one line)."""
        return tuple(Written(s.name, s.value, s.name_span, s.value_span, ((s.value, s.value_span),))
                     for s in self.policy.settings)

    def transports(self) -> tuple[str, ...]:
        return ()  # the policy names no master.cf transport of its own

    def transport_commands(self) -> tuple[tuple[str, str], ...]:
        return ()  # the compiled master.cf holds only smtpd services: transports are Postfix's stock ones

    def per_service(self, check: Callable[[Service], Iterable[Diagnostic]]) -> Iterator[Diagnostic]:
        """Run a service check on main.cf, then on each stated service (its `-o` overrides applied).

        main.cf is checked first and on its own: a master.cf the policy does not manage may hold
        other smtpd services that run with it. A stated service's finding that main.cf's run did
        not make is named by the service (analyze/services.py).
        """
        seen = set()
        for diagnostic in check(self):
            seen.add((diagnostic.code, diagnostic.message))
            yield diagnostic
        if not self.plan.services:
            return
        from mailpolicy.analyze.services import label

        for view, service in self._services():
            for diagnostic in check(service):
                if (diagnostic.code, diagnostic.message) not in seen:
                    seen.add((diagnostic.code, diagnostic.message))
                    yield label(diagnostic, view)

    def _services(self) -> tuple[tuple[View, AnalysisContext], ...]:
        services = self._built.get("services")
        if services is None:
            from mailpolicy.plan.service_views import views_of

            services = self._built["services"] = tuple(
                (view, AnalysisContext(self.policy, view.plan)) for view in views_of(self.plan))
        return services

    def proxymap_parameter(self, name: str) -> tuple[str | None, Span | None]:
        """Return main.cf's value as the plan writes it (the compiled master.cf gives proxymap no `-o`) and its `set` line."""
        setting = next((s for s in reversed(self.policy.settings) if s.name == name), None)
        return self.model().config.expanded(name), setting.span if setting is not None else None

    def model(self) -> PostfixModel:
        model = self._built.get("model")
        if model is None:
            model = self._built["model"] = model_from_plan(self.plan)
        return model

    def entry_span(self, parameter: str | None, position: int | None) -> Span | None:
        return simulation.entry_span(self, parameter, position)

    def reachable_from_outside(self) -> bool:
        return True  # the compiler writes no master.cf: the stock smtp service on port 25 runs with it

    def parameter_span(self, name: str, client: str | None = None) -> Span | None:
        if name == "mynetworks" and client is not None:
            span = simulation.network_span(self, client)
            if span is not None:
                return span
        return simulation.parameter_span(self, name)

    def element_span(self, parameter: str, written: str) -> Span | None:
        return simulation.element_span(self, parameter, written)

    def fallback_span(self) -> Span:
        return simulation.fallback_span(self)

    def trusted_client(self) -> str:
        return simulation.trusted_client(self)

    def local_domain(self) -> str:
        """Return the first `local domains` entry, else the host name the plan gives (localhost without one)."""
        domains = [d.value for d in self.policy.local_domains]
        return domains[0] if domains else self.plan.values().get("myhostname", "localhost")

    def owned_samples(self, limit: int) -> list[tuple[str, str]]:
        """Return the first `limit` address keys of the sender map with their first owner (`@domain` as someone@domain).

        The bare keys of local users (plan/sender_map.py) are left out: each repeats an owned
        address of a local domain, which is the sample a reader recognises.
        """
        table = self.plan.sender_map
        if table is None:
            return []
        keys = islice((key for key in table.keys if "@" in key), limit)
        return [(key if not key.startswith("@") else "someone" + key, table.owners_of(key)[0]) for key in keys]

    def sender_owners(self) -> SenderMapPlan | None:
        return self.plan.sender_map

    def own_domains(self) -> list[str]:
        return sorted(self.policy.domain_names)

    def trusted_networks(self) -> tuple[TrustedNetwork, ...]:
        return tuple(TrustedNetwork(t.written, t.network, t.host_bits, t.span) for t in self.policy.trusted_networks)

    def backup_domains(self) -> dict[str, Span]:
        return {d.value: d.span for d in self.policy.hosted.backup_domains}

    def compiled(self, parameter: str) -> bool:
        planned = self.plan.parameter(parameter)
        return planned is not None and planned.entries is not None
