"""The compiled policy as a host of the checks (checks/host.py): the policy and the configuration planned from it.

It is its own one service: the compiler writes main.cf only, so every smtpd service of the
server runs with it. A finding points at the policy line that decided what the check read: a
list entry's statement (`relay`, `allow user`), the column of a restriction on a `set` line, or
the `trusted networks` entry that holds a client (analyze/simulation.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from mailpolicy.analyze import simulation
from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import ConfigPlan

if TYPE_CHECKING:
    from mailpolicy.checks.host import Service
    from mailpolicy.diagnostics import Diagnostic
    from mailpolicy.simulate import PostfixModel
    from mailpolicy.source import Span


@frozen
class AnalysisContext:
    policy: Policy
    plan: ConfigPlan

    @property
    def version(self) -> str:
        return self.policy.version.value

    def per_service(self, check: Callable[[Service], Iterable[Diagnostic]]) -> Iterator[Diagnostic]:
        """Run a service check once: the compiled main.cf is what every smtpd service runs with."""
        yield from check(self)

    def model(self) -> PostfixModel:
        return simulation.model_of(self)

    def entry_span(self, parameter: str | None, position: int | None) -> Span | None:
        return simulation.entry_span(self, parameter, position)

    def fallback_span(self) -> Span:
        return simulation.fallback_span(self)

    def trusted_client(self) -> str:
        return simulation.trusted_client(self)

    def local_domain(self) -> str:
        """Return the first `local domains` entry, else the host name the plan gives (localhost without one)."""
        domains = [d.value for d in self.policy.local_domains]
        return domains[0] if domains else self.plan.values().get("myhostname", "localhost")

    def owned_samples(self, limit: int) -> list[tuple[str, str]]:
        """Return the first `limit` keys of the sender map with their first owner (`@domain` as someone@domain)."""
        table = self.plan.sender_map
        if table is None:
            return []
        return [(key if not key.startswith("@") else "someone" + key, table.owners_of(key)[0])
                for key in table.keys[:limit]]

    def compiled(self, parameter: str) -> bool:
        planned = self.plan.parameter(parameter)
        return planned is not None and planned.entries is not None
