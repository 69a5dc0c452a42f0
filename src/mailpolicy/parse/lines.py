"""Read the common statement lines without lark, by the expressions `patterns.py` composes from the grammar.

A matched line is rebuilt into the subtree lark would have built (same rule and alias names,
same kept tokens, the same positions: a subtree spans its first to its last token) and handed
to the same `StatementBuilder` lark's trees go to, so both paths build equal statements by
construction. `tests/perf/test_fastpath.py` still compares them on statement-shaped lines.
"""

from __future__ import annotations

import functools
import marshal
import re
from array import array
from pathlib import Path

from mailpolicy.parse import generate, sre_code
from mailpolicy.parse import statements as st
from mailpolicy.parse.patterns import (
    Plan, blank_line_head, blank_line_tail, keywords, plan_from_data, statement_pattern, statement_rules,
)
from mailpolicy.parse.statement_builder import Lexeme, StatementBuilder
from mailpolicy.source import Span

# What `LineReader.statements` returns for a line that holds no statement.
EMPTY = ()


@functools.lru_cache(maxsize=None)
def grammar_shape() -> dict:
    """Return the grammar's shape: built with the package when it matches the grammar, else made now (with lark)."""
    from mailpolicy.parse.grammar import grammar_text

    grammar = grammar_text()
    built = built_lines()
    if built is not None:
        return built["shape"]
    try:
        import json  # the shape for another interpreter than the one that built lines.marshal

        shape = json.loads((_BUILT / generate.SHAPE).read_bytes())
        if shape.get("stamp") == generate.shape_stamp(grammar):
            return shape
    except (OSError, ValueError):
        pass
    from mailpolicy.parse.grammar import build_parser

    return generate.shape(build_parser(), grammar)


_BUILT = Path(__file__).with_name(generate.BUILT)


@functools.lru_cache(maxsize=None)
def built_lines() -> dict | None:
    """Return the shape and the composed expressions built with the package (generate.py, lines.marshal),
    or None when there are none for this interpreter and this grammar."""
    from mailpolicy.parse.grammar import grammar_text

    try:
        with open(_BUILT / generate.LINES, "rb") as handle:
            if handle.readline() != generate.lines_header():
                return None
            built = marshal.loads(handle.read())  # one read: marshal.load reads a file piece by piece
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(built, dict) or built.get("shape", {}).get("stamp") != generate.shape_stamp(grammar_text()):
        return None
    sre_code.use(built.get("codes", {}))
    return built


def composed(shape: dict, rule: str, leave_out: frozenset[str] = frozenset()) -> tuple[re.Pattern, Plan]:
    """Return a statement's expression and plan: as built with the package, else composed now."""
    built = built_lines()
    if built is not None and built["shape"] is shape:
        text, plan = built["statements"][generate.composed_key(rule, leave_out)]
        return sre_code.compiled(text), plan_from_data(plan, sre_code.compiled)
    return statement_pattern(shape, rule, leave_out)


class Node:
    """A subtree as lark builds it: the rule (or alias) name, its children, and where it stands."""

    __slots__ = ("tree", "children", "span")

    def __init__(self, tree: str, children: list, span: Span) -> None:
        self.tree, self.children, self.span = tree, children, span


class _Statement:
    """One statement rule's whole-line expression and the plan to rebuild its subtree."""

    def __init__(self, shape: dict, rule: str) -> None:
        self.pattern, self.plan = composed(shape, rule)


class LineReader:
    """Match lines against the statements' expressions, built on first use of each keyword."""

    def __init__(self, shape: dict) -> None:
        self.shape = shape
        self.keywords = keywords(shape)
        self.rules_by_keyword: dict[str, list[str]] = {}
        for keyword, rule in statement_rules(shape):
            self.rules_by_keyword.setdefault(keyword, []).append(rule)
        self.blank = sre_code.compiled(blank_line_head(shape) + blank_line_tail(shape))
        self._statements: dict[str, _Statement] = {}

    def tree(self, line: str, number: int, path: str) -> Node | None:
        """Return the statement subtree of line `number` of `path`, or None when lark must decide."""
        first = line.split(None, 1)[0] if line.strip() else ""
        for rule in self.rules_by_keyword.get(first, ()):
            statement = self._statements.get(rule)
            if statement is None:
                statement = self._statements[rule] = _Statement(self.shape, rule)
            match = statement.pattern.fullmatch(line)
            if match is not None:
                node = rebuild(statement.plan, match, "statement", _Where(path, number))
                return None if self._keyword_in_a_value(node) else node
        return None

    def _keyword_in_a_value(self, node: Node) -> bool:
        # Lark's contextual lexer may read a word spelled like a keyword as that keyword even
        # where the grammar expects a value (states shared between rules): lark decides those.
        for child in node.children:
            if isinstance(child, Lexeme):
                if child.text in self.keywords:
                    return True
            elif self._keyword_in_a_value(child):
                return True
        return False

    def is_blank(self, line: str) -> bool:
        """Tell whether a line holds no statement: blanks and a comment at most."""
        return self.blank.fullmatch(line) is not None


