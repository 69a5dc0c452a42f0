"""Expand `$name` references in main.cf values exactly as Postfix does (mac_parse.c, mac_expand.c).

mac_parse.c splits a value into literal text and references: `$$` is a literal `$`; `$name` runs
over ASCII letters, digits and `_`; `${...}` and `$(...)` run to the bracket of the same kind that
balances the opening one (only that kind is counted). A `$` followed by nothing that makes a
name ("empty macro name") and an unclosed `${` ("truncated macro reference") are errors, and
postconf and every daemon that reads the value stop with "fatal: macro processing error".

mac_expand.c gives a reference its meaning: `${name}` (whitespace around the name allowed),
`${name?text}` (text when name is set and not empty), `${name:text}` (text when name is empty or
undefined; nothing otherwise - *not* the value of name), `${name?{text1}:{text2}}`, each operand
optionally in `{}`; and the relational `${{text1} OP {text2} ? {value1} : {value2}}` with OP one
of == != < <= > >= (numbers when both sides are all digits, else text), or the same with `level`
appended (compatibility levels, Postfix 3.6 and later). A relation alone expands to `true` or
nothing. Expansion recurses into looked-up values (MAC_EXP_FLAG_RECURSE) and gives up past 100
nested calls ("unreasonable macro call nesting"): that is how Postfix ends a `$name` cycle such as
`a = $b`, `b = $a`. A name neither set nor known expands to nothing ("undefined parameter").

Bounded cost: the expansion of a name is remembered with the nesting depth it needed, so a
1,000-long chain of references or a "billion laughs" tree is expanded once per name. Postfix has
no limit on the size of a result (it would run out of memory); mailpolicy refuses a result over
MAX_EXPANDED_CHARS with an ExpansionError that says so, an assumption stated in docs/security.md.
"""

from __future__ import annotations

import re
from typing import Callable

from mailpolicy.frozen import frozen

# mac_expand.c: `if (mc->level++ > 100) ... "unreasonable macro call nesting"`.
MAX_DEPTH = 100
# Our own bound (Postfix has none): no real value comes near it; a billion laughs does.
MAX_EXPANDED_CHARS = 1_000_000

# CHARS_SPACE of Postfix (sys_defs.h / stringops.h): what mac_expand skips around names and operands.
_SPACE = " \t\r\n"
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
# `$$` (a literal `$`), or `$` with the name it refers to: `$name`, `${name...}`, `$(name...)`.
_SITE = re.compile(r"\$(?:\$|[{(][ \t\r\n]*([A-Za-z0-9_]+)|([A-Za-z0-9_]+))")
# A reference with no `?`, `:` or relation: `$$`, `$name`, `${ name }`, `$(name)` (mac_parse.c, mac_expand.c).
_PLAIN_REFERENCE = re.compile(r"\$(?:(\$)|([A-Za-z0-9_]+)|\{[ \t\r\n]*([A-Za-z0-9_]+)[ \t\r\n]*\}|\(([A-Za-z0-9_]+)\))")

Lookup = Callable[[str], "str | None"]


class ExpansionError(ValueError):
    """A value Postfix cannot expand either (it stops with a fatal error), or one over our size limit."""

    def __init__(self, message: str, kind: str = "syntax") -> None:
        super().__init__(message)
        self.kind = kind  # "syntax", "cycle" (nesting past MAX_DEPTH) or "size" (our own limit)


