"""The sender map's file name cannot replace main.cf or the writer's own files."""

from __future__ import annotations

import pytest

from tests.helpers import compile_text

BASE = "local domains example0.com\nsasl dovecot private/auth\nrelay only authenticated\n" \
       "allow user a as a@example0.com\n"


@pytest.mark.parametrize("path", ["/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/postfix/.mailpolicy-journal"])
def test_reserved_map_names_are_refused_at_the_sender_map_line(tmp_path, path) -> None:
    c = compile_text(tmp_path, BASE + f"sender map hash:{path}\n")
    (finding,) = [d for d in c.diagnostics if d.code == "MP206"]
    assert finding.span.line == 5
    assert not c.outputs


def test_an_ordinary_map_name_is_written_beside_main_cf(tmp_path) -> None:
    c = compile_text(tmp_path, BASE + "sender map hash:/etc/postfix/main.cf.owners\n")
    assert sorted(c.outputs) == ["main.cf", "main.cf.owners"]
