"""The one interface every check reads, implemented by each configuration a check can run on.

A check is written once and runs on two hosts (as a flake8 plugin runs in an editor, a hook or
CI without knowing which): the compiled policy (analyze/context.py `AnalysisContext`) and a
deployed configuration, main.cf plus master.cf's smtpd services (audit/context.py
`AuditContext`). A check asks its host for what it needs and words its finding; the host decides
where a finding points (a policy statement, or the main.cf line or master.cf `-o` that wrote the
value) and how a fix is said in its own terms (a policy statement, or a main.cf line).

Postfix runs one configuration per smtpd service: master.cf's `-o name=value` beats main.cf for
that service alone. So most checks read a `Service`, and a host runs them for each of its
services (`Host.per_service`): the compiled policy's are main.cf and each `service` it states, a
deployed configuration's are master.cf's smtpd services. A finding only some services have is
named by them. Checks of what is written, whatever service reads it (parameter names, `$name`
references), read the host's `written()` values instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Protocol

from mailpolicy.frozen import frozen
from mailpolicy.postfix.networks import IPNetwork
from mailpolicy.postfix.restriction_lists import split_list
from mailpolicy.source import Span

if TYPE_CHECKING:
    from mailpolicy.diagnostics import Diagnostic
    from mailpolicy.simulate import PostfixModel


@frozen
class Wording:
    """How a host says what a check found, in its own terms."""

    # Who the open-relay search stands for: the compiled policy says "outside the trusted
    # networks" (its `trusted networks` statement), a deployed main.cf "on the Internet".
    anonymous_client: str
    # What a line did to a parameter a decision read: a statement "decided" it, main.cf "set" it.
    decided: str
    # How to rename a parameter written under a wrong name ({name}, {instead}).
    rename_parameter: str
    # How to say the server runs a newer Postfix than the one checked against.
    newer_postfix: str
    # How clients whose address changes get in instead of being trusted by network.
    log_in_instead: str


@frozen
class TrustedNetwork:
    """One network of mynetworks as written: a `trusted networks` entry, or a network word of main.cf's mynetworks."""

    written: str
    network: IPNetwork
    host_bits: bool  # the address was not the network's own (`192.168.1.5/24`)
    span: Span | None


@frozen
class Written:
    """One parameter value as written: a policy's `set` line, a main.cf definition or a master.cf `-o`."""

    name: str
    value: str
    name_span: Span | None
    value_span: Span | None  # the value's first line (the name's span when the value starts below it)
    pieces: tuple[tuple[str, Span | None], ...]  # each line's part of the value, with its span

    def elements(self) -> Iterator[tuple[str, Span | None]]:
        """Yield each list element as written (unexpanded), with its own span."""
        for text, span in self.pieces:
            for element in split_list(text, references=True):
                if span is None:
                    yield element.text, None
                else:
                    column = span.column + element.offset
                    yield element.text, span.at_column(column, column + len(element.text))


class Owners(Protocol):
    """The sender login map as smtpd reads it: its keys (sorted) and each key's `login[, login...]`."""

    keys: list[str]
    owners: Mapping[str, str]

    def owners_of(self, key: str) -> tuple[str, ...]:
        """Return the logins that own a key."""


class Service(Protocol):
    """What a check reads of one smtpd service's configuration."""

    wording: Wording
    # Whether the open-relay check leaves to MP324 (checks/relay_declaration.py, which both hosts
    # run) the ways to relay that a relay_domains entry alone opens, reported there at the entry.
    # The compiled policy does; a deployed configuration keeps them as MP301 too, because the
    # merge and deploy proofs (maincf/relay_proof.py, deploy/proof.py) read MP301 alone.
    judges_relay_domains: bool

    def reachable_from_outside(self) -> bool:
        """Tell whether clients on the Internet can connect (False for a unix socket or a loopback port)."""

    def model(self) -> PostfixModel:
        """Return the simulator's model of the service (built once, shared by the checks)."""

    def entry_span(self, parameter: str | None, position: int | None) -> Span | None:
        """Return where the restriction at `position` of list `parameter` was decided (None: a default)."""

    def parameter_span(self, name: str, client: str | None = None) -> Span | None:
        """Return where a parameter was decided; for mynetworks and a `client`, the entry that holds it."""

    def element_span(self, parameter: str, written: str) -> Span | None:
        """Return where the list element `written` (as the simulator's words give it) of `parameter` was decided."""

    def fallback_span(self) -> Span | None:
        """Return where a finding about the relay decision as a whole, with no line of its own, goes."""

    def trusted_client(self) -> str:
        """Return a sample client address inside the first trusted network (127.0.0.1 when there is none)."""

    def local_domain(self) -> str:
        """Return a sample domain this server is the final destination of."""

    def owned_samples(self, limit: int) -> list[tuple[str, str]]:
        """Return up to `limit` sample (sender address, login that owns it) pairs of the sender login map."""

    def sender_owners(self) -> Owners | None:
        """Return the owners smtpd_sender_login_maps gives, as far as it can be read (None: no map read)."""

    def own_domains(self) -> list[str]:
        """Return, sorted, the domains whose addresses this server receives or gives owners."""

    def trusted_networks(self) -> tuple[TrustedNetwork, ...]:
        """Return the networks whose clients pass permit_mynetworks (entries that are no network left out)."""

    def backup_domains(self) -> dict[str, Span]:
        """Return the domains the host states it is a backup MX for, with where it says so (none for main.cf)."""

    def compiled(self, parameter: str) -> bool:
        """Tell whether the compiler wrote this list from statements (False for every list of main.cf)."""


class Host(Protocol):
    """A configuration the checks run on: the compiled policy or a deployed main.cf + master.cf."""

    version: str  # the target Postfix version, "3.7"
    wording: Wording

    def written(self) -> tuple[Written, ...]:
        """Return every parameter value the configuration writes, in the order written."""

    def transports(self) -> tuple[str, ...]:
        """Return the master.cf service names, whose per-transport parameters are valid names."""

    def transport_commands(self) -> tuple[tuple[str, str], ...]:
        """Return (name, command) of each master.cf unix service a transport can name; () when master.cf is unknown."""

    def per_service(self, check: Callable[[Service], Iterable[Diagnostic]]) -> Iterator[Diagnostic]:
        """Run a service check on every smtpd service and return its findings, each said once."""

    def proxymap_parameter(self, name: str) -> tuple[str | None, Span | None]:
        """Return a parameter as proxymap(8) reads it, expanded (None: Postfix cannot expand it), and its line.

        proxymap reads main.cf and its own master.cf service's `-o`, never an smtpd service's; the
        line is None for a default.
        """
