"""The postscreen in front of a `pass` smtpd: whose postscreen_* settings the audit reads, and who reaches it.

postscreen hands a client to the `pass` service its smtpd_service_name names (postscreen.c); its own
settings are main.cf's and its `-o`, which no other smtpd reads (audit/effective.py). Live on Postfix
3.7: tests/corpus/audit_attacks/postscreen-*.case.
"""

from __future__ import annotations

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import config_folder

# Relaying by network: a PROXY header naming 127.0.0.1 relays wherever a daemon reads one.
MAIN = """\
compatibility_level = 3.6
myhostname = mx.example0.com
mydestination = $myhostname, localhost, example0.com
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
"""
SCREENED = """\
smtp      inet  n - y - 1 postscreen
smtpd     pass  - - y - - smtpd
"""


def _relays(tmp_path, main: str, master: str) -> list[tuple[str, int, str]]:
    folder = config_folder(tmp_path, main, master)
    return [(d.span.path.rpartition("/")[2], d.span.line, d.message) for d in audit_config(folder).diagnostics
            if d.code == "MP301"]


def test_postscreens_setting_in_main_cf_is_reported_for_the_smtpd_behind_it(tmp_path) -> None:
    found = _relays(tmp_path, MAIN + "postscreen_upstream_proxy_protocol = haproxy\n", SCREENED)
    assert [(path, line) for path, line, _ in found] == [("main.cf", 6)]
    assert "naming 127.0.0.1 in a PROXY header (postscreen_upstream_proxy_protocol)" in found[0][2]


def test_a_postscreen_override_is_reported_at_its_line(tmp_path) -> None:
    master = SCREENED.replace("postscreen\n", "postscreen\n  -o postscreen_upstream_proxy_protocol=haproxy\n")
    assert [(path, line) for path, line, _ in _relays(tmp_path, MAIN, master)] == [("master.cf", 2)]


def test_the_setting_reaches_only_the_pass_service_its_postscreen_hands_clients_to(tmp_path) -> None:
    main = MAIN + "postscreen_upstream_proxy_protocol = haproxy\n"
    # No postscreen: nothing reads the setting. An smtpd on port 25 does not either.
    assert _relays(tmp_path / "a", main, "smtp inet n - y - - smtpd\nsmtpd pass - - y - - smtpd\n") == []
    # The postscreen hands clients to `other`: the `smtpd` pass service gets none of its settings.
    master = ("smtp inet n - y - 1 postscreen -o smtpd_service_name=other\nsmtpd pass - - y - - smtpd\n"
              "other pass - - y - - smtpd -o smtpd_relay_restrictions=reject_unauth_destination\n")
    assert _relays(tmp_path / "b", main, master) == []


def test_a_postscreen_that_listens_on_loopback_only_brings_no_outside_client(tmp_path) -> None:
    main = MAIN + "postscreen_upstream_proxy_protocol = haproxy\n"
    assert _relays(tmp_path / "a", main, SCREENED.replace("smtp ", "127.0.0.1:smtp ", 1)) == []
    # Beside a public one, it is reachable again.
    master = "127.0.0.1:smtp inet n - y - 1 postscreen\n" + SCREENED
    assert len(_relays(tmp_path / "b", main, master)) == 1
