"""`mailpolicy verify FILE`: expect lines on a real Postfix; exit 0 confirmed, 1 mismatch/errors, 2 no sandbox.

A wrong expect line never reaches the server on its own: compiling already runs every expect line
through the simulator and refuses the policy (MP501). To see what verify does when the *server*
disagrees, the mismatch tests remove that one verdict of the simulator from the compilation (and
nothing else), so the line is sent to the real server like any other.
"""

from __future__ import annotations

import attrs
import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli, verify_cmd
from mailpolicy.compiler import compile_policy, emit
from mailpolicy.model.policy import Expectation
from mailpolicy.parse.statements import ClientKind
from mailpolicy.sandbox import Sandbox, SandboxUnavailable
from mailpolicy.verify import run_expectations, sandbox_inputs, verify_compilation
from mailpolicy.verify.runner import NO_ANSWER, NOT_RUN
from tests.conftest import REPO

SEED = REPO / "examples" / "seed.mailpolicy"
SEED_TEXT = SEED.read_text().splitlines()
SEED_LINES = [line for line in SEED_TEXT if line.startswith("expect ")]
# Wrong about the server: the seed is no open relay.
WRONG = "expect accept anonymous sending as spam@evil.test to victim@gmail.test\n"


def verify(*args: str):
    return CliRunner().invoke(cli, ["verify", *args])


def without_the_simulators_verdict(path, **options):
    """Compile, then drop MP501 (a failed expect line) so the line goes to the real server."""
    compilation = compile_policy(path, **options)
    kept = tuple(d for d in compilation.diagnostics if d.code != "MP501")
    compilation = attrs.evolve(compilation, diagnostics=kept)
    return attrs.evolve(compilation, outputs=compilation.outputs or emit(compilation.plan, compilation.path))


@pytest.mark.postfix
def test_the_seed_prints_every_expectation_confirmed(requires_postfix) -> None:
    result = verify(str(SEED))
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith(("ok ", "MISMATCH "))]
    assert len(rows) == len(SEED_LINES) == 5
    for row, line in zip(rows, SEED_LINES):
        verdict = line.split()[1]
        assert row.split()[:4] == ["ok", verdict, verdict, f"seed.mailpolicy:{SEED_TEXT.index(line) + 1}"], row
        assert row.endswith(line)
    assert "RCPT 554 5.7.1 <victim@gmail.test>: Relay access denied" in result.stdout
    assert "RCPT 553 5.7.1 <jcricket@example0.com>: Sender address rejected: not owned by user mallory" in result.stdout
    assert result.stdout.rstrip().endswith("all 5 expectations confirmed by the live server")
    assert "the sandbox's mynetworks is `[::1]/128 127.0.0.1/32` instead of the policy's" in result.stdout
    # Same input, same bytes: no port, pid, time or temp path in the report.
    assert verify(str(SEED)).stdout == result.stdout


@pytest.mark.postfix
def test_a_line_the_server_disagrees_with_exits_1_with_its_reply(requires_postfix, tmp_path, monkeypatch) -> None:
    policy = tmp_path / "seed.mailpolicy"
    policy.write_text(SEED.read_text() + WRONG)
    monkeypatch.setattr(verify_cmd, "compile_policy", without_the_simulators_verdict)
    result = verify(str(policy))
    assert result.exit_code == 1, result.output
    mismatch = [line for line in result.stdout.splitlines() if line.startswith("MISMATCH")]
    assert len(mismatch) == 1
    assert mismatch[0].split()[:6] == ["MISMATCH", "accept", "reject", "seed.mailpolicy:29", "RCPT", "554"]
    assert mismatch[0].endswith(WRONG.strip())
    assert result.stdout.rstrip().endswith("1 of 6 expectations NOT confirmed by the live server")


OFF_SITE_REFUSED = """postfix 3.7
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth-client
relay only authenticated
allow user jimminey as jcricket@example0.com
set default_transport = error:5.7.1 this server sends no mail off-site
expect reject user jimminey sending as jcricket@example0.com to friend@gmail.test
expect accept anonymous sending as friend@gmail.test to jcricket@example0.com
"""


