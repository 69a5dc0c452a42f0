"""The seed's five mistakes on a real Postfix: hand-written, each is open or broken; compiled, none is.

Each hand-written main.cf uses the seed's own lines (shared/seed, "Securing a Postfix Smtp
Server") where Postfix 3.7 still reads them. The compiled side is examples/seed.mailpolicy, the
same server stated as intent, booted exactly as `mailpolicy verify` boots it. Replies asserted
are the ones Postfix 3.7.11 + Dovecot 2.3.19 gave here.
"""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import Attempt, Sandbox
from mailpolicy.verify import OUTSIDE_SOURCE
from tests.conftest import REPO
from tests.e2e.live import VICTIM, live_policy

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

SENDERS = "/etc/postfix/controlled_envelope_senders"
SENDER_MAP = {SENDERS: "# envelope sender owners\njcricket@example0.com jimminey\n"}
LOGINS = {"jimminey": "jimminey-pw", "mallory": "mallory-pw"}
# The seed's mynetworks, verbatim (including its ::fff: typo).
SEED_MYNETWORKS = "mynetworks = 0.0.0.0/0 127.0.0.0/8 [::fff:127.0.0.0]/104 [::1]/128\n"
# local_recipient_maps empty: this machine has no user jcricket (as in mailpolicy verify).
BASE = "compatibility_level = 3.6\nmydestination = example0.com\nlocal_recipient_maps =\n"
SASL = "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth-client\n"

RELAY_DENIED = Attempt(False, "rcpt", 554, f"5.7.1 <{VICTIM}>: Relay access denied")
NOT_LOGGED_IN = Attempt(False, "rcpt", 553, "5.7.1 <jcricket@example0.com>: Sender address rejected: not logged in")
NOT_MALLORYS = Attempt(
    False, "rcpt", 553, "5.7.1 <jcricket@example0.com>: Sender address rejected: not owned by user mallory")
OK = Attempt(True, "rcpt", 250, "2.1.5 Ok")


def hand_written(main_cf: str) -> Sandbox:
    return Sandbox(main_cf, maps=SENDER_MAP, logins=LOGINS)


def as_mallory(sandbox: Sandbox, sender: str = "jcricket@example0.com") -> Attempt:
    return sandbox.try_send(OUTSIDE_SOURCE, "mallory", LOGINS["mallory"], sender, VICTIM, timeout=5)


def anonymous(sandbox: Sandbox, sender: str, recipient: str = VICTIM) -> Attempt:
    return sandbox.try_send(OUTSIDE_SOURCE, None, None, sender, recipient, timeout=5)


@pytest.fixture(scope="module")
def seed():
    yield from live_policy(compile_policy(REPO / "examples" / "seed.mailpolicy"))


# --- 1. "Leaving an Open Relay" ---------------------------------------------------


def test_1_seed_open_relay_lets_anyone_anywhere_relay_as_anyone() -> None:
    # The seed's two lines as written. check_relay_domains is gone from Postfix 3, but
    # permit_mynetworks matches first: every address is in 0.0.0.0/0.
    main_cf = BASE + SEED_MYNETWORKS + "smtpd_recipient_restrictions = permit_mynetworks, check_relay_domains\n"
    with hand_written(main_cf) as sandbox:
        assert anonymous(sandbox, "spam@evil.test") == OK
        assert anonymous(sandbox, "jcricket@example0.com") == OK


def test_1_compiled_seed_refuses_anonymous_relay(seed) -> None:
    assert seed.send("anonymous", "spam@evil.test") == RELAY_DENIED
    assert seed.send("trusted", "app@example0.com") == RELAY_DENIED  # trusting is not relaying


# --- 2. "Specifying Incorrect Configuration Parameters" ----------------------------


