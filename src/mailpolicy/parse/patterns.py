"""Regular expressions for whole statement lines, composed from the grammar's compiled rules.

`mailpolicy check` runs on every commit and a typical policy is a dozen lines; a large site
writes a million `allow user` lines. Importing lark, loading its tables and lexing each line
with it cost more than everything else either does, so the common lines are matched by
regular expressions instead. They are not written by hand: `generate.py` stores the grammar's
rules and terminals as lark compiled them (`shape.json`, built with the package) and this
module composes, for each statement rule, one expression with a named group per child, and a
`Plan` that says which group holds which child, so `lines.py` can rebuild the tree lark would
have built.

The expressions accept a subset of what the grammar accepts, never more:
- tokens that are both words are separated by blanks (lark would also split `"a"as`); around a
  punctuation keyword (`,`, `=`) blanks are optional, as the value terminals exclude those
  characters;
- a repetition (lark's `__x_star_n` rules, left-recursive) becomes a regex repetition whose items
  are found again by matching the item's own expression one after the other;
- lark's contextual lexer may read a keyword where the grammar expects a value (`sasl bob as`):
  `lines.py` leaves every line with a token spelled like a keyword to lark.
A line these do not match goes to lark, which decides and reports it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

_PUNCTUATION = re.compile(r"\W+")


class Piece:
    """One symbol of an alternative: a keyword (left out of the tree), a token, a subtree, or inlined children."""

    __slots__ = ("kind", "name", "group", "plan", "first", "item", "parts")

    def __init__(self, kind: str, name: str, group: str | None = None) -> None:
        self.kind, self.name, self.group = kind, name, group
        self.plan: Plan | None = None        # for a subtree or inlined rule: its alternatives
        self.first: re.Pattern | None = None  # for a repetition: its first item and
        self.item: re.Pattern | None = None   # every further item, each with its own plan
        self.parts: list[Piece] = []          # for an optional run: its pieces (group: present)
        # (set by `Composer._repetition`)


class Alternative:
    """One alternative of a rule: its tree name, its pieces, and the group that tells it matched."""

    __slots__ = ("tree", "group", "pieces", "marker")

    def __init__(self, tree: str, group: str | None, pieces: list[Piece], marker: str | None = None) -> None:
        self.tree, self.group, self.pieces = tree, group, pieces
        self.marker = marker or group


class Plan:
    """How to rebuild a rule's subtree from a match: which alternative matched, then its pieces."""

    __slots__ = ("rule", "alternatives", "expand1")

    def __init__(self, rule: str, alternatives: list[Alternative], expand1: bool = False) -> None:
        self.rule, self.alternatives, self.expand1 = rule, alternatives, expand1


