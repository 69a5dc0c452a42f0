"""sandbox/postgres.py without PostgreSQL: what it runs, as whom, where, and what it leaves.

The throwaway PostgreSQL (used by `verify --database`) is booted for real only by the `postfix`-
marked tests (tests/e2e/test_postgresql_live.py), which mutmut leaves out; these tests reach the
same logic with a stand-in for `subprocess.run` that records every command and answers as the
server programs would (docs/mutation.md, sixth run). What is asserted is what the module is for:
the server runs as `postgres` in a private folder (0700, owned by it) under /tmp, listens on
loopback and a socket in that folder only, a fresh password for the login role, and the folder
is removed whatever happened, after the server is stopped.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from mailpolicy.sandbox import postgres, procs
from mailpolicy.sandbox.postgres import DatabaseUnavailable, PostgresSandbox

BIN = Path("/usr/lib/postgresql/15/bin")


class Server:
    """Stand-in for subprocess.run: records (command, options) and answers like runuser + the PostgreSQL tools."""

    def __init__(self, fail: str | None = None, psql_status: int = 0) -> None:
        self.calls: list[tuple[list[str], dict]] = []
        self.fail = fail  # the program (initdb, pg_ctl) that exits 1
        self.psql_status = psql_status
        self.stop_hangs = False

    def __call__(self, command, **options):
        self.calls.append((list(command), options))
        program = Path(command[4]).name
        if program == "pg_ctl" and "stop" in command and self.stop_hangs:
            raise subprocess.TimeoutExpired(command, options["timeout"])
        if program == "pg_ctl" and "start" in command:
            started = program != self.fail
            Path(command[command.index("-l") + 1]).write_bytes(
                b"LOG:  database system is ready \xff\n" if started else b"FATAL:  could not bind IPv4 address\n")
            if started:
                data = Path(command[command.index("-D") + 1])
                data.mkdir(parents=True, exist_ok=True)
                (data / "postmaster.pid").write_text("4242\n")
        if program == self.fail:
            # initdb says why on stdout only; pg_ctl on stderr.
            error = "" if program == "initdb" else f"{program}: could not start server\n"
            if options["check"]:
                raise subprocess.CalledProcessError(1, command, output=f"{program} failed\n", stderr=error)
            return subprocess.CompletedProcess(command, 1, "", error)
        if program == "psql":
            return subprocess.CompletedProcess(command, self.psql_status, "row|1\n", "ERROR:  syntax error\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    def programs(self) -> list[str]:
        return [Path(command[4]).name for command, _ in self.calls]


@pytest.fixture
def server(monkeypatch) -> Server:
    stand_in = Server()
    monkeypatch.setattr(postgres.subprocess, "run", stand_in)
    monkeypatch.setattr(postgres, "server_bin", lambda: BIN)
    monkeypatch.setattr(postgres, "database_available", lambda: None)
    return stand_in


def test_the_newest_installed_version_is_chosen_by_number(monkeypatch) -> None:
    found = ["/usr/lib/postgresql/9/bin/initdb", "/usr/lib/postgresql/15/bin/initdb",
             "/usr/lib/postgresql/devel/bin/initdb", "/usr/lib/postgresql/10/bin/initdb"]
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: found if pattern ==
                        "/usr/lib/postgresql/*/bin/initdb" else [])
    assert postgres.server_bin() == Path("/usr/lib/postgresql/15/bin")  # 9 sorts after 15 as text
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: ["/usr/lib/postgresql/devel/bin/initdb"])
    assert postgres.server_bin() == Path("/usr/lib/postgresql/devel/bin")
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    assert postgres.server_bin() is None


def test_each_missing_prerequisite_is_named(monkeypatch) -> None:
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    monkeypatch.setattr(postgres, "server_bin", lambda: BIN)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: "/usr/sbin/runuser" if name == "runuser" else None)
    assert postgres.database_available() is None
    monkeypatch.setattr(postgres.pwd, "getpwnam", lambda name: (_ for _ in ()).throw(KeyError(name)))
    assert postgres.database_available() == "there is no `postgres` user (apt-get install -y postgresql)"
    monkeypatch.setattr(postgres.pwd, "getpwnam", lambda name: pwd.getpwnam("root") if name == "postgres" else None)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    assert postgres.database_available() == "runuser(1) is missing"
    monkeypatch.setattr(postgres, "server_bin", lambda: None)
    assert postgres.database_available() == "PostgreSQL's server is not installed (apt-get install -y postgresql)"
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)
    assert postgres.database_available() == "it must run as root (to start the server as the postgres user)"


def test_a_free_port_is_a_loopback_port_nobody_holds() -> None:
    port = postgres._free_port()
    assert 1024 <= port <= 65535
    with postgres.socket.socket() as again:
        again.bind(("127.0.0.1", port))  # released, so the server can take it


def test_a_new_sandbox_has_a_fresh_password_and_nothing_yet() -> None:
    first, second = PostgresSandbox(), PostgresSandbox("db", "reader")
    assert (first.dbname, first.user, second.dbname, second.user) == ("mail", "postfix", "db", "reader")
    assert len(first.password) == 24 and int(first.password, 16) >= 0 and first.password != second.password
    assert (first.port, first.root, first.host) == (0, None, "127.0.0.1")


def test_an_unavailable_machine_boots_nothing(monkeypatch, server: Server) -> None:
    monkeypatch.setattr(postgres, "database_available", lambda: "it must run as root (...)")
    with pytest.raises(DatabaseUnavailable, match=r"^it must run as root \(\.\.\.\)$"):
        with PostgresSandbox():
            pass
    assert server.calls == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the folder to the postgres user")
def test_the_server_runs_as_postgres_in_a_private_folder_on_loopback_only(server: Server, monkeypatch) -> None:
    account = pwd.getpwnam("postgres")
    # /tmp whatever TMPDIR says: every parent of the folder must be traversable by the postgres user.
    monkeypatch.setattr(postgres.tempfile, "tempdir", "/var/tmp/not-for-postgres")
    with PostgresSandbox("mail", "postfix") as database:
        root, port = database.root, database.port
        info = root.stat()
        assert root.parent == Path("/tmp") and root.name.startswith("mppg-")
        assert isinstance(port, int) and 1024 <= port <= 65535
        # Nobody but the server's user gets in: its socket and trust-authenticated data are there.
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (account.pw_uid, account.pw_gid, 0o700)
        assert database.log() == "LOG:  database system is ready \ufffd\n"  # a log is shown, whatever its bytes
        assert database.sql("SELECT 1") == "row|1\n"
        database.grant_reading()
    as_server = ["runuser", "-u", "postgres", "--"]
    data = str(root / "data")
    assert [command for command, _ in server.calls] == [
        [*as_server, str(BIN / "initdb"), "-D", data, "--auth-local=trust", "--auth-host=scram-sha-256",
         "-U", "postgres", "--no-sync", "-E", "UTF8"],
        [*as_server, str(BIN / "pg_ctl"), "-D", data, "-l", str(root / "log"), "-o",
         f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "-t", "60", "start"],
        *[[*as_server, str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(root), "-p", str(port),
           "-d", name, "-At"] for name in ("postgres", "postgres", "mail", "mail")],
        [*as_server, str(BIN / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
    ]
    sql = [options["input"] for command, options in server.calls if Path(command[4]).name == "psql"]
    assert sql == [f"CREATE ROLE postfix LOGIN PASSWORD '{database.password}'", "CREATE DATABASE mail OWNER postfix",
                   "SELECT 1", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO postfix"]
    for command, options in server.calls:
        # Never the caller's cwd (the postgres user may not enter it); bounded; output kept as text.
        assert options["cwd"] == root and options["timeout"] == 60
        assert options["capture_output"] is True and options["text"] is True
        assert options["check"] is (Path(command[4]).name in ("initdb",) or "start" in command)
    assert database.root is None and not root.exists()
    assert database.log() == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the folder to the postgres user")
@pytest.mark.parametrize(("fails", "ran", "said"), [
    ("initdb", ["initdb"], "initdb failed"),
    ("pg_ctl", ["initdb", "pg_ctl"], "pg_ctl: could not start server\nFATAL:  could not bind IPv4 address\n"),
])
def test_a_server_that_does_not_start_is_reported_and_its_folder_removed(server: Server, monkeypatch, fails: str,
                                                                         ran: list[str], said: str) -> None:
    server.fail = fails
    made = []
    real_mkdtemp = postgres.tempfile.mkdtemp
    monkeypatch.setattr(postgres.tempfile, "mkdtemp", lambda **options: made.append(real_mkdtemp(**options)) or made[-1])
    with pytest.raises(DatabaseUnavailable) as raised:
        with PostgresSandbox():
            pytest.fail("booted")
    # The tool's own words (stderr, else stdout), then the server's log so far.
    assert str(raised.value) == f"PostgreSQL did not start: {said}" + ("\n" if fails == "initdb" else "")
    assert isinstance(raised.value.__cause__, subprocess.CalledProcessError)
    assert server.programs() == ran  # no postmaster.pid: no server to stop
    assert not Path(made[0]).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the folder to the postgres user")
def test_failed_sql_is_an_error_with_the_servers_words(server: Server) -> None:
    with PostgresSandbox() as database:
        server.psql_status = 3
        with pytest.raises(ValueError, match=r"^SQL failed: ERROR:  syntax error$"):
            database.sql("SELEC 1", database="other")
        assert server.calls[-1][0][-3:] == ["-d", "other", "-At"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the folder to the postgres user")
def test_the_folder_goes_even_when_stopping_the_server_fails(server: Server) -> None:
    database = PostgresSandbox()
    with pytest.raises(subprocess.TimeoutExpired):
        with database:
            root = database.root
            server.stop_hangs = True
    assert server.programs()[-1] == "pg_ctl" and not root.exists() and database.root is None


def test_a_teardown_with_nothing_booted_runs_nothing(server: Server, tmp_path: Path) -> None:
    database = PostgresSandbox()
    database._teardown()
    assert server.calls == []
    database.root = tmp_path / "mppg-x"
    (database.root / "data").mkdir(parents=True)  # initdb ran, the server never started
    database._teardown()
    assert server.calls == [] and not (tmp_path / "mppg-x").exists() and database.root is None
    assert database.log() == ""


def test_a_server_pg_ctl_did_not_stop_is_ended_before_its_folder_goes(server: Server, tmp_path: Path, children) -> None:
    database = PostgresSandbox()
    database.root = tmp_path / "mppg-x"
    (database.root / "data").mkdir(parents=True)
    (database.root / "data" / "postmaster.pid").write_text("1\n")  # pg_ctl stop "succeeds" and does nothing
    postmaster = children.start("-D", str(database.root / "data"))
    database._teardown()
    assert [Path(command[4]).name for command, _ in server.calls] == ["pg_ctl"]
    assert postmaster.wait(timeout=10) == -15 and not (tmp_path / "mppg-x").exists()


def test_a_folder_whose_server_survives_is_kept(server: Server, tmp_path: Path, children, monkeypatch) -> None:
    monkeypatch.setattr(postgres.procs, "terminate", lambda pids, grace: None)
    database = PostgresSandbox()
    database.root = tmp_path / "mppg-x"
    (database.root / "data").mkdir(parents=True)
    postmaster = children.start("-D", str(database.root / "data"))
    database._teardown()
    assert (tmp_path / "mppg-x").exists() and procs.is_alive(postmaster.pid) and database.root is None
