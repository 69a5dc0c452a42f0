"""Walk an SMTP session up to RCPT TO and report where the server said no."""

from __future__ import annotations

import base64
import smtplib
import socket
from typing import Literal

import attrs

Stage = Literal["connect", "auth", "mail", "rcpt"]

# Code reported when the server closed the connection without any reply.
NO_REPLY = 0


@attrs.frozen
class Attempt:
    """The outcome of one try_send: how far it got and the server's last reply."""

    accepted: bool
    stage: Stage
    code: int
    reply: str


def connect(host: str, port: int, source: str, timeout: float = 10.0) -> smtplib.SMTP:
    """Open an SMTP connection to host:port from the loopback address source."""
    # Any 127.0.0.0/8 address can be a source on Linux, so one machine can play
    # both a trusted-network client and an outside one.
    return smtplib.SMTP(host, port, source_address=(source, 0), timeout=timeout)


def _text(reply: bytes | str) -> str:
    """Decode a server reply for reporting."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def attempt(
    host: str,
    port: int,
    source: str,
    login: str | None,
    password: str | None,
    mail_from: str,
    rcpt_to: str,
    timeout: float = 10.0,
) -> Attempt:
    """Do EHLO, AUTH PLAIN (if login), MAIL FROM and RCPT TO; never DATA."""
    try:
        client = connect(host, port, source, timeout)
    except smtplib.SMTPConnectError as error:
        return Attempt(False, "connect", error.smtp_code, _text(error.smtp_error))
    except (OSError, smtplib.SMTPException) as error:
        return Attempt(False, "connect", NO_REPLY, f"{type(error).__name__}: {error}")
    stage: Stage = "connect"
    try:
        code, reply = client.ehlo("sandbox-client.test")
        if code != 250:
            return Attempt(False, "connect", code, _text(reply))
        if login is not None:
            stage = "auth"
            # AUTH is sent even when EHLO did not offer it, so the result records
            # the server's own answer ("503 ... authentication not enabled").
            token = base64.b64encode(f"\0{login}\0{password or ''}".encode()).decode()
            code, reply = client.docmd("AUTH", f"PLAIN {token}")
            if code != 235:
                return Attempt(False, stage, code, _text(reply))
        # docmd, not mail()/rcpt(): smtplib would re-quote odd addresses such as
        # "victim@gmail.test"@example0.com, and the exact bytes are the test.
        stage = "mail"
        code, reply = client.docmd("MAIL", f"FROM:<{mail_from}>")
        if code != 250:
            return Attempt(False, stage, code, _text(reply))
        stage = "rcpt"
        code, reply = client.docmd("RCPT", f"TO:<{rcpt_to}>")
        return Attempt(200 <= code < 300, stage, code, _text(reply))
    except smtplib.SMTPServerDisconnected as error:
        return Attempt(False, stage, NO_REPLY, f"disconnected: {error}")
    except (OSError, socket.timeout) as error:
        return Attempt(False, stage, NO_REPLY, f"{type(error).__name__}: {error}")
    finally:
        _close(client)


def _close(client: smtplib.SMTP) -> None:
    """End the session with RSET and QUIT, tolerating a server that already left."""
    try:
        client.rset()
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
