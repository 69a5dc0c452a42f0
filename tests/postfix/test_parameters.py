"""The Postfix parameter catalogue: names, history, restrictions, and the generator."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from mailpolicy.postfix import parameters as P
from tests.postfix_support import missing_prerequisite

REPO = Path(__file__).resolve().parents[2]
DATA = files("mailpolicy.postfix") / "data"
PARAMS_37 = DATA / "postfix-3.7.params"


# --- the data file ---------------------------------------------------------

def test_every_line_of_the_data_file_parses():
    text = PARAMS_37.read_text(encoding="utf-8")
    params = P.parse_params_text(text)
    lines = text.splitlines()
    assert lines[0].startswith("# Postfix 3.7.")
    body = [line for line in lines if not line.startswith("#")]
    assert len(body) == len(params)  # no blank or unparsed lines hide in the body
    assert body == sorted(body, key=lambda line: line.split(" =", 1)[0])
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) for name in params)


def test_the_catalogue_has_1043_parameters():
    assert len(P.parse_params_text(PARAMS_37.read_text(encoding="utf-8"))) == 1043
    assert P.known_versions() == ("3.7",)


def test_defaults_are_kept_as_postconf_prints_them():
    assert P.parameter("maillog_file").default == ""
    assert P.parameter("relay_domains").default.startswith("${{$compatibility_level} <level {2}")
    assert P.parameter("smtp_destination_concurrency_limit").default == (
        "$default_destination_concurrency_limit")
    assert P.parameter("myhostname").default == P.HOST_DEPENDENT


def test_parse_params_text_rejects_junk():
    with pytest.raises(ValueError):
        P.parse_params_text("not a parameter line\n")
    with pytest.raises(ValueError):
        P.parse_params_text("a = 1\na = 2\n")


def test_history_and_restriction_data_are_consistent():
    history = json.loads((DATA / "history.json").read_text(encoding="utf-8"))
    params = P.parse_params_text(PARAMS_37.read_text(encoding="utf-8"))
    for name, entry in history["obsolete"].items():
        if entry["replacement"]:
            assert entry["replacement"] in params, name
    versions = {e["version"] for e in history["introduced"].values()}
    assert {"3.0", "3.4", "3.6", "3.7", "3.8", "3.9", "3.10"} <= versions
    restrictions = json.loads((DATA / "restrictions.json").read_text(encoding="utf-8"))
    for name, entry in restrictions["restrictions"].items():
        assert entry["class"] in restrictions["classes"], name


# --- check_name ---------------------------------------------------------------

def test_seed_smtp_typed_for_smtpd_is_wrong_daemon():
    problem = P.check_name("smtp_recipient_restrictions")
    assert problem is not None and problem.kind == "wrong_daemon"
    assert problem.suggestion == "smtpd_recipient_restrictions"
    problem = P.check_name("smtpd_destination_rate_delay")
    assert problem.kind == "wrong_daemon" and problem.suggestion == "smtp_destination_rate_delay"


def test_misspelled_name_is_unknown_with_suggestion():
    problem = P.check_name("smtpd_recipent_restrictions")
    assert problem.kind == "unknown"
    assert problem.suggestion == "smtpd_recipient_restrictions"
    assert "did you mean 'smtpd_recipient_restrictions'" in problem.message
    assert P.check_name("Smtpd_Banner").suggestion == "smtpd_banner"
    nothing_close = P.check_name("xyzzy_frobnicate")
    assert nothing_close.kind == "unknown" and nothing_close.suggestion is None


def test_deprecated_tls_switch_names_its_replacement():
    problem = P.check_name("smtpd_use_tls")
    assert problem.kind == "deprecated" and problem.suggestion == "smtpd_tls_security_level"
    assert P.check_name("smtpd_enforce_tls").suggestion == "smtpd_tls_security_level"
    assert P.check_name("disable_dns_lookups").suggestion == "smtp_dns_support_level"
    # deprecated only from 3.9 on (DEPRECATION_README)
    assert P.check_name("smtpd_tls_dh1024_param_file", "3.7") is None
    assert P.check_name("smtpd_tls_dh1024_param_file", "3.9").kind == "deprecated"


def test_renamed_and_removed_names():
    renamed = P.check_name("postscreen_blacklist_action", "3.7")
    assert renamed.kind == "deprecated" and renamed.suggestion == "postscreen_denylist_action"
    assert P.check_name("postscreen_blacklist_action", "3.5") is None  # the name then
    removed = P.check_name("smtpd_sasl_application_name")
    assert removed.kind == "removed" and removed.suggestion == "smtpd_sasl_path"


def test_name_from_a_later_postfix_is_too_new():
    problem = P.check_name("use_srv_lookup", "3.7")
    assert problem.kind == "too_new" and "3.8" in problem.message
    assert P.check_name("use_srv_lookup", "3.8") is None
    assert P.check_name("smtpd_hide_client_session", "3.9").kind == "too_new"
    assert P.check_name("smtpd_hide_client_session", "3.10") is None
    assert P.parameter("use_srv_lookup", "3.7") is None
    assert P.parameter("use_srv_lookup", "3.9").introduced == "3.8"


def test_older_target_version_uses_introduced_versions():
    problem = P.check_name("respectful_logging", "3.4")
    assert problem.kind == "too_new" and "needs Postfix 3.6" in problem.message
    assert P.check_name("respectful_logging", "3.6") is None
    # backported to 3.6.10: counts for the 3.6 series, not for 3.4
    assert P.check_name("smtpd_forbid_unauth_pipelining", "3.6") is None
    assert P.check_name("smtpd_forbid_unauth_pipelining", "3.4").kind == "too_new"
    assert P.parameter("respectful_logging", "3.5") is None


def test_master_cf_forms_and_per_transport_parameters():
    p_form = P.check_name("submission/inet/smtpd_tls_security_level")
    assert p_form.kind == "unknown" and p_form.suggestion == "smtpd_tls_security_level"
    assert P.check_name("relay_destination_concurrency_limit") is None
    assert P.check_name("lmtp_destination_recipient_limit") is None
    dovecot = "dovecot_destination_recipient_limit"
    assert P.check_name(dovecot).kind == "unknown"
    assert "master.cf" in P.check_name(dovecot).message
    assert P.check_name(dovecot, transports=["dovecot"]) is None


@pytest.mark.parametrize("name", ["reject_unauth_destination", "reject_invalid_hostname"])  # current, obsolete
def test_restriction_used_as_parameter_name(name):
    problem = P.check_name(name)
    assert problem.kind == "restriction" and "SMTP access restriction" in problem.message


def test_bad_version_is_an_error():
    with pytest.raises(ValueError):
        P.check_name("biff", "three")


def test_suggest_and_daemon_twin():
    assert P.suggest("smtpd_tls_securty_level") == "smtpd_tls_security_level"
    assert P.suggest("qwertyuiop") is None
    assert P.daemon_twin("smtp_tls_security_level") == "smtpd_tls_security_level"
    assert P.daemon_twin("smtpd_sasl_auth_enable") == "smtp_sasl_auth_enable"
    assert P.daemon_twin("smtp_recipient_restrictions") is None
    assert P.daemon_twin("myhostname") is None


# --- restrictions -------------------------------------------------------------

def test_restriction_names_from_postconf5():
    names = P.restriction_names()
    assert {"permit_mynetworks", "reject_unauth_destination", "defer_unauth_destination",
            "check_policy_service", "warn_if_reject", "sleep", "reject"} <= names
    assert len(names) == 68
    assert P.restriction_lists("check_etrn_access") == ("smtpd_etrn_restrictions",)
    assert "smtpd_etrn_restrictions" not in P.restriction_lists("reject_unknown_sender_domain")
    assert P.restriction_lists("no_such_restriction") is None


def test_check_relay_domains_is_removed_with_replacement():
    removed = P.check_restriction("check_relay_domains", "3.9")
    assert removed.kind == "removed" and removed.suggestion == "reject_unauth_destination"
    # Postfix 2.2 .. 3.8 still accept it with a warning (DEPRECATION_README)
    assert P.check_restriction("check_relay_domains", "3.7").kind == "deprecated"
    assert P.check_restriction("permit_naked_ip_address", "3.9").kind == "removed"


def test_old_restriction_names_and_typos():
    old = P.check_restriction("reject_unknown_hostname")
    assert old.kind == "deprecated" and old.suggestion == "reject_unknown_helo_hostname"
    assert P.check_restriction("reject_unknown_client").suggestion == (
        "reject_unknown_client_hostname")
    typo = P.check_restriction("reject_unauth_destinaton")
    assert typo.kind == "unknown" and typo.suggestion == "reject_unauth_destination"
    assert P.check_restriction("permit_mynetworks") is None
    assert P.check_restriction("my_class", classes=["my_class"]) is None
    assert P.check_restriction("defer_unauth_destination", "2.9").kind == "too_new"


# --- the generator ------------------------------------------------------------

def _postconf() -> str | None:
    return shutil.which("postconf") or (
        "/usr/sbin/postconf" if os.access("/usr/sbin/postconf", os.X_OK) else None)


def test_generator_reproduces_the_committed_file(tmp_path):
    postconf = _postconf()
    if postconf is None:
        missing_prerequisite("postconf is not installed (scripts/test installs Debian's postfix package)")
    installed = subprocess.run([postconf, "-d", "-h", "mail_version"], capture_output=True,
                               text=True, check=True).stdout.strip()
    committed = PARAMS_37.read_text(encoding="utf-8").splitlines()[0]
    if committed != f"# Postfix {installed}: main.cf parameter names and built-in defaults.":
        missing_prerequisite(f"installed Postfix {installed} is not the one the data file was made from "
                             "(regenerate it with scripts/gen_postfix_params.py)")
    spec = importlib.util.spec_from_file_location("gen_postfix_params",
                                                  REPO / "scripts" / "gen_postfix_params.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    out = generator.generate(tmp_path, postconf)
    assert out.name == "postfix-3.7.params"
    assert out.read_bytes() == PARAMS_37.read_bytes()


@pytest.mark.parametrize("unknown, expected", [("chain123", None), ("myhostnme", "myhostname"),
                                               ("MYDOMAIN", "mydomain"), ("relay_domain", "relay_domains")])
def test_a_suggestion_measures_only_names_of_a_near_length(monkeypatch, unknown, expected) -> None:
    # An audit of a main.cf with thousands of unknown names asks for one suggestion each: measuring
    # every known name each time was the quadratic part (1,000 unknown names took seconds).
    from mailpolicy.postfix import parameters as pf

    measured: list[str] = []
    distance = pf._distance
    monkeypatch.setattr(pf, "_distance", lambda a, b, limit: measured.append(b) or distance(a, b, limit))
    assert pf.suggest(unknown) == expected
    limit = max(1, min(3, len(unknown) // 4))
    near = {n.lower() for n in pf._names("3.7") if abs(len(n) - len(unknown)) <= limit}
    assert set(measured) <= near
    assert len(measured) < len(pf._names("3.7")) // 2
