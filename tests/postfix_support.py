"""Skip tests that need a real Postfix when there is none — except in CI.

Use in a test module:

    from tests.postfix_support import requires_postfix  # noqa: F401 (fixture)

    pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

and boot one configuration per module with

    @pytest.fixture(scope="module")
    def site():
        yield from booted_sandbox(MAIN_CF, maps={...}, logins={...})

A conftest may also call `register_marker(config)` from pytest_configure and
`skip_unless_postfix(item)` from pytest_runtest_setup to honour the bare marker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from mailpolicy.sandbox import Sandbox, sandbox_available

MARKER = "postfix"
MARKER_HELP = (
    "postfix: needs a real Postfix (and Dovecot) from Debian's packages; "
    "skipped without one unless CI=true"
)


def in_ci() -> bool:
    """Tell whether we run in CI, where a missing Postfix is a broken build."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require_postfix() -> None:
    """Skip the current test if no sandbox can boot; under CI=true, fail it instead."""
    reason = sandbox_available()
    if reason is None:
        return
    if in_ci():
        # CI promises these tests run; a silent skip there would hide that the
        # real-Postfix checks stopped checking anything.
        pytest.fail(f"CI=true but the Postfix sandbox cannot run: {reason}", pytrace=False)
    pytest.skip(f"real Postfix sandbox unavailable: {reason}")


@pytest.fixture(scope="session")
def requires_postfix() -> None:
    """Fixture form of require_postfix() for usefixtures / test arguments."""
    require_postfix()


def booted_sandbox(main_cf: str, **kwargs: Any) -> Iterator[Sandbox]:
    """Yield a running Sandbox for a fixture, after require_postfix()."""
    require_postfix()
    with Sandbox(main_cf, **kwargs) as sandbox:
        yield sandbox


def register_marker(config: pytest.Config) -> None:
    """Declare the postfix marker (pyproject.toml declares it too; harmless twice)."""
    config.addinivalue_line("markers", MARKER_HELP)


def skip_unless_postfix(item: pytest.Item) -> None:
    """Apply require_postfix() to an item carrying the postfix marker."""
    if item.get_closest_marker(MARKER) is not None:
        require_postfix()
