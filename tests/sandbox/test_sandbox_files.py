"""The sandbox's master.cf and rewritten main.cf, line by line (mutation survivors, docs/mutation.md).

mastercf.py promises that chroot=True "behaves like a Debian box": each support service has the
columns of Debian's stock master.cf, which the postfix package installs as
/usr/share/postfix/master.cf.dist, so that file is the reference here, not a copy of it. mainconf.py
splits main.cf into logical entries the way Postfix's readlline() does (util/readlline.c: a line
starting with whitespace continues the previous one, blank and '#' lines are skipped inside one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.sandbox import mainconf
from mailpolicy.sandbox.mastercf import master_cf
from tests.postfix_support import missing_prerequisite

DEBIAN_MASTER_CF = Path("/usr/share/postfix/master.cf.dist")


def services(text: str) -> dict[tuple[str, str], list[str]]:
    """Return each service line of a master.cf by its name and type (smtp is both inet and unix)."""
    return {(line.split()[0], line.split()[1]): line.split()[2:] for line in text.splitlines()
            if line.strip() and not line.startswith(("#", " ", "\t"))}


@pytest.fixture(scope="module")
def debian() -> dict[tuple[str, str], list[str]]:
    if not DEBIAN_MASTER_CF.is_file():
        missing_prerequisite(f"{DEBIAN_MASTER_CF} (Debian's postfix package) is not installed")
    return services(DEBIAN_MASTER_CF.read_text())


def test_chrooted_every_support_service_has_debians_columns(debian) -> None:
    ours = services(master_cf(2525, chroot=True, lmtp=True))
    smtpd = ours.pop(("127.0.0.1:2525", "inet"))
    assert smtpd == debian["smtp", "inet"]  # Debian's smtpd: n - y - - smtpd
    for key, columns in ours.items():
        assert columns == debian[key], key


def test_unchrooted_nothing_is_chrooted_and_the_rest_is_debians(debian) -> None:
    ours = services(master_cf(2525, chroot=False, lmtp=True))
    for key, columns in ours.items():
        reference = debian[("smtp", "inet") if key == ("127.0.0.1:2525", "inet") else key]
        assert columns[2] == "n", key
        assert columns[:2] + columns[3:] == reference[:2] + reference[3:], key


def test_master_cf_is_whole_lines_with_one_smtpd_per_listener() -> None:
    text = master_cf(2525, chroot=True, listeners=[(2526, [("smtpd_tls_wrappermode", "yes")]), (2527, [])])
    lines = text.split("\n")
    assert lines[0] == "# Written by mailpolicy.sandbox; smtpd listens on loopback only."
    assert lines[1:4] == ["127.0.0.1:2526 inet n - y - - smtpd", "  -o smtpd_tls_wrappermode=yes",
                          "127.0.0.1:2527 inet n - y - - smtpd"]
    assert "127.0.0.1:2525" not in text  # the listeners replace the plain smtpd
    assert text.endswith("postlogd\n") and lines[-1] == "" and all(lines[:-1])
    assert ("lmtp", "unix") not in services(text)


def test_rewrite_keeps_every_line_and_appends_the_overrides_after_a_blank_line() -> None:
    text = ("# site\n"
            "queue_directory = /var/spool/postfix\n"
            "\n"
            "smtpd_sender_login_maps = hash:/etc/postfix/senders\n"
            "\thash:/etc/postfix/more\n")
    out = mainconf.rewrite_main_cf(text, {"queue_directory": "/tmp/q"}, {"/etc/postfix/more": "/tmp/m/1-more"})
    assert out == ("# site\n"
                   "#sandbox# queue_directory = /var/spool/postfix\n"
                   "\n"
                   "smtpd_sender_login_maps = hash:/etc/postfix/senders\n"
                   "\thash:/tmp/m/1-more\n"
                   "\n"
                   "# --- appended by mailpolicy.sandbox: isolation only, no policy ---\n"
                   "queue_directory = /tmp/q\n")


def test_a_table_ending_a_line_is_found_before_its_continuation() -> None:
    assert mainconf.find_table_refs("a = hash:/etc/x\n  lmdb:/etc/y\n") == [("hash", "/etc/x"), ("lmdb", "/etc/y")]


@pytest.mark.parametrize("indent", [" ", "\t"])
def test_one_whitespace_character_makes_a_continuation(indent: str) -> None:
    assert mainconf.logical_entries(f"a = x,\n{indent}y\nb = z\n") == [["a = x,", f"{indent}y"], ["b = z"]]


def test_an_indented_first_line_is_an_entry_of_its_own() -> None:
    # Nothing before it to continue (readlline.c warns and starts a new logical line).
    assert mainconf.logical_entries("  a = x\nb = y\n") == [["  a = x"], ["b = y"]]


@pytest.mark.parametrize("line", ["not a parameter", "= value", "# a = b", ""])
def test_a_line_that_assigns_nothing_has_no_name(line: str) -> None:
    assert mainconf.entry_name([line]) is None


def test_support_overrides_follow_their_service_and_a_spaced_value_is_grouped() -> None:
    text = master_cf(2525, chroot=True, support={"rewrite": [("relay_domains", "gmail.test")],
                                                 "cleanup": [("virtual_alias_maps", "regexp:{{/a/ b}}")]})
    lines = text.splitlines()
    rewrite, cleanup = lines.index("rewrite unix - - y - - trivial-rewrite"), lines.index("cleanup unix n - y - 0 cleanup")
    assert lines[rewrite + 1] == "  -o relay_domains=gmail.test"
    # master(5): `-o { name = value }` keeps a value with spaces one argument (Postfix 3.0).
    assert lines[cleanup + 1] == "  -o { virtual_alias_maps = regexp:{{/a/ b}} }"
    assert sum(line.startswith("  -o") for line in lines) == 2


def test_support_overrides_of_a_service_the_sandbox_lacks_are_refused() -> None:
    with pytest.raises(ValueError, match="no support service named smtp, virtual"):
        master_cf(2525, chroot=True, support={"virtual": [("a", "b")], "smtp": [("a", "b")]})
