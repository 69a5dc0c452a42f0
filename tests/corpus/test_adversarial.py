"""The adversarial corpus: policies an attacker would love, each refused with a located error or safe on Postfix.

Each `adversarial/*.case` file is a policy and the SMTP requests that test it, as data:

    # what the case tries (comments)
    verdict: safe                     (or: verdict: MP324 line 5 - the error and the policy line)
    --- policy
    postfix 3.7
    ...
    --- smtp
    anonymous  anyone@elsewhere.test  victim@gmail.test   reject
    user:jim   jim@example0.com       victim@gmail.test   accept
    xclient:jim jim@example0.com      victim@gmail.test   accept

A case may also give tables the server reads but the proof does not (as it cannot read an SQL
or socketmap table), each after `--- map /etc/postfix/NAME` and before `--- smtp`: such a case
compiles with the proof's stated assumption (MP326), and the server, given a table that keeps
the assumption, shows the attacks fail.

A request line is CLIENT SENDER RECIPIENT OUTCOME: CLIENT is `anonymous` (outside the trusted
networks, not logged in), `trusted`, `user:LOGIN` (logged in from outside) or `xclient:LOGIN`
(from outside, `XCLIENT LOGIN=...` before MAIL) or `proxy:ADDRESS` (from outside, a haproxy PROXY header
naming ADDRESS as the client before the greeting; a policy that sets a postscreen_* parameter is
booted behind postscreen(8), which then reads the header); SENDER `<>` is the null sender; OUTCOME
`accept` (RCPT 250) or `reject` (anything else). RECIPIENT `postmaster` (bare) is sent through
DATA, where smtpd decides it: `accept` means the message was queued. OUTCOME `relayed` sends the
message through DATA too and means it was queued and the queue manager handed that recipient to a
transport that sends mail on (smtp or relay, whose nexthop is the recipient's domain unless the case
writes one): the sandbox's master.cf defines neither, so nothing leaves, and the log shows the
deferral of `to=<RECIPIENT>` and the transport qmgr tried. (lmtp is not accepted as evidence: the
log does not tell lmtp to a unix socket here from lmtp to another host.)

Two tests per case. Without Postfix: a `safe` case compiles with no error, a refused case has
the error at its line and writes nothing. On the real Postfix (booted once per case, the
compiled main.cf and sender map, errors or not): every request gets its outcome. For a safe
case that shows the attacks fail; for a refused one it shows the witness really is accepted, so
the refusal is not a false error.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import attrs
import pytest

from mailpolicy.compiler import compile_policy, emit
from mailpolicy.parse.statements import ClientKind
from mailpolicy.verify import sandbox_inputs
from tests.postfix_support import booted_sandbox

CORPUS = Path(__file__).parent / "adversarial"
CASES = sorted(CORPUS.glob("*.case"))
_VERDICT = re.compile(r"verdict:\s*(?:(safe)|(MP\d{3}) line (\d+))\s*$")


@attrs.frozen
class Request:
    client: str
    sender: str
    recipient: str
    accepted: bool
    relayed: bool = False  # queued, and qmgr hands it to a transport that sends it on (smtp, relay)


@attrs.frozen
class Case:
    name: str
    safe: bool
    code: str | None
    line: int | None
    policy: str
    requests: tuple[Request, ...]
    maps: tuple[tuple[str, str], ...] = ()


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("--- policy\n")
    body, _, smtp = rest.partition("--- smtp\n")
    policy, *tables = re.split(r"^--- map (\S+)\n", body, flags=re.M)
    maps = tuple(zip(tables[::2], tables[1::2]))
    verdict = next(m for m in map(_VERDICT.match, head.splitlines()) if m)
    requests = []
    for line in smtp.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            client, sender, recipient, outcome = line.split()
            assert outcome in ("accept", "reject", "relayed"), line
            requests.append(Request(client, "" if sender == "<>" else sender, recipient, outcome != "reject",
                                    outcome == "relayed"))
    return Case(path.stem, bool(verdict.group(1)), verdict.group(2),
                int(verdict.group(3)) if verdict.group(3) else None, policy, tuple(requests), maps)


def test_the_corpus_is_large_and_every_case_has_requests() -> None:
    cases = [read_case(p) for p in CASES]
    assert len(cases) >= 60
    assert all(case.requests for case in cases), [c.name for c in cases if not c.requests]
    assert sum(case.safe for case in cases) >= 20 and sum(not case.safe for case in cases) >= 20


def _compile(tmp_path: Path, case: Case):
    path = tmp_path / "site.mailpolicy"
    path.write_text(case.policy, encoding="utf-8")
    return compile_policy(path)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_case_is_refused_at_its_line_or_compiles(tmp_path, path) -> None:
    case = read_case(path)
    result = _compile(tmp_path, case)
    errors = [(d.code, d.span.line if d.span else 0, d.message) for d in result.diagnostics if d.is_error]
    if case.safe:
        assert errors == [], "a safe policy is refused"
    else:
        assert any(code == case.code and line == case.line for code, line, _ in errors), errors
        assert not result.outputs


@pytest.mark.postfix
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_real_postfix_agrees(tmp_path, requires_postfix, path) -> None:
    case = read_case(path)
    result = _compile(tmp_path, case)
    # A refused case is booted as compiled anyway: its witness must really be accepted.
    clean = attrs.evolve(result, diagnostics=tuple(d for d in result.diagnostics if not d.is_error),
                         outputs=result.outputs or emit(result.plan, result.path))
    logins = [r.client.split(":", 1)[1] for r in case.requests if ":" in r.client]
    inputs = sandbox_inputs(clean, extra_logins=logins)
    inputs = attrs.evolve(inputs, maps={**inputs.maps, **dict(case.maps)})
    got = []
    # A policy that sets postscreen's parameters (and states no service) is booted behind postscreen, as
    # verify boots it (verify/inputs.py).
    for sandbox in booted_sandbox(inputs.main_cf, **inputs.sandbox_kwargs()):
        for request in case.requests:
            accepted, reply = _send(sandbox, inputs, request)
            if request.relayed and accepted:
                accepted = _handed_on(sandbox, request.recipient)
                reply = reply if accepted else f"{reply}; not handed to smtp or relay: {sandbox.log()[-1500:]}"
            got.append((accepted, reply))
    expected = [(r.client, r.sender, r.recipient, r.accepted) for r in case.requests]
    assert [(r.client, r.sender, r.recipient, ok) for r, (ok, _reply) in zip(case.requests, got)] == expected, got


def _send(sandbox, inputs, request: Request) -> tuple[bool, str]:
    kind, _, login = request.client.partition(":")
    if kind == "xclient":
        return _send_with_xclient(sandbox, inputs, login, request)
    if kind == "proxy":
        return _send_with_proxy_header(sandbox, inputs, login, request)
    client_kind = {"anonymous": ClientKind.ANONYMOUS, "trusted": ClientKind.TRUSTED, "user": ClientKind.USER}[kind]
    password = inputs.logins[login] if login else None
    # Mail to the bare postmaster is decided at DATA (smtpd_data_restrictions): the session goes on to it.
    attempt = sandbox.try_send(inputs.stand_ins.source_for(client_kind), login or None, password,
                               request.sender, request.recipient, timeout=5,
                               data=request.recipient.lower() == "postmaster" or request.relayed)
    return attempt.accepted, f"{attempt.stage} {attempt.code} {attempt.reply}"


_ONWARD = re.compile(r"connect to transport private/(smtp|relay)\b")


def _handed_on(sandbox, recipient: str) -> bool:
    """Tell whether qmgr handed the queued recipient to smtp or relay (and deferred it: neither runs here)."""
    deadline = time.monotonic() + 15
    while True:
        log = sandbox.log()
        # smtpd's own lines (a FILTER action's log) name the recipient too: wait for qmgr's deferral.
        if any(f"to=<{recipient}>" in line and "status=deferred" in line for line in log.splitlines()):
            return _ONWARD.search(log) is not None
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _send_with_xclient(sandbox, inputs, login: str, request: Request) -> tuple[bool, str]:
    client = sandbox.client(inputs.stand_ins.source_for(ClientKind.ANONYMOUS), timeout=5)
    try:
        client.ehlo("client.example.test")
        code, reply = client.docmd("XCLIENT", f"LOGIN={login}")
        if code != 220:
            return False, f"xclient {code} {reply!r}"
        client.ehlo("client.example.test")
        code, reply = client.docmd("MAIL", f"FROM:<{request.sender}>")
        if code != 250:
            return False, f"mail {code} {reply!r}"
        code, reply = client.docmd("RCPT", f"TO:<{request.recipient}>")
        return code == 250, f"rcpt {code} {reply!r}"
    finally:
        client.close()


def _send_with_proxy_header(sandbox, inputs, claimed: str, request: Request) -> tuple[bool, str]:
    """Connect from outside and name `claimed` as the client in a PROXY v1 header (smtpd_upstream_proxy_protocol).

    smtplib reads the greeting on connect, which smtpd sends only after the header: a plain socket.
    """
    family = "TCP6" if ":" in claimed else "TCP4"
    server = "::1" if family == "TCP6" else sandbox.host
    # 10 s: behind postscreen the greeting waits postscreen_greet_wait (6 s) for a client it has not seen.
    with socket.create_connection((sandbox.host, sandbox.port), timeout=10,
                                  source_address=(inputs.stand_ins.source_for(ClientKind.ANONYMOUS), 0)) as sock:
        replies = sock.makefile("rb")
        sock.sendall(f"PROXY {family} {claimed} {server} 40000 25\r\n".encode())

        def reply_to(command: str | None) -> str:
            if command is not None:
                sock.sendall(command.encode() + b"\r\n")
            while True:
                line = replies.readline().decode(errors="replace").rstrip()
                if len(line) < 4 or line[3] != "-":
                    return line

        steps = [(None, "220"), ("EHLO client.example.test", "250"), (f"MAIL FROM:<{request.sender}>", "250"),
                 (f"RCPT TO:<{request.recipient}>", "250")]
        for command, wanted in steps:
            line = reply_to(command)
            if not line.startswith(wanted):
                return False, f"{command or 'greeting'}: {line!r}"
        return True, line
