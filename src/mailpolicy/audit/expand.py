"""Expand `$name` references in main.cf values the way Postfix does (postconf(5), "parameter expansion").

Forms: `$name`, `${name}`, `$(name)`; `${name?value}` (value when name is not empty),
`${name:value}` (value when name is empty), each value optionally in `{}`;
`${name?{value1}:{value2}}`; and the Postfix 3.0 relational form
`${{text1} OP {text2} ? {value1} : {value2}}` with OP one of `==` `!=` `<` `<=` `>` `>=` (as numbers
when both are all digits, else as text) or the same with `level` appended (compatibility levels such as 3.6, Postfix 3.6 and later).
`$$` is a literal `$`. Postfix's own defaults use the relational form, e.g. smtpd_relay_restrictions
is `${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, ...}}`, so evaluating a default
needs this too. A name that is neither set nor known expands to nothing, as in Postfix (which
warns "undefined parameter"); the names met are collected for the audit to report.
"""

from __future__ import annotations

import re
from typing import Callable

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import closing_bracket

# Postfix gives up on references nested deeper than this (mac_expand: "unreasonable macro call nesting").
MAX_DEPTH = 100

_NAME = re.compile(r"[A-Za-z0-9_]+")
_RELATION = re.compile(r"\s*(==|!=|<=|>=|<|>)(level)?\s*")
_CLOSE = {"{": "}", "(": ")"}
# `$$` (a literal `$`), or `$` with the name it refers to: `$name`, `${name...}`, `$(name...)`.
_SITE = re.compile(r"\$(?:\$|[{(]?([A-Za-z0-9_]+))")

Lookup = Callable[[str], "str | None"]


class ExpansionError(ValueError):
    """A value Postfix could not expand either: an unclosed `${`, a malformed condition, a loop."""


class Expander:
    """Expand values against `lookup(name)`, which returns a raw (unexpanded) value or None if undefined."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.undefined: set[str] = set()

    def expand(self, text: str) -> str:
        """Return `text` with every reference expanded; raise ExpansionError when Postfix could not."""
        return self._expand(text, 0, ())

    def _expand(self, text: str, depth: int, active: tuple[str, ...]) -> str:
        if depth > MAX_DEPTH:
            raise ExpansionError("references nest deeper than Postfix allows")
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch != "$":
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1:i + 2]
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt in _CLOSE:
                end = matching(text, i + 1)
                out.append(self._braced(text[i + 2:end], depth, active))
                i = end + 1
            else:
                match = _NAME.match(text, i + 1)
                if match is None:
                    out.append("$")  # a lone `$` stays as written
                    i += 1
                    continue
                out.append(self._value(match.group(), depth, active))
                i = match.end()
        return "".join(out)

    def _value(self, name: str, depth: int, active: tuple[str, ...]) -> str:
        if name in active:
            raise ExpansionError(f"`${name}` refers to itself through " + " -> ".join((*active, name)))
        raw = self.lookup(name)
        if raw is None:
            self.undefined.add(name)
            return ""
        return self._expand(raw, depth + 1, (*active, name))

    def _braced(self, inner: str, depth: int, active: tuple[str, ...]) -> str:
        if inner.startswith("{"):
            return self._relation(inner, depth, active)
        match = _NAME.match(inner)
        if match is None:
            raise ExpansionError(f"`${{{inner}}}` does not start with a parameter name")
        name, rest = match.group(), inner[match.end():]
        if not rest:
            return self._value(name, depth, active)
        value = self._value(name, depth, active)
        operator, rest = rest[0], rest[1:]
        if operator not in "?:":
            raise ExpansionError(f"`${{{inner}}}`: expected `?` or `:` after {name}")
        if operator == "?" and rest.startswith("{"):
            first_end = matching(rest, 0)
            when_set, tail = rest[1:first_end], rest[first_end + 1:].strip()
            if tail:
                if not (tail.startswith(":") and tail[1:].strip().startswith("{")):
                    raise ExpansionError(f"`${{{inner}}}`: expected `:{{value}}` after `?{{value}}`")
                when_empty = _unbrace(tail[1:].strip())
                return self._expand(when_set if value else when_empty, depth + 1, active)
            return self._expand(when_set, depth + 1, active) if value else ""
        chosen = _unbrace(rest) if rest.startswith("{") else rest
        if (operator == "?") == bool(value):
            return self._expand(chosen, depth + 1, active)
        return "" if operator == "?" else value

    def _relation(self, inner: str, depth: int, active: tuple[str, ...]) -> str:
        left_end = matching(inner, 0)
        left = self._expand(inner[1:left_end], depth + 1, active).strip()
        match = _RELATION.match(inner, left_end + 1)
        if match is None:
            raise ExpansionError(f"`${{{inner}}}`: expected a comparison after the first operand")
        rest = inner[match.end():]
        if not rest.startswith("{"):
            raise ExpansionError(f"`${{{inner}}}`: the second operand must be in {{}}")
        right_end = matching(rest, 0)
        right = self._expand(rest[1:right_end], depth + 1, active).strip()
        choice = rest[right_end + 1:].strip()
        if not choice.startswith("?"):
            raise ExpansionError(f"`${{{inner}}}`: expected `? {{value}} : {{value}}`")
        choice = choice[1:].strip()
        true_end = matching(choice, 0) if choice.startswith("{") else -1
        if true_end < 0:
            raise ExpansionError(f"`${{{inner}}}`: the values must be in {{}}")
        when_true, tail = choice[1:true_end], choice[true_end + 1:].strip()
        when_false = _unbrace(tail[1:].strip()) if tail.startswith(":") else ""
        holds = _compare(left, match.group(1), right, bool(match.group(2)))
        return self._expand(when_true if holds else when_false, depth + 1, active)


@frozen
class Site:
    """A `$name`, `${name...}` or `$(name...)` in a value as written: the name and the reference's offsets."""

    name: str
    start: int
    end: int


def reference_sites(text: str) -> list[Site]:
    """Return each reference to a parameter in a value, in order; `$$` is a literal `$` and names nothing."""
    return [Site(match.group(1), match.start(), match.end()) for match in _SITE.finditer(text)
            if match.group(1) is not None]


def matching(text: str, start: int) -> int:
    """Return the index of the bracket closing the one at `start`."""
    end = closing_bracket(text, start)
    if end is None:
        raise ExpansionError(f"`{text[start:]}`: `{text[start]}` is not closed")
    return end


def _unbrace(text: str) -> str:
    text = text.strip()
    if text.startswith("{"):
        end = matching(text, 0)
        return text[1:end]
    return text


def _level(text: str) -> tuple[int, ...]:
    """Return a compatibility level (`3.6`, `2`, `3.6.1`) as a comparable tuple."""
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        raise ExpansionError(f"`{text}` is not a compatibility level") from None


def _compare(left: str, operator: str, right: str, as_level: bool) -> bool:
    if as_level:
        a, b = _level(left or "0"), _level(right or "0")
        width = max(len(a), len(b))
        a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    elif left.isdigit() and right.isdigit():
        a, b = int(left), int(right)
    else:
        # postconf(5): "numerical when both operands are all digits, otherwise lexicographical"
        # (measured on 3.7.11: {010} == {10} holds, {10} < {9x} holds).
        a, b = left, right
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
