"""Run postmap and the postfix command against one configuration folder (`-c DIR`).

The postfix command prints its own errors only when stderr is a terminal (postfix.c sends
msg_vstream output to stderr only if isatty), so commands run under script(1) as the sandbox's do.
`postfix status` exits 0 exactly when a master of this configuration runs (postfix-script
"status"); `reload` sends master SIGHUP (postfix-script "reload"), and master re-reads main.cf
and master.cf then, exiting on a fatal error in them (master/master.c), which only a later
`status` shows.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import attrs

from mailpolicy.frozen import frozen, mutable
from mailpolicy.sandbox.postfix import run_on_tty

# Debian puts both in /usr/sbin, which is not on a normal user's PATH.
_SEARCH_PATH = "/usr/sbin:/usr/local/sbin:/sbin"
# How long master gets to re-read its files after a reload before we ask whether it still runs.
RELOAD_SETTLE_SECONDS = 1.5


class CommandMissing(RuntimeError):
    """Raised when postfix or postmap is not installed; the message says which."""


@frozen
class Result:
    """A command's exit status and what it printed."""

    command: str
    status: int
    output: str

    @property
    def ok(self) -> bool:
        return self.status == 0


def find(name: str) -> str:
    """Return the path of a Postfix program, looking in the sbin folders too."""
    path = shutil.which(name) or shutil.which(name, path=_SEARCH_PATH)
    if path is None:
        raise CommandMissing(f"{name} is not installed (looked on PATH and in {_SEARCH_PATH})")
    return path


@mutable
class PostfixCommands:
    """The commands of one configuration folder."""

    config_dir: Path

    def _run(self, program: str, *args: str, timeout: float = 120.0) -> Result:
        command = [find(program), "-c", str(self.config_dir), *args]
        shown = " ".join([program, "-c", str(self.config_dir), *args])
        if shutil.which("script") is None:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                  stdin=subprocess.DEVNULL, timeout=timeout, check=False)
            return Result(shown, done.returncode, (done.stdout + done.stderr).strip())
        status, output = run_on_tty(command, timeout=timeout)
        return Result(shown, status, output.strip())

    def postmap(self, table_type: str, path: Path) -> Result:
        """Build the indexed file of one map source.

        A warning counts as a failure: postmap skips a line it cannot read ("expected format:
        key whitespace value", a non-UTF-8 line) and still exits 0, and a sender map missing an
        owner would let the address go unchecked.
        """
        result = self._run("postmap", f"{table_type}:{path}")
        if result.ok and "warning:" in result.output:
            return attrs.evolve(result, status=1)
        return result

    def check(self) -> Result:
        """Run `postfix check`: exit 0 unless a fatal error (warnings are printed, not failed)."""
        return self._run("postfix", "check")

    def running(self) -> bool:
        """Tell whether a master of this configuration runs."""
        return self._run("postfix", "status", timeout=30.0).ok

    def reload(self) -> Result:
        """Reload master, then confirm it still runs once it has re-read its files."""
        result = self._run("postfix", "reload")
        if not result.ok:
            return result
        time.sleep(RELOAD_SETTLE_SECONDS)
        if not self.running():
            return attrs.evolve(result, status=1, output=result.output
                                + "\nmaster is no longer running after the reload (see the mail log)")
        return result

    def start(self) -> Result:
        """Start master (used only to bring back a master that a failed reload stopped)."""
        return self._run("postfix", "start")
