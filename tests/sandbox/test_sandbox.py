"""The sandbox boots a real Postfix: the seed's five mistakes behave as the seed says.

Every main.cf here is hand-written (no compiler involved). Each configuration
boots once per module (module-scoped fixtures); a boot takes well under a second.
The exact replies asserted are the ones Postfix 3.7.11 + Dovecot 2.3.19 gave here.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mailpolicy.sandbox import Attempt, Sandbox, SandboxUnavailable, sandbox_available
from mailpolicy.sandbox import mainconf
from mailpolicy.sandbox import postfix as postfix_module
from mailpolicy.sandbox.mastercf import master_cf
from tests import postfix_support
from tests.postfix_support import loopback_main_cf

OUTSIDE = "127.0.0.9"  # a loopback source outside 127.0.0.1/32: "the internet"
SENDERS = "/etc/postfix/controlled_envelope_senders"
SENDER_MAP = {SENDERS: "# envelope sender owners\njcricket@example0.com jimminey\n"}
LOGINS = {"jimminey": "pw", "mallory": "mallorypw"}

# The seed's first mistake, with its restriction list modernised into
# smtpd_relay_restrictions (check_relay_domains no longer exists in Postfix 3).
OPEN_RELAY = """\
compatibility_level = 3.6
mydestination = example0.com
mynetworks = 0.0.0.0/0 127.0.0.0/8 [::fff:127.0.0.0]/104 [::1]/128
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
"""

CLOSED_RELAY = OPEN_RELAY.replace(
    "mynetworks = 0.0.0.0/0 127.0.0.0/8 [::fff:127.0.0.0]/104 [::1]/128", "mynetworks = 127.0.0.1/32"
)

# What the seed ends up wanting: SASL via Dovecot at a chroot-relative path, and a
# sender login map enforced in a list no permit_* precedes.
# (The seed's map is named without its .db: hash: adds it.)
CORRECT = loopback_main_cf(
    myhostname=None, smtpd_sender_login_maps=f"hash:{SENDERS}", smtpd_sender_restrictions="reject_sender_login_mismatch",
    smtpd_relay_restrictions="permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination")

# The seed's fourth mistake: reject_sender_login_mismatch after permit_sasl_authenticated.
MISORDERED = f"""\
compatibility_level = 3.6
mydestination = example0.com
mynetworks = 127.0.0.1/32
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sender_login_maps = hash:{SENDERS}
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, reject_sender_login_mismatch,
    reject_unauth_destination
