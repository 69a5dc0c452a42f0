"""Under CI every test runs: a skip fails the run (tests/conftest.py's SkipGuard), whatever CI says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import postfix_support

REPO = Path(__file__).resolve().parents[1]
PROBE = "MAILPOLICY_SKIP_GUARD_PROBE"


def test_probe_skips_only_when_asked() -> None:
    # Run by the tests below in a child pytest; in the suite itself it passes.
    if os.environ.get(PROBE):
        pytest.skip("the guard's probe")


def run_probe(ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {PROBE: "1"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"{Path(__file__).relative_to(REPO)}::test_probe_skips_only_when_asked"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["1", "yes"])
def test_a_skip_fails_the_run_under_ci(ci: str) -> None:
    run = run_probe(ci)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 skipped" in run.stdout and "under CI every test must run" in run.stdout


@pytest.mark.parametrize("ci", [None, "false"])
def test_a_skip_is_a_skip_outside_ci(ci: str | None) -> None:
    run = run_probe(ci)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout and "under CI" not in run.stdout


@pytest.mark.parametrize(("value", "ci"), [("true", True), ("1", True), ("yes", True), (" True ", True),
                                           ("", False), ("0", False), ("false", False), ("FALSE", False)])
def test_ci_is_any_value_but_empty_0_or_false(monkeypatch, value: str, ci: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert postfix_support.in_ci() is ci
    monkeypatch.setattr(postfix_support, "sandbox_available", lambda: "postfix not installed")
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="postfix not installed"):
        postfix_support.require_postfix()
