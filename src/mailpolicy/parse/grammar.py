"""Find the grammar file and build the LALR parser once per process."""

from __future__ import annotations

import functools
from pathlib import Path

from lark import Lark

GRAMMAR_NAME = "mailpolicy.lark"


def grammar_path() -> Path:
    """Return the grammar file: beside this module when installed, else the repository's grammar/."""
    installed = Path(__file__).with_name(GRAMMAR_NAME)
    if installed.is_file():
        return installed
    return Path(__file__).resolve().parents[3] / "grammar" / GRAMMAR_NAME


@functools.lru_cache(maxsize=None)
def build_parser() -> Lark:
    """Build the parser; cached, because building the LALR tables is most of start-up."""
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=False,
    )
