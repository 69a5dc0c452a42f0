"""The statement registry: one entry per grammar statement, each with a usage line, a renderer,
a golden case and import coverage (or a stated reason import never writes it)."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from lark import Lark
from lark.grammar import NonTerminal, Terminal

from mailpolicy.compiler import compile_policy
from mailpolicy.importer.run import import_config
from mailpolicy.parse import parse_text
from mailpolicy.parse.grammar import grammar_path
from mailpolicy.parse.registry import BY_CLASS_NAME, STATEMENTS, StatementKind, managed_parameters
from mailpolicy.parse import statements as st
from mailpolicy.parse.statements import expanded
from tests.audit.config_folder import SASL
from tests.audit.config_folder import config_folder as folder

REPO = Path(__file__).resolve().parents[2]
# The golden cases (tests/golden) and the files they include.
GOLDEN_FILES = sorted([*REPO.glob("examples/**/*.mailpolicy"), *REPO.glob("tests/cases/**/*.mailpolicy")])
GRAMMAR = Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", keep_all_tokens=True)


def _grammar_statements() -> dict[str, list[str]]:
    """Return each rule `_statement` lists, with the keywords its expansions begin with."""
    rules = {}
    statement_rules = {r.expansion[0].name for r in GRAMMAR.rules if r.origin.name == "_statement"}
    terminals = {t.name: t.pattern for t in GRAMMAR.terminals}
    for rule in GRAMMAR.rules:
        if rule.origin.name not in statement_rules:
            continue
        leading = []
        for symbol in rule.expansion:
            if not isinstance(symbol, Terminal) or terminals[symbol.name].type != "str":
                break
            leading.append(terminals[symbol.name].value)
        rules.setdefault(rule.origin.name, []).append(" ".join(leading))
    return rules


def test_every_grammar_statement_has_one_entry_and_its_keyword_is_the_grammars() -> None:
    statements = _grammar_statements()
    assert sorted(kind.rule for kind in STATEMENTS) == sorted(statements)
    for kind in STATEMENTS:
        # Every expansion of the rule starts with the entry's keyword (an optional word may follow).
        assert all(lead.startswith(kind.keyword) for lead in statements[kind.rule]), (kind.rule, statements[kind.rule])
    assert len(BY_CLASS_NAME) == len(STATEMENTS)
    # Each entry's syntax class is its rule in CamelCase, and every statement class has an entry
    # (but the rows of plain `allow user` lines, one form of `allow_user`: parse/lines.py).
    assert set(st.later.names()) - {"AllowUserRows"} == set(BY_CLASS_NAME)
    assert all(issubclass(kind.syntax, st.Statement) and kind.syntax.__name__ == kind.class_name for kind in STATEMENTS)
    assert all(isinstance(symbol, (Terminal, NonTerminal)) for r in GRAMMAR.rules for symbol in r.expansion)


@pytest.mark.parametrize("kind", STATEMENTS, ids=lambda k: k.rule)
def test_usage_line_begins_with_the_keyword_and_parses_to_the_statement(kind) -> None:
    assert kind.usage.startswith(kind.keyword + " ")
    # The syntax error on a line that begins with the keyword shows this usage line.
    broken = parse_text(kind.keyword + " ,,\n", "p")
    assert [d.hint for d in broken.diagnostics] == [f"write: {kind.usage}"]


def _golden_statements() -> list:
    found = []
    for case in GOLDEN_FILES:
        found.extend(expanded(parse_text(case.read_text(encoding="utf-8"), case.name).statements))
    return found


@pytest.fixture(scope="module")
def golden_statements() -> list:
    return _golden_statements()


@pytest.mark.parametrize("kind", STATEMENTS, ids=lambda k: k.rule)
def test_every_statement_has_a_golden_case_and_its_rendering_parses_back(kind, golden_statements) -> None:
    mine = [s for s in golden_statements if type(s) is kind.syntax]
    assert mine, f"no golden case (examples/, tests/cases/) writes `{kind.keyword}`"
    for statement in mine:
        text = kind.render(statement)
        (again,) = expanded(parse_text(text + "\n", "p").statements)
        assert _without_spans(again) == _without_spans(statement), text
        assert kind.render(again) == text


def _without_spans(value):
    if type(value).__name__ == "Span":  # a named tuple itself: before the tuple cases below
        return "span"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        # a named tuple of the syntax tree (statements.SenderCheck): its fields, without its span
        return (type(value).__name__,) + tuple(_without_spans(getattr(value, f)) for f in value._fields if f != "span")
    if isinstance(value, tuple):
        return tuple(_without_spans(v) for v in value)
    if attrs.has(type(value)):
        return (type(value).__name__,) + tuple(_without_spans(getattr(value, f.name))
                                               for f in attrs.fields(type(value)) if f.name != "span")
    return value


def _compiled(policy: Path, build: Path) -> Path:
    """Compile a policy into `build` (its main.cf, master.cf and map): a configuration to import."""
    compilation = compile_policy(policy)
    assert compilation.ok, compilation.diagnostics
    build.mkdir()
    for name, text in compilation.outputs.items():
        (build / name).write_text(text, encoding="utf-8")
    return build


def test_every_statement_is_written_by_import_or_says_why_not(tmp_path) -> None:
    configs = [*sorted((REPO / "tests/fixtures/seed").iterdir()), REPO / "tests/fixtures/debian",
               REPO / "tests/fixtures/hosted",
               folder(tmp_path, SASL, "smtp inet n - n - - smtpd\n"),
               _compiled(REPO / "examples/phones.mailpolicy", tmp_path / "phones"),  # services and TLS
               _compiled(REPO / "tests/cases/statements/refuse-senders.mailpolicy", tmp_path / "refuse")]
    written = set()
    for config in configs:
        for line in import_config(config).text.splitlines():
            if line and not line.startswith("#"):
                written.add(line)
    def kind_of(line: str) -> StatementKind | None:
        # The longest keyword a line begins with: `owners from map X` is not `owners from`.
        begun = [k for k in STATEMENTS if line == k.keyword or line.startswith(k.keyword + " ")]
        return max(begun, key=lambda k: len(k.keyword), default=None)

    kinds = {kind_of(line) for line in written}
    for kind in STATEMENTS:
        imported = kind in kinds
        if kind.not_imported:
            assert not kind.imported_from and not imported, kind.rule
        else:
            assert kind.imported_from and imported, f"no import writes `{kind.keyword}`"


def test_managed_parameters_name_their_statements() -> None:
    managed = managed_parameters()
    assert [k.keyword for k in managed["smtpd_sender_login_maps"]] == ["sender map", "allow user", "owners from map"]
    assert all(kinds for kinds in managed.values())