class Composer:
    """Compose expressions from one grammar shape (`generate.shape`)."""

    def __init__(self, shape: dict, leave_out: frozenset[str] = frozenset()) -> None:
        self.rules: dict[str, list] = shape["rules"]
        self.terminals: dict[str, dict] = shape["terminals"]
        self.leave_out = leave_out   # token terminals not to match (e.g. STRING, for the plain rows)
        self.expand1 = frozenset(shape.get("expand1", ()))  # `?rule`s: a single child replaces the subtree
        self._count = 0

    # --- the pieces of the grammar -------------------------------------------------------------
    def terminal(self, name: str) -> str:
        terminal = self.terminals[name]
        flags = "".join(terminal["flags"])
        if flags:
            return f"(?{flags}:{terminal['regex']})"
        # A keyword or a terminal without alternatives stands bare (a smaller expression compiles faster).
        return terminal["regex"] if "|" not in terminal["regex"] else f"(?:{terminal['regex']})"

    def is_punctuation(self, name: str) -> bool:
        terminal = self.terminals[name]
        return terminal["kind"] == "str" and bool(_PUNCTUATION.fullmatch(terminal["pattern"]))

    def edge(self, symbols: list, last: bool, seen: frozenset = frozenset()) -> set[str]:
        """Return the terminals a sequence of symbols can begin (or, with `last`, end) with."""
        if not symbols:
            return set()
        symbol = symbols[-1 if last else 0]
        if symbol[0] == "optional":  # absent, the symbol beside it is the edge too
            rest = symbols[:-1] if last else symbols[1:]
            return self.edge(list(symbol[1]), last, seen) | self.edge(rest, last, seen)
        kind, name = symbol
        if kind in ("keyword", "token"):
            return {name}
        if name in seen:
            return set()
        found: set[str] = set()
        for alternative in self.rules[name]:
            found |= self.edge(alternative["symbols"], last, seen | {name})
        return found

    def separator(self, before: list, after: list) -> str:
        """Blanks between two symbols: optional only when every pair that can meet has a punctuation keyword."""
        ends, begins = self.edge(before, True), self.edge(after, False)
        if ends and begins and all(self.is_punctuation(e) or self.is_punctuation(b) for e in ends for b in begins):
            return "[ \t]*"
        return "[ \t]+"

    # --- composing ------------------------------------------------------------------------------
    def group(self) -> str:
        self._count += 1
        return f"g{self._count}"

    def rule(self, name: str, named: bool) -> tuple[str, Plan]:
        """Return the expression for a rule (its alternatives) and the plan to rebuild its subtree."""
        alternatives = self.rules[name]
        recursive = [a for a in alternatives if a["symbols"][:1] == [["inline", name]]]
        if recursive:
            raise ValueError(f"{name}: a left-recursive rule is only composed as a repetition")
        parts, plans = [], []
        merged = _merge_optionals([(a["tree"], [tuple(s) for s in a["symbols"]]) for a in alternatives])
        for tree, symbols in merged:
            body, pieces = self.sequence(symbols, named)
            # Which alternative matched is told by a group of its own pieces when it has one (fewer
            # groups compile faster); an alternative of keywords only gets a group around it.
            # An optional piece's group is no marker: absent, it would say the alternative did not match.
            own = next((piece.group for piece in pieces if piece.group and piece.kind != "optional"), None)
            group = self.group() if named and len(merged) > 1 and own is None else None
            parts.append(f"(?P<{group}>{body})" if group else f"(?:{body})")
            plans.append(Alternative(tree, group, pieces, own))
        return "(?:" + "|".join(parts) + ")", Plan(name, plans, name in self.expand1)

    def sequence(self, symbols: list, named: bool) -> tuple[str, list[Piece]]:
        out, pieces = [], []
        for index, symbol in enumerate(symbols):
            blanks = self.separator(symbols[:index], symbols[index:]) if index else ""
            if symbol[0] == "optional":
                body, inner = self.sequence(list(symbol[1]), named)
                piece = Piece("optional", "")
                piece.parts = inner
                piece.group = next((p.group for p in inner if p.group), None)
                if named and piece.group is None:
                    piece.group = self.group()
                    out.append(f"(?P<{piece.group}>{blanks}{body})?")
                else:
                    out.append(f"(?:{blanks}{body})?")
                pieces.append(piece)
                continue
            text, piece = self.symbol(symbol[0], symbol[1], named)
            out.append(blanks + text)
            pieces.append(piece)
        return "".join(out), pieces

    def symbol(self, kind: str, name: str, named: bool) -> tuple[str, Piece]:
        if kind == "keyword":
            return self.terminal(name), Piece(kind, name)
        if kind == "token":
            if name in self.leave_out:
                return "(?!)", Piece(kind, name)
            group = self.group() if named else None
            text = self.terminal(name)
            return (f"(?P<{group}>{text})" if group else text), Piece(kind, name, group)
        if kind == "inline" and any(a["symbols"][:1] == [["inline", name]] for a in self.rules[name]):
            return self._repetition(name, named)
        body, plan = self.rule(name, named)
        group = self.group() if named else None
        piece = Piece(kind, name, group)
        piece.plan = plan
        return (f"(?P<{group}>{body})" if group else body), piece

    def _repetition(self, name: str, named: bool) -> tuple[str, Piece]:
        """Compose `X: a | X b` (lark's `*` and `+`) as `a (b)*`; its items are matched again one by one."""
        bases = [a["symbols"] for a in self.rules[name] if a["symbols"][:1] != [["inline", name]]]
        steps = [a["symbols"][1:] for a in self.rules[name] if a["symbols"][:1] == [["inline", name]]]
        base = "|".join(self.sequence(symbols, False)[0] for symbols in bases)
        step = "|".join(self.separator(bases[0], symbols) + self.sequence(symbols, False)[0] for symbols in steps)
        group = self.group() if named else None
        piece = Piece("repeat", name, group)
        if named:
            piece.first, first_plan = self._items(bases, "")
            piece.item, item_plan = self._items(steps, self.separator(bases[0], steps[0]))
            piece.plan = Plan(name, [first_plan, item_plan])
        text = f"(?:{base})(?:{step})*"
        return (f"(?P<{group}>{text})" if group else text), piece

    def _items(self, alternatives: list, lead: str) -> tuple[re.Pattern, Alternative]:
        if len(alternatives) != 1:
            raise ValueError("a repetition of several alternatives is not composed")
        key = (repr(alternatives[0]), lead, self.leave_out, id(self.rules))
        if key not in _ITEMS:  # the same list item in many statements is compiled once
            inner = Composer({"rules": self.rules, "terminals": self.terminals}, self.leave_out)
            body, pieces = inner.sequence(alternatives[0], True)
            # The rules are kept with the entry, so their id is not reused while the entry lives.
            _ITEMS[key] = self.rules, re.compile(lead + body), Alternative("", None, pieces)
        return _ITEMS[key][1:]


_ITEMS: dict[tuple, tuple] = {}