class _Where:
    __slots__ = ("path", "number")

    def __init__(self, path: str, number: int) -> None:
        self.path, self.number = path, number

    def span(self, start: int, end: int) -> Span:
        return Span(self.path, self.number, start + 1, end + 1)


def rebuild(plan: Plan, match: re.Match, group: str | int, where: _Where) -> Node:
    """Return the subtree of `plan` that `match` matched in `group` (columns of line `where`)."""
    if len(plan.alternatives) == 1:
        alternative = plan.alternatives[0]
    else:
        alternative = next(a for a in plan.alternatives if match.start(a.marker) >= 0)
    children: list = []
    _children(alternative.pieces, match, where, children)
    return Node(alternative.tree, children, where.span(*match.span(alternative.group or group)))


def _children(pieces: list, match: re.Match, where: _Where, children: list) -> None:
    """Append the children `pieces` matched: tokens, subtrees, inlined and repeated children, present optionals."""
    for piece in pieces:
        if piece.kind == "token":
            children.append(Lexeme(piece.name, match.group(piece.group), where.span(*match.span(piece.group))))
        elif piece.kind == "rule":
            child = rebuild(piece.plan, match, piece.group, where)
            if piece.plan.expand1 and child.tree == piece.plan.rule and len(child.children) == 1:
                child = child.children[0]
            children.append(child)
        elif piece.kind == "inline":
            children.extend(rebuild(piece.plan, match, piece.group, where).children)
        elif piece.kind == "repeat":
            children.extend(_repeated(piece, match, where))
        elif piece.kind == "optional" and match.start(piece.group) >= 0:
            _children(piece.parts, match, where, children)


def _repeated(piece, match: re.Match, where: _Where) -> list:
    """Return the children of every item of a repetition, each item matched again on its own."""
    text = match.string
    position, end = match.span(piece.group)
    children: list = []
    pattern, alternative = piece.first, piece.plan.alternatives[0]
    while position < end:
        item = pattern.match(text, position, end)
        holder = Plan(piece.name, [alternative])
        children.extend(rebuild(holder, item, 0, where).children)
        position = item.end()
        pattern, alternative = piece.item, piece.plan.alternatives[1]
    return children


@functools.lru_cache(maxsize=None)
def line_reader() -> LineReader:
    return LineReader(grammar_shape())


def build_statement(node: Node, builder: StatementBuilder):
    """Return the statement a rebuilt subtree means, built as lark's tree of the same line would be."""
    children = [build_statement(c, builder) if isinstance(c, Node) else c for c in node.children]
    return builder.rule(node.tree, node.span, children)


@functools.lru_cache(maxsize=None)
def _plain_allow_user() -> tuple:
    """The `allow_user` rule without quoted values; the groups of its login and its addresses."""
    shape = grammar_shape()
    pattern, plan = composed(shape, *generate.PLAIN_ALLOW_USER)
    login, addresses = (p.group for p in plan.alternatives[0].pieces if p.kind != "keyword")
    return pattern, login, addresses, sre_code.compiled(shape["terminals"]["VALUE"]["regex"]), keywords(shape)


class RowCollector:
    """Collect consecutive plain `allow user` lines into `AllowUserRows`, without an object per line.

    The expression is the grammar's `allow_user` rule without quoted values (nearly every line of
    a large policy), so each value is exactly its text.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.pattern, self.login_group, self.addresses_group, self.value_at, self.keywords = _plain_allow_user()
        self._start()

    def _start(self) -> None:
        self.lines, self.starts, self.stops = array("I"), array("I"), array("I")
        self.logins: list[str] = []
        self.login_columns, self.first_address = array("I"), array("I", [0])
        self.addresses: list[str] = []
        self.columns = array("I")

    def take(self, line: str, number: int) -> bool:
        """Collect the line if it is a plain `allow user` statement; False leaves it to the parser."""
        if '"' in line:
            return False
        match = self.pattern.fullmatch(line)
        if match is None:
            return False
        start, end = match.span(self.addresses_group)
        found = [(m.group(), m.start()) for m in self.value_at.finditer(line, start, end)]
        login = match.group(self.login_group)
        if login in self.keywords or any(text in self.keywords for text, _ in found):
            return False  # lark decides (see LineReader._keyword_in_a_value)
        self.lines.append(number)
        self.starts.append(match.start("statement") + 1)
        self.stops.append(end + 1)
        self.logins.append(login)
        self.login_columns.append(match.start(self.login_group) + 1)
        addresses, columns = self.addresses, self.columns
        for text, column in found:
            addresses.append(text)
            columns.append(column + 1)
        self.first_address.append(len(addresses))
        return True

    def flush(self) -> tuple[st.AllowUserRows, ...]:
        """Return the lines collected since the last flush as one statement (none when there are none)."""
        if not self.lines:
            return EMPTY
        rows = st.AllowUserRows(Span(self.path, self.lines[0], self.starts[0], self.stops[0]), self.path,
                                self.lines, self.starts, self.stops, self.logins, self.login_columns,
                                self.first_address, self.addresses, self.columns)
        self._start()
        return (rows,)
