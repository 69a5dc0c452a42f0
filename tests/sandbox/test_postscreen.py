"""postscreen(8) in the sandbox: it screens the client, then hands the connection to the `smtpd pass` service.

The sandbox puts postscreen on the first service's port with the -o it is given, and that service's
overrides on the pass service (mastercf.py), as a site's master.cf has `smtp inet ... postscreen` and
`smtpd pass ... smtpd`. Shown on the real Postfix 3.7, chrooted as Debian runs it and not: a trusted
client is let through by postscreen_access_list (ALLOWLISTED) and relays; an outside client passes the
pregreet test (postscreen_greet_wait, 6 s for a client it has not seen; well-behaved smtplib waits for
the whole greeting) and smtpd refuses its relay; a client that talks before the greeting is caught
(PREGREET) and, with postscreen_greet_action = enforce, refused by postscreen itself.
"""

from __future__ import annotations

import socket

import pytest

from mailpolicy.sandbox.mastercf import master_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

OUTSIDE = "127.0.0.9"
SCREENED = """\
compatibility_level = 3.6
myhostname = mx.example0.com
mydestination = example0.com
mynetworks = 127.0.0.1/32
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
postscreen_access_list = permit_mynetworks
postscreen_greet_action = enforce
"""


def test_postscreen_takes_the_port_and_hands_clients_to_the_pass_service_with_its_overrides() -> None:
    text = master_cf(2525, chroot=True, listeners=[(2525, [("smtpd_helo_required", "yes")]), (2526, [])],
                     postscreen=[("postscreen_greet_wait", "2s")])
    lines = text.splitlines()
    start = lines.index("127.0.0.1:2525 inet n - y - 1 postscreen")
    assert lines[start + 1:start + 4] == ["  -o postscreen_greet_wait=2s", "smtpd pass - - y - - smtpd",
                                          "  -o smtpd_helo_required=yes"]
    assert "127.0.0.1:2526 inet n - y - - smtpd" in lines
    assert "dnsblog unix - - y - 0 dnsblog" in lines and "tlsproxy unix - - y - 0 tlsproxy" in lines
    # Without postscreen nothing of it is there.
    plain = master_cf(2525, chroot=True)
    assert "postscreen" not in plain and "pass" not in plain and "dnsblog" not in plain


@pytest.mark.parametrize("chroot", [True, False], ids=["chrooted", "unchrooted"])
def test_a_transaction_goes_through_postscreen_to_smtpd(boot_sandbox, chroot: bool) -> None:
    box = boot_sandbox(SCREENED, chroot=chroot, postscreen=())
    trusted = box.try_send("127.0.0.1", None, None, "a@example0.com", "victim@gmail.test", timeout=15)
    outside = box.try_send(OUTSIDE, None, None, "spam@evil.test", "victim@gmail.test", timeout=15)
    local = box.try_send(OUTSIDE, None, None, "spam@evil.test", "info@example0.com", timeout=15, data=True)
    assert trusted.accepted, trusted
    assert (outside.stage, outside.code) == ("rcpt", 554), outside
    assert local.accepted and local.stage == "data", local
    log = box.wait_log("PASS OLD")
    assert "postfix/postscreen" in log and "ALLOWLISTED [127.0.0.1]" in log
    # The first session of the outside client passed postscreen's tests; the second was remembered.
    assert f"PASS NEW [{OUTSIDE}]" in log and f"PASS OLD [{OUTSIDE}]" in log
    assert "postfix/smtpd" in log and "Relay access denied" in log


def test_a_client_that_talks_before_the_greeting_is_refused_by_postscreen(boot_sandbox) -> None:
    box = boot_sandbox(SCREENED, postscreen=())
    with socket.create_connection((box.host, box.port), timeout=15, source_address=("127.0.0.10", 0)) as sock:
        replies = sock.makefile("rb")

        def reply(command: bytes) -> bytes:
            sock.sendall(command + b"\r\n")
            while (line := replies.readline())[3:4] == b"-" and not line.startswith(b"220-"):
                pass
            return line

        # EHLO before the greeting's end: postscreen's "220-" waits postscreen_greet_wait for exactly this.
        first = reply(b"EHLO early.test")
        ehlo = replies.readline() if first.startswith(b"220-") else first
        while ehlo[3:4] == b"-":
            ehlo = replies.readline()
        mail = reply(b"MAIL FROM:<spam@evil.test>")
        rcpt = reply(b"RCPT TO:<info@example0.com>")
    assert first.startswith(b"220-") and ehlo.startswith(b"250 ") and mail.startswith(b"250 "), (first, ehlo, mail)
    # postscreen's own refusal (its dummy SMTP engine, postscreen_smtpd.c): smtpd accepts a local recipient.
    assert rcpt.startswith(b"550 5.5.1 Protocol error"), rcpt
    log = box.wait_log("NOQUEUE: reject")
    assert "postfix/postscreen" in log and "PREGREET" in log
    assert "postfix/postscreen" in next(line for line in log.splitlines() if "NOQUEUE: reject" in line)
