"""Boot a throwaway PostgreSQL (Debian's server binaries) on a free loopback port, and always tear it down.

Used by `mailpolicy verify --database ROWS.sql` and the tests, as the Postfix sandbox is: its own
cluster in a private folder under /tmp, started as the `postgres` user (initdb and the server
refuse to run as root), listening on 127.0.0.1 and on a socket in that folder only, trust
authentication for loopback (nothing else can reach it), stopped with `pg_ctl -m fast stop` and
its folder removed on exit, whatever happened. A run killed with SIGKILL runs no teardown: the
folder carries stale.py's marker naming the process that made it, and the next boot ends the
server of a folder whose maker is dead and removes it (`remove_abandoned`).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from . import procs, stale

PARENT = "/tmp"
PREFIX = "mppg-"
SERVER_USER = "postgres"
START_TIMEOUT = 60


class DatabaseUnavailable(Exception):
    """This machine cannot run the throwaway PostgreSQL; the message says why."""


def server_bin() -> Path | None:
    """Return Debian's folder of PostgreSQL server binaries (the newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if
                   p.split("/")[4].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def database_available() -> str | None:
    """Return why the throwaway PostgreSQL cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "it must run as root (to start the server as the postgres user)"
    if server_bin() is None:
        return "PostgreSQL's server is not installed (apt-get install -y postgresql)"
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        return "there is no `postgres` user (apt-get install -y postgresql)"
    if shutil.which("runuser") is None:
        return "runuser(1) is missing"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresSandbox:
    """A private PostgreSQL cluster with one database and one login role (with a fresh password)."""

    host = "127.0.0.1"

    def __init__(self, dbname: str = "mail", user: str = "postfix") -> None:
        self.dbname = dbname
        self.user = user
        self.password = secrets.token_hex(12)
        self.port = 0
        self.root: Path | None = None

    def __enter__(self) -> PostgresSandbox:
        reason = database_available()
        if reason is not None:
            raise DatabaseUnavailable(reason)
        try:
            self._boot()
        except BaseException:
            self._teardown()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._teardown()

    def _as_server(self, *command: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        # Never run with the caller's cwd: the postgres user may not be able to enter it.
        return subprocess.run(["runuser", "-u", SERVER_USER, "--", *command], input=stdin, cwd=self.root,
                              capture_output=True, text=True, check=check, timeout=START_TIMEOUT)

    def _boot(self) -> None:
        remove_abandoned(Path(PARENT))
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=PARENT))
        stale.mark(self.root)  # ours (root's), in a folder the server's user gets next
        account = pwd.getpwnam(SERVER_USER)
        os.chown(self.root, account.pw_uid, account.pw_gid)
        os.chmod(self.root, 0o700)
        binaries = server_bin()
        data = self.root / "data"
        try:
            self._as_server(str(binaries / "initdb"), "-D", str(data), "--auth-local=trust", "--auth-host=scram-sha-256", "-U", SERVER_USER,
                            "--no-sync", "-E", "UTF8")
            self.port = _free_port()
            options = f"-p {self.port} -k {self.root} -c listen_addresses={self.host} -c fsync=off"
            self._as_server(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"), "-o", options,
                            "-w", "-t", str(START_TIMEOUT), "start")
        except subprocess.CalledProcessError as error:
            raise DatabaseUnavailable(f"PostgreSQL did not start: {(error.stderr or error.stdout).strip()}\n"
                                      f"{self.log()}") from error
        # A role with a password, as a real deployment has: Postfix's pgsql client sends it.
        self.sql(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'", database="postgres")
        self.sql(f"CREATE DATABASE {self.dbname} OWNER {self.user}", database="postgres")

    def sql(self, text: str, database: str | None = None) -> str:
        """Run SQL as the superuser (psql, stop at the first error); return its output."""
        psql = server_bin() / "psql"
        done = self._as_server(str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-p",
                               str(self.port), "-d", database or self.dbname, "-At", check=False, stdin=text)
        if done.returncode != 0:
            raise ValueError(f"SQL failed: {done.stderr.strip()}")
        return done.stdout

    def grant_reading(self) -> None:
        """Let the login role read every table of the database (what Postfix's pgsql client needs)."""
        self.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {self.user}")

    def log(self) -> str:
        try:
            return (self.root / "log").read_text(errors="replace") if self.root else ""
        except OSError:
            return ""

    def _teardown(self) -> None:
        root, self.root = self.root, None
        if root is None:
            return
        try:
            if (root / "data" / "postmaster.pid").exists():
                self.root = root
                self._as_server(str(server_bin() / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w",
                                "stop", check=False)
        finally:
            self.root = None
            # Not on pg_ctl's word alone: a stop that failed or timed out, or a start interrupted
            # before postmaster.pid, leaves a server that only `-D DATA` still names; it ends first.
            _end_and_remove(root)


def _end_and_remove(root: Path) -> bool:
    """End the server started with `-D root/data` (and its children), then remove the folder; keep it if one survives."""
    if not procs.end_all(lambda: procs.started_with(str(root / "data")), grace=5.0):
        return False
    shutil.rmtree(root, ignore_errors=True)
    return True


def remove_abandoned(parent: Path) -> list[Path]:
    """End the server of every throwaway PostgreSQL under `parent` whose maker is dead, remove its folder.

    Its folder belongs to the server's user (so that it can run there), the marker in it to us.
    """
    try:
        owner = pwd.getpwnam(SERVER_USER).pw_uid
    except KeyError:
        return []
    return stale.sweep(parent, PREFIX, owner, _end_and_remove)
