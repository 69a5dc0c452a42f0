"""One smtpd service of a deployed configuration, as the checks read it (checks/host.py `Service`).

What it reads is what the service runs with: main.cf's values under the service's master.cf
`-o` overrides, over Postfix's defaults (audit/effective.py). A finding points at the line that
wrote what the check read: a restriction on its own line of a continued list, the `-o` that set
a list, the mynetworks entry that holds a client (audit/simulation.py).
"""

from __future__ import annotations

import attrs

from mailpolicy.audit import simulation
from mailpolicy.audit.context import WORDING, AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.login_owners import LoginOwners, login_owners
from mailpolicy.checks.host import TrustedNetwork
from mailpolicy.checks.samples import LOOPBACK_CLIENT
from mailpolicy.frozen import frozen
from mailpolicy.model import values
from mailpolicy.simulate import PostfixModel
from mailpolicy.source import Span


@frozen
class DeployedService:
    ctx: AuditContext
    view: ServiceView
    # parameter -> {word as written: its first span}: MP324 asks for one span per relay_domains
    # entry, and a 10,000-entry list re-split for each was 10^8 steps (issue 19's benchmark).
    _spans: dict = attrs.field(factory=dict, init=False, eq=False, repr=False)

    wording = WORDING
    # audit/run.py runs MP324 too, but the merge proof (maincf/relay_proof.py, deploy) keeps only MP301:
    # a relay_domains entry that relays must stay an MP301 there.
    judges_relay_domains = False

    @property
    def label(self) -> str:
        return self.view.label

    def model(self) -> PostfixModel:
        return simulation.model_for(self.ctx, self.view)

    def entry_span(self, parameter: str | None, position: int | None) -> Span | None:
        return simulation.entry_span(self.ctx, self.view, parameter, position)

    def reachable_from_outside(self) -> bool:
        return simulation.reachable_from_outside(self.view)

    def parameter_span(self, name: str, client: str | None = None) -> Span | None:
        return simulation.source_span(self.view, name, client)

    def element_span(self, parameter: str, written: str) -> Span | None:
        """Return the line of the word `written` of a list (its `$name`'s line when it came from one)."""
        spans = self._spans.get(parameter)
        if spans is None:
            spans = self._spans[parameter] = {}
            for word in self.view.words(parameter):
                spans.setdefault(word.text, word.span)
        span = spans.get(written)
        if span is not None:
            return span
        return self.view.origin(parameter).span

    def fallback_span(self) -> Span | None:
        return simulation.fallback_span(self.ctx, self.view)

    def trusted_client(self) -> str:
        """Return an address inside the first mynetworks network (127.0.0.1 when there is none)."""
        for word in self.view.words("mynetworks"):
            try:
                network = values.network(word.text).network
            except values.ValueProblem:
                continue
            return str(network.network_address + 1) if network.num_addresses > 2 else str(network.network_address)
        return LOOPBACK_CLIENT

    def local_domain(self) -> str:
        """Return the first mydestination entry that is a domain (localhost when none is)."""
        for word in self.view.words("mydestination"):
            try:
                return values.domain(word.text)
            except values.ValueProblem:
                continue
        return "localhost"

    def owned_samples(self, limit: int) -> list[tuple[str, str]]:
        """Return up to `limit` (address, login) pairs of the readable login maps."""
        owned = [(o.address if not o.address.startswith("@") else "someone" + o.address, o.login)
                 for table in self.ctx.login_tables for o in table.owners]
        return owned[:limit]

    def sender_owners(self) -> LoginOwners | None:
        """Return the owners of the readable login tables this service names, the first table's owner first."""
        return login_owners(self.ctx, self.view)

    def own_domains(self) -> list[str]:
        """Return the domains of the login map's keys and of mydestination and the virtual domain lists."""
        found = {key.rpartition("@")[2] for key in (self.sender_owners() or LoginOwners([], {})).keys}
        for parameter in ("mydestination", "virtual_alias_domains", "virtual_mailbox_domains"):
            for word in self.view.words(parameter):
                try:
                    found.add(values.domain(word.text).lower())
                except values.ValueProblem:
                    continue  # a $name, table or file: not a domain of its own
        return sorted(found)

    def trusted_networks(self) -> tuple[TrustedNetwork, ...]:
        """Return mynetworks' network words; a `/file`, `type:table`, `!pattern` or host name Postfix reads at run time."""
        found = []
        for word in self.view.words("mynetworks"):
            try:
                parsed = values.network(word.text)
            except values.ValueProblem:
                continue  # not a network (MP7xx reports a broken address: audit/networks.py)
            found.append(TrustedNetwork(word.text, parsed.network, parsed.host_bits, word.span))
        return tuple(found)

    def backup_domains(self) -> dict[str, Span]:
        return {}  # main.cf says what it relays for, not why: MP324 judges every relay_domains entry

    def compiled(self, parameter: str) -> bool:
        return False  # nothing in main.cf was written by the compiler's rules
