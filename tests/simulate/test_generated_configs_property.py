"""Property: no configuration the wide differential generator draws makes mailpolicy fail internally.

The generator (tests/e2e/generate_wide.py) writes main.cf values Postfix runs or refuses:
restriction classes that reach themselves, access tables whose results are lists, class names,
HANGUP and DISCARD, inline cidr tables, `.domain` patterns, odd compatibility levels. For each:
the simulator decides every generated envelope without raising; `mailpolicy audit` of that
main.cf, and `check`, `explain` and `compile` of a policy that `set`s the same parameters, end with
exit 0 or 1 (never 123, the internal-error code, and never a traceback). The seeds are the
first N, not hypothesis's: the generator is seeded already and a failure names its seed;
more by hand with MAILPOLICY_PROPERTY_EXAMPLES (the model) and MAILPOLICY_PROPERTY_CLI.
(Before the runner counted nesting as smtpd does, 7 of the first 300 seeds made the simulator
raise RecursionError.)
"""

from __future__ import annotations

import os
import random

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.simulate import PostfixModel, Request
from tests.e2e.generate_wide import wide_config, wide_probes

EXAMPLES = int(os.environ.get("MAILPOLICY_PROPERTY_EXAMPLES", "300"))
CLI_EXAMPLES = int(os.environ.get("MAILPOLICY_PROPERTY_CLI", "60"))
# Parameters a policy manages with its own statements (`set` of them is MP406): left out, so the
# rest of the configuration reaches the analyses.
MANAGED = frozenset({"mydestination", "mynetworks", "myhostname", "smtpd_sender_restrictions",
                     "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_sasl_auth_enable",
                     "smtpd_sasl_type", "smtpd_sasl_path", "smtpd_sender_login_maps", "compatibility_level"})


def _run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def test_the_simulator_decides_every_generated_request() -> None:
    for seed in range(EXAMPLES):
        rng = random.Random(seed)
        config = wide_config(rng)
        model = PostfixModel.from_parameters(config.params, config.tables, "3.7")
        for probe in wide_probes(rng, config, 16):
            try:
                decision = model.decide(Request(probe.client, probe.login, probe.sender, probe.recipient))
            except Exception as error:
                raise AssertionError(f"seed {seed}: {probe.describe()}:\n{config.main_cf}") from error
            assert decision.reply


@pytest.mark.parametrize("seed", range(CLI_EXAMPLES))
def test_audit_check_explain_and_compile_never_fail_internally(tmp_path, seed) -> None:
    folder = tmp_path
    config = wide_config(random.Random(seed))
    etc = folder / "postfix"
    etc.mkdir()
    (etc / "main.cf").write_text(config.main_cf, encoding="utf-8")
    _run("audit", str(etc))
    lines = ["postfix 3.7", "hostname mx.example0.com", "local domains example0.com, example1.org", "relay nobody"]
    lines += [f"set {name} = {value}" for name, value in config.params.items() if name not in MANAGED and value]
    policy = folder / "site.mailpolicy"
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _run("check", str(policy))
    _run("explain", str(policy))
    _run("compile", str(policy), "-o", str(folder / "build"))
