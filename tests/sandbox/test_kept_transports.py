"""The sandbox keeps a policy's default_transport/relay_transport only when smtpd itself acts on it (error, retry)."""

from __future__ import annotations

import pytest

from mailpolicy.sandbox.mainconf import kept_transports

CASES = [
    ("default_transport = error\n", {"default_transport": "error"}),
    ("default_transport = error:5.7.1 no mail\n  off-site\n", {"default_transport": "error:5.7.1 no mail off-site"}),
    ("relay_transport = retry:4.3.2 closed\n", {"relay_transport": "retry:4.3.2 closed"}),
    ("default_transport = smtp\n", {}),  # would send mail on: the stand-in replaces it
    ("default_transport = error\ndefault_transport = smtp\n", {}),  # the last definition wins, as in Postfix
    ("default_transport = $error_service\n", {}),  # a reference is not read
    ("# default_transport = error\nrelay_transport = relay\n", {}),
    ("local_transport = error\n", {}),  # kept anyway: the sandbox does not own it
]


@pytest.mark.parametrize(("main_cf", "kept"), CASES)
def test_only_error_and_retry_are_kept(main_cf, kept) -> None:
    assert kept_transports(main_cf) == kept
