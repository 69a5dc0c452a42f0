"""A policy service with no opinion: it answers `action=DUNNO` to every request.

Postfix's policy delegation protocol (SMTPD_POLICY_README, smtpd_check.c check_policy_service):
smtpd sends `name=value` lines ended by an empty line and reads `action=...` and an empty line;
one connection carries many requests. DUNNO makes the restriction list go on to its next entry,
as if the policy service were not asked: what the stand-in assumes of the real one.
"""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if line.strip() == b"":
                self.wfile.write(b"action=DUNNO\n\n")
                self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class DunnoPolicyService:
    """Listens on 127.0.0.1 on a free port while in its `with` block."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> DunnoPolicyService:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
