"""Run a policy's `expect` lines against a real Postfix in the sandbox, one session each."""

from __future__ import annotations

import contextlib
from pathlib import Path

import re
import subprocess
from collections.abc import Callable, Iterable


from mailpolicy.compiler import Compilation
from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Expectation
from mailpolicy.sandbox import Attempt, Sandbox
from mailpolicy.sandbox.client import NO_REPLY
from mailpolicy.verify.inputs import SandboxInputs, sandbox_inputs
from mailpolicy.verify.services import Probe, probe_services, screen_wait, service_routes, tls_mode

# Short: a server that does not answer at all has an smtpd that died at startup, and master
# then throttles the service for 60 s; waiting longer learns nothing more.
ATTEMPT_TIMEOUT = 5.0

# "Nov 25 15:27:58 vm postfix/smtpd[4731]: " -> "postfix/smtpd: ", so a report is the same every run.
_LOG_PREFIX = re.compile(r"^\w{3} +\d+ [\d:]{8} \S+ (\S+?)\[\d+\]: ")
# Every smtpd says this once on a machine without NIS; it never explains a failure.
_NOISE = "dict_nis_init: NIS domain name not set"

ACCEPT, REJECT, DEFER, NO_ANSWER, NOT_RUN = "accept", "reject", "defer", "no answer", "not run"


@frozen
class Outcome:
    """One expectation, the loopback address it was sent from, and what the server did."""

    expectation: Expectation
    source: str
    attempt: Attempt | None
    service: str | None = None  # the stated service it was sent to (None: the policy states none)

    @property
    def got(self) -> str:
        """Return accept, reject (5xx), defer (4xx), no answer, or not run."""
        if self.attempt is None:
            return NOT_RUN
        if self.attempt.accepted:
            return ACCEPT
        if self.attempt.code == NO_REPLY:
            return NO_ANSWER
        # A temporary 4xx is not the permanent "reject" an expect line states: the
        # client would retry, and the mail might yet be relayed.
        return REJECT if self.attempt.code >= 500 else DEFER

    @property
    def expected(self) -> str:
        return ACCEPT if self.expectation.accept else DEFER if self.expectation.defer else REJECT

    @property
    def confirmed(self) -> bool:
        return self.got == self.expected


@frozen
class Verification:
    """Every outcome of one policy, with the sandbox inputs and the server's log where it failed."""

    inputs: SandboxInputs
    outcomes: tuple[Outcome, ...]
    log_excerpt: str = ""
    probes: tuple[Probe, ...] = ()  # one per stated service: is AUTH kept inside TLS

    @property
    def confirmed(self) -> bool:
        return all(o.confirmed for o in self.outcomes) and all(p.ok for p in self.probes)


def run_expectations(sandbox: Sandbox, inputs: SandboxInputs, expectations: Iterable[Expectation],
                     routes: Callable[[Expectation], list[str | None]] = lambda e: [None]
                     ) -> tuple[tuple[Outcome, ...], str]:
    """Send each expectation's request to each service `routes` names; stop when the server goes silent.

    Returns the outcomes (those after a silent server marked not run) and, when the server
    went silent, the warning and fatal lines of its log.
    """
    outcomes: list[Outcome] = []
    silent = False
    for expectation in expectations:
        source = inputs.stand_ins.source_for(expectation.client)
        for service in routes(expectation):
            if silent:
                outcomes.append(Outcome(expectation, source, None, service))
                continue
            login = expectation.login
            password = inputs.logins.get(login) if login is not None else None
            # smtpd accepts RCPT TO:<postmaster> before every restriction; only smtpd_data_restrictions,
            # at DATA, decides that mail (smtpd_check.c smtpd_check_rcpt, smtpd_check_data).
            attempt = sandbox.try_send(source, login, password, expectation.sender, expectation.recipient,
                                       timeout=ATTEMPT_TIMEOUT + screen_wait(inputs), service=service,
                                       tls=tls_mode(inputs, service), data=expectation.recipient.lower() == "postmaster",
                                       proxy=inputs.proxy_for(service, source))
            outcomes.append(Outcome(expectation, source, attempt, service))
            silent = not attempt.accepted and attempt.code == NO_REPLY
    excerpt = _problems(sandbox.wait_log("fatal:", timeout=2.0)) if silent else ""
    return tuple(outcomes), excerpt


def verify_compilation(compilation: Compilation, expectations: Iterable[Expectation] | None = None,
                       rows: Path | None = None, owner_rows: dict[str, str] | None = None) -> Verification:
    """Boot the compiled policy in a sandbox and run its expect lines (or the ones given).

    `rows`: an SQL file loaded into a throwaway PostgreSQL that stands in for the policy's database;
    `owner_rows`: the rows text standing in for each `owners from map` (verify/owner_maps.py).
    Raises SandboxUnavailable when the machine cannot run the sandbox or Postfix will not start.
    """
    inputs = sandbox_inputs(compilation, owner_rows=owner_rows)
    chosen = tuple(compilation.policy.expectations if expectations is None else expectations)
    routes = service_routes(compilation.plan)
    with contextlib.ExitStack() as stack:
        if rows is not None:
            from mailpolicy.verify.database import database_stand_in  # only a policy with a database needs it

            inputs = stack.enter_context(database_stand_in(compilation, inputs, rows))
        with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as sandbox:
            probes = probe_services(sandbox, inputs)
            outcomes, excerpt = run_expectations(sandbox, inputs, chosen, routes)
    return Verification(inputs, outcomes, excerpt, probes)


def server_versions() -> str:
    """Return e.g. "Postfix 3.7.11, Dovecot 2.3.19" for the report (unknown parts say so)."""
    postfix = _output(["/usr/sbin/postconf", "-dh", "mail_version"]) or "unknown"
    dovecot = (_output(["/usr/sbin/dovecot", "--version"]) or "unknown").split(" ")[0]
    return f"Postfix {postfix}, Dovecot {dovecot}"


def _output(command: list[str]) -> str:
    """Return a command's first output line, or "" if it cannot run."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if result.returncode == 0 and lines else ""


def _problems(log: str, limit: int = 8) -> str:
    """Return the last warning/fatal/panic lines of a maillog, without time, host and pid."""
    marks = ("warning:", "fatal:", "panic:", "error:")
    lines = [_LOG_PREFIX.sub(r"\1: ", line) for line in log.splitlines()
             if any(mark in line for mark in marks) and _NOISE not in line]
    return "\n".join(lines[-limit:])
