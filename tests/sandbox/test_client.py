"""client.attempt against a scripted SMTP server: what it sends, and how it reads each reply.

verify's verdicts are client.py's reading of smtpd's replies: a 2xx to RCPT TO is "accepted",
anything else is "rejected" at the stage it came. The `postfix`-marked tests judge it against the
real smtpd; here a scripted server (one thread, one session) pins the exact commands and the
reading of every reply, so it runs anywhere and in the mutation run (docs/mutation.md). STARTTLS
and implicit TLS are left to the real server's tests (test_sandbox.py, tests/verify).
"""

from __future__ import annotations

import base64
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path

import pytest

from mailpolicy.sandbox import client
from mailpolicy.sandbox.certificate import write_certificate

EHLO = b"250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250-STARTTLS\r\n250 8BITMIME\r\n"


class ScriptedServer:
    """Answer one SMTP session: `replies` maps a command's first word to the reply bytes.

    STARTTLS answered 220 switches the session to TLS with a throwaway certificate (the sandbox's
    own certificate.py); `implicit` speaks TLS from the first byte; `silent_at` is a command the
    server never answers (nor hangs up on), as a stuck smtpd.
    """

    def __init__(self, replies: dict[str, bytes], greeting: bytes = b"220 fake.test ESMTP\r\n",
                 hang_up_after: str | None = None, implicit: bool = False, silent_at: str | None = None) -> None:
        self.replies = {"EHLO": EHLO, "MAIL": b"250 2.1.0 Ok\r\n", "RCPT": b"250 2.1.5 Ok\r\n",
                        "DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n", "RSET": b"250 2.0.0 Ok\r\n",
                        "QUIT": b"221 2.0.0 Bye\r\n", "AUTH": b"235 2.7.0 Authentication successful\r\n",
                        "STARTTLS": b"220 2.0.0 Ready to start TLS\r\n", ".": b"250 2.0.0 Ok: queued as 1234\r\n",
                        **replies}
        self.greeting, self.hang_up_after, self.implicit, self.silent_at = greeting, hang_up_after, implicit, silent_at
        self.commands: list[str] = []
        self.in_tls: list[str] = []  # the commands that came inside TLS
        self.body = b""
        self.peer: str | None = None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def tls() -> ssl.SSLContext:
        folder = Path(tempfile.mkdtemp())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*write_certificate(folder / "tls", "fake.test"))
        return context

    def serve(self) -> None:
        connection, (self.peer, _) = self.listener.accept()
        secure = False
        try:
            if self.implicit:
                connection, secure = self.tls().wrap_socket(connection, server_side=True), True
            lines = connection.makefile("rb")
            connection.sendall(self.greeting)
            if not self.greeting.startswith(b"2"):
                return
            while raw := lines.readline():
                command = raw.decode().rstrip("\r\n")
                self.commands.append(command)
                if secure:
                    self.in_tls.append(command)
                word = command.split(" ", 1)[0].upper()
                if word == self.hang_up_after:
                    return
                if word == self.silent_at:
                    time.sleep(10)
                    return
                connection.sendall(self.replies[word])
                if word == "STARTTLS" and self.silent_at == "TLS":
                    connection.sendall(b"this is not a TLS handshake\r\n" * 10)  # a broken TLS peer
                    return
                if word == "STARTTLS" and self.replies["STARTTLS"].startswith(b"220"):
                    connection, secure = self.tls().wrap_socket(connection, server_side=True), True
                    lines = connection.makefile("rb")
                if word == "DATA" and self.replies["DATA"].startswith(b"354"):
                    while (line := lines.readline()) not in (b".\r\n", b""):
                        self.body += line
                    connection.sendall(self.replies["."])
                if word == "QUIT":
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            connection.close()

    def attempt(self, **options) -> client.Attempt:
        arguments = {"source": "127.0.0.9", "login": None, "password": None, "mail_from": "jcricket@example0.com",
                     "rcpt_to": "victim@gmail.test", "timeout": 5.0, **options}
        try:
            return client.attempt("127.0.0.1", self.port, **arguments)
        finally:
            self.thread.join(timeout=15)
            self.listener.close()


def test_a_2xx_to_rcpt_is_accepted_and_the_session_ends_politely() -> None:
    server = ScriptedServer({})
    outcome = server.attempt()
    assert outcome == client.Attempt(True, "rcpt", 250, "2.1.5 Ok")
    assert outcome.auth_before_tls is True and outcome.tls is False
    assert server.commands == ["ehlo sandbox-client.test", "MAIL FROM:<jcricket@example0.com>",
                               "RCPT TO:<victim@gmail.test>", "rset", "quit"]
    assert server.peer == "127.0.0.9"  # the client plays the source address it is given


@pytest.mark.parametrize("reply", [b"554 5.7.1 <victim@gmail.test>: Relay access denied\r\n",
                                   b"450 4.7.1 try later\r\n", b"354 odd\r\n", b"199 odd\r\n", b"300 odd\r\n"])
