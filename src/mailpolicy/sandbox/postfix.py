"""Lay out, start and stop one throwaway Postfix instance under a temp dir."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import procs
from .mainconf import (ISOLATION_PARAMETERS, OWNED_PARAMETERS, POSTMAP_TYPES, find_table_refs, kept_transports,
                       rewrite_main_cf)
from .mastercf import master_cf

POSTFIX = "/usr/sbin/postfix"
POSTMAP = "/usr/sbin/postmap"
POSTCONF = "/usr/sbin/postconf"
SCRIPT = "/usr/bin/script"
# Deliberately missing from master.cf (see mastercf.py).
UNDELIVERABLE_TRANSPORT = "sandbox-nowhere"


def run_on_tty(command: list[str], timeout: float = 60.0) -> tuple[int, str]:
    """Run a command under script(1) and return its exit status and output."""
    # The postfix command prints its own errors only when stderr is a terminal;
    # script gives it one, and -e passes the command's exit status back.
    line = shlex.join(command)
    result = subprocess.run(
        [SCRIPT, "-qec", line, "/dev/null"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
    output = (result.stdout + result.stderr).replace("\r\n", "\n")
    return result.returncode, output


class ConfigRejected(RuntimeError):
    """Raised when Postfix cannot even parse the main.cf; the message quotes it."""


def builtin_defaults(empty_config_dir: Path, names: list[str]) -> dict[str, str]:
    """Return this Postfix's compiled-in defaults of `names` (postconf -d, reading no main.cf)."""
    # -c names a folder without main.cf, so nothing of the policy (not even a meta_directory
    # naming other shared libraries) takes part; postconf only warns that master.cf is missing.
    result = subprocess.run([POSTCONF, "-d", "-c", str(empty_config_dir), *names],
                            capture_output=True, text=True, check=False)
    # "name = value", or "name =" for an empty default.
    values = {name.strip(): value.strip() for name, _, value in
              (line.partition("=") for line in result.stdout.splitlines())}
    missing = [name for name in names if name not in values]
    if result.returncode != 0 or missing:
        raise RuntimeError(f"postconf -d did not give the defaults of {', '.join(missing) or 'all'}:\n"
                           f"{result.stderr.strip()}")
    return {name: values[name] for name in names}


def _write_aged(path: Path, text: str) -> None:
    """Write a file readable by postfix and date it a minute back."""
    path.write_text(text)
    os.chmod(path, 0o644)
    # Postfix re-reads a main.cf (or texthash/inline-loaded file) in 300 ms steps
    # until it is over a second old, lest it read a half-written file: an unaged
    # file costs every postfix/postconf command and daemon start that wait.
    aged = time.time() - 60
    os.utime(path, (aged, aged))


