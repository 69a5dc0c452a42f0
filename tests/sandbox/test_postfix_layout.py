"""postfix.Postfix without starting master: the folder, main.cf, master.cf and maps a boot gets.

Only postconf and postmap run (no daemon, no root-owned process left behind), so this is not a
`postfix`-marked test and the mutation run reaches it (docs/mutation.md). What a booted Postfix does
with these files is test_sandbox.py's job. The reference values come from running this machine's
postconf directly, not from the module under test.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import time
from pathlib import Path

import pytest

from mailpolicy.postfix.privileged import PRIVILEGED
from mailpolicy.sandbox import postfix as postfix_module
from mailpolicy.sandbox.mainconf import ISOLATION_PARAMETERS
from mailpolicy.sandbox.mastercf import master_cf

pytestmark = pytest.mark.usefixtures("requires_postconf")

HOSTILE = """\
daemon_directory = /home/mallory/bin
queue_directory = /var/spool/postfix
smtpd_sender_login_maps = hash:/etc/postfix/senders, lmdb:/etc/postfix/others
mynetworks = 127.0.0.0/8
"""
MAPS = {"/etc/postfix/senders": "jcricket@example0.com jcricket\n", "/etc/postfix/others": "a@b c\n"}


def postconf(config_dir: Path, *arguments: str) -> dict[str, str]:
    out = subprocess.run(["/usr/sbin/postconf", "-c", str(config_dir), *arguments], capture_output=True, text=True,
                         check=True).stdout
    return {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in out.splitlines())}


@pytest.fixture
def built(tmp_path: Path) -> postfix_module.Postfix:
    root = tmp_path / "sandbox"
    root.mkdir()
    os.chmod(root, 0o755)
    return postfix_module.Postfix(root, HOSTILE, MAPS, 2525, True, lmtp=True)


def mode_and_owner(path: Path) -> tuple[int, str]:
    info = path.stat()
    return stat.S_IMODE(info.st_mode), pwd.getpwuid(info.st_uid).pw_name


def test_the_folders_have_the_owners_and_modes_postfix_insists_on(built) -> None:
    root = built.root
    for name in ("etc", "spool", "maps", "log"):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o755, name
    assert mode_and_owner(root / "data") == (0o700, "postfix")
    assert mode_and_owner(root / "spool" / "private") == (0o700, "postfix")
    assert (built.config_dir, built.queue_dir, built.data_dir) == (root / "etc", root / "spool", root / "data")
    assert built.log_path == root / "log" / "maillog"


def test_every_privileged_parameter_gets_this_postfixs_default_and_isolation_its_place(built) -> None:
    effective = postconf(built.config_dir, "-x")
    defaults = postconf(built.root / "maps", "-d")  # a folder without main.cf: compiled-in defaults only
    for name in PRIVILEGED:
        if name not in ISOLATION_PARAMETERS:  # those get the sandbox's own folders, below
            assert effective[name] == defaults[name], name
    assert effective["config_directory"] == str(built.config_dir)
    assert effective["queue_directory"] == str(built.queue_dir)
    assert effective["data_directory"] == str(built.data_dir)
    assert (effective["inet_interfaces"], effective["inet_protocols"]) == ("127.0.0.1", "ipv4")
    assert effective["maillog_file"] == str(built.log_path)
    assert effective["maillog_file_prefixes"] == str(built.log_path.parent)
    assert effective["default_transport"] == effective["relay_transport"] == postfix_module.UNDELIVERABLE_TRANSPORT
    assert effective["mynetworks"] == "127.0.0.0/8"  # the policy stays as written
    assert "#sandbox# daemon_directory = /home/mallory/bin" in built.main_cf_text
    assert (built.config_dir / "main.cf").read_text() == built.main_cf_text


def test_the_maps_are_copied_into_the_folder_and_indexed(built) -> None:
    maps = built.root / "maps"
    assert (maps / "0-senders").read_text() == MAPS["/etc/postfix/senders"]
    assert (maps / "1-others").read_text() == MAPS["/etc/postfix/others"]
    assert (maps / "0-senders.db").is_file() and (maps / "1-others.lmdb").is_file()
    effective = postconf(built.config_dir, "-x", "smtpd_sender_login_maps")
    assert effective["smtpd_sender_login_maps"] == f"hash:{maps}/0-senders, lmdb:{maps}/1-others"
    looked_up = subprocess.run(["/usr/sbin/postmap", "-c", str(built.config_dir), "-q", "jcricket@example0.com",
                                f"hash:{maps}/0-senders"], capture_output=True, text=True, check=False)
    assert looked_up.stdout.strip() == "jcricket"


def test_master_cf_and_main_cf_are_readable_by_postfix_and_aged(built) -> None:
    assert (built.config_dir / "master.cf").read_text() == master_cf(2525, True, (), True)
    for name in ("main.cf", "master.cf"):
        info = (built.config_dir / name).stat()
        assert stat.S_IMODE(info.st_mode) == 0o644
        # Postfix waits until a config file is a second old before trusting it is whole.
        assert time.time() - info.st_mtime >= 59
    assert stat.S_IMODE((built.root / "maps" / "0-senders").stat().st_mode) == 0o644


def test_postconf_answers_the_effective_values_and_refuses_an_unreadable_main_cf(built) -> None:
    assert built.postconf("mynetworks", "inet_interfaces") == {"mynetworks": "127.0.0.0/8",
                                                               "inet_interfaces": "127.0.0.1"}
    (built.config_dir / "main.cf").write_text("this line assigns nothing\n")
    with pytest.raises(postfix_module.ConfigRejected, match="postconf cannot read the main.cf:\n.*missing '='"):
        built.postconf("mynetworks")


def test_a_map_named_by_a_relative_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="map path 'senders' must be absolute, as named in main.cf"):
        postfix_module.Postfix(tmp_path, "", {"senders": "a b\n"}, 2525, True)


def test_a_throwaway_certificate_replaces_the_sites(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    root = tmp_path / "sandbox"
    root.mkdir()
    listeners = [(2526, [("smtpd_tls_wrappermode", "yes")])]
    built = postfix_module.Postfix(root, "smtpd_tls_chain_files = /etc/ssl/site.pem\n" + HOSTILE, {}, 2525, False,
                                   listeners, tls_files=(cert, key))
    effective = postconf(built.config_dir, "-x")
    assert {name: effective[name] for name in ("smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_chain_files")} \
        == {"smtpd_tls_cert_file": str(cert), "smtpd_tls_key_file": str(key), "smtpd_tls_chain_files": ""}
    # ... and the isolation and privileged values are still the sandbox's.
    assert effective["daemon_directory"] == postconf(root / "maps", "-d")["daemon_directory"]
    assert (effective["queue_directory"], effective["inet_interfaces"]) == (str(built.queue_dir), "127.0.0.1")
    assert (built.config_dir / "master.cf").read_text() == master_cf(2525, False, listeners, False)


def test_builtin_defaults_refuses_a_name_postconf_does_not_know(tmp_path: Path) -> None:
    assert postfix_module.builtin_defaults(tmp_path, ["mail_owner"]) == {"mail_owner": "postfix"}
    with pytest.raises(RuntimeError, match="postconf -d did not give the defaults of no_such_parameter"):
        postfix_module.builtin_defaults(tmp_path, ["mail_owner", "no_such_parameter"])


def test_run_on_tty_passes_the_exit_status_and_the_output_back() -> None:
    status, output = postfix_module.run_on_tty(["/bin/sh", "-c", "echo 'on a tty'; test -t 2; exit 3"])
    assert (status, output) == (3, "on a tty\n")


def test_only_relocated_indexed_tables_are_postmapped(tmp_path: Path) -> None:
    # A table main.cf names but the sandbox was not given stays where it is, and is never rebuilt
    # (postmap as root would write beside the site's own file); a pattern table needs no index.
    outside = tmp_path / "outside"
    outside.write_text("a@b c\n")
    root = tmp_path / "sandbox"
    root.mkdir()
    main_cf = (f"smtpd_sender_login_maps = pcre:/etc/postfix/patterns, hash:{outside}, hash:/etc/postfix/senders,"
               " hash:/etc/postfix/senders\n")
    built = postfix_module.Postfix(root, main_cf, {"/etc/postfix/patterns": "/x/ y\n",
                                                   "/etc/postfix/senders": "a@b c\n"}, 2525, True)
    assert not Path(f"{outside}.db").exists()
    assert (built.root / "maps" / "1-senders.db").is_file()
    assert sorted(p.name for p in (built.root / "maps").iterdir()) == ["0-patterns", "1-senders", "1-senders.db"]


@pytest.mark.parametrize("name", ["relay_transport", "default_transport", "queue_directory", "daemon_directory"])
def test_a_support_service_may_not_override_what_isolates_the_sandbox(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=f"the sandbox decides {name} itself"):
        postfix_module.Postfix(tmp_path, "", {}, 2525, True, support={"rewrite": [(name, "smtp")]})