def test_anything_but_a_2xx_to_rcpt_is_rejected(reply: bytes) -> None:
    outcome = ScriptedServer({"RCPT": reply}).attempt()
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "rcpt", int(reply[:3]))
    assert outcome.reply == reply[4:].decode().rstrip()


def test_a_mail_from_refused_stops_before_rcpt() -> None:
    server = ScriptedServer({"MAIL": b"553 5.7.1 <x@y>: Sender address rejected: not owned by user j\r\n"})
    outcome = server.attempt()
    assert outcome == client.Attempt(False, "mail", 553, "5.7.1 <x@y>: Sender address rejected: not owned by user j")
    assert not any(command.startswith("RCPT") for command in server.commands)


def test_the_addresses_are_sent_as_given_not_requoted() -> None:
    server = ScriptedServer({})
    server.attempt(mail_from='"victim@gmail.test"@example0.com', rcpt_to="a%b@example.com")
    assert server.commands[1:3] == ['MAIL FROM:<"victim@gmail.test"@example0.com>', "RCPT TO:<a%b@example.com>"]


def test_a_login_is_sent_as_auth_plain_and_a_refusal_stops_there() -> None:
    server = ScriptedServer({"AUTH": b"535 5.7.8 Error: authentication failed\r\n"})
    outcome = server.attempt(login="jcricket", password="pw:1")
    assert outcome == client.Attempt(False, "auth", 535, "5.7.8 Error: authentication failed")
    token = base64.b64encode(b"\0jcricket\0pw:1").decode()
    assert server.commands[1] == f"AUTH PLAIN {token}" and not server.commands[2].startswith("MAIL")


def test_a_login_without_a_password_sends_an_empty_one_and_goes_on_after_235() -> None:
    server = ScriptedServer({})
    outcome = server.attempt(login="jcricket")
    assert outcome.accepted and server.commands[1] == "AUTH PLAIN " + base64.b64encode(b"\0jcricket\0").decode()


def test_data_follows_an_accepted_rcpt_and_its_reply_is_the_verdict() -> None:
    server = ScriptedServer({".": b"554 5.7.1 <postmaster>: data restriction\r\n"})
    outcome = server.attempt(rcpt_to="postmaster", data=True)
    assert outcome == client.Attempt(False, "data", 554, "5.7.1 <postmaster>: data restriction")
    assert server.body == b"Subject: mailpolicy sandbox test\r\n\r\nsandbox test\r\n"
    accepted = ScriptedServer({}).attempt(rcpt_to="postmaster", data=True)
    assert accepted == client.Attempt(True, "data", 250, "2.0.0 Ok: queued as 1234")


def test_data_refused_at_once_is_rejected_at_data() -> None:
    outcome = ScriptedServer({"DATA": b"554 5.5.1 Error: no valid recipients\r\n"}).attempt(data=True)
    assert outcome == client.Attempt(False, "data", 554, "5.5.1 Error: no valid recipients")


def test_no_data_after_a_rejected_rcpt() -> None:
    server = ScriptedServer({"RCPT": b"554 5.7.1 no\r\n"})
    assert server.attempt(data=True).stage == "rcpt"
    assert "DATA" not in server.commands


def test_an_ehlo_refused_is_a_rejection_at_connect() -> None:
    server = ScriptedServer({"EHLO": b"554 5.7.1 go away\r\n", "HELO": b"554 5.7.1 go away\r\n"})
    outcome = server.attempt()
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "connect", 554)


def test_a_refusing_greeting_is_a_rejection_at_connect() -> None:
    outcome = ScriptedServer({}, greeting=b"554 5.3.2 not now\r\n").attempt()
    assert outcome == client.Attempt(False, "connect", 554, "5.3.2 not now")


def test_a_server_that_hangs_up_is_no_reply_at_the_stage_it_left() -> None:
    outcome = ScriptedServer({}, hang_up_after="RCPT").attempt()
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "rcpt", client.NO_REPLY)
    assert outcome.reply.startswith("disconnected: ")


def test_nobody_listening_is_no_reply_at_connect() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    outcome = client.attempt("127.0.0.1", port, "127.0.0.9", None, None, "a@b", "c@d", timeout=5.0)
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "connect", client.NO_REPLY)
    assert outcome.reply.startswith("ConnectionRefusedError: ")


def test_auth_not_announced_is_recorded_and_starttls_not_offered_stays_plain() -> None:
    server = ScriptedServer({"EHLO": b"250-fake.test\r\n250 8BITMIME\r\n"})
    outcome = server.attempt(tls="starttls")
    assert outcome.accepted and outcome.auth_before_tls is False and outcome.tls is False
    assert not any(command.upper().startswith("STARTTLS") for command in server.commands)


