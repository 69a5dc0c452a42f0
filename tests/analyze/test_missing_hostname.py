"""MP216: a policy needs a `hostname`; the policy is judged whole, its includes with it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.helpers import codes, compile_text

CASES = [
    # (policy text, extra files, codes expected) - compiled exactly as written (hostname=False)
    ("postfix 3.7\nlocal domains example0.com\n", {}, [("MP216", 1)]),
    ("# a comment first\n\nlocal domains example0.com\n", {}, [("MP216", 1)]),
    ("postfix 3.7\nhostname mx.example0.com\n", {}, []),
    # The line may sit in an included file: the policy as a whole has one.
    ('postfix 3.7\ninclude "identity.mailpolicy"\n', {"identity.mailpolicy": "hostname mx.example0.com\n"}, []),
    # The top file is blamed even when only an included file has statements.
    ('include "domains.mailpolicy"\n', {"domains.mailpolicy": "local domains example0.com\n"}, [("MP216", 1)]),
    # A hostname that is there but wrong has its own error, not a second one saying it is missing.
    ("postfix 3.7\nhostname mx\n", {}, [("MP208", 2)]),
    ("postfix 3.7\nhostname mx.example0.com\nhostname mx.example0.com\n", {}, [("MP209", 3)]),
    # An empty policy is MP118 alone.
    ("# nothing yet\n", {}, [("MP118", 1)]),
]


@pytest.mark.parametrize("text, files, expected", CASES)
def test_missing_hostname(tmp_path, text, files, expected) -> None:
    c = compile_text(tmp_path, text, hostname=False, **files)
    assert [(code, line) for code, line in codes(c) if code in {"MP216", "MP208", "MP209", "MP118"}] == expected
    assert c.ok == (expected == [])


def test_the_error_is_at_the_top_file_and_says_what_to_add(tmp_path) -> None:
    c = compile_text(tmp_path, "postfix 3.7\nlocal domains example0.com\n", hostname=False)
    [d] = [d for d in c.diagnostics if d.code == "MP216"]
    assert (d.span.path, d.span.line, d.span.column) == (str(tmp_path / "site.mailpolicy"), 1, 1)
    assert "hostname mx.example.com" in d.hint and "myhostname" in d.message
    assert c.outputs == {}


def test_check_dir_judges_an_only_included_fragment_with_its_includer(tmp_path, monkeypatch) -> None:
    # hosts/common/users.mailpolicy has no hostname: checked with the folder, only through mx1.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hosts" / "common").mkdir(parents=True)
    (tmp_path / "hosts" / "common" / "domains.mailpolicy").write_text("local domains example0.com\n")
    (tmp_path / "hosts" / "mx1.mailpolicy").write_text(
        'postfix 3.7\nhostname mx1.example0.com\ninclude "common/domains.mailpolicy"\n')
    folder = CliRunner().invoke(cli, ["check", "hosts"])
    assert folder.exit_code == 0, folder.output
    # Named on its own, the fragment is an incomplete policy, as with MP308 (docs/language.md#hostname).
    alone = CliRunner().invoke(cli, ["check", "hosts/common/domains.mailpolicy"])
    assert alone.exit_code == 1 and "error[MP216]" in alone.stderr


def test_an_unreadable_include_is_its_own_error_not_a_missing_hostname(tmp_path) -> None:
    # The file that could not be read may hold the hostname: MP216 would be a guess.
    c = compile_text(tmp_path, 'postfix 3.7\ninclude "identity.mailpolicy"\n', hostname=False)
    assert not c.ok and c.diagnostics and "MP216" not in {d.code for d in c.diagnostics}
