"""Skip tests that need a real Postfix (or another prerequisite) when there is none — except in CI.

CI is any non-empty value of the `CI` variable other than `0` or `false` (any case): CI services
set `CI=true`, `CI=1` or `CI=yes`, and all of them promise that every test runs. Under CI a
missing prerequisite fails its test, and tests/conftest.py fails the run if anything skipped.

Use in a test module (tests/conftest.py provides the `requires_postfix` and `boot_sandbox`
fixtures; nothing to import):

    pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

and boot one configuration per module with

    @pytest.fixture(scope="module")
    def site(boot_sandbox):
        return boot_sandbox(MAIN_CF, maps={...}, logins={...})

tests/conftest.py calls `skip_unless_postfix(item)` from pytest_runtest_setup to honour the bare
marker (declared in pyproject.toml).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from mailpolicy.postfix.master_cf import MasterCf
from mailpolicy.sandbox import Sandbox, sandbox_available

MARKER = "postfix"


def in_ci() -> bool:
    """Tell whether we run in CI (CI set to anything but empty, 0 or false), where a skip is a broken build."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def missing_prerequisite(reason: str) -> None:
    """Skip the current test for `reason`; under CI, fail it instead."""
    if in_ci():
        # CI promises every test runs; a silent skip there would hide that a check
        # (most often a real-Postfix one) stopped checking anything.
        pytest.fail(f"CI={os.environ.get('CI')} but {reason}", pytrace=False)
    pytest.skip(reason)


def require_postfix() -> None:
    """Skip the current test if no sandbox can boot; under CI, fail it instead."""
    reason = sandbox_available()
    if reason is not None:
        missing_prerequisite(f"the real Postfix sandbox cannot run: {reason}")


# A loopback server as the live tests write it by hand: example0.com is local, only 127.0.0.1 is
# trusted (the tests' "internet" clients connect from other loopback addresses such as 127.0.0.9),
# Dovecot SASL at the chroot-relative private/auth, relaying for logged-in clients only.
LOOPBACK_SASL_PARAMETERS = {
    "compatibility_level": "3.6",
    "myhostname": "mx.example0.com",
    "mydestination": "example0.com",
    "mynetworks": "127.0.0.1/32",
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_sasl_type": "dovecot",
    "smtpd_sasl_path": "private/auth",
    "smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination",
}


def loopback_main_cf(**changes: str | None) -> str:
    """Return LOOPBACK_SASL_PARAMETERS as main.cf text, each change replacing (None: dropping) or adding one."""
    parameters = {**LOOPBACK_SASL_PARAMETERS, **changes}
    return "".join(f"{name} = {value}\n" for name, value in parameters.items() if value is not None)


def booted_sandbox(main_cf: str, **kwargs: Any) -> Iterator[Sandbox]:
    """Yield a running Sandbox, after require_postfix(); a loop over it boots, runs and tears down."""
    require_postfix()
    with Sandbox(main_cf, **kwargs) as sandbox:
        yield sandbox


def sandbox_services(master: MasterCf) -> tuple[list[tuple[str, list[tuple[str, str]]]], list[tuple[str, str]] | None]:
    """Return a master.cf's smtpd services as Sandbox(services=, postscreen=) takes them: (name, -o) each.

    With a postscreen `inet` service and the `smtpd pass` service it hands clients to (its
    smtpd_service_name, `smtpd` unless its -o names another), that pass service comes first and the
    postscreen's -o is the second value: the sandbox puts postscreen in front of its first service.
    """
    services = [(s.name, [(o.name, o.value) for o in s.overrides]) for s in master.smtpd_services]
    screen = next((s for s in master.services if s.type == "inet" and s.command == "postscreen"), None)
    if screen is None:
        return services, None
    named = screen.override("smtpd_service_name")
    target = named.value if named is not None else "smtpd"
    passed = [entry for entry, s in zip(services, master.smtpd_services) if s.type == "pass" and s.name == target]
    if not passed:
        return services, None
    return passed[:1] + [entry for entry in services if entry is not passed[0]], [(o.name, o.value) for o in screen.overrides]


def skip_unless_postfix(item: pytest.Item) -> None:
    """Apply require_postfix() to an item carrying the postfix marker."""
    if item.get_closest_marker(MARKER) is not None:
        require_postfix()
