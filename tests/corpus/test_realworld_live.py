"""Issue 16: each error (and login finding) the audit reports on the real-world corpus, shown on the real Postfix.

Each test first audits the corpus folder and finds the diagnostic it is about, then boots the part
of that configuration the diagnostic is about in the sandbox and sends the transaction that shows
it true (docs/audit.md, "The corpus's audit errors, one by one"). The restriction lists and the
master.cf `-o` overrides are read from the corpus files themselves, so a change there changes the
test. What the sandbox cannot run is replaced, and said at each place: the tables a project keeps
in LDAP or SQL become one hash map of ours (jcricket@example0.com owned by the login jimminey,
boss@example0.com by boss), addresses are local through `local_recipient_maps =` (the projects'
mailbox tables), and entries that ask services outside Postfix (DNS blocklists, policy daemons,
pcre files of the project) are left out: they can refuse more mail, never let through what these
findings are about, and mail to the bare postmaster skips them all anyway (smtpd_check.c
smtpd_check_rcpt returns before any list).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config
from mailpolicy.postfix.main_cf import read_main_cf
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.postfix.restriction_lists import entries, split_words
from mailpolicy.verify.standins import OUTSIDE_SOURCE
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

CORPUS = Path(__file__).parent / "realworld"
SENDERS = "/etc/postfix/mailpolicy-test-senders"
OWNERS = "jcricket@example0.com jimminey\nboss@example0.com boss\n"
LOGINS = {"jimminey": "jimminey-pw", "boss": "boss-pw"}
OWNED = "jcricket@example0.com"  # jimminey's
OTHERS = "boss@example0.com"  # owned by boss, not by jimminey
# The project's own lookups the sandbox cannot answer (see the module docstring).
OUTSIDE_POSTFIX = ("reject_rbl_client", "check_policy_service", "check_helo_access", "check_sender_access",
                   "check_recipient_access", "reject_unknown_helo_hostname", "reject_unknown_reverse_client_hostname",
                   "reject_unknown_sender_domain")


def corpus_value(config: str, name: str) -> str:
    """Return a parameter's value as the corpus configuration's main.cf writes it."""
    main = read_main_cf((CORPUS / config / "main.cf").read_text(), f"{config}/main.cf")
    value = main.value(name)
    assert value is not None, f"{config}/main.cf does not set {name}"
    return value


def corpus_overrides(config: str, service: str, *left_out: str) -> tuple[tuple[str, str], ...]:
    """Return a corpus service's -o overrides, without those named (each left out says why at its call)."""
    master = read_master_cf((CORPUS / config / "master.cf").read_text(), f"{config}/master.cf")
    (found,) = [s for s in master.services if s.name == service]
    return tuple((o.name, o.value) for o in found.overrides if o.name not in left_out)


def without(value: str, names: tuple[str, ...] = OUTSIDE_POSTFIX) -> str:
    """Return a restriction list without the entries (and their arguments) named."""
    words = split_words(value)
    dropped = {i for e in entries(words) if e.name in names for i in (e.index, e.index + (e.argument is not None))}
    return ", ".join(w for i, w in enumerate(words) if i not in dropped)


def finding(config: str | Path, code: str, needle: str = ""):
    """Return the one diagnostic `code` (with `needle` in its message) the audit reports on a folder."""
    folder = config if isinstance(config, Path) else CORPUS / config
    found = [d for d in audit_config(folder).diagnostics if d.code == code and needle in d.message]
    assert len(found) == 1, [f"{d.code} {d.message}" for d in audit_config(folder).diagnostics]
    return found[0]


def write_config(folder: Path, main_cf: str, master_cf: str = "smtp inet n - y - - smtpd\n") -> Path:
    folder.mkdir()
    (folder / "main.cf").write_text(main_cf)
    (folder / "master.cf").write_text(master_cf)
    return folder


# -- emailwiz: MP307 and MP318 on `permit_sasl_authenticated, permit_mynetworks, reject_sender_login_mismatch`

EMAILWIZ_LISTS = {name: corpus_value("emailwiz", name)
                  for name in ("smtpd_helo_restrictions", "smtpd_sender_restrictions", "smtpd_recipient_restrictions")}


@pytest.fixture(scope="module")
def emailwiz(boot_sandbox):
    # emailwiz sets no smtpd_sender_login_maps: neither does the copy.
    lists = {name: without(value) for name, value in EMAILWIZ_LISTS.items()}
    return boot_sandbox(loopback_main_cf(**lists, local_recipient_maps=""), logins=LOGINS)


def test_emailwiz_login_check_never_refuses_a_logged_in_client(emailwiz) -> None:
    # MP307: permit_sasl_authenticated ends the sender list for every logged-in client first.
    shaded = finding("emailwiz", "MP307")
    assert shaded.is_error and "reject_sender_login_mismatch" in shaded.message
    # MP318 (no map): with the permit before it, it never rejects anything.
    empty = finding("emailwiz", "MP318")
    assert "never rejects anything" in empty.message
    for sender in (OTHERS, "anyone@gmail.test"):
        attempt = emailwiz.try_send(OUTSIDE_SOURCE, "jimminey", LOGINS["jimminey"], sender, "victim@gmail.test")
        assert (attempt.accepted, attempt.code) == (True, 250), attempt


