"""Build what the parser loads from grammar/mailpolicy.lark, once, when the package is built.

Two files are written into `mailpolicy/parse/built/` (by `hatch_build.py` for every wheel and
editable install, or by `python src/mailpolicy/parse/generate.py`):

- `lalr.pickle`: lark's LALR tables for the grammar, written by lark's public `Lark.save` and
  read by `Lark.load`. Building them takes about 150 ms; loading them about 2 ms.
- `shape.json`: the grammar's rules and terminals as lark compiled them (optional parts and
  `*` repetitions already expanded into alternatives), which `parse/lines.py` turns into one
  regular expression per statement, so the common lines are read without importing lark at all.
- `lines.marshal`: the same shape, with each statement's expression (as text, and as the regular
  expression engine's code: `sre_code.py`) and plan already composed by `patterns.py`: what `check` would otherwise compose at every start (a fifth of the
  time it spends on a small policy past its imports) and parse from JSON (importing `json`). In
  `marshal`'s format, which only the interpreter that wrote it reads for sure, so its first line
  names that interpreter (sys.implementation.cache_tag), marshal's version and the regular
  expression engine's code version; another one reads
  `shape.json` and composes as before.

Each carries a stamp: the shape the whole grammar text it was built from (compared as it is:
hashing it would import hashlib, whose OpenSSL set-up costs `check` more than comparing 6 KB),
the tables the grammar's SHA-256, lark's version and the parser options. The runtime uses a file only when its stamp matches the grammar it finds (and
the lark it runs with), and otherwise builds the same from the grammar in memory. This module imports only lark and the standard library, so the build
hook can load it by path without installing the package first.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

# How the tables are built. propagate_positions is stored with them by Lark.save, so every
# subtree knows its line and columns after Lark.load too.
OPTIONS = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False, "propagate_positions": True}
BUILT = "built"
TABLES = "lalr.pickle"
SHAPE = "shape.json"
LINES = "lines.marshal"
# Bump when the layout of shape.json changes.
SHAPE_FORMAT = 2


def shape_stamp(grammar: str) -> str:
    """Return what shape.json must have been built from: this grammar (checked without importing lark or hashlib)."""
    return f"{SHAPE_FORMAT}\n{grammar}"


def lines_header() -> bytes:
    """Return the first line of lines.marshal: the format, and the interpreter whose marshal (and regular
    expression engine) reads it."""
    import _sre  # the regular-expression engine, whose code format the stored expressions are in (sre_code.py)

    return (f"mailpolicy-lines {SHAPE_FORMAT} {sys.implementation.cache_tag} marshal {marshal.version} "
            f"sre {_sre.MAGIC} {_sre.CODESIZE}\n").encode()


def tables_stamp(grammar: str) -> str:
    """Return what lalr.pickle must have been built from: this grammar, this lark, these options."""
    import lark

    return _digest(grammar, lark.__version__, repr(sorted(OPTIONS.items())))


def _digest(*parts: str) -> str:
    import hashlib  # only the tables' stamp, read when lark is loaded anyway

    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def build_parser(grammar: str):
    """Return lark's parser for the grammar, its tables built now."""
    from lark import Lark

    return Lark(grammar, **OPTIONS)


