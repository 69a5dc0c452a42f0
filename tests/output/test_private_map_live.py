"""A sender map compiled 0640 (root's, in a folder only root can enter) still works on a real Postfix 3.7.

What docs/output.md rests on for the map's default mode: postmap gives the .db the source's
group/other read bits (src/postmap/postmap.c), and smtpd opens smtpd_sender_login_maps as root
in pre_jail_init (smtpd_check_init(), src/smtpd/smtpd.c), before chroot and dropping to
mail_owner. If smtpd read the table as user postfix, every lookup would fail (451 temporary
lookup failure) and mallory's forgery would not be told from jimminey's own address.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.helpers import SMALL_POLICY
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

MAP = "controlled_envelope_senders"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, boot_sandbox):
    work = tmp_path_factory.mktemp("private-map")
    os.chmod(work, 0o700)  # nobody but root gets in: the postfix user could not read the map here
    (work / "site.mailpolicy").write_text(SMALL_POLICY)
    previous = os.getcwd()
    os.chdir(work)
    try:
        assert CliRunner().invoke(cli, ["compile", "site.mailpolicy", "-o", "build"]).exit_code == 0
    finally:
        os.chdir(previous)
    source = work / "build" / MAP
    subprocess.run(["postmap", f"hash:{source}"], check=True, capture_output=True, timeout=60)
    assert stat.S_IMODE(source.stat().st_mode) == 0o640
    assert stat.S_IMODE(Path(f"{source}.db").stat().st_mode) == 0o640
    main_cf = loopback_main_cf(smtpd_sender_login_maps=f"hash:{source}",
                               smtpd_sender_restrictions="reject_sender_login_mismatch")
    return boot_sandbox(main_cf, logins={"jimminey": "pw-jim", "mallory": "pw-mal"})


def test_the_owner_may_send_as_the_address_from_the_private_map(site) -> None:
    got = site.try_send("127.0.0.9", "jimminey", "pw-jim", "jcricket@example0.com", "friend@gmail.test")
    assert got.accepted, (got, site.log()[-2000:])


def test_another_login_is_refused_by_the_private_map(site) -> None:
    got = site.try_send("127.0.0.9", "mallory", "pw-mal", "jcricket@example0.com", "friend@gmail.test")
    assert got.code == 553 and "not owned by user mallory" in got.reply, got
