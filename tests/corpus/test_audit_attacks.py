"""Configurations an attacker would hand the audit: each is reported at its line or safe on Postfix.

Each `audit_attacks/*.case` file is a main.cf, a master.cf and the SMTP requests that test them:

    # what the case tries (comments)
    verdict: safe                       (or: verdict: MP301 master.cf line 2)
    --- main.cf
    ...
    --- master.cf
    ...
    --- table /etc/postfix/senders     (any number of these: a table main.cf names, as its postmap source)
    ...
    --- smtp
    anonymous  anyone@elsewhere.test  victim@gmail.test  accept

A request line is CLIENT SENDER RECIPIENT OUTCOME, CLIENT `anonymous` (an outside client, not logged
in) or `proxy:ADDRESS` (the same client, first sending a haproxy PROXY header that names ADDRESS). OUTCOME is `accept` (RCPT 250), `reject` (anything else), `queues=ADDRESS`: the message is
sent through DATA, queued, and the queue manager then tries to deliver it to ADDRESS - the address
cleanup really queued, after its rewriting (no transport of the sandbox's master.cf leaves the
machine, so the log shows that delivery deferred) - or `from=ADDRESS`: likewise queued, and the
queue manager logs the sender cleanup queued it from. A `logins: LOGIN=PASSWORD ...` line in the
head starts a Dovecot that answers smtpd's SASL requests (smtpd_sasl_path = private/auth), for
cases whose main.cf turns SASL on.

Two tests per case. Without Postfix: `mailpolicy audit` on the folder reports the error at its file
and line, or no error for a safe case. On the real Postfix: the case's main.cf, its smtpd services
with their -o overrides, and the -o of its `rewrite` and `cleanup` services (the daemons that decide
what smtpd's relay check reads and what accepted mail becomes: postfix/daemons.py) are booted and
every request gets its outcome, so a refusal is never a false error and a safe verdict is shown.
A master.cf postscreen is booted in front of the `smtpd pass` service it hands clients to, with its
own -o (tests/postfix_support.py sandbox_services).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import attrs
import pytest

from mailpolicy.audit.run import audit_config
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.verify.standins import OUTSIDE_SOURCE
from tests.postfix_support import booted_sandbox, sandbox_services

CORPUS = Path(__file__).parent / "audit_attacks"
CASES = sorted(CORPUS.glob("*.case"))
_VERDICT = re.compile(r"verdict:\s*(?:(safe)|(MP\d{3}) (main\.cf|master\.cf) line (\d+))\s*$")
SUPPORT_SERVICES = ("rewrite", "cleanup")


@attrs.frozen
class Request:
    proxy: str | None  # the client a PROXY header names (None: no header)
    sender: str
    recipient: str
    outcome: str  # accept, reject or queues=ADDRESS


@attrs.frozen
class Case:
    name: str
    verdict: tuple[str, str, int] | None  # (code, file, line); None: safe
    main_cf: str
    master_cf: str
    requests: tuple[Request, ...]
    tables: tuple[tuple[str, str], ...] = ()  # (path main.cf names, postmap source)
    logins: tuple[tuple[str, str], ...] = ()  # (login, password) Dovecot accepts


_TABLE = re.compile(r"^--- table (/\S+)\n", re.MULTILINE)


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("--- main.cf\n")
    main_cf, _, rest = rest.partition("--- master.cf\n")
    master_cf, _, smtp = rest.partition("--- smtp\n")
    parts = _TABLE.split(master_cf)
    master_cf, tables = parts[0], tuple(zip(parts[1::2], parts[2::2]))
    logins = tuple(tuple(word.split("=", 1)) for line in head.splitlines() if line.startswith("logins:")
                   for word in line.split()[1:])
    verdict = next(m for m in map(_VERDICT.match, head.splitlines()) if m)
    requests = []
    for line in smtp.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            client, sender, recipient, outcome = line.split()
            assert (client == "anonymous" or client.startswith("proxy:")) and (
                outcome in ("accept", "reject") or outcome.startswith(("queues=", "from="))), line
            proxy = client.removeprefix("proxy:") if client != "anonymous" else None
            requests.append(Request(proxy, "" if sender == "<>" else sender, recipient, outcome))
    found = None if verdict.group(1) else (verdict.group(2), verdict.group(3), int(verdict.group(4)))
    return Case(path.stem, found, main_cf, master_cf, tuple(requests), tables, logins)


def _folder(tmp_path: Path, case: Case) -> Path:
    (tmp_path / "main.cf").write_text(case.main_cf, encoding="utf-8")
    (tmp_path / "master.cf").write_text(case.master_cf, encoding="utf-8")
    for path, text in case.tables:  # under config_directory: the audit reads it from the folder (audit/files.py)
        (tmp_path / path.removeprefix("/etc/postfix/")).write_text(text, encoding="utf-8")
    return tmp_path


def test_every_case_has_requests_and_both_verdicts_occur() -> None:
    cases = [read_case(p) for p in CASES]
    assert all(case.requests for case in cases), [c.name for c in cases if not c.requests]
    assert any(case.verdict is None for case in cases) and any(case.verdict for case in cases)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_audit_reports_the_case_at_its_line_or_calls_it_safe(tmp_path, path) -> None:
    case = read_case(path)
    audit = audit_config(_folder(tmp_path, case))
    errors = [(d.code, Path(d.span.path).name if d.span else "", d.span.line if d.span else 0, d.message)
              for d in audit.diagnostics if d.is_error]
    if case.verdict is None:
        assert errors == [], "a configuration safe on the real Postfix is reported"
    else:
        assert any(found[:3] == case.verdict for found in errors), errors


@pytest.mark.postfix
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_real_postfix_agrees(requires_postfix, path) -> None:
    case = read_case(path)
    master = read_master_cf(case.master_cf, "master.cf")
    services, screen = sandbox_services(master)
    support = {s.name: [(o.name, o.value) for o in s.overrides] for s in master.services
               if s.name in SUPPORT_SERVICES and s.overrides}
    got = []
    for sandbox in booted_sandbox(case.main_cf, services=services, support=support, maps=dict(case.tables),
                                  logins=dict(case.logins) or None, postscreen=screen):
        for request in case.requests:
            queued = request.outcome.startswith(("queues=", "from="))
            # 10 s: postscreen's greeting waits postscreen_greet_wait (6 s) for a client it has not seen.
            attempt = sandbox.try_send(OUTSIDE_SOURCE, None, None, request.sender, request.recipient, timeout=10,
                                       data=queued, proxy=request.proxy)
            outcome = "accept" if attempt.accepted else "reject"
            if queued and attempt.accepted and request.outcome.startswith("from="):
                outcome = f"from={_queued_from(sandbox, attempt.reply)}"
            elif queued and attempt.accepted:
                outcome = f"queues={_deferred_to(sandbox, attempt.reply)}"
            got.append((outcome, f"{attempt.stage} {attempt.code} {attempt.reply}"))
    assert [outcome for outcome, _ in got] == [r.outcome for r in case.requests], got


def _deferred_to(sandbox, reply: str) -> str:
    """Return where the queue manager tried to deliver the message queued with this reply (deferred: no transport
    here leaves the machine)."""
    return _logged(sandbox, reply, r"to=<([^>]*)>.*status=deferred")


def _queued_from(sandbox, reply: str) -> str:
    """Return the sender the queue manager logs for the message queued with this reply (after cleanup's rewriting)."""
    return _logged(sandbox, reply, r"from=<([^>]*)>")


def _logged(sandbox, reply: str, pattern: str) -> str:
    """Return the address `pattern` captures in the log's first line about the message queued with this reply."""
    queue_id = re.search(r"queued as (\w+)", reply)
    if queue_id is None:
        return f"(not queued: {reply})"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = re.search(rf"{queue_id.group(1)}: {pattern}", sandbox.log())
        if found:
            return found.group(1)
        time.sleep(0.1)
    return "(no such log line)"