class Expander:
    """Expand values against `lookup(name)`, which returns a raw (unexpanded) value or None if undefined."""

    def __init__(self, lookup: Lookup, max_chars: int = MAX_EXPANDED_CHARS) -> None:
        self.lookup = lookup
        self.max_chars = max_chars
        self.undefined: set[str] = set()
        # name -> (expansion, nesting its expansion needed below the reference); lookups are pure.
        self._done: dict[str, tuple[str, int]] = {}
        self.steps = 0  # work done, counted so tests can assert the cost is linear

    def expand(self, text: str) -> str:
        """Return `text` with every reference expanded; raise ExpansionError when Postfix could not."""
        return self._parse(text, 0, ())[0]

    # mac_parse(): literal text and references, each handed to the callback at `level`.
    def _parse(self, text: str, level: int, active: tuple[str, ...]) -> tuple[str, int]:
        out: list[str] = []
        literal: list[str] = []
        height = 0
        size = 0
        i, end = 0, len(text)
        while i < end:
            self.steps += 1
            dollar = text.find("$", i)
            if dollar < 0:
                literal.append(text[i:])
                break
            literal.append(text[i:dollar])
            if text[dollar + 1:dollar + 2] == "$":
                literal.append("$")
                i = dollar + 2
                continue
            if any(literal):
                height = max(height, self._enter(level, text))
                out.append("".join(literal))
            literal = []
            i = dollar + 1
            opener = text[i:i + 1]
            if opener in ("{", "("):
                close = _balanced(text, i)
                if close is None:
                    raise ExpansionError(f"truncated macro reference: `{_short(text)}`: `{opener}` is not closed")
                inner, i = text[i + 1:close], close + 1
            else:
                j = i
                while j < end and text[j] in _NAME_CHARS:
                    j += 1
                inner, i = text[i:j], j
            if not inner:
                raise ExpansionError(f"empty macro name: `{_short(text)}`: a `$` that names no parameter "
                                     "(write `$$` for a literal `$`)")
            piece, used = self._reference(inner, level, active)
            height = max(height, used)
            out.append(piece)
            size += len(piece)
            if size > self.max_chars:
                raise ExpansionError(f"the expansion is over {self.max_chars:,} characters", "size")
        if any(literal):
            height = max(height, self._enter(level, text))
            out.append("".join(literal))
        result = "".join(out)
        if len(result) > self.max_chars:
            raise ExpansionError(f"the expansion is over {self.max_chars:,} characters", "size")
        return result, height

    @staticmethod
    def _enter(level: int, text: str) -> int:
        """Count one callback at `level`; return the nesting it needs (mac_expand: level++ > 100)."""
        if level > MAX_DEPTH:
            raise ExpansionError(f"unreasonable macro call nesting at `{_short(text)}`", "cycle")
        return 1

    # mac_expand_callback() for MAC_PARSE_EXPR: `inner` is the text between the brackets or the name.
    def _reference(self, inner: str, level: int, active: tuple[str, ...]) -> tuple[str, int]:
        self._enter(level, inner)
        here = level + 1
        start = _skip_space(inner, 0)
        if inner.startswith("{", start):
            truth, cp = self._relation(inner, start, active)
            name = None
        else:
            cp = start
            while cp < len(inner) and inner[cp] in _NAME_CHARS:
                cp += 1
            name = inner[start:cp]
            after = _skip_space(inner, cp)
            if after < len(inner) and inner[after] not in "?:":
                what = "a function call" if inner[after] == "{" else "a character that is not in a name"
                raise ExpansionError(f"attribute name syntax error in `${{{_short(inner)}}}`: {what}")
            # An empty name is no error here (mac_expand.c): `${:x}` is x and `${ }` is nothing, as
            # the lookup of "" finds no parameter; only mac_parse's `${}` is "empty macro name".
            cp = after
            truth = None
        operator = inner[cp] if cp < len(inner) else ""
        if operator not in ("", "?", ":"):
            raise ExpansionError(f"`?` or `:` expected in `${{{_short(inner)}}}`")
        cp += 1
        if name is not None:
            value, used = self._name(name, here, active, want_value=operator == "")
            if operator == "":
                return value, used + 1
            truth = bool(value)
        if operator == "?":
            when_true, cp = _operand(inner, cp)
            rest = inner[cp:]
            if rest and not rest.startswith(":"):
                raise ExpansionError(f"`:` expected in `${{{_short(inner)}}}`")
            when_false = None
            if rest:
                when_false, cp = _operand(inner, cp + 1)
                if cp < len(inner):
                    raise ExpansionError(f"unexpected input in `${{{_short(inner)}}}`")
            chosen = when_true if truth else when_false
        elif operator == ":":
            when_false, cp = _operand(inner, cp)
            if cp < len(inner):
                raise ExpansionError(f"unexpected input in `${{{_short(inner)}}}`")
            chosen = None if truth else when_false
        else:  # a relation alone: mac_expand fakes the lookup result "true" or ""
            return ("true" if truth else ""), 1
        if not chosen:
            return "", 1
        value, used = self._parse(chosen, here, active)
        return value, used + 1

    def _name(self, name: str, level: int, active: tuple[str, ...], want_value: bool) -> tuple[str | None, int]:
        """Return the expansion of parameter `name` referenced at `level`, and the nesting it needed."""
        if want_value and name in self._done:
            value, used = self._done[name]
            if level + used - 1 > MAX_DEPTH:
                raise ExpansionError(f"unreasonable macro call nesting at `${name}`", "cycle")
            return value, used
        if not want_value:
            # `${name?...}` tests the raw value (MAC_EXP_MODE_TEST): not expanded, so no cycle through
            # it - `mydomain = ${mydomain?{x}:{y}} example0.com` is "x example0.com" (postconf -x).
            raw = self.lookup(name)
            if raw is None:
                self.undefined.add(name)
            return raw, 0
        if name in active:
            cycle = " -> ".join((*active[active.index(name):], name))
            raise ExpansionError(f"`${name}` refers to itself ({cycle}): unreasonable macro call nesting", "cycle")
        if self._settle(name):
            return self._name(name, level, active, want_value)
        raw = self.lookup(name)
        if raw is None:
            self.undefined.add(name)
            return "", 0
        value, used = self._parse(raw, level, (*active, name))
        self._done[name] = (value, used)
        return value, used

    def _settle(self, root: str) -> bool:
        """Remember `root`'s expansion and nesting when it and all it reaches are plain (no `?`, `:`, relation).

        Such a value's expansion and the nesting it needs do not depend on the level it is
        referenced from, so they are worked out once, bottom-up and without recursion, and a
        1,000-long chain costs 1,000 steps, not 100 per name (the nesting limit then refuses it
        where it is referenced, in `_name`, as "nesting at `$name`"). False, nothing remembered,
        when something reached is not plain, is a cycle, or is over the size limit: the
        recursive walk then reports exactly what Postfix would.
        """
        open_names: set[str] = set()
        stack = [root]
        while stack:
            name = stack[-1]
            if name in self._done:
                stack.pop()
                continue
            raw = self.lookup(name)
            if raw is None:
                return False  # undefined: the recursive walk records it
            pieces = _plain_pieces(raw)
            if pieces is None:
                return False
            pending = [ref for literal, ref in pieces if ref is not None and ref not in self._done
                       and self.lookup(ref) is not None]
            if pending:
                if name in open_names or any(ref in open_names for ref in pending):
                    return False  # a cycle: the recursive walk names it
                open_names.add(name)
                stack.extend(pending)
                continue
            out, used = [], 0
            for literal, ref in pieces:
                self.steps += 1
                if literal:
                    out.append(literal)
                    used = max(used, 1)
                elif ref is not None:
                    if ref not in self._done:
                        self.undefined.add(ref)
                    value, below = self._done.get(ref, ("", 0))
                    out.append(value)
                    used = max(used, below + 1)
            value = "".join(out)
            if len(value) > self.max_chars:
                return False
            self._done[name] = (value, used)
            open_names.discard(name)
            stack.pop()
        return True

    def _relation(self, inner: str, start: int, active: tuple[str, ...]) -> tuple[bool, int]:
        """Evaluate `{left} OP {right}` at `start`; return the truth and the index after it.

        Each operand starts a nesting count of its own, as in Postfix, but not a cycle check of its
        own: a name whose value reaches itself through a relation (`a = ${{$a} == {x} ? ...}`)
        is expanded again inside each fresh count, without end; postconf recurses until it
        crashes (SIGSEGV, measured: tests/maincf/test_reader_cases.py). The names being
        expanded are carried into the operands, so that cycle is refused like any other.
        """
        left, cp = _curly(inner, start)
        operator = next((op for op in _OPERATORS if inner.startswith(op, cp)), None)
        if operator is None:
            raise ExpansionError(f"a comparison operator expected in `${{{_short(inner)}}}`")
        cp += len(operator)
        as_level = inner.startswith("level", cp)
        if as_level:
            cp += len("level")
        cp = _skip_space(inner, cp)
        if not inner.startswith("{", cp):
            raise ExpansionError(f"`{{expression}}` expected in `${{{_short(inner)}}}`")
        right, cp = _curly(inner, cp)
        # mac_exp_parse_relational(): each operand is a mac_expand() of its own (its own nesting count).
        holds = _compare(self._parse(left, 0, active)[0], operator, self._parse(right, 0, active)[0], as_level)
        return holds, cp


