"""The configuration one smtpd service really runs with: Postfix's defaults, main.cf, then its -o overrides.

A value is looked up as Postfix looks it up: a `-o name=value` of the service (the last one),
else the last definition in main.cf, else the default of the target version, whose
`${{$compatibility_level} <level ...}` expressions are evaluated against the configuration's
own compatibility_level. Every word of a list value remembers where it was written (the line of
a continued list it stands on, or the `$name` it came from), so a finding about one restriction
points at that restriction's line.
"""

from __future__ import annotations

import functools

import attrs


from mailpolicy.frozen import frozen
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.daemons import (CLEANUP_PARAMETERS, CLEANUP_SERVICE, READ_BY_BOTH, RESOLVER_PARAMETERS,
                                      RESOLVER_SERVICE, SCREEN_PREFIX, SCREEN_SERVICE)
from mailpolicy.postfix.expand import Expander, ExpansionError, reference_sites
from mailpolicy.postfix.main_cf import Definition, MainCf
from mailpolicy.postfix.master_cf import MasterCf, Override, Service
from mailpolicy.postfix.restriction_lists import split_list
from mailpolicy.source import Span

# Defaults postconf computes from the machine (postconf -d prints them as host-dependent); the
# audit must not depend on the machine it runs on, so these expand to nothing unless set.
_HOST_DEPENDENT = frozenset({"myhostname", "mydomain", "mynetworks", "process_id"})


@frozen
class Word:
    """One word of a list value: its text after expansion and where it was written."""

    text: str
    span: Span | None
    via: str | None = None  # the `$name` it was expanded from, when it was


@frozen
class Origin:
    """Where a value was written: a main.cf definition or a master.cf override (None: a default)."""

    definition: Definition | None = None
    override: Override | None = None

    @property
    def name(self) -> str:
        return self.override.name if self.override is not None else self.definition.name

    @property
    def value(self) -> str:
        return self.override.value if self.override is not None else self.definition.value

    @property
    def span(self) -> Span | None:
        """Return the span of the parameter's name."""
        if self.override is not None:
            return self.override.span
        return self.definition.name_span if self.definition is not None else None

    @property
    def value_span(self) -> Span | None:
        """Return the span of the value's first line (the name's span when the value starts below it)."""
        if self.override is not None:
            return self.override.value_span or self.override.span
        if self.definition is not None:
            return self.definition.value_span or self.definition.name_span
        return None

    def pieces(self) -> list[tuple[str, Span | None]]:
        """Return each line's part of the value with its span."""
        if self.override is not None:
            return [(self.override.value, self.override.value_span)]
        if self.definition is None:
            return []
        return _definition_pieces(self.definition)

    def elements(self) -> list[tuple[str, Span | None]]:
        """Return each list element as written (unexpanded), with its span."""
        return [(element, _element_span(span, offset, element))
                for text, span in self.pieces() for offset, element in _elements(text)]


