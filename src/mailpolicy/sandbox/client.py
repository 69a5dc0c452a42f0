"""Walk an SMTP session up to RCPT TO and report where the server said no."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from typing import Literal

import attrs

from mailpolicy.frozen import frozen

Stage = Literal["connect", "auth", "mail", "rcpt", "data"]
# The message sent when a session goes through DATA: headers the cleanup service accepts, no more.
_BODY = b"Subject: mailpolicy sandbox test\r\n\r\nsandbox test\r\n.\r\n"

# Code reported when the server closed the connection without any reply.
NO_REPLY = 0


@frozen
class Attempt:
    """The outcome of one try_send: how far it got and the server's last reply."""

    accepted: bool
    stage: Stage
    code: int
    reply: str
    # Whether the session ran inside TLS, and whether EHLO announced AUTH before it did (None:
    # no EHLO answer was seen in plain text: an implicit-TLS session, or no answer at all).
    # Left out of equality: an outcome is the server's verdict; these say how the session ran.
    tls: bool = attrs.field(default=False, eq=False)
    auth_before_tls: bool | None = attrs.field(default=None, eq=False)


class _ProxiedSMTP(smtplib.SMTP):
    """An SMTP client whose connection starts with a PROXY v1 header, as haproxy's would."""

    def __init__(self, header: bytes, *args, **kwargs):
        self._header = header
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        # Before the greeting is read: the server (smtpd_haproxy.c, postscreen_haproxy.c) reads the
        # header first and greets only after it.
        sock = super()._get_socket(host, port, timeout)
        sock.sendall(self._header)
        return sock


class _ProxiedSMTPSSL(smtplib.SMTP_SSL):
    """An implicit-TLS client whose connection starts with a PROXY v1 header, in plain text before the handshake."""

    def __init__(self, header: bytes, *args, **kwargs):
        self._header = header
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        # smtplib.SMTP_SSL wraps the socket it connects; the header must go before the TLS handshake.
        sock = socket.create_connection((host, port), timeout, self.source_address)
        sock.sendall(self._header)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def proxy_header(claimed: str, server: str, port: int) -> bytes:
    """Return the PROXY v1 line (haproxy's proxy-protocol.txt) that names `claimed` as the client."""
    family = "TCP6" if ":" in claimed else "TCP4"
    server = "::1" if family == "TCP6" else server
    return f"PROXY {family} {claimed} {server} 40000 {port}\r\n".encode()


def connect(host: str, port: int, source: str, timeout: float = 10.0, implicit_tls: bool = False,
            proxy: str | None = None) -> smtplib.SMTP:
    """Open an SMTP connection to host:port from the loopback address source (over TLS if asked).

    With `proxy`, the connection first sends a PROXY v1 header naming that address as the client.
    """
    # Any 127.0.0.0/8 address can be a source on Linux, so one machine can play
    # both a trusted-network client and an outside one.
    if proxy is not None and implicit_tls:
        return _ProxiedSMTPSSL(proxy_header(proxy, host, port), host, port, source_address=(source, 0),
                               timeout=timeout, context=tls_context())
    if proxy is not None:
        return _ProxiedSMTP(proxy_header(proxy, host, port), host, port, source_address=(source, 0), timeout=timeout)
    if implicit_tls:
        return smtplib.SMTP_SSL(host, port, source_address=(source, 0), timeout=timeout, context=tls_context())
    return smtplib.SMTP(host, port, source_address=(source, 0), timeout=timeout)


def tls_context() -> ssl.SSLContext:
    """Return a client context that accepts the sandbox's throwaway, self-signed certificate."""
    # What is tested is what smtpd does inside TLS, not the certificate's chain of trust.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


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
    tls: str | None = None,
    data: bool = False,
    proxy: str | None = None,
) -> Attempt:
    """Do EHLO, STARTTLS (`tls="starttls"`, when offered), AUTH PLAIN (if login), MAIL FROM and RCPT TO.

    `tls="implicit"` speaks TLS from the first byte (port 465). The result says whether the
    session was inside TLS and whether AUTH was announced before it. With `data`, DATA and a short
    message follow an accepted RCPT TO: for what smtpd decides only at DATA, mail to the bare
    postmaster, which RCPT TO always accepts and only smtpd_data_restrictions can refuse
    (smtpd_check.c smtpd_check_rcpt, smtpd_check_data). With `proxy`, a PROXY v1 header naming that
    address as the client comes first (smtpd_/postscreen_upstream_proxy_protocol = haproxy).
    """
    implicit = tls == "implicit"
    try:
        client = connect(host, port, source, timeout, implicit_tls=implicit, proxy=proxy)
    except smtplib.SMTPConnectError as error:
        return Attempt(False, "connect", error.smtp_code, _text(error.smtp_error))
    except (OSError, smtplib.SMTPException) as error:
        return Attempt(False, "connect", NO_REPLY, f"{type(error).__name__}: {error}")
    stage: Stage = "connect"
    secure, auth_before_tls = implicit, None

    def outcome(accepted: bool, code: int, reply) -> Attempt:
        return Attempt(accepted, stage, code, _text(reply), secure, auth_before_tls)

    try:
        code, reply = client.ehlo("sandbox-client.test")
        if code != 250:
            return outcome(False, code, reply)
        if not implicit:
            auth_before_tls = client.has_extn("auth")
        if tls == "starttls" and client.has_extn("starttls"):
            try:
                client.starttls(context=tls_context())
                secure = True
            except smtplib.SMTPResponseException:
                # "454 4.7.0 TLS not available due to local problem" (smtpd with no usable
                # certificate still announces STARTTLS): the session goes on in plain text, as
                # an opportunistic client's would, and what smtpd allows there is the verdict.
                pass
            code, reply = client.ehlo("sandbox-client.test")
            if code != 250:
                return outcome(False, code, reply)
        if login is not None:
            stage = "auth"
            # AUTH is sent even when EHLO did not offer it, so the result records
            # the server's own answer ("503 ... authentication not enabled").
            token = base64.b64encode(f"\0{login}\0{password or ''}".encode()).decode()
            code, reply = client.docmd("AUTH", f"PLAIN {token}")
            if code != 235:
                return outcome(False, code, reply)
        # docmd, not mail()/rcpt(): smtplib would re-quote odd addresses such as
        # "victim@gmail.test"@example0.com, and the exact bytes are the test.
        stage = "mail"
        code, reply = client.docmd("MAIL", f"FROM:<{mail_from}>")
        if code != 250:
            return outcome(False, code, reply)
        stage = "rcpt"
        code, reply = client.docmd("RCPT", f"TO:<{rcpt_to}>")
        if not data or not 200 <= code < 300:
            return outcome(200 <= code < 300, code, reply)
        stage = "data"
        code, reply = client.docmd("DATA")
        if code != 354:
            return outcome(False, code, reply)
        client.send(_BODY)
        code, reply = client.getreply()
        return outcome(code == 250, code, reply)
    except smtplib.SMTPServerDisconnected as error:
        return outcome(False, NO_REPLY, f"disconnected: {error}")
    except (OSError, socket.timeout, ssl.SSLError) as error:
        return outcome(False, NO_REPLY, f"{type(error).__name__}: {error}")
    finally:
        _close(client)


def _close(client: smtplib.SMTP) -> None:
    """End the session with RSET and QUIT, tolerating a server that already left."""
    try:
        client.rset()
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