def shape(parser, grammar: str) -> dict:
    """Return the grammar's compiled rules and terminals as plain data.

    `rules` maps each rule to its alternatives: the tree name (a rule's alias, else its name)
    and its symbols, each `[kind, name]` with kind `keyword` (a terminal lark leaves out of the
    tree), `token` (a terminal kept as a token), `rule` (a child subtree) or `inline` (a rule
    whose children join its parent's: lark's `_name` rules and the ones it makes for `*`).
    """
    from lark.grammar import Terminal

    rules: dict[str, list] = {}
    for rule in parser.rules:
        symbols = []
        for symbol in rule.expansion:
            if isinstance(symbol, Terminal):
                symbols.append(["keyword" if symbol.filter_out else "token", symbol.name])
            else:
                symbols.append(["inline" if symbol.name.startswith("_") else "rule", symbol.name])
        name = rule.alias or rule.origin.name
        rules.setdefault(rule.origin.name, []).append({"tree": str(name), "symbols": symbols})
    terminals = {t.name: {"kind": t.pattern.type, "pattern": t.pattern.value,
                          "regex": t.pattern.to_regexp(), "flags": sorted(t.pattern.flags)}
                 for t in parser.terminals}
    statements = [alternative["symbols"][0][1] for alternative in rules["_statement"]]
    expand1 = sorted({rule.origin.name for rule in parser.rules if rule.options.expand1})
    return {"stamp": shape_stamp(grammar), "statements": statements, "rules": rules, "terminals": terminals,
            "ignore": list(parser.lexer_conf.ignore), "expand1": expand1}


def write(grammar_file: Path, folder: Path) -> None:
    """Write the tables and the shape of `grammar_file` into `folder`, each file atomically."""
    import json  # not imported by a start-up that reads the built files

    grammar = grammar_file.read_text(encoding="utf-8")
    parser = build_parser(grammar)
    folder.mkdir(parents=True, exist_ok=True)
    _replace(folder / TABLES, lambda handle: _save_tables(parser, grammar, handle))
    text = json.dumps(shape(parser, grammar), indent=1, sort_keys=True).encode("utf-8")
    _replace(folder / SHAPE, lambda handle: handle.write(text))
    built = json.loads(text)  # the same shape as plain data (lark's names are str subclasses)
    statements = composed(built)
    lines = lines_header() + marshal.dumps({"shape": built, "statements": statements,
                                            "codes": expression_codes(built, statements)})
    _replace(folder / LINES, lambda handle: handle.write(lines))


# The statement expressions that `parse/lines.py` composes: each statement rule, and `allow_user`
# without quoted values (lines.py RowCollector, the rows of a large policy).
PLAIN_ALLOW_USER = ("allow_user", frozenset({"STRING"}))


def composed_key(rule: str, leave_out: frozenset[str] = frozenset()) -> str:
    return " ".join([rule, *sorted(leave_out)])


def composed(built: dict) -> dict[str, list]:
    """Return every statement's expression (text) and plan (data), as `patterns.py` composes them."""
    patterns = _sibling("patterns")
    found = {}
    for rule, leave_out in [*((rule, frozenset()) for rule in built["statements"]), PLAIN_ALLOW_USER]:
        text, plan = patterns.statement_text(built, rule, leave_out)
        found[composed_key(rule, leave_out)] = [text, patterns.plan_data(plan)]
    return found


def expression_codes(built: dict, statements: dict[str, list]) -> dict[str, list]:
    """Return the engine's code of every expression `lines.py` compiles from these (sre_code.py): each
    statement's, its repetitions' items (read by `plan_from_data`), the blank line and a value."""
    patterns = _sibling("patterns")
    texts = {patterns.blank_line_head(built) + patterns.blank_line_tail(built), built["terminals"]["VALUE"]["regex"]}

    def record(text: str) -> None:
        texts.add(text)

    for text, plan in statements.values():
        texts.add(text)
        patterns.plan_from_data(plan, record)
    code_of = _sibling("sre_code").code_of
    return {text: code_of(text) for text in sorted(texts)}


def _sibling(name: str):
    """Load a module beside this file by path: the build hook runs before the package is installed
    (and an older installed copy must not compose for a newer grammar)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_mailpolicy_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _save_tables(parser, grammar: str, handle) -> None:
    # The stamp line first, then lark's own pickle: the loader reads the line and hands the rest
    # of the file to Lark.load only when the line matches.
    handle.write(tables_stamp(grammar).encode("ascii") + b"\n")
    parser.save(handle)


def _replace(path: Path, fill) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(temp, "wb") as handle:
        fill(handle)
    os.replace(temp, path)


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    write(here.parents[2] / "grammar" / "mailpolicy.lark", here / BUILT)
    sys.exit(0)
