"""CI's fixed-seed sample of the postconf-oracle fuzz (tests/fuzz/postconf_oracle.py; the large run is in docs/audit.md)."""

from __future__ import annotations

import shutil

import pytest

from tests.fuzz import postconf_oracle as oracle
from tests.postfix_support import in_ci

SEED = 19
COUNT = 160  # about 30-60 s on two shared cores


@pytest.fixture(scope="module")
def postconf() -> None:
    if shutil.which("postconf") is None and not oracle.Path(oracle.POSTCONF).exists():
        if in_ci():
            pytest.fail("CI=true but postconf is not installed", pytrace=False)
        pytest.skip("postconf (Debian's postfix package) is not installed")


def test_mailpolicy_reads_every_mutated_main_cf_as_postconf_does(postconf) -> None:
    result = oracle.run(SEED, COUNT, commands_every=8)
    assert result["inputs"] == COUNT
    # The sample must reach both sides of the oracle: files Postfix reads and files it refuses.
    assert 0 < result["postconf_fatal"] < COUNT
    assert result["internal_errors"] == []
    assert result["disagreements"] == []
    # Times are recorded by the large run (docs/audit.md), not asserted on a shared CI machine;
    # tests/audit/test_expand_cost.py bounds the work instead.


# Inputs a large run flagged by mistake (the oracle's own model of postconf, not the reader):
# `postconf -c DIR` gives $config_directory the value DIR unless main.cf sets its own.
ORACLE_CASES = (
    b"smtpd_banner = $config_directory x\n",
    b"config_directory = /elsewhere\nsmtpd_banner = ${config_directory}/x\n",
    b"unknown_local_recipient_reject_code = 550\n\x0cs = $config_directory/mynetworks\n",
    # $process_id is postconf's own, also when reached through another name (seed 5001).
    b"smtpd_banner = $debugger_command x\n",
)


@pytest.mark.parametrize("data", ORACLE_CASES)
def test_the_oracle_models_config_directory_as_postconf_c_sets_it(postconf, data: bytes) -> None:
    assert oracle.check(data, with_commands=False) is None