def test_starttls_when_offered_puts_the_rest_of_the_session_inside_tls() -> None:
    server = ScriptedServer({})
    outcome = server.attempt(tls="starttls", login="jcricket", password="pw")
    assert outcome == client.Attempt(True, "rcpt", 250, "2.1.5 Ok")
    assert outcome.tls is True and outcome.auth_before_tls is True
    assert server.commands[:2] == ["ehlo sandbox-client.test", "STARTTLS"]
    assert server.in_tls[0] == "ehlo sandbox-client.test"  # EHLO again, inside TLS, under the same name
    assert server.in_tls[1].startswith("AUTH PLAIN ") and server.in_tls[2].startswith("MAIL FROM:")


def test_an_ehlo_refused_inside_tls_is_a_rejection_at_connect() -> None:
    replies = iter([EHLO, b"554 5.7.1 not you\r\n"])

    class TwoEhlos(dict):
        def __getitem__(self, word):
            return next(replies) if word == "EHLO" else super().__getitem__(word)

    server = ScriptedServer({})
    server.replies = TwoEhlos(server.replies)
    outcome = server.attempt(tls="starttls")
    assert (outcome.accepted, outcome.stage, outcome.code, outcome.reply) == (False, "connect", 554, "5.7.1 not you")
    assert outcome.tls is True


def test_starttls_refused_goes_on_in_plain_text() -> None:
    # smtpd without a usable certificate still offers STARTTLS and answers 454.
    server = ScriptedServer({"STARTTLS": b"454 4.7.0 TLS not available due to local problem\r\n"})
    outcome = server.attempt(tls="starttls")
    assert outcome.accepted and outcome.tls is False and server.in_tls == []
    assert server.commands[:3] == ["ehlo sandbox-client.test", "STARTTLS", "ehlo sandbox-client.test"]


def test_without_tls_asked_starttls_is_not_sent_even_when_offered() -> None:
    server = ScriptedServer({"EHLO": b"250-fake.test\r\n250 STARTTLS\r\n"})
    outcome = server.attempt()
    assert outcome.accepted and outcome.tls is False and "STARTTLS" not in server.commands


def test_implicit_tls_speaks_tls_from_the_first_byte() -> None:
    server = ScriptedServer({}, implicit=True)
    outcome = server.attempt(tls="implicit")
    assert outcome == client.Attempt(True, "rcpt", 250, "2.1.5 Ok")
    assert outcome.tls is True and outcome.auth_before_tls is None  # no EHLO was seen in plain text
    assert server.in_tls == server.commands and server.peer == "127.0.0.9"


@pytest.mark.parametrize("silent_at", ["RCPT", "EHLO"])
def test_a_server_that_stops_answering_is_no_reply_not_an_acceptance(silent_at: str) -> None:
    outcome = ScriptedServer({}, silent_at=silent_at).attempt(timeout=1.0)
    assert (outcome.accepted, outcome.code) == (False, client.NO_REPLY)
    assert outcome.stage == ("rcpt" if silent_at == "RCPT" else "connect")
    assert "timed out" in outcome.reply  # smtplib reports a read timeout as a disconnection


def test_a_server_that_never_greets_is_given_up_after_the_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as mute:
        started = time.monotonic()
        outcome = client.attempt("127.0.0.1", mute.getsockname()[1], "127.0.0.9", None, None, "a@b", "c@d",
                                 timeout=1.0)
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "connect", client.NO_REPLY)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(("code", "accepted"), [(200, True), (299, True), (300, False)])
def test_the_edges_of_2xx(code: int, accepted: bool) -> None:
    server = ScriptedServer({"RCPT": f"{code} edge\r\n".encode()})
    outcome = server.attempt(data=True, rcpt_to="postmaster")
    # A 2xx to RCPT goes on to DATA (and is judged there); anything else ends at RCPT.
    assert (outcome.stage, "DATA" in server.commands) == (("data", True) if accepted else ("rcpt", False))
    assert outcome.accepted is accepted
    plain = ScriptedServer({"RCPT": f"{code} edge\r\n".encode()}).attempt()
    assert (plain.accepted, plain.stage, plain.code) == (accepted, "rcpt", code)


def test_a_reply_that_is_not_utf8_is_shown_not_crashed_on() -> None:
    outcome = ScriptedServer({"RCPT": b"554 5.7.1 caf\xe9 refuses\r\n"}).attempt()
    assert (outcome.accepted, outcome.reply) == (False, "5.7.1 caf\ufffd refuses")


def test_a_tls_handshake_that_fails_is_no_reply_not_an_acceptance() -> None:
    outcome = ScriptedServer({}, silent_at="TLS").attempt(tls="starttls")
    assert (outcome.accepted, outcome.stage, outcome.code) == (False, "connect", client.NO_REPLY)
    assert outcome.reply.startswith(("SSLError: ", "SSLEOFError: ", "ConnectionResetError: "))
