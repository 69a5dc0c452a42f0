"""`diff --against FOLDER` reads only files really inside FOLDER (issue 18, point 2).

The folder may be a copy of a server's configuration that someone else made or committed. Its
main.cf names the sender map, and the diff prints the map's keys: before, a main.cf naming
`hash:/elsewhere/secret`, or a map that is a link to a secret, printed the secret's lines as keys
"removed" (as root, /etc/shadow into a CI log). Each case asserts the secret is not printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli

POLICY = "postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\nallow user bob as bob@example0.com\n"
MAP = "controlled_envelope_senders"
SECRET = "secret-key@example0.com root-only-value\n"
IN_CONFIG = f"smtpd_sender_login_maps = hash:/etc/postfix/{MAP}\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").write_text(POLICY)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret").write_text(SECRET)
    (tmp_path / "private" / "secret").chmod(0o600)
    (tmp_path / "etc").mkdir()
    return tmp_path


def _diff(folder: str = "etc"):
    return CliRunner().invoke(cli, ["diff", "site.mailpolicy", "--against", folder])


def _link_map_to_secret(site: Path) -> None:
    (site / "etc" / MAP).symlink_to(site / "private" / "secret")


def _link_a_folder_on_the_way(site: Path) -> None:
    (site / "etc" / "sub").symlink_to(site / "private")
    (site / "etc" / "main.cf").write_text("smtpd_sender_login_maps = hash:/etc/postfix/sub/secret\n")


ATTACKS = {
    "a main.cf naming a file outside by its absolute path":
        lambda site: (site / "etc" / "main.cf").write_text(f"smtpd_sender_login_maps = hash:{site}/private/secret\n"),
    "a map that is a link to a file outside": _link_map_to_secret,
    "a folder on the way that is a link outside": _link_a_folder_on_the_way,
}


@pytest.mark.parametrize("plant", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_table_outside_the_folder_given_is_not_read(site: Path, plant) -> None:
    (site / "etc" / "main.cf").write_text(IN_CONFIG)
    plant(site)
    result = _diff()
    assert "secret-key" not in result.output and "root-only-value" not in result.output, result.output
    assert "note: sender login map not compared: cannot read" in result.stdout


def test_a_main_cf_that_is_a_link_outside_the_folder_is_not_read(site: Path) -> None:
    (site / "private" / "main.cf").write_text(f"smtpd_sender_login_maps = hash:{site}/private/secret\n")
    (site / "etc" / "main.cf").symlink_to(site / "private" / "main.cf")
    result = _diff()
    assert result.exit_code == 2 and "is a symlink" in result.stderr
    assert "secret-key" not in result.output


def test_a_table_inside_the_folder_is_still_compared(site: Path) -> None:
    (site / "etc" / "main.cf").write_text(IN_CONFIG)
    (site / "etc" / MAP).write_text("old@example0.com alice\n")
    result = _diff()
    assert "    - old@example0.com (owned by alice) removed" in result.stdout
    assert "not compared" not in result.stdout


def test_a_folder_given_through_a_link_is_read_where_it_leads(site: Path) -> None:
    # The user named the link: the folder is where it leads, and tables inside that folder count.
    (site / "etc" / "main.cf").write_text(IN_CONFIG)
    (site / "etc" / MAP).write_text("old@example0.com alice\n")
    os.symlink(site / "etc", site / "linked")
    result = _diff("linked")
    assert "    - old@example0.com (owned by alice) removed" in result.stdout
