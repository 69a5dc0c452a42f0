"""Privileged lines that reach a policy's output from a main.cf: `compile --base` and `import`.

Before, `compile --base` copied a base's `daemon_directory = /home/mallory/bin` into the written
main.cf without a word (a base may be a committed file), and `import` wrote a deployed server's
privileged lines as plain `set`, so compiling the import failed with MP409.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.emit.provenance import Provenance
from mailpolicy.importer.run import import_config
from mailpolicy.maincf.merge import merge_main_cf
from mailpolicy.postfix.main_cf import read_main_cf
from tests.audit.config_folder import BASE, config_folder
from tests.helpers import SMALL_POLICY, compile_text

CASES = [
    # (base line, refused by the merge)
    ("daemon_directory = /home/mallory/bin", True),
    ("import_environment = MAIL_CONFIG LD_PRELOAD=/tmp/x.so", True),
    ("shlib_directory = /tmp/lib", True),
    # Postfix's own default is refused too: on another system the default is another folder.
    ("mail_owner = postfix", True),
    # A continuation line is part of the value Postfix reads; the name line is what is cited.
    ("meta_directory =\n    /tmp/evil", True),
    ("readme_directory = no", False),  # post-install skips it: nothing is done as root
    ("DAEMON_DIRECTORY = /tmp/evil", False),  # names are case-sensitive: Postfix ignores it (unused)
    ("smtpd_banner = $myhostname ESMTP", False),
]


def merged(tmp_path: Path, base_line: str, policy: str = SMALL_POLICY):
    compilation = compile_text(tmp_path, policy)
    assert compilation.ok, compilation.diagnostics
    base = read_main_cf(BASE + base_line + "\n", "base.cf")
    return merge_main_cf(base, compilation.plan, Provenance(compilation.path))


@pytest.mark.parametrize(("line", "refused"), CASES, ids=[case[0] for case in CASES])
def test_a_base_privileged_line_is_refused_unless_the_policy_states_it(
        tmp_path: Path, line: str, refused: bool) -> None:
    found = [d for d in merged(tmp_path, line).diagnostics if d.code == "MP612"]
    if not refused:
        assert found == []
        return
    (diagnostic,) = found
    assert (diagnostic.span.path, diagnostic.span.line, diagnostic.span.column) == (
        "base.cf", len(BASE.splitlines()) + 1, 1)
    name = line.split("=")[0].strip()
    assert name in diagnostic.message and f"set privileged {name} = ..." in diagnostic.hint


def test_set_privileged_in_the_policy_acknowledges_the_base_line_and_decides_its_value(tmp_path: Path) -> None:
    policy = SMALL_POLICY + "set privileged daemon_directory = /usr/local/libexec/postfix\n"
    result = merged(tmp_path, "daemon_directory = /usr/local/libexec/postfix", policy)
    assert [d.code for d in result.diagnostics if "daemon_directory" in d.message] == []
    assert result.text.count("daemon_directory") == 1
    assert "daemon_directory = /usr/local/libexec/postfix\n" in result.text


def test_compile_base_writes_nothing_when_the_base_holds_a_privileged_line(tmp_path: Path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SMALL_POLICY)
    base = tmp_path / "base.cf"
    base.write_text(BASE + "daemon_directory = /home/mallory/bin\n")
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["compile", str(policy), "--base", str(base), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "error[MP612]" in result.output and "base.cf:5:1" in result.output
    assert not (out / "main.cf").exists()


def test_import_writes_set_privileged_with_a_warning_and_the_import_compiles(tmp_path: Path) -> None:
    deployed = tmp_path / "etc"
    deployed.mkdir()
    config_folder(deployed, BASE + "daemon_directory = /usr/local/libexec/postfix\nreadme_directory = no\n")
    imported = import_config(deployed)
    lines = imported.text.splitlines()
    assert "set privileged daemon_directory = /usr/local/libexec/postfix" in lines
    assert "set readme_directory = no" in lines  # inert: no acknowledgement needed (MP410 otherwise)
    (warning,) = [d for d in imported.diagnostics if d.code == "MP413"]
    assert (Path(warning.span.path).name, warning.span.line) == ("main.cf", 5)
    # The note above the line says why it is privileged, for the reviewer of the imported policy.
    above = lines[lines.index("set privileged daemon_directory = /usr/local/libexec/postfix") - 1]
    assert above.startswith("# daemon_directory chooses a program") and "imported as `set privileged`" in above
    policy = tmp_path / "imported.mailpolicy"
    policy.write_text(imported.text)
    compilation = compile_policy(policy)
    assert "MP409" not in {d.code for d in compilation.diagnostics}
    assert "MP411" in {d.code for d in compilation.diagnostics}
    assert "daemon_directory = /usr/local/libexec/postfix" in compilation.outputs["main.cf"]


VARIANTS = {
    # (policy text after the small policy, extra files, codes that must be drawn)
    "no spaces around =": ("set daemon_directory=/tmp/evil\n", {}, {"MP409"}),
    "a quoted name": ('set "daemon_directory" = /tmp/evil\n', {}, {"MP409"}),
    "a tab before =": ("set daemon_directory\t= /tmp/evil\n", {}, {"MP409"}),
    # Postfix's names are case-sensitive: postconf calls DAEMON_DIRECTORY an unused parameter.
    "upper case": ("set DAEMON_DIRECTORY = /tmp/evil\n", {}, {"MP401"}),
    "a Cyrillic i": ("set daemon_d\u0456rectory = /tmp/evil\n", {}, {"MP212"}),
    # No privileged default names another parameter (postconf -d); a parameter of the policy's own
    # (`mydir`, read through $name, so no MP401/MP414 as postconf) does not launder the value: MP409.
    "through $name": ("set daemon_directory = $mydir\nset mydir = /tmp/evil\n", {}, {"MP409"}),
    "in an included file": ('include "more.mailpolicy"\n', {"more.mailpolicy": "set shlib_directory = /tmp/evil\n"},
                            {"MP409"}),
    "a documentation folder through ..": ("set readme_directory = no/../../tmp/evil\n", {}, {"MP409"}),
}


@pytest.mark.parametrize(("text", "files", "codes"), VARIANTS.values(), ids=VARIANTS.keys())
def test_spelling_indirection_and_include_variants_do_not_compile(tmp_path: Path, text: str, files: dict,
                                                                  codes: set[str]) -> None:
    compilation = compile_text(tmp_path, SMALL_POLICY + text, **files)
    assert not compilation.ok
    errors = {d.code for d in compilation.diagnostics if d.severity.value == "error"}
    assert codes <= errors, compilation.diagnostics
    assert "/tmp/evil" not in compilation.outputs.get("main.cf", "")


@pytest.mark.parametrize("name", ["dynamicmaps.cf", "postfix-files", "postfix-script", "post-install"])
def test_a_sender_map_named_like_a_file_postfix_reads_as_root_is_refused(tmp_path: Path, name: str) -> None:
    # Before, `sender map texthash:/etc/postfix/dynamicmaps.cf` compiled and wrote build/dynamicmaps.cf;
    # in /etc/postfix (Debian's meta_directory) its two-field lines are fatal to every Postfix program.
    policy = SMALL_POLICY + f"sender map texthash:/etc/postfix/{name}\n"
    compilation = compile_text(tmp_path, policy)
    assert not compilation.ok
    (diagnostic,) = [d for d in compilation.diagnostics if d.code == "MP206"]
    assert diagnostic.span.line == len(SMALL_POLICY.splitlines()) + 1 and name in diagnostic.message
    assert compilation.outputs.get(name) is None
