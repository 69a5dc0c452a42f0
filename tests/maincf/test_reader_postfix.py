"""The reader agrees with Postfix's own reading of the same main.cf (postconf -n)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mailpolicy.postfix.main_cf import read_main_cf
from tests.maincf.test_reader import SAMPLE

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]


def test_reader_matches_postconf(tmp_path: Path) -> None:
    text = SAMPLE + "smtpd_relay_restrictions = permit_mynetworks,\n  # why\n\n  reject_unauth_destination\n"
    (tmp_path / "main.cf").write_text(text)
    shutil.copy("/etc/postfix/master.cf", tmp_path / "master.cf")
    shown = subprocess.run(["postconf", "-c", str(tmp_path), "-n"], capture_output=True, text=True, check=True)
    postconf = read_main_cf(shown.stdout, "postconf -n")
    ours = read_main_cf(text, "main.cf")
    # postconf prints each value with runs of whitespace collapsed; the words are what Postfix uses.
    expected = {name: " ".join(d.value.split()) for name, d in ours.parameters.items()}
    seen = {name: d.value for name, d in postconf.parameters.items() if name != "config_directory"}
    assert seen == expected