@frozen
class Site:
    """A `$name`, `${name...}` or `$(name...)` in a value as written: the name and the reference's offsets."""

    name: str
    start: int
    end: int


def _plain_pieces(text: str) -> list[tuple[str, str | None]] | None:
    """Split a value into (literal, None) and ("", name) pieces, or None when it holds more than plain references."""
    pieces: list[tuple[str, str | None]] = []
    literal: list[str] = []
    at = 0
    for match in _PLAIN_REFERENCE.finditer(text):
        between = text[at:match.start()]
        if "$" in between:
            return None
        literal.append(between)
        at = match.end()
        if match.group(1):
            literal.append("$")
            continue
        if any(literal):
            pieces.append(("".join(literal), None))
        literal = []
        pieces.append(("", match.group(2) or match.group(3) or match.group(4)))
    if "$" in text[at:]:
        return None
    literal.append(text[at:])
    if any(literal):
        pieces.append(("".join(literal), None))
    return pieces


def reference_sites(text: str) -> list[Site]:
    """Return each reference to a parameter in a value, in order; `$$` is a literal `$` and names nothing."""
    return [Site(match.group(1) or match.group(2), match.start(), match.end()) for match in _SITE.finditer(text)
            if (match.group(1) or match.group(2)) is not None]


def _balanced(text: str, start: int) -> int | None:
    """mac_parse(): the index of the bracket closing text[start], counting only that kind of bracket."""
    opener = text[start]
    closer = "}" if opener == "{" else ")"
    depth = 0
    for index in range(start, len(text)):
        ch = text[index]
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return index
    return None


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in _SPACE:
        index += 1
    return index


