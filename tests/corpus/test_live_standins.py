"""The live comparison's stand-ins (tests/corpus/live/standins.py) rewrite a value the same way wherever it stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.postfix.master_cf import read_master_cf
from tests.corpus.live.run import CORPUS, PROJECTS, public_services
from tests.corpus.live.scenarios import scenarios
from tests.corpus.live.standins import Replacer, StandInError, StandIns, read_standins


def _replacer(tmp_path: Path, standins: StandIns | None = None) -> Replacer:
    return Replacer(standins or StandIns(), tmp_path / "standins", 10099)


def test_a_server_table_becomes_a_texthash_file_with_the_rows_standins_gives(tmp_path: Path) -> None:
    standins = StandIns(tables={"proxy:mysql:/etc/postfix/domains.cf": ["example0.com OK"]})
    replacer = _replacer(tmp_path, standins)
    value = replacer.value("virtual_mailbox_domains", "proxy:mysql:/etc/postfix/domains.cf, hash:/etc/x")
    first, second = value.split(", ")
    assert first.startswith(f"texthash:{tmp_path}/standins/") and second.startswith("texthash:")
    assert replacer.files[first.removeprefix("texthash:")] == "example0.com OK\n"
    assert replacer.files[second.removeprefix("texthash:")] == ""
    # The same reference in another place (the import's main.cf, a service's -o) gets the same file.
    assert replacer.value("relay_domains", "proxy:mysql:/etc/postfix/domains.cf") == first


def test_policy_services_dns_lists_milters_and_the_sasl_socket_are_stood_in(tmp_path: Path) -> None:
    replacer = _replacer(tmp_path)
    value = replacer.value("smtpd_recipient_restrictions",
                           "permit_mynetworks, reject_rbl_client zen.spamhaus.org=127.0.0.[2..11], "
                           "check_policy_service unix:private/quota-status, check_policy_service { inet:x:1, "
                           "timeout=10s }, reject_unauth_destination")
    assert "zen.spamhaus.org" not in value and "quota-status" not in value and "inet:x:1" not in value
    assert value.count("check_policy_service,inet:127.0.0.1:10099") == 2
    assert value.startswith("permit_mynetworks") and value.endswith("reject_unauth_destination")
    assert replacer.value("smtpd_milters", "inet:127.0.0.1:11332") == ""
    assert replacer.value("smtpd_sasl_path", "inet:dovecot:10001") == "private/auth"
    assert replacer.value("mynetworks", "127.0.0.0/8 10.0.0.0/8") == "10.0.0.0/8 127.0.0.1/32"
    assert replacer.value("postscreen_dnsbl_sites", "zen.spamhaus.org*3 bl.spamcop.net") == ""


@pytest.mark.parametrize("project", ["mailcow", "modoboa"])
def test_a_postscreen_on_25_is_booted_in_front_of_the_pass_service_it_hands_clients_to(tmp_path: Path,
                                                                                       project: str) -> None:
    master_path = CORPUS / project / "master.cf"
    master = read_master_cf(master_path.read_text(encoding="utf-8"), str(master_path))
    services, screen = public_services(master, _replacer(tmp_path))
    passed = next(s for s in master.services if s.type == "pass")
    assert screen == [] and services[0][0] == "inbound"
    # Port 25's overrides are the pass service's, stood in (mailcow turns logins off there).
    assert [name for name, _ in services[0][1]] == [o.name for o in passed.overrides]


def test_without_postscreen_port_25_is_its_smtpd(tmp_path: Path) -> None:
    master_path = CORPUS / "debian-stock" / "master.cf"  # its postscreen lines are commented out
    master = read_master_cf(master_path.read_text(encoding="utf-8"), str(master_path))
    services, screen = public_services(master, _replacer(tmp_path))
    assert screen is None and services[0] == ("inbound", [])


def test_a_table_prefix_completed_by_a_parameter_gets_one_file_per_named_table(tmp_path: Path) -> None:
    standins = StandIns(tables={"socketmap:unix:/tmp/podop.socket:domain": ["example0.com x"]})
    replacer = _replacer(tmp_path, standins)
    prefix = replacer.value("podop", "socketmap:unix:/tmp/podop.socket:")
    assert prefix.endswith("-") and replacer.files[prefix.removeprefix("texthash:") + "domain"] == "example0.com x\n"


def test_main_cf_keeps_its_comments_and_joins_continuation_lines(tmp_path: Path) -> None:
    text = "# a comment\nsmtpd_milters =\n  inet:rspamd:9900\nmyhostname = mail.example0.com\n"
    assert _replacer(tmp_path).main_cf(text) == "# a comment\nsmtpd_milters = \nmyhostname = mail.example0.com\n"


def test_a_standins_line_that_is_not_understood_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "STANDINS"
    path.write_text("domain example0.com\nlogn jcricket x y\n", encoding="utf-8")
    with pytest.raises(StandInError, match=r"STANDINS:2: expected"):
        read_standins(path)


@pytest.mark.parametrize("project", PROJECTS)
def test_every_configuration_has_standins_with_every_role(project: str) -> None:
    plan = scenarios(read_standins(CORPUS / project / "STANDINS"))
    assert len({s.name for s in plan}) == len(plan) >= 13
