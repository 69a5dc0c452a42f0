"""The parser's tables and the grammar's shape, built with the package: up to date, used only when they match."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from mailpolicy.parse import generate, grammar
from mailpolicy.parse.grammar import build_parser, built_tables, grammar_path, grammar_text
from mailpolicy.parse.lines import grammar_shape

BUILT = Path(generate.__file__).with_name(generate.BUILT)
TEXT = '  allow user "bob" as a@b.example, @c.example  # x\nsasl dovecot private/auth\nrelay nobody\n'


def tree_with_positions(parser) -> list:
    """Return every subtree's rule and its line and columns, so positions are compared too."""
    tree = parser.parse(TEXT)
    return [(t.data, t.meta.line, t.meta.column, t.meta.end_column) for t in tree.iter_subtrees()]


def test_the_built_files_are_those_of_this_grammar_and_this_lark() -> None:
    # Built by `pip install` (hatch_build.py); after editing the grammar, reinstall (or run
    # `python src/mailpolicy/parse/generate.py`) - until then the parser is built at every start.
    assert built_tables() == BUILT / generate.TABLES
    with open(BUILT / generate.TABLES, "rb") as handle:
        assert handle.readline().rstrip(b"\n").decode() == generate.tables_stamp(grammar_text())
    shape = json.loads((BUILT / generate.SHAPE).read_text(encoding="utf-8"))
    fresh = generate.shape(generate.build_parser(grammar_text()), grammar_text())
    assert shape == fresh


def test_the_loaded_tables_parse_as_tables_built_now() -> None:
    loaded = build_parser()
    assert loaded.source_path == "<deserialized>"  # from the built file, through Lark.load
    assert tree_with_positions(loaded) == tree_with_positions(generate.build_parser(grammar_text()))


def _copy_package(tmp_path: Path, grammar_text: str | None = None) -> Path:
    """Return a site folder holding an installed-like copy of the package, the grammar beside the parser."""
    site = tmp_path / "site"
    package = Path(grammar.__file__).resolve().parents[1]
    shutil.copytree(package, site / "mailpolicy", ignore=shutil.ignore_patterns("__pycache__"))
    target = site / "mailpolicy" / "parse" / grammar.GRAMMAR_NAME
    if grammar_text is None:
        shutil.copy(grammar_path(), target)
    else:
        target.write_text(grammar_text, encoding="utf-8")
    return site


def _run(site: Path, script: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", script, str(site), *argv], env=env,
                          capture_output=True, text=True, check=False)


def test_a_read_only_installed_package_parses_from_its_tables_and_is_left_untouched(tmp_path: Path) -> None:
    site = _copy_package(tmp_path)
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    for path in [site, *site.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    script = ("import mailpolicy.parse.grammar as g, sys; assert g.__file__.startswith(sys.argv[1]); "
              "p = g.build_parser(); print(p.source_path, len(p.parse(sys.argv[2]).children))")
    try:
        run = _run(site, script, TEXT)
    finally:
        for path in [site, *site.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["<deserialized>", "3"]
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before


def test_files_built_from_another_grammar_are_not_used(tmp_path: Path) -> None:
    # The grammar beside the parser gained a statement since the files were built: both the
    # tables and the shape are rebuilt in memory, and the new statement parses.
    changed = grammar_text().replace("          | expect\n", "          | expect\n          | quiet\n") + 'quiet: "quiet"\n'
    site = _copy_package(tmp_path, changed)
    script = ("import sys, mailpolicy.parse.grammar as g, mailpolicy.parse.lines as l; "
              "p = g.build_parser(); s = l.grammar_shape(); "
              "print(p.source_path, p.parse('quiet\\n').children[0].data, 'quiet' in s['statements'])")
    run = _run(site, script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["<string>", "quiet", "True"]


def test_the_shape_in_use_is_the_built_one() -> None:
    assert grammar_shape() == json.loads((BUILT / generate.SHAPE).read_text(encoding="utf-8"))


def test_the_built_expressions_are_those_composed_now_from_the_grammar() -> None:
    # lines.marshal (generate.py) holds each statement's expression and plan, composed when the
    # package was built, for this interpreter; they must be what patterns.py composes now.
    from mailpolicy.parse import patterns
    from mailpolicy.parse.lines import built_lines, composed

    built = built_lines()
    assert built is not None, "lines.marshal is missing, stale or for another interpreter: reinstall"
    shape = json.loads((BUILT / generate.SHAPE).read_text(encoding="utf-8"))
    assert built["shape"] == shape
    rules = [(rule, frozenset()) for rule in shape["statements"]] + [generate.PLAIN_ALLOW_USER]
    assert sorted(built["statements"]) == sorted(generate.composed_key(*rule) for rule in rules)
    for rule, leave_out in rules:
        text, plan = patterns.statement_text(shape, rule, leave_out)
        pattern, rebuilt = composed(grammar_shape(), rule, leave_out)
        assert pattern.pattern == text
        assert patterns.plan_data(rebuilt) == patterns.plan_data(plan)


def test_every_stored_expression_is_the_pattern_re_compile_makes() -> None:
    # lines.marshal holds the engine's code of each expression (parse/sre_code.py); CPython's
    # Pattern equality compares flags, text and that code, so each must equal re.compile's.
    from mailpolicy.parse import sre_code
    from mailpolicy.parse.lines import built_lines

    built = built_lines()
    assert built is not None, "lines.marshal is missing, stale or for another interpreter: reinstall"
    statements = {text for text, _ in built["statements"].values()}
    assert statements <= set(built["codes"]) and len(built["codes"]) > len(statements)
    for text in built["codes"]:
        stored, fresh = sre_code.compiled(text), re.compile(text)
        assert stored is not fresh and stored == fresh
        assert (stored.groups, stored.groupindex, stored.flags) == (fresh.groups, fresh.groupindex, fresh.flags)
    assert sre_code.compiled("[a-z]+x").fullmatch("abx") is not None  # not stored: compiled as it is


def test_reading_every_statement_compiles_no_expression_without_its_stored_code(monkeypatch) -> None:
    # Every expression lines.py makes from the built files comes from its stored code: were one
    # left out of generate.expression_codes, re.compile would be called (and cost start-up) here.
    from mailpolicy.parse import lines, parse_text, sre_code
    from tests.parse.test_registry import GOLDEN_FILES

    def refused(text: str) -> None:
        raise AssertionError(f"compiled without stored code: {text!r}")

    monkeypatch.setattr(sre_code, "re", SimpleNamespace(compile=refused))
    for cache in (lines.line_reader, lines._plain_allow_user):
        cache.cache_clear()
    try:
        for case in GOLDEN_FILES:
            parse_text(case.read_text(encoding="utf-8"), case.name)
        parse_text("allow user bob as a@b.example\nallow user carol as c@b.example, d@b.example\n", "rows")
        assert lines.line_reader()._statements.keys() == set(grammar_shape()["statements"])
    finally:
        for cache in (lines.line_reader, lines._plain_allow_user):
            cache.cache_clear()


def test_expressions_built_by_another_interpreter_are_not_read(tmp_path: Path) -> None:
    site = _copy_package(tmp_path)
    lines = site / "mailpolicy" / "parse" / generate.BUILT / generate.LINES
    lines.write_bytes(lines.read_bytes().replace(b"mailpolicy-lines", b"mailpolicy-lines-other", 1))
    script = ("import mailpolicy.parse.lines as l; "
              "print(l.built_lines() is None, len(l.grammar_shape()['statements']) > 10, l.line_reader().tree('relay nobody', 1, 'x').tree)")
    run = _run(site, script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "relay"]