def _merge_optionals(alternatives: list) -> list:
    """Fold alternatives lark made of an optional part back into one: `X R Y` and `X Y` become `X [R] Y`.

    lark expands `a b? c` into two alternatives (maybe_placeholders off); composed apart, each
    statement with optional parts repeats its whole expression per combination, which compiles
    slowly. Only alternatives with the same tree name and a common first symbol are folded.
    """
    merged = list(alternatives)
    changed = True
    while changed:
        changed = False
        for i, (tree, longer) in enumerate(merged):
            for j, (other_tree, shorter) in enumerate(merged):
                if i == j or tree != other_tree or len(longer) <= len(shorter):
                    continue
                size = len(longer) - len(shorter)
                for start in range(1, len(shorter) + 1):
                    if longer[:start] == shorter[:start] and longer[start + size:] == shorter[start:]:
                        folded = [*longer[:start], ("optional", tuple(longer[start:start + size])), *longer[start + size:]]
                        merged = [a for k, a in enumerate(merged) if k not in (i, j)]
                        merged.insert(min(i, j), (tree, folded))
                        changed = True
                        break
                if changed:
                    break
            if changed:
                break
    return merged


def statement_pattern(shape: dict, rule: str, leave_out: frozenset[str] = frozenset()) -> tuple[re.Pattern, Plan]:
    """Return the whole-line expression of one statement (indentation, the statement in group
    `statement`, then blanks and a comment, as the grammar ignores them) and its plan."""
    text, plan = statement_text(shape, rule, leave_out)
    return re.compile(text), plan


def statement_text(shape: dict, rule: str, leave_out: frozenset[str] = frozenset()) -> tuple[str, Plan]:
    """Return `statement_pattern`'s expression as text, and its plan."""
    composer = Composer(shape, leave_out)
    body, plan = composer.rule(rule, True)
    return f"{blank_line_head(shape)}(?P<statement>{body}){blank_line_tail(shape)}", plan


# A plan as plain data (lists, strings), so the plans composed when the package is built can be
# stored with it (generate.py) and rebuilt at start-up without composing again.
def plan_data(plan: Plan) -> list:
    return [plan.rule, plan.expand1, [[a.tree, a.group, a.marker, [_piece_data(p) for p in a.pieces]]
                                      for a in plan.alternatives]]


def _piece_data(piece: Piece) -> list:
    return [piece.kind, piece.name, piece.group, plan_data(piece.plan) if piece.plan else None,
            piece.first.pattern if piece.first else None, piece.item.pattern if piece.item else None,
            [_piece_data(p) for p in piece.parts]]


def plan_from_data(data: list, compile: Callable[[str], re.Pattern | None] = re.compile) -> Plan:
    """Return the plan `plan_data` gave; `compile` makes its repetitions' expressions (sre_code.compiled)."""
    rule, expand1, alternatives = data
    return Plan(rule, [Alternative(tree, group, [_piece_from_data(p, compile) for p in pieces], marker)
                       for tree, group, marker, pieces in alternatives], expand1)


def _piece_from_data(data: list, compile: Callable[[str], re.Pattern | None]) -> Piece:
    kind, name, group, plan, first, item, parts = data
    piece = Piece(kind, name, group)
    piece.plan = plan_from_data(plan, compile) if plan else None
    piece.first = compile(first) if first is not None else None
    piece.item = compile(item) if item is not None else None
    piece.parts = [_piece_from_data(p, compile) for p in parts]
    return piece


def blank_line_head(shape: dict) -> str:
    return "".join(f"(?:{shape['terminals'][name]['regex']})?" for name in shape["ignore"] if _blanks(shape, name))


def blank_line_tail(shape: dict) -> str:
    """Blanks, then a comment, then blanks: what may follow the statement on its line."""
    blanks = [shape["terminals"][name]["regex"] for name in shape["ignore"] if _blanks(shape, name)]
    others = [shape["terminals"][name]["regex"] for name in shape["ignore"] if not _blanks(shape, name)]
    space = "".join(f"(?:{b})?" for b in blanks)
    return space + "".join(f"(?:{o})?" for o in others) + space


def _blanks(shape: dict, name: str) -> bool:
    return re.fullmatch(shape["terminals"][name]["regex"], " \t") is not None


def keywords(shape: dict) -> frozenset[str]:
    """Return the grammar's keywords that are words (a value spelled like one is left to lark)."""
    return frozenset(t["pattern"] for t in shape["terminals"].values()
                     if t["kind"] == "str" and not _PUNCTUATION.fullmatch(t["pattern"]))


def statement_rules(shape: dict) -> Iterator[tuple[str, str]]:
    """Return each statement rule with the keyword every one of its alternatives begins with."""
    for rule in shape["statements"]:
        firsts = {a["symbols"][0][1] for a in shape["rules"][rule]}
        for name in firsts:
            yield shape["terminals"][name]["pattern"], rule