"""

# The seed's third mistake: an absolute socket path for a chrooted smtpd.
ABSOLUTE_SASL_PATH = CORRECT.replace(
    "smtpd_sasl_path = private/auth", "smtpd_sasl_path = /var/spool/postfix/private/auth"
)

RELAY_DENIED = "5.7.1 <victim@gmail.test>: Relay access denied"


@pytest.fixture(scope="module")
def open_relay(boot_sandbox):
    # chroot=False here so the unchrooted master.cf is exercised too.
    return boot_sandbox(OPEN_RELAY, chroot=False)


@pytest.fixture(scope="module")
def closed_relay(boot_sandbox):
    return boot_sandbox(CLOSED_RELAY)


@pytest.fixture(scope="module")
def correct(boot_sandbox):
    return boot_sandbox(CORRECT, maps=SENDER_MAP, logins=LOGINS, chroot=True)


@pytest.fixture(scope="module")
def misordered(boot_sandbox):
    # Unchrooted: a relative smtpd_sasl_path resolves against the queue directory
    # (smtpd's working directory) either way.
    return boot_sandbox(MISORDERED, maps=SENDER_MAP, logins=LOGINS, chroot=False)


# --- no Postfix needed: the main.cf rewriting keeps policy intact -------------


def test_rewrite_relocates_named_maps_and_owns_only_isolation_parameters():
    text = (
        "queue_directory = /var/spool/postfix\n"
        "# hash:/etc/postfix/controlled_envelope_senders in a comment stays\n"
        "smtpd_sender_login_maps = hash:/etc/postfix/controlled_envelope_senders,\n"
        "    proxy:lmdb:/etc/postfix/other\n"
        "mynetworks = 0.0.0.0/0\n"
    )
    out = mainconf.rewrite_main_cf(
        text,
        {"queue_directory": "/tmp/q", "inet_interfaces": "127.0.0.1"},
        {"/etc/postfix/controlled_envelope_senders": "/tmp/m/0-ces"},
    )
    assert "#sandbox# queue_directory = /var/spool/postfix\n" in out
    assert "# hash:/etc/postfix/controlled_envelope_senders in a comment stays\n" in out
    assert "smtpd_sender_login_maps = hash:/tmp/m/0-ces,\n    proxy:lmdb:/etc/postfix/other\n" in out
    assert "mynetworks = 0.0.0.0/0\n" in out
    assert out.endswith("queue_directory = /tmp/q\ninet_interfaces = 127.0.0.1\n")
    assert mainconf.find_table_refs(out) == [("hash", "/tmp/m/0-ces"), ("lmdb", "/etc/postfix/other")]


def test_continuation_after_a_comment_still_belongs_to_its_parameter():
    # Postfix skips '#' lines inside a multi-line value; so must the rewriter.
    entries = mainconf.logical_entries("a = x,\n# note\n    y\nb = z\n")
    assert [mainconf.entry_name(e) for e in entries] == ["a", "b"]
    assert entries[0] == ["a = x,", "# note", "    y"]


def test_master_cf_sets_the_chroot_column_and_has_no_delivery_transports():
    chrooted, plain = master_cf(2525, chroot=True), master_cf(2525, chroot=False)
    assert "127.0.0.1:2525 inet n - y - - smtpd" in chrooted
    assert "127.0.0.1:2525 inet n - n - - smtpd" in plain
    assert "postlog unix-dgram n - n - 1 postlogd" in chrooted
    services = {line.split()[0] for line in chrooted.splitlines() if line and not line.startswith("#")}
    assert not services & {"smtp", "relay", "lmtp", "local", "virtual"}


def test_missing_postfix_skips_locally_but_fails_under_ci(monkeypatch):
    monkeypatch.setattr(postfix_support, "sandbox_available", lambda: "postfix not installed")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="postfix not installed"):
        postfix_support.require_postfix()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but .*postfix not installed"):
        postfix_support.require_postfix()


# --- real Postfix -----------------------------------------------------------


@pytest.mark.postfix
def test_sandbox_is_available_here(requires_postfix):
    assert sandbox_available() is None


@pytest.mark.postfix
def test_seed_open_relay_accepts_anyone(open_relay):
    attempt = open_relay.try_send(OUTSIDE, None, None, "spam@spammer.test", "victim@gmail.test")
    assert attempt == Attempt(True, "rcpt", 250, "2.1.5 Ok")


@pytest.mark.postfix
def test_tight_mynetworks_denies_outside_relay_but_trusts_itself(closed_relay):
    outside = closed_relay.try_send(OUTSIDE, None, None, "spam@spammer.test", "victim@gmail.test")
    assert outside == Attempt(False, "rcpt", 554, RELAY_DENIED)
    inside = closed_relay.try_send("127.0.0.1", None, None, "app@example0.com", "victim@gmail.test")
    assert inside.accepted
    log = closed_relay.wait_log("Relay access denied")
    assert "NOQUEUE: reject: RCPT from unknown[127.0.0.9]: 554 5.7.1 <victim@gmail.test>" in log


@pytest.mark.postfix
def test_sasl_login_relays_and_wrong_password_fails_at_auth(correct):
    ok = correct.try_send(OUTSIDE, "jimminey", "pw", "jcricket@example0.com", "victim@gmail.test")
    assert ok == Attempt(True, "rcpt", 250, "2.1.5 Ok")
    bad = correct.try_send(OUTSIDE, "jimminey", "wrong", "jcricket@example0.com", "victim@gmail.test")
    # Dovecot gives Postfix no reason, so smtpd says "(reason unavailable)".
    assert bad == Attempt(False, "auth", 535, "5.7.8 Error: authentication failed: (reason unavailable)")
    assert "passwd-file(jimminey,127.0.0.9): Password mismatch" in correct.wait_log("Password mismatch")


@pytest.mark.postfix
def test_sender_login_map_ties_address_to_login(correct):
    mail_from = "jcricket@example0.com"
    owner = correct.try_send(OUTSIDE, "jimminey", "pw", mail_from, "victim@gmail.test")
    assert owner.accepted
    # smtpd_sender_restrictions run before the relay check: 553, not 554.
    anonymous = correct.try_send(OUTSIDE, None, None, mail_from, "victim@gmail.test")
    assert anonymous == Attempt(
        False, "rcpt", 553, "5.7.1 <jcricket@example0.com>: Sender address rejected: not logged in"
    )
    other = correct.try_send(OUTSIDE, "mallory", "mallorypw", mail_from, "victim@gmail.test")
    assert other == Attempt(
        False, "rcpt", 553, "5.7.1 <jcricket@example0.com>: Sender address rejected: not owned by user mallory"
    )
    # ...and a logged-in user cannot use an address the map gives to no one.
    stray = correct.try_send(OUTSIDE, "jimminey", "pw", "random@example0.com", "victim@gmail.test")
    assert stray.code == 553 and stray.reply.endswith("Sender address rejected: not owned by user jimminey")


@pytest.mark.postfix
def test_misordered_recipient_restrictions_let_mallory_be_jcricket(misordered):
    # permit_sasl_authenticated ends the list before reject_sender_login_mismatch runs.
    forged = misordered.try_send(OUTSIDE, "mallory", "mallorypw", "jcricket@example0.com", "victim@gmail.test")
    assert forged == Attempt(True, "rcpt", 250, "2.1.5 Ok")
    # The check is there and works — it is only never reached for logged-in users.
    anonymous = misordered.try_send(OUTSIDE, None, None, "jcricket@example0.com", "postmaster@example0.com")
    assert anonymous.code == 553 and anonymous.reply.endswith("Sender address rejected: not logged in")


@pytest.mark.postfix
def test_absolute_sasl_path_under_chroot_kills_smtpd_before_the_banner(requires_postfix):
    with Sandbox(ABSOLUTE_SASL_PATH, maps=SENDER_MAP, logins=LOGINS, chroot=True) as sb:
        # Dovecot listens where a chrooted smtpd would find "private/auth"...
        assert (sb.root / "spool" / "private" / "auth").is_socket()
        # ...but smtpd looks for /var/spool/postfix/private/auth inside its chroot,
        # fails, and exits at connect time: the client never sees a 220 banner, so
        # it is not "AUTH not offered" but "no SMTP service at all". (Only one
        # connection here: master then throttles smtpd for 60 s.)
        attempt = sb.try_send(OUTSIDE, "jimminey", "pw", "jcricket@example0.com", "victim@gmail.test")
        assert attempt.stage == "connect" and not attempt.accepted and attempt.code == 0
        assert "Connection unexpectedly closed" in attempt.reply
        log = sb.wait_log("bad command startup")
    assert (
        "warning: SASL: Connect to Dovecot auth socket '/var/spool/postfix/private/auth' failed: "
        "No such file or directory" in log
    )
    assert "fatal: no SASL authentication mechanisms" in log
    assert "bad command startup -- throttling" in log


@pytest.mark.postfix
@pytest.mark.parametrize(
    ("rcpt", "reply"),
    [
        ("victim%gmail.test@example0.com", "5.7.1 <victim%gmail.test@example0.com>: Relay access denied"),
        ("gmail.test!victim@example0.com", "5.7.1 <gmail.test!victim@example0.com>: Relay access denied"),
        # smtpd echoes the address unquoted (its internal form), the log keeps the quotes.
        ('"victim@gmail.test"@example0.com', "5.7.1 <victim@gmail.test@example0.com>: Relay access denied"),
        # No 501: smtpd parses the rightmost @ as the domain and accepts the syntax.
        ("victim@gmail.test@example0.com", "5.7.1 <victim@gmail.test@example0.com>: Relay access denied"),
    ],
)
def test_relay_tricks_get_554_from_a_correct_config(correct, rcpt, reply):
    # example0.com is local, yet each address routes elsewhere (%, !, @ in the local
    # part); reject_unauth_destination refuses such sender-specified routing
    # (allow_untrusted_routing = no).
    attempt = correct.try_send(OUTSIDE, None, None, "someone@outside.test", rcpt)
    assert attempt == Attempt(False, "rcpt", 554, reply)


@pytest.mark.postfix
def test_check_output_reports_misspelt_parameters(requires_postfix):
    with Sandbox(CLOSED_RELAY + "smtpd_sasl_authenable = yes\n", chroot=False) as sb:
        output = sb.check_output()
    assert "unused parameter: smtpd_sasl_authenable=yes" in output


@pytest.mark.postfix
def test_teardown_leaves_nothing_even_when_the_body_raises(requires_postfix):
    seen = []
    with pytest.raises(RuntimeError, match="body failed"):
        with Sandbox(CORRECT, maps=SENDER_MAP, logins=LOGINS) as first:
            # A second sandbox at the same time, unchrooted and without Dovecot.
            with Sandbox(OPEN_RELAY, chroot=False) as second:
                for sb in (first, second):
                    assert sb.pids(), "a running sandbox has processes"
                    seen.append((sb.pids(), sb.config_dir.parent, sb.port))
                assert first.port != second.port
                assert second.try_send(OUTSIDE, None, None, "a@b.test", "victim@gmail.test").accepted
                assert first.try_send(OUTSIDE, "jimminey", "pw", "jcricket@example0.com", "x@gmail.test").accepted
                raise RuntimeError("body failed")
    assert len(seen) == 2
    for pids, root, port in seen:
        assert not root.exists()
        assert not [pid for pid in pids if _alive(pid)]
        assert not _accepts(port)


@pytest.mark.postfix
def test_teardown_ends_master_and_daemons_when_postfix_stop_does_not(requires_postfix, monkeypatch):
    # `postfix stop` can time out (15 s) or fail; Postfix.stop then TERMs (and KILLs) by pid what
    # it found by MAIL_CONFIG and the pid file. A hand-made mutant without that step survived
    # every other test (docs/mutation.md).
    real = postfix_module.run_on_tty

    def stop_does_nothing(command: list[str], timeout: float = 60.0) -> tuple[int, str]:
        return (0, "") if command[-1] == "stop" else real(command, timeout)

    with Sandbox(CLOSED_RELAY) as sandbox:
        pids, root = sandbox.pids(), sandbox.config_dir.parent
        assert pids
        monkeypatch.setattr(postfix_module, "run_on_tty", stop_does_nothing)
    assert not root.exists()
    assert not [pid for pid in pids if _alive(pid)]


@pytest.mark.postfix
def test_smtpd_that_refuses_its_config_is_seen_by_the_client_and_in_the_log(requires_postfix):
    # No reject/defer in relay or recipient restrictions: master starts, but every
    # smtpd dies at startup, before accepting the connection; master throttles it,
    # so the client's connection is never answered.
    text = "compatibility_level = 3.6\nsmtpd_relay_restrictions = permit_mynetworks\n"
    text += "smtpd_recipient_restrictions = permit_mynetworks\n"
    with Sandbox(text) as sb:
        attempt = sb.try_send(OUTSIDE, None, None, "a@b.test", "victim@gmail.test", timeout=1)
        log = sb.wait_log("bad command startup")
    assert (attempt.accepted, attempt.stage, attempt.code) == (False, "connect", 0)
    assert (
        "fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least "
        "one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, "
        "defer_if_permit or check_relay_domains" in log
    )


@pytest.mark.postfix
def test_unparsable_main_cf_raises_sandbox_unavailable_with_postfix_words(requires_postfix):
    with pytest.raises(SandboxUnavailable) as raised:
        with Sandbox("compatibility_level = 3.6\nthis line is junk\n"):
            pass
    assert "missing '=' after attribute name: \"this line is junk\"" in str(raised.value)


def _alive(pid: int) -> bool:
    """Tell whether pid runs (a zombie awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _accepts(port: int) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0