def test_2_smtp_for_smtpd_is_ignored_without_a_peep() -> None:
    # Two smtpd_ settings written smtp_: one is a valid client parameter, one no parameter.
    main_cf = BASE + "mynetworks = 127.0.0.1/32\n" + SASL.replace("smtpd_sasl_auth_enable", "smtp_sasl_auth_enable")
    main_cf += f"smtpd_sender_login_maps = hash:{SENDERS}\n"
    main_cf += "smtp_recipient_restrictions = reject_sender_login_mismatch, permit_sasl_authenticated, " \
               "reject_unauth_destination\n"
    with hand_written(main_cf) as sandbox:
        # No AUTH for anyone, so the owner cannot log in...
        login = sandbox.try_send(OUTSIDE_SOURCE, "jimminey", "jimminey-pw", "jcricket@example0.com", VICTIM,
                                 timeout=5)
        assert login == Attempt(False, "auth", 503, "5.5.1 Error: authentication not enabled")
        # ...and reject_sender_login_mismatch never runs: anyone may be jcricket locally.
        assert anonymous(sandbox, "jcricket@example0.com", "jcricket@example0.com") == OK
        check = sandbox.check_output()
        log = sandbox.log()
    # Only `postfix check` notices the name that is no parameter; the valid client
    # parameter smtp_sasl_auth_enable passes unremarked, and smtpd itself logs nothing.
    assert "unused parameter: smtp_recipient_restrictions=" in check
    assert "smtp_sasl_auth_enable" not in check
    assert "smtp_recipient_restrictions" not in log


def test_2_compiled_seed_offers_auth_and_checks_the_sender(seed) -> None:
    assert seed.send("jimminey", "jcricket@example0.com") == OK
    assert seed.send("anonymous", "jcricket@example0.com", "jcricket@example0.com") == NOT_LOGGED_IN


# --- 3. "Not Specifying a Correct smtpd_sasl_path" ------------------------------


def test_3_absolute_sasl_path_under_chroot_leaves_no_smtp_service() -> None:
    main_cf = BASE + "mynetworks = 127.0.0.1/32\n" + SASL.replace(
        "private/auth-client", "/var/spool/postfix/private/auth-client")
    with hand_written(main_cf) as sandbox:
        # One connection only: smtpd dies before its banner and master throttles it for 60 s.
        attempt = sandbox.try_send(OUTSIDE_SOURCE, "jimminey", "jimminey-pw", "jcricket@example0.com", VICTIM,
                                   timeout=3)
        log = sandbox.wait_log("fatal: no SASL authentication mechanisms")
    assert (attempt.accepted, attempt.stage, attempt.code) == (False, "connect", 0)
    assert "Connect to Dovecot auth socket '/var/spool/postfix/private/auth-client' failed" in log


def test_3_compiled_seed_writes_the_path_chroot_relative_and_login_works(seed) -> None:
    assert "smtpd_sasl_path = private/auth-client\n" in seed.compilation.outputs["main.cf"]
    assert seed.inputs.chroot, "the sandbox chroots smtpd, as Debian does"
    assert seed.send("jimminey", "jcricket@example0.com") == OK


# --- 4. "Not Specifying the Allowed Senders File" -----------------------------------


def test_4_without_a_sender_map_every_login_is_everyone() -> None:
    main_cf = BASE + "mynetworks = 127.0.0.1/32\n" + SASL
    main_cf += "smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination\n"
    with hand_written(main_cf) as sandbox:
        assert as_mallory(sandbox) == OK  # "so can everyone else...still"


def test_4_compiled_seed_generates_the_map_and_mallory_is_not_jcricket(seed) -> None:
    assert seed.compilation.outputs["controlled_envelope_senders"].endswith("jcricket@example0.com\tjimminey\n")
    assert seed.send("mallory", "jcricket@example0.com") == NOT_MALLORYS


# --- 5. "Misordering smtpd_recipient_restrictions" ------------------------------------


def test_5_misordered_restrictions_never_reach_the_sender_check() -> None:
    main_cf = BASE + SEED_MYNETWORKS + SASL + f"smtpd_sender_login_maps = hash:{SENDERS}\n"
    main_cf += ("smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, "
                "reject_sender_login_mismatch, reject_unauth_destination\n")
    with hand_written(main_cf) as sandbox:
        assert anonymous(sandbox, "jcricket@example0.com") == OK  # permit_mynetworks: everyone
        assert as_mallory(sandbox) == OK  # permit_sasl_authenticated: every login


def test_5_compiled_seed_checks_the_sender_before_any_permit(seed) -> None:
    assert seed.send("anonymous", "jcricket@example0.com") == NOT_LOGGED_IN
    assert seed.send("mallory", "jcricket@example0.com") == NOT_MALLORYS
    sender_list = seed.compilation.plan.parameter("smtpd_sender_restrictions").value
    assert sender_list == "reject_sender_login_mismatch"
