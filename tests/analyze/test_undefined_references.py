"""MP708 in compile: a `$name` in a `set` value that names no parameter expands to nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mailpolicy.audit.effective import references
from mailpolicy.postfix.expand import Expander, reference_sites
from tests.helpers import POLICY_HEAD, compile_text
from tests.postfix_support import require_postfix

HEAD = POLICY_HEAD


def undefined(compilation):
    return [d for d in compilation.diagnostics if d.code == "MP708"]


def test_a_misspelt_reference_is_a_warning_at_its_column_naming_the_closest_parameter(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "set smtpd_banner = $myhostnme ESMTP\n")
    (d,) = undefined(c)
    assert d.severity.value == "warning"
    assert (d.span.line, d.span.column, d.span.end_column) == (4, 20, 30)
    assert d.message == "`$myhostnme` in smtpd_banner names no parameter: it expands to nothing"
    assert d.hint == "did you mean `$myhostname`?"
    assert c.outputs  # a warning: the configuration is still written


@pytest.mark.parametrize(("value", "column"), [("${myhostnme}", 20), ("$(myhostnme) x", 20),
                                               ("x ${myhostnme?{y}}", 22), ("x ${myhostnme:y}", 22)])
def test_every_reference_form_is_located(tmp_path, value, column) -> None:
    (d,) = undefined(compile_text(tmp_path, HEAD + f"set smtpd_banner = {value}\n"))
    assert d.span.column == column and "`$myhostnme`" in d.message


def test_names_the_policy_and_postfix_define_are_not_reported(tmp_path) -> None:
    text = HEAD + ("set smtpd_restriction_classes = mua_only\n"
                   "set mua_only = permit_sasl_authenticated, reject\n"
                   "set smtpd_client_restrictions = $mua_only\n"              # defined by another `set`
                   "set smtpd_banner = $myhostname $mail_name $$literal ${mydomain?x}\n"  # Postfix's own; `$$`
                   "set delay_warning_time = $dovecot_destination_recipient_limit\n"  # per-transport
                   "set relay_domains = $mydestination\n")                   # planned by the compiler
    assert undefined(compile_text(tmp_path, text)) == []


def test_a_table_substitution_written_with_one_dollar_is_named_as_such(tmp_path) -> None:
    # Postfix expands `$1` when it reads main.cf: cleanup then sees `@`, not the captured text.
    text = HEAD + r"set sender_canonical_maps = regexp:{ {/^(.*)@old\.example0\.com$$/ $1@example0.com} }" + "\n"
    (d,) = undefined(compile_text(tmp_path, text))
    assert d.span.column == 68 and "`$1`" in d.message
    assert "`$$1`" in d.hint


def test_each_name_is_reported_once_per_line(tmp_path) -> None:
    found = undefined(compile_text(tmp_path, HEAD + "set smtpd_banner = $nosuch_name $nosuch_name $other_name\n"))
    assert [(d.span.column, d.message.split("`")[1]) for d in found] == [(20, "$nosuch_name"), (46, "$other_name")]


def test_a_value_that_refers_to_itself_is_an_error(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "set smtpd_banner = $smtpd_banner ESMTP\n")
    (d,) = undefined(c)
    assert d.is_error and "refers to itself" in d.message and not c.outputs


def test_a_textual_comparison_expands_as_postfix_compares_it(tmp_path) -> None:
    # postconf(5): "numerical when both operands are all digits, otherwise lexicographical".
    text = HEAD + "set delay_warning_time = ${{$compatibility_level} < {x} ? {1h} : {2h}}\n"
    assert undefined(compile_text(tmp_path, text)) == []
    expand = Expander(lambda name: None).expand
    assert expand("${{10} < {9x} ? {lt} : {ge}} ${{010} == {10} ? {eq} : {ne}} ${{10} < {9} ? {lt} : {ge}}") \
        == "lt eq ge"


def test_the_scanner_reads_a_name_up_to_a_literal_dollar() -> None:
    # `$myhostnme$$b` is `$myhostnme` and a literal `$b` (postconf -x: "undefined parameter: myhostnme").
    assert references("[$myhostnme$$b] $$x ${a?$b} $(c)") == ["myhostnme", "a", "b", "c"]
    assert [(s.name, s.start, s.end) for s in reference_sites("x $ab ${cd}")] == [("ab", 2, 5), ("cd", 6, 10)]


@pytest.mark.postfix
def test_postfix_expands_an_undefined_name_to_nothing_and_only_postconf_warns(tmp_path: Path) -> None:
    require_postfix()
    config = tmp_path / "etc"
    config.mkdir()
    (config / "main.cf").write_text("compatibility_level = 3.6\nsmtpd_banner = $myhostnme ESMTP\n"
                                    "sender_canonical_maps = regexp:{ {/^bob(.*)@(.*)/ $1@$2} }\n")
    result = subprocess.run(["postconf", "-c", str(config), "-x", "smtpd_banner", "sender_canonical_maps"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["smtpd_banner = ESMTP",
                                          "sender_canonical_maps = regexp:{ {/^bob(.*)@(.*)/ @} }"]
    for name in ("myhostnme", "1", "2"):
        assert f"undefined parameter: {name}" in result.stderr


def test_a_chain_of_set_values_is_expanded_once_not_once_per_setting(tmp_path, monkeypatch) -> None:
    # Each `set` value used a fresh expander: a chain of N references cost N x N (an import of a
    # 1,000-long main.cf chain took a minute). Now each name is expanded once; work is counted.
    from mailpolicy.postfix import expand

    steps = []
    original = expand.Expander._parse

    def counting(self, text, level, active):
        steps.append(text)
        return original(self, text, level, active)
    monkeypatch.setattr(expand.Expander, "_parse", counting)
    length = 60  # under Postfix's 100 nested calls: every value expands
    chain = "".join(f"set mp_chain{i} = $mp_chain{i + 1}\n" for i in range(length))
    compile_text(tmp_path, HEAD + chain + f"set mp_chain{length} = end\n")
    assert 0 < len(steps) < 10 * length