class Postfix:
    """One Postfix instance: config dir, queue dir, data dir, log, relocated maps."""

    def __init__(self, root: Path, main_cf: str, maps: Mapping[str, str], port: int, chroot: bool,
                 listeners: Sequence[tuple[int, Sequence[tuple[str, str]]]] = (),
                 tls_files: tuple[Path, Path] | None = None, lmtp: bool = False,
                 support: Mapping[str, Sequence[tuple[str, str]]] | None = None,
                 postscreen: Sequence[tuple[str, str]] | None = None):
        self.root = root
        self.config_dir = root / "etc"
        self.queue_dir = root / "spool"
        self.data_dir = root / "data"
        self.maps_dir = root / "maps"
        self.log_path = root / "log" / "maillog"
        self._layout()
        relocate = self._write_map_sources(maps)
        # A policy's daemon_directory would have `postfix start` run DIR/postfix-script as
        # root here: every privileged parameter gets the built-in default of this Postfix.
        overrides = builtin_defaults(self.config_dir, [n for n in OWNED_PARAMETERS if n not in ISOLATION_PARAMETERS])
        overrides |= {
            "config_directory": str(self.config_dir),
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            # No syslog here: postlogd (the postlog service) writes this file.
            "maillog_file": str(self.log_path),
            "maillog_file_prefixes": str(self.log_path.parent),
            # Nothing accepted here may travel anywhere. Not "error": smtpd itself
            # rejects recipients whose transport is literally error ("550 5.1.1
            # <victim@gmail.test>: Recipient address rejected: ..."), which would
            # hide every relay verdict. A transport master.cf does not define leaves
            # a message deferred in the throwaway queue instead.
            "default_transport": UNDELIVERABLE_TRANSPORT,
            "relay_transport": UNDELIVERABLE_TRANSPORT,
        }
        # ... unless the policy's own is error or retry, which smtpd refuses at RCPT TO and which
        # deliver nothing: a stand-in would turn the policy's refusal into an acceptance.
        overrides |= kept_transports(main_cf)
        if tls_files is not None:
            # The policy's certificate is the site's; the sandbox speaks TLS with its own throwaway one.
            overrides |= {"smtpd_tls_cert_file": str(tls_files[0]), "smtpd_tls_key_file": str(tls_files[1]),
                          "smtpd_tls_chain_files": ""}
        # A support service's -o must not undo what keeps the sandbox apart from the machine.
        given = {name for pairs in (support or {}).values() for name, _ in pairs}
        kept = sorted(given & (set(overrides) | set(OWNED_PARAMETERS)))
        if kept:
            raise ValueError(f"the sandbox decides {', '.join(kept)} itself; a support service may not override it")
        self.main_cf_text = rewrite_main_cf(main_cf, overrides, relocate)
        _write_aged(self.config_dir / "main.cf", self.main_cf_text)
        _write_aged(self.config_dir / "master.cf", master_cf(port, chroot, listeners, lmtp, support, postscreen))
        self._postmap(relocate)

    def _layout(self) -> None:
        """Create the directories with the owners and modes Postfix insists on."""
        for path in (self.config_dir, self.queue_dir, self.maps_dir, self.log_path.parent):
            path.mkdir(mode=0o755)
            # mkdir's mode is filtered by umask; user postfix must traverse all of them.
            os.chmod(path, 0o755)
        self.data_dir.mkdir(mode=0o700)
        # Postfix keeps its caches and locks here and refuses a data_directory it does not own.
        shutil.chown(self.data_dir, user="postfix")
        # Dovecot may need private/ before Postfix creates it: a root-owned private/
        # makes master fail to bind private/rewrite (EACCES) and exit silently.
        private = self.queue_dir / "private"
        private.mkdir(mode=0o700)
        os.chmod(private, 0o700)
        shutil.chown(private, user="postfix")

    def _write_map_sources(self, maps: Mapping[str, str]) -> dict[str, str]:
        """Write each map source under maps/ and return old path -> new path."""
        relocate = {}
        for index, (original, source) in enumerate(maps.items()):
            if not original.startswith("/"):
                raise ValueError(f"map path {original!r} must be absolute, as named in main.cf")
            target = self.maps_dir / f"{index}-{Path(original).name}"
            _write_aged(target, source)
            relocate[original] = str(target)
        return relocate

    def _postmap(self, relocate: Mapping[str, str]) -> None:
        """Build the indexed files for every relocated hash/lmdb/cdb/... reference."""
        built = set()
        for table_type, path in find_table_refs(self.main_cf_text):
            if table_type not in POSTMAP_TYPES or path not in relocate.values():
                continue
            if (table_type, path) in built:
                continue
            built.add((table_type, path))
            # -c: use this instance's main.cf, so no setting comes from /etc/postfix.
            status, output = run_on_tty([POSTMAP, "-c", str(self.config_dir), f"{table_type}:{path}"])
            if status != 0:
                raise RuntimeError(f"postmap {table_type}:{path} failed:\n{output}")

    def postconf(self, *names: str) -> dict[str, str]:
        """Return the effective values of the named parameters."""
        result = subprocess.run(
            [POSTCONF, "-c", str(self.config_dir), "-x", *names],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ConfigRejected(f"postconf cannot read the main.cf:\n{result.stderr.strip()}")
        values = {}
        for line in result.stdout.splitlines():
            name, _, value = line.partition(" = ")
            values[name.strip()] = value.strip()
        return values

    def check(self) -> str:
        """Return the output of `postfix -c DIR check`."""
        return run_on_tty([POSTFIX, "-c", str(self.config_dir), "check"])[1]

    def start(self) -> None:
        """Start master; raise with postfix's own output if it refuses."""
        status, output = run_on_tty([POSTFIX, "-c", str(self.config_dir), "start"])
        if status != 0:
            raise RuntimeError(f"postfix start exited with status {status}:\n{output}")

    def own_pids(self) -> list[int]:
        """Return the pids of this instance's master and daemons."""
        pids = set(procs.with_environment("MAIL_CONFIG", str(self.config_dir)))
        master = self.master_pid()
        if master is not None and procs.is_alive(master):
            pids.add(master)
        return sorted(pids)

    def master_pid(self) -> int | None:
        """Return master's pid from its pid file."""
        return procs.read_pid(self.queue_dir / "pid" / "master.pid")

    def stop(self) -> None:
        """Stop master politely, then kill whatever of this instance survives."""
        before = self.own_pids()
        if before:
            try:
                run_on_tty([POSTFIX, "-c", str(self.config_dir), "stop"], timeout=15.0)
            except subprocess.TimeoutExpired:
                pass
        procs.terminate(sorted(set(before) | set(self.own_pids())), grace=3.0)

    def log(self) -> str:
        """Return the maillog so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
