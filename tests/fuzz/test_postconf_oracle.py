"""CI's fixed-seed sample of the postconf-oracle fuzz (tests/fuzz/postconf_oracle.py; the large run is in docs/audit.md)."""

from __future__ import annotations


import pytest

from tests.fuzz import postconf_oracle as oracle

SEED = 19
COUNT = 160  # about 30-60 s on two shared cores


def test_mailpolicy_reads_every_mutated_main_cf_as_postconf_does(requires_postconf) -> None:
    timed_before = len(oracle.COSTS.commands)  # the costs are the module's (other tests run commands too)
    result = oracle.run(SEED, COUNT, commands_every=8)
    assert result["inputs"] == COUNT
    # The sample must reach both sides of the oracle: files Postfix reads and files it refuses.
    assert 0 < result["postconf_fatal"] < COUNT
    assert result["internal_errors"] == []
    assert result["disagreements"] == []
    # Issue 19's "no input takes more than 2 s", as CPU time of mailpolicy's own work (the reading;
    # audit + import): wall time on a shared CI machine measures the load (tests/fuzz/input_cost.py).
    assert result["over_limit"] == []
    assert len(oracle.COSTS.commands) - timed_before == COUNT // 8


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
def test_the_oracle_models_config_directory_as_postconf_c_sets_it(requires_postconf, data: bytes) -> None:
    assert oracle.check(data, with_commands=False) is None


# When a malformed compatibility_level (or any broken expansion) stops postconf: only in a value
# postconf evaluates (tests/fuzz/postconf_model.py, from postconf's source). The second item is
# whether postconf stops, measured on Postfix 3.7; the oracle must agree with it both ways.
STOPPING_CASES = (
    # mynetworks' default evaluates mynetworks_style's default, `${{$compatibility_level} <level {2} ...}`
    # (run D, seed 5004: the five open disagreements).
    (b"compatibility_level = 3x\n", True),
    (b"compatibility_level = 1.2.3.4\n", True),
    (b"compatibility_level =\n", True),
    (b"compatibility_level = 3.7 t\n", True),
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\n", False),
    (b"compatibility_level = 3x\nmynetworks_style = host\n", False),
    (b"compatibility_level = 3x\nmynetworks = $mynetworks_style\n", True),
    # A built-in parameter is expanded whole; a user-defined one only when a `$name` refers to it.
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\nsmtpd_banner = $relay_domains\n", True),
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\nfoo = $relay_domains\n", False),
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\nfoo = $relay_domains\nsmtpd_banner = $foo\n", True),
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\nsmtp_foo = $relay_domains\n", False),
    (b"compatibility_level = 3x\nmynetworks = 127.0.0.0/8\nprocess_id = $relay_domains\n", False),
    (b"foo = $\n", False),
    # Evaluated with main.cf alone, where an unset compatibility_level is empty, so malformed.
    (b"mynetworks_style = ${{$compatibility_level} <level {2} ? {subnet} : {host}}\n", True),
    (b"myhostname = ${{$compatibility_level} <level {2} ? {a.b} : {c.d}}\n", True),
    (b"myhostname = ${{$compatibility_level} <level {2} ? {a.b} : {c.d}}\nmydomain = x\n", False),
    (b"smtpd_restriction_classes = ${{$compatibility_level} <level {2} ? {a} : {b}}\n", True),
)


@pytest.mark.parametrize(("data", "stops"), STOPPING_CASES)
def test_the_oracle_knows_which_values_postconf_expands(requires_postconf, data: bytes, stops: bool) -> None:
    with oracle.tempfile.TemporaryDirectory() as folder:
        oracle._write_cool(oracle.Path(folder, "main.cf"), data)
        oracle._write_cool(oracle.Path(folder, "master.cf"), oracle.MASTER_CF)
        status, _, _ = oracle._postconf(folder, "-n")
        x_status, _, _ = oracle._postconf(folder, "-nx")
    assert (status != 0 or x_status != 0) == stops  # the case says what the real postconf does
    assert oracle.check(data, with_commands=False) is None