def _curly(text: str, start: int) -> tuple[str, int]:
    """mac_exp_extract_curly_payload(): the text of `{...}` at `start`, and the index after the space behind it."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:index], _skip_space(text, index + 1)
    raise ExpansionError(f"unbalanced {{}} in `{_short(text)}`")


def _operand(text: str, start: int) -> tuple[str, int]:
    """Return a `?`/`:` operand: `{...}` after optional space, else the rest of the text."""
    brace = _skip_space(text, start)
    if text.startswith("{", brace):
        return _curly(text, brace)
    return text[start:], len(text)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


_LEVEL_PART = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def _level(text: str) -> tuple[int, ...]:
    """Return a compatibility level (`3.6`, `2`, `3.6.1`) as a comparable tuple.

    compat_level.c (compat_level_from_string): one to three strtol() numbers joined by dots,
    nothing else; an empty operand is "malformed compatibility level syntax", fatal to postconf.
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 3 or not all(_LEVEL_PART.fullmatch(part) for part in parts):
        raise ExpansionError(f"malformed compatibility level syntax: `{_short(text)}`")
    numbers = tuple(int(part) for part in parts)
    if any(number < 0 for number in numbers):
        raise ExpansionError(f"malformed compatibility level syntax: `{_short(text)}`")
    return numbers


def _compare(left: str, operator: str, right: str, as_level: bool) -> bool:
    if as_level:
        a, b = _level(left), _level(right)
        width = max(len(a), len(b))
        a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    elif left.isascii() and right.isascii() and left.isdigit() and right.isdigit():
        a, b = int(left), int(right)
    else:
        # postconf(5): "numerical when both operands are all digits, otherwise lexicographical"
        # (measured on 3.7.11: {010} == {10} holds, {10} < {9x} holds).
        a, b = left, right
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]
