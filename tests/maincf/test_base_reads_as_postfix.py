"""compile --base never keeps a base line whose Postfix meaning differs from what was compared (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.postfix.main_cf import read_main_cf
from mailpolicy.postfix.restriction_lists import split_words
from tests.helpers import SMALL_POLICY

# The policy's mynetworks, then a line that looks like a comment to Python's str.strip() but is
# text to Postfix: a space, a no-break space, then `#`. Postfix reads it as part of mynetworks,
# so the kept line would trust 0.0.0.0/0 - an open relay.
HIDDEN = [
    b" \xc2\xa0# 0.0.0.0/0 was here\n",  # NBSP: not whitespace for Postfix
    b"\r0.0.0.0/0\n",                     # CR at the start continues the line
    b"\x0c0.0.0.0/0\n",                   # so does a form feed
]


@pytest.mark.parametrize("hidden", HIDDEN, ids=["nbsp-comment", "cr-continuation", "ff-continuation"])
def test_base_line_with_a_hidden_continuation_is_not_kept(tmp_path: Path, monkeypatch, hidden: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    Path("site.mailpolicy").write_text(SMALL_POLICY, encoding="utf-8")
    Path("base.cf").write_bytes(b"biff = no\nmynetworks = 127.0.0.0/8 [::1]/128\n" + hidden + b"inet_interfaces = all\n")
    result = CliRunner().invoke(cli, ["compile", "--base", "base.cf", "site.mailpolicy", "-o", "out"])
    assert result.exit_code in (0, 1), result.output
    written = Path("out/main.cf")
    if result.exit_code == 1:  # refusing is sound too, as long as nothing was written
        assert not written.exists()
        return
    merged = read_main_cf(written.read_bytes().decode("utf-8", "surrogateescape"), "out/main.cf")
    words = split_words(merged.value("mynetworks"))
    assert "0.0.0.0/0" not in words
    assert words == ("127.0.0.0/8", "[::1]/128")
    assert "MP604" in result.output  # the base's different value is reported, not silently kept
