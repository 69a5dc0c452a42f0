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


from mailpolicy.frozen import frozen
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError, reference_sites
from mailpolicy.postfix.main_cf import Definition, MainCf
from mailpolicy.postfix.master_cf import Override, Service
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
    """Look up parameters as one smtpd service sees them."""

    main: MainCf
    service: Service
    version: str = "3.7"

    @property
    def label(self) -> str:
        return self.service.label

    def origin(self, name: str) -> Origin:
        """Return where the value of `name` was written (an empty Origin for a default)."""
        override = self.service.override(name)
        if override is not None:
            return Origin(override=override)
        return Origin(definition=self.main.get(name))

    def is_set(self, name: str) -> bool:
        origin = self.origin(name)
        return origin.override is not None or origin.definition is not None

    def raw(self, name: str) -> str | None:
        """Return the unexpanded value of `name`, or None when Postfix does not know it."""
        override = self.service.override(name)
        if override is not None:
            return override.value
        written = self.main.value(name)
        if written is not None:
            return written
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
                                *(o.name for o in self.service.overrides), *names))
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
