"""`owners from map` with a lookup service (`socketmap:`, `tcp:`), on the real Postfix 3.7.

Mailu's login map is a socketmap its own program answers. dict_sockmap.c and dict_tcp.c open such
tables with DICT_FLAG_PATTERN, and mail_addr_find.c sends its partial keys (the address without its
extension, `user`, `@domain`) only to DICT_FLAG_FIXED tables: smtpd asks the service for the whole
address only. Shown here with a socketmap server of the test's own that writes down every key it is
asked, and the consequence for `verify --owners-map`: its stand-in for such a map matches each row's
key whole (a regexp table), so `@domain` and `user@domain` rows own nothing more than the service
would, where a texthash stand-in (right for LDAP or SQL) would let them.
"""

from __future__ import annotations

import socketserver
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import Sandbox
from mailpolicy.verify import sandbox_inputs
from mailpolicy.verify.standins import OUTSIDE_SOURCE

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

ROWS = {"jcricket@example0.com": "jimminey", "@example1.com": "alice"}
POLICY = """\
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
set recipient_delimiter = +
owners from map {map}
expect reject anonymous sending as spam@evil.test to victim@gmail.test
"""


class _Socketmap(socketserver.ThreadingTCPServer):
    """A socketmap(5) server on loopback: netstring `NAME KEY` in, `OK VALUE` or `NOTFOUND ` out."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, rows: dict[str, str]):
        super().__init__(("127.0.0.1", 0), _Answer)
        self.rows = rows
        self.asked: list[tuple[str, str]] = []


class _Answer(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:  # Postfix keeps the connection for the next lookups
            request = _read_netstring(self.rfile)
            if request is None:
                return
            name, _, key = request.partition(" ")
            self.server.asked.append((name, key))
            value = self.server.rows.get(key)
            reply = f"OK {value}" if value is not None else "NOTFOUND "
            self.wfile.write(f"{len(reply.encode())}:{reply},".encode())
            self.wfile.flush()


def _read_netstring(stream) -> str | None:
    length = b""
    while (byte := stream.read(1)) not in (b":", b""):
        length += byte
    if not length:
        return None
    data = stream.read(int(length))
    stream.read(1)  # the closing comma
    return data.decode()


@pytest.fixture
def socketmap():
    server = _Socketmap(ROWS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtpd_asks_a_socketmap_login_map_for_the_whole_address_only(tmp_path: Path, socketmap) -> None:
    reference = f"socketmap:inet:127.0.0.1:{socketmap.server_address[1]}:senderlogin"
    (tmp_path / "site.mailpolicy").write_text(POLICY.format(map=reference), encoding="utf-8")
    compiled = compile_policy(tmp_path / "site.mailpolicy")
    assert compiled.ok, compiled.diagnostics
    assert compiled.plan.parameter("smtpd_sender_login_maps").value == reference
    (stated,) = [d for d in compiled.diagnostics if d.code == "MP334"]
    assert "whole address only" in stated.message
    inputs = sandbox_inputs(compiled, extra_logins=("jimminey", "alice"))
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as box:

        def send(login, sender):
            password = inputs.logins.get(login) if login else None
            return box.try_send(OUTSIDE_SOURCE, login, password, sender, "friend@gmail.test", timeout=10.0)

        own = send("jimminey", "jcricket@example0.com")
        extension = send("jimminey", "jcricket+tag@example0.com")
        domain = send("alice", "bob@example1.com")
        anonymous = send(None, "jcricket@example0.com")
    assert own.accepted, own
    # A fixed table would answer these with their second and third lookups; the service is never asked them.
    assert extension.code == 553 and "not owned by user jimminey" in extension.reply, extension
    assert domain.code == 553 and "not owned by user alice" in domain.reply, domain
    assert anonymous.code == 553 and "not logged in" in anonymous.reply, anonymous
    assert {name for name, _ in socketmap.asked} == {"senderlogin"}
    assert {key for _, key in socketmap.asked} == {"jcricket@example0.com", "jcricket+tag@example0.com",
                                                     "bob@example1.com"}


def test_verify_stands_in_for_a_service_map_with_whole_address_rows(tmp_path: Path) -> None:
    reference = "socketmap:unix:/tmp/podop.socket:senderlogin"
    policy = POLICY.format(map=reference) + (
        "expect accept user jimminey sending as jcricket@example0.com to friend@gmail.test\n"
        "expect reject user jimminey sending as jcricket+tag@example0.com to friend@gmail.test\n"
        "expect reject user alice sending as bob@example1.com to friend@gmail.test\n"
        "expect reject anonymous sending as jcricket@example0.com to friend@gmail.test\n")
    (tmp_path / "site.mailpolicy").write_text(policy, encoding="utf-8")
    (tmp_path / "rows.txt").write_text("".join(f"{key} {login}\n" for key, login in ROWS.items()))
    done = CliRunner().invoke(cli, ["verify", str(tmp_path / "site.mailpolicy"), "--owners-map",
                                    f"{reference}={tmp_path / 'rows.txt'}"])
    assert done.exit_code == 0, done.output
    assert "all 5 expectations confirmed" in done.stdout, done.stdout
    assert "(regexp, each key matched whole" in done.stdout
