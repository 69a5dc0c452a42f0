"""Find the grammar and lark's parser for it: the tables built with the package, or built now.

The LALR tables are built once, when the package is built (`generate.py`, run by
`hatch_build.py`), written by lark's public `Lark.save` and read here by `Lark.load`: building
them takes about 150 ms, loading them about 2 ms. They are used only when their stamp says they
were built from this grammar with this lark; otherwise (a grammar edited since the last
install, a different lark) the parser is built in memory from the grammar, so a stale file can
cost time, never correctness. Nothing is cached at run time, so no file outside the package is
ever read as a parser.
"""

from __future__ import annotations

import functools
from pathlib import Path

from mailpolicy.parse import generate
from mailpolicy.parse.statement_builder import Lexeme, StatementBuilder
from mailpolicy.source import Span

GRAMMAR_NAME = "mailpolicy.lark"


def grammar_path() -> Path:
    """Return the grammar file: beside this module when installed, else the repository's grammar/."""
    installed = Path(__file__).with_name(GRAMMAR_NAME)
    if installed.is_file():
        return installed
    return Path(__file__).resolve().parents[3] / "grammar" / GRAMMAR_NAME


@functools.lru_cache(maxsize=None)
def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def build_parser():
    """Return lark's parser for the grammar: the built tables when they match it, else built now."""
    grammar = grammar_text()
    tables = built_tables()
    if tables is not None:
        from lark import Lark

        with open(tables, "rb") as handle:
            if handle.readline().rstrip(b"\n") == generate.tables_stamp(grammar).encode("ascii"):
                return Lark.load(handle)
    return generate.build_parser(grammar)


def built_tables() -> Path | None:
    """Return the tables file built with the package, if there is one."""
    path = Path(__file__).with_name(generate.BUILT) / generate.TABLES
    return path if path.is_file() else None


@functools.lru_cache(maxsize=None)
def _lark_trees():
    from lark import Token, Transformer

    class LarkTrees(Transformer):
        """Hand each subtree of lark's tree for one line to the `StatementBuilder`, with the line's number."""

        def __init__(self, path: str, number: int) -> None:
            super().__init__()
            self.path, self.number, self.builder = path, number, StatementBuilder()

        def __default__(self, data, children, meta):
            end = meta.end_column if meta.end_line == meta.line else None
            return self.builder.rule(str(data), Span(self.path, self.number, meta.column, end), children)

        def __default_token__(self, token: Token) -> Lexeme:
            end = token.end_column if token.end_line == token.line else None
            return Lexeme(token.type, str(token), Span(self.path, self.number, token.column, end))

    return LarkTrees


def parse_line_with_lark(line: str, number: int, path: str) -> list:
    """Return the statements of one line as lark parses it; lark's own error when it does not."""
    return _lark_trees()(path, number).transform(build_parser().parse(line + "\n"))