def test_reached_by_logins_the_check_without_a_map_refuses_every_sender(boot_sandbox, tmp_path) -> None:
    # The same list with the permits before the check taken out: what MP318 then says is what smtpd does.
    sender_list = without(EMAILWIZ_LISTS["smtpd_sender_restrictions"],
                          (*OUTSIDE_POSTFIX, "permit_sasl_authenticated", "permit_mynetworks"))
    assert sender_list.startswith("reject_sender_login_mismatch")
    main_cf = loopback_main_cf(smtpd_sender_restrictions=sender_list, local_recipient_maps="")
    refusal = finding(write_config(tmp_path / "reached", main_cf), "MP318")
    assert refusal.is_error and "refuses every sender of every logged-in client" in refusal.message
    sandbox = boot_sandbox(main_cf, logins=LOGINS)
    for sender in ("jimminey@example0.com", OWNED, "anyone@gmail.test"):
        attempt = sandbox.try_send(OUTSIDE_SOURCE, "jimminey", LOGINS["jimminey"], sender, "victim@gmail.test")
        assert (attempt.stage, attempt.code) == ("rcpt", 553), attempt
        assert "not owned by user jimminey" in attempt.reply


# -- MP336 on yunohost (port 25) and modoboa (submission): the bare-postmaster forgery


@pytest.fixture(scope="module")
def yunohost(boot_sandbox):
    lists = {name: without(corpus_value("yunohost", name)) for name in
             ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
              "smtpd_recipient_restrictions")}
    # yunohost's login maps are LDAP and an app table: ours stands in for both.
    main_cf = loopback_main_cf(**lists, smtpd_sender_login_maps=f"hash:{SENDERS}", local_recipient_maps="",
                               smtpd_helo_required="yes", strict_rfc821_envelopes="yes")
    return boot_sandbox(main_cf, maps={SENDERS: OWNERS}, logins=LOGINS)


def test_yunohost_anonymous_client_sends_as_an_owned_address_to_postmaster(yunohost) -> None:
    forgery = finding("yunohost", "MP336")
    assert forgery.is_error
    assert "reject_sender_login_mismatch" in corpus_value("yunohost", "smtpd_sender_restrictions")
    # The check works for any other recipient ...
    refused = yunohost.try_send(OUTSIDE_SOURCE, None, None, OWNED, "jimminey@example0.com")
    assert (refused.stage, refused.code) == ("rcpt", 553) and "not logged in" in refused.reply, refused
    # ... but the bare postmaster skips it, and no data restriction checks the login: queued.
    forged = yunohost.try_send(OUTSIDE_SOURCE, None, None, OWNED, "postmaster", data=True)
    assert (forged.accepted, forged.stage, forged.code) == (True, "data", 250), forged


@pytest.fixture(scope="module")
def modoboa(boot_sandbox):
    # Left out of the submission service: cleanup_service_name (modoboa's ascleanup rewrites headers
    # after acceptance) and smtpd_proxy_filter (amavis, handed the mail smtpd already accepted).
    overrides = corpus_overrides("modoboa", "submission", "cleanup_service_name", "smtpd_proxy_filter")
    main_cf = loopback_main_cf(smtpd_sender_login_maps=f"hash:{SENDERS}", local_recipient_maps="",
                               smtpd_recipient_restrictions=without(corpus_value("modoboa",
                                                                                 "smtpd_recipient_restrictions")))
    return boot_sandbox(main_cf, maps={SENDERS: OWNERS}, logins=LOGINS, services=(("submission", overrides),),
                        tls_hostname="mx.example0.com")


def test_modoboa_submission_takes_a_forgery_to_postmaster_without_a_login(modoboa) -> None:
    forgery = finding("modoboa", "MP336")
    assert forgery.is_error and forgery.message.startswith("submission/inet:")
    # The submission port refuses anonymous clients (permit_sasl_authenticated, reject) ...
    refused = modoboa.try_send(OUTSIDE_SOURCE, None, None, OWNED, "jimminey@example0.com", service="submission",
                               tls="starttls")
    assert refused.tls and (refused.stage, refused.code) == ("rcpt", 554), refused
    # ... except for the bare postmaster, before every list: the forged mail is queued.
    forged = modoboa.try_send(OUTSIDE_SOURCE, None, None, OWNED, "postmaster", service="submission",
                              tls="starttls", data=True)
    assert forged.tls and (forged.accepted, forged.stage, forged.code) == (True, "data", 250), forged


