"""Shared pytest configuration and fixtures: golden-file updating, the repository root, the real
Postfix (`requires_postfix`, `requires_postconf`, `boot_sandbox`), and no skips under CI.

Plain helpers (writing a folder of files, compiling inline text, the small base policy) are in
tests/helpers.py; Postfix prerequisites in tests/postfix_support.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite the expected files of golden tests from the current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def requires_postfix() -> None:
    """Skip (under CI: fail) the test when no real Postfix sandbox can boot here."""
    from tests.postfix_support import require_postfix

    require_postfix()


@pytest.fixture(scope="session")
def requires_postconf() -> None:
    """Skip (under CI: fail) the test when Debian's postconf is not installed (no sandbox needed)."""
    import shutil

    from tests.postfix_support import missing_prerequisite

    if shutil.which("postconf") is None and not Path("/usr/sbin/postconf").exists():
        missing_prerequisite("postconf (Debian's postfix package) is not installed")


@pytest.fixture(scope="module")
def boot_sandbox(requires_postfix) -> Iterator[Callable[..., Any]]:
    """Return `boot(main_cf, **Sandbox options)`: a running throwaway Postfix, torn down with the module.

    Each boot takes about a second, so a module boots each configuration once (in its own
    module-scoped fixture) and shares it between its tests.
    """
    from mailpolicy.sandbox import Sandbox

    with contextlib.ExitStack() as running:
        yield lambda main_cf, **options: running.enter_context(Sandbox(main_cf, **options))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Every test marked `postfix` skips without a real Postfix, and fails under CI.
    from tests.postfix_support import skip_unless_postfix

    skip_unless_postfix(item)


class SkipGuard:
    """Fail a run under CI if any test skipped, so the suite cannot quietly check less.

    A skip (or an xfail, which pytest reports as skipped) means a check did not run: Postfix
    missing, a stock file absent, a module not installed. Locally that is a skip; under CI
    (tests.postfix_support.in_ci) every test must run, whatever raised the skip.
    """

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped:
            self.skipped.append(report.nodeid)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.skipped and _in_ci():
            terminalreporter.write_line(f"CI is set but {len(self.skipped)} test(s) skipped; "
                                        "under CI every test must run:", red=True)
            for nodeid in self.skipped:
                terminalreporter.write_line(f"  {nodeid}", red=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and _in_ci() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _in_ci() -> bool:
    from tests.postfix_support import in_ci

    return in_ci()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SkipGuard(), "mailpolicy-skip-guard")
