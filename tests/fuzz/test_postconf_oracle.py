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
    assert result["max_seconds"] < 2.0
    assert result["max_command_seconds"] < 2.0