@frozen
class ServiceView:
    """Look up parameters as one smtpd service sees them.

    A parameter smtpd leaves to trivial-rewrite or cleanup (postfix/daemons.py) has the value that
    daemon runs with: main.cf and the `-o` of the rewrite or cleanup service this smtpd asks,
    never this smtpd's own `-o`, which that daemon does not see.
    """

    main: MainCf
    service: Service
    version: str = "3.7"
    resolver: Service | None = None  # the trivial-rewrite service smtpd asks (rewrite_service_name)
    cleanup: Service | None = None  # the cleanup service smtpd hands mail to (cleanup_service_name)
    # For a `pass` smtpd: the postscreen services that hand clients to it (their smtpd_service_name names it).
    screens: tuple[Service, ...] = ()

    @property
    def label(self) -> str:
        return self.service.label

    @property
    def screen(self) -> Service | None:
        """Return the postscreen whose settings the checks read for this smtpd (None: none hands clients to it).

        Of several, one whose PROXY setting lets a client name any address decides what smtpd may be
        told, so it is the one read.
        """
        proxied = [s for s in self.screens if _own(self.main, s, "postscreen_upstream_proxy_protocol") == "haproxy"]
        return (proxied or list(self.screens) or [None])[0]

    def override(self, name: str) -> Override | None:
        """Return the `-o` that sets `name` for this service's mail, whichever daemon reads it (None: main.cf's)."""
        if name in RESOLVER_PARAMETERS:
            return self.resolver.override(name) if self.resolver is not None else None
        if name in CLEANUP_PARAMETERS:
            return self.cleanup.override(name) if self.cleanup is not None else None
        if name.startswith(SCREEN_PREFIX):
            return self.screen.override(name) if self.screen is not None else None
        return self.service.override(name)

    @property
    def overrides(self) -> tuple[Override, ...]:
        """Return every `-o` that applies to this service's mail, each the one `override` finds."""
        found = [*self.service.overrides, *(self.resolver.overrides if self.resolver else ()),
                 *(self.cleanup.overrides if self.cleanup else ()), *(self.screen.overrides if self.screen else ())]
        return tuple(o for o in found if self.override(o.name) is o)

    @property
    def cleanup_overrides(self) -> tuple[Override, ...]:
        """Return the cleanup service's own `-o` of the maps smtpd reads too (READ_BY_BOTH): cleanup rewrites with them."""
        if self.cleanup is None:
            return ()
        return tuple(o for o in self.cleanup.overrides if o.name in READ_BY_BOTH and self.cleanup.override(o.name) is o)

    def origin(self, name: str) -> Origin:
        """Return where the value of `name` was written (an empty Origin for a default)."""
        override = self.override(name)
        if override is not None:
            return Origin(override=override)
        return Origin(definition=self.main.get(name))

    def is_set(self, name: str) -> bool:
        origin = self.origin(name)
        return origin.override is not None or origin.definition is not None

    def raw(self, name: str) -> str | None:
        """Return the unexpanded value of `name`, or None when Postfix does not know it."""
        override = self.override(name)
        if override is not None:
            return override.value
        written = self.main.value(name)
        if written is not None:
            return written
        if name == "mydomain":
            # mail_params.c check_mydomainname(): what follows the first dot of myhostname, else
            # "localdomain"; it depends on the machine only when myhostname does (unset, or naming
            # $mydomain itself, which simulate/config.py follows and this view leaves empty).
            hostname = self.raw("myhostname") or ""
            if hostname and "$" not in hostname:
                _first, dot, rest = hostname.strip().partition(".")
                return rest if dot else "localdomain"
        if name in _HOST_DEPENDENT:
            return ""
        known = pf.parameter(name, self.version)
        return known.default if known is not None else None

    def value(self, name: str) -> str:
        """Return the value of `name` as smtpd uses it, references expanded (empty when unknown)."""
        raw = self.raw(name)
        return self._expand(raw) if raw else ""

    def words(self, name: str) -> tuple[Word, ...]:
        """Return the words of a list value, each with the span it was written at (None for defaults)."""
        origin = self.origin(name)
        if not self.is_set(name):
            return tuple(Word(text, None) for _, text in _elements(self.value(name)))
        found: list[Word] = []
        for element, where in origin.elements():
            if "$" not in element:
                found.append(Word(element, where))
                continue
            for _, part in _elements(self._expand(element)):
                found.append(Word(part, where, element))
        return tuple(found)

    def parameters(self, names: tuple[str, ...] = ()) -> dict[str, str]:
        """Return every parameter main.cf or the service sets, plus `names`, expanded."""
        wanted = dict.fromkeys((*(d.name for d in self.main.definitions),
                                *(o.name for o in self.overrides), *names))
        return {name: self.value(name) for name in wanted}

    @functools.cached_property
    def _expander(self) -> Expander:
        # One per view: it remembers each name's expansion, so a 1,000-long chain or a list of
        # 10,000 `$name` words is expanded once, not once per lookup.
        return Expander(self.raw)

    def _expand(self, text: str) -> str:
        try:
            return self._expander.expand(text)
        except ExpansionError:
            return text  # reported by the definitions check (MP708); the words stay as written


def references(text: str) -> list[str]:
    """Return the parameter names a value refers to with $name, ${name...} or $(name)."""
    return [site.name for site in reference_sites(text)]


def _definition_pieces(definition: Definition) -> list[tuple[str, Span | None]]:
    return list(definition.pieces())


def _element_span(span: Span | None, offset: int, text: str) -> Span | None:
    if span is None:
        return None
    column = span.column + offset
    return span.at_column(column, column + len(text))


def _elements(value: str) -> list[tuple[int, str]]:
    """Split a list value as written into (offset, element); `{...}`, `${...}` and `$(...)` stay whole."""
    return [(element.offset, element.text) for element in split_list(value, references=True)]


def with_helpers(view: ServiceView, master: MasterCf) -> ServiceView:
    """Return the view with the rewrite and cleanup services its smtpd asks, and the postscreen in front of it."""
    found = {}
    for field, (parameter, _default, command) in (("resolver", RESOLVER_SERVICE), ("cleanup", CLEANUP_SERVICE)):
        # The names are smtpd's own (its -o, else main.cf, else Postfix's default).
        name = view.value(parameter).strip()
        found[field] = next((s for s in reversed(master.services)
                             if s.name == name and s.type == "unix" and s.command == command), None)
    if view.service.type == "pass":
        found["screens"] = _screens_of(view, master)
    return attrs.evolve(view, **found)


def _screens_of(view: ServiceView, master: MasterCf) -> tuple[Service, ...]:
    """Return the postscreen services that hand their clients to this `pass` smtpd."""
    parameter, default, command = SCREEN_SERVICE
    return tuple(s for s in master.services if s.type == "inet" and s.command == command
                 and _own(view.main, s, parameter, default) == view.service.name)


def _own(main: MainCf, service: Service, name: str, default: str = "") -> str:
    """Return a parameter as one service reads it: its -o, else main.cf's, else `default`."""
    override = service.override(name)
    return (override.value if override is not None else main.value(name) or default).strip()