@pytest.fixture(scope="module")
def nixos_mailserver(boot_sandbox):
    # Left out of the submission service: cleanup_service_name (its header-cleanup service strips
    # headers after acceptance), smtpd_sasl_path (the sandbox's Dovecot answers at its own), and the
    # login map, which the copy replaces with its own rows (the same shape: ADDRESS LOGIN).
    overrides = (*corpus_overrides("nixos-mailserver", "submission", "cleanup_service_name", "smtpd_sasl_path",
                                   "smtpd_sender_login_maps"), ("smtpd_sender_login_maps", f"hash:{SENDERS}"))
    return boot_sandbox(loopback_main_cf(local_recipient_maps=""), maps={SENDERS: OWNERS}, logins=LOGINS,
                        services=(("submission", overrides),), tls_hostname="mx.example0.com")


def test_nixos_mailserver_submission_takes_a_forgery_to_postmaster_without_a_login(nixos_mailserver) -> None:
    for service in ("submission/inet:", "submissions/inet:"):
        assert finding("nixos-mailserver", "MP336", service).is_error
    # The submission port refuses anonymous clients (permit_sasl_authenticated, reject) ...
    refused = nixos_mailserver.try_send(OUTSIDE_SOURCE, None, None, OWNED, "jimminey@example0.com",
                                        service="submission", tls="starttls")
    assert refused.tls and (refused.stage, refused.code) == ("rcpt", 554), refused
    # ... except for the bare postmaster, before every list: the forged mail is queued.
    forged = nixos_mailserver.try_send(OUTSIDE_SOURCE, None, None, OWNED, "postmaster", service="submission",
                                       tls="starttls", data=True)
    assert forged.tls and (forged.accepted, forged.stage, forged.code) == (True, "data", 250), forged


# -- MP317: a login map that no list of a service with logins consults (iRedMail's submission)

IREDMAIL_SUBMISSION = corpus_overrides("iredmail-pgsql", "submission",
                                       # amavis after acceptance, and a transport the sandbox lacks
                                       "content_filter")


def iredmail_main_cf() -> str:
    return loopback_main_cf(smtpd_sender_login_maps=f"hash:{SENDERS}", local_recipient_maps="",
                            smtpd_sender_restrictions=without(corpus_value("iredmail-pgsql",
                                                                           "smtpd_sender_restrictions")))


def test_iredmail_submission_lets_a_login_send_as_another_owners_address(boot_sandbox) -> None:
    unconsulted = finding("iredmail-pgsql", "MP317")
    assert not unconsulted.is_error and "submission/inet" in unconsulted.message
    sandbox = boot_sandbox(iredmail_main_cf(), maps={SENDERS: OWNERS}, logins=LOGINS,
                           services=(("submission", IREDMAIL_SUBMISSION),), tls_hostname="mx.example0.com")
    # jimminey logs in and sends as boss's address: nothing consults the map.
    attempt = sandbox.try_send(OUTSIDE_SOURCE, "jimminey", LOGINS["jimminey"], OTHERS, "victim@gmail.test",
                               service="submission", tls="starttls")
    assert (attempt.accepted, attempt.code) == (True, 250), attempt


def test_the_same_map_refuses_it_once_a_list_consults_it(boot_sandbox) -> None:
    checked = (*IREDMAIL_SUBMISSION, ("smtpd_sender_restrictions", "reject_sender_login_mismatch"))
    sandbox = boot_sandbox(iredmail_main_cf(), maps={SENDERS: OWNERS}, logins=LOGINS,
                           services=(("submission", checked),), tls_hostname="mx.example0.com")
    attempt = sandbox.try_send(OUTSIDE_SOURCE, "jimminey", LOGINS["jimminey"], OTHERS, "victim@gmail.test",
                               service="submission", tls="starttls")
    assert (attempt.stage, attempt.code) == ("rcpt", 553) and "not owned by user jimminey" in attempt.reply, attempt


# -- MP337: login restrictions on a service without SASL ("no SASL support"), why MP317 skips such services

NO_SASL_CASE = Path(__file__).parents[1] / "cases" / "audit" / "login-restrictions-on-a-service-without-sasl"


def test_without_sasl_smtpd_ignores_the_login_check_and_logs_it(boot_sandbox) -> None:
    ignored = finding(NO_SASL_CASE, "MP337", "reject_sender_login_mismatch in smtpd_sender_restrictions")
    assert ignored.severity.name == "WARNING"
    main_cf = loopback_main_cf(smtpd_sasl_auth_enable="no", smtpd_sender_login_maps=f"hash:{SENDERS}",
                               smtpd_sender_restrictions="reject_sender_login_mismatch", local_recipient_maps="")
    sandbox = boot_sandbox(main_cf, maps={SENDERS: OWNERS})
    attempt = sandbox.try_send(OUTSIDE_SOURCE, None, None, OWNED, "jimminey@example0.com")
    assert (attempt.accepted, attempt.code) == (True, 250), attempt
    log = sandbox.wait_log("ignored: no SASL support")
    for name in ("reject_authenticated_sender_login_mismatch", "reject_unauthenticated_sender_login_mismatch"):
        assert f"restriction `{name}' ignored: no SASL support" in log