@pytest.mark.postfix
def test_a_policys_error_default_transport_is_refused_by_the_sandbox_as_by_the_simulator(requires_postfix,
                                                                                          tmp_path) -> None:
    # The sandbox's stand-in default_transport used to accept what the policy's `error` refuses (issue 13).
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(OFF_SITE_REFUSED)
    result = verify(str(policy))
    assert result.exit_code == 0, result.output
    assert "RCPT 550 5.7.1 <friend@gmail.test>: Recipient address rejected: this server sends no mail off-site" \
        in result.stdout


@pytest.mark.postfix
def test_verify_runs_a_hand_made_expectation_and_reports_the_mismatch(requires_postfix) -> None:
    compilation = compile_policy(SEED)
    span = compilation.policy.expectations[0].span
    hand_made = Expectation(True, ClientKind.USER, "mallory", "jcricket@example0.com", "friend@gmail.test", span)
    verification = verify_compilation(compilation, [hand_made])
    (outcome,) = verification.outcomes
    assert (outcome.expected, outcome.got, outcome.confirmed) == ("accept", "reject", False)
    assert outcome.attempt.reply.endswith("Sender address rejected: not owned by user mallory")
    assert not verification.confirmed


@pytest.mark.postfix
def test_a_server_that_stops_answering_is_reported_with_its_log(requires_postfix) -> None:
    # The seed's third mistake, hand-made: smtpd dies before its banner, then master throttles it.
    inputs = sandbox_inputs(compile_policy(SEED))
    broken = inputs.main_cf.replace("smtpd_sasl_path = private/auth-client",
                                    "smtpd_sasl_path = /var/spool/postfix/private/auth-client")
    expectations = compile_policy(SEED).policy.expectations[:2]
    with Sandbox(broken, **inputs.sandbox_kwargs()) as sandbox:
        outcomes, excerpt = run_expectations(sandbox, inputs, expectations)
    assert [o.got for o in outcomes] == [NO_ANSWER, NOT_RUN]
    assert "postfix/smtpd: fatal: no SASL authentication mechanisms" in excerpt
    assert "[" not in excerpt.split(":")[0], "no pid in the excerpt"


def test_without_postfix_it_says_why_and_exits_2(monkeypatch) -> None:
    monkeypatch.setattr(verify_cmd, "sandbox_available", lambda: "postfix not installed (apt-get install -y postfix)")
    result = verify(str(SEED))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "mailpolicy: cannot verify on a real Postfix here: postfix not installed" in result.stderr


def test_a_policy_with_errors_exits_1_with_diagnostics_and_boots_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(verify_cmd, "verify_compilation", lambda *a: pytest.fail("booted a broken policy"))
    policy = tmp_path / "bad.mailpolicy"
    policy.write_text("postfix 3.7\ntrusted networks 0.0.0.0/0\n")
    result = verify(str(policy))
    assert result.exit_code == 1
    assert "bad.mailpolicy:2:18: error[MP302]" in result.stderr
    assert result.stdout == ""


def test_an_unreadable_file_exits_2(tmp_path) -> None:
    result = verify(str(tmp_path / "missing.mailpolicy"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_a_policy_without_expect_lines_has_nothing_to_verify(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(verify_cmd, "verify_compilation", lambda *a: pytest.fail("booted for nothing"))
    policy = tmp_path / "plain.mailpolicy"
    policy.write_text("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\n")
    result = verify(str(policy))
    assert result.exit_code == 0
    assert "has no expect lines: nothing to verify" in result.stderr


def test_a_sandbox_that_will_not_start_exits_1_with_its_report(monkeypatch) -> None:
    # sandbox_available() passes, yet Postfix refuses to start: the compiled configuration is blamed.
    def refuse(*args, **kwargs):
        raise SandboxUnavailable("Postfix sandbox failed to boot: postfix start exited with status 1")

    monkeypatch.setattr(verify_cmd, "sandbox_available", lambda: None)
    monkeypatch.setattr(verify_cmd, "verify_compilation", refuse)
    result = verify(str(SEED))
    assert result.exit_code == 1
    assert "the sandbox did not start with the compiled configuration:\nPostfix sandbox failed to boot" in result.stderr
