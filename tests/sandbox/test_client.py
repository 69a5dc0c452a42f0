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
import threading

import pytest

from mailpolicy.sandbox import client

EHLO = b"250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"


class ScriptedServer:
    """Answer one SMTP session: `replies` maps a command's first word to the reply bytes."""

    def __init__(self, replies: dict[str, bytes], greeting: bytes = b"220 fake.test ESMTP\r\n",
                 hang_up_after: str | None = None) -> None:
        self.replies = {"EHLO": EHLO, "MAIL": b"250 2.1.0 Ok\r\n", "RCPT": b"250 2.1.5 Ok\r\n",
                        "DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n", "RSET": b"250 2.0.0 Ok\r\n",
                        "QUIT": b"221 2.0.0 Bye\r\n", "AUTH": b"235 2.7.0 Authentication successful\r\n",
                        ".": b"250 2.0.0 Ok: queued as 1234\r\n", **replies}
        self.greeting, self.hang_up_after = greeting, hang_up_after
        self.commands: list[str] = []
        self.body = b""
        self.peer: str | None = None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        connection, (self.peer, _) = self.listener.accept()
        with connection, connection.makefile("rb") as lines:
            connection.sendall(self.greeting)
            if not self.greeting.startswith(b"2"):
                return
            for raw in lines:
                command = raw.decode().rstrip("\r\n")
                self.commands.append(command)
                word = command.split(" ", 1)[0].upper()
                if word == self.hang_up_after:
                    return
                connection.sendall(self.replies[word])
                if word == "DATA" and self.replies["DATA"].startswith(b"354"):
                    while (line := lines.readline()) not in (b".\r\n", b""):
                        self.body += line
                    connection.sendall(self.replies["."])
                if word == "QUIT":
                    return

    def attempt(self, **options) -> client.Attempt:
        arguments = {"source": "127.0.0.9", "login": None, "password": None, "mail_from": "jcricket@example0.com",
                     "rcpt_to": "victim@gmail.test", "timeout": 5.0, **options}
        try:
            return client.attempt("127.0.0.1", self.port, **arguments)
        finally:
            self.thread.join(timeout=5)
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
