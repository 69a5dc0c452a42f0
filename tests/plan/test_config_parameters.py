"""mydestination and mynetworks exactly as planned, with their provenance (plan/config.py).

The values decide which mail is local and which clients may relay; the reason, source line and
statement are what main.cf's comments and `explain` cite. The mutation run (docs/mutation.md) found
that no test held several networks under `trusted networks only` (a wrong separator went unnoticed)
nor the provenance of `local domains only`.
"""

from __future__ import annotations

import pytest

from mailpolicy.plan.config import compatibility_level
from tests.helpers import compile_text


@pytest.mark.parametrize(("statement", "name", "value", "reason", "cited"), [
    ("trusted networks only 192.0.2.0/24, [2001:db8::]/32", "mynetworks", "192.0.2.0/24 [2001:db8::]/32",
     "trusted networks, exactly as stated (`only`)", "trusted networks"),
    ("local domains only example.com, example.net", "mydestination", "example.com, example.net",
     "domains delivered on this server, exactly as stated (`only`)", "local domains"),
])
def test_only_means_exactly_the_stated_list(tmp_path, statement, name, value, reason, cited) -> None:
    parameter = compile_text(tmp_path, f"relay nobody\n{statement}\n").plan.parameter(name)
    assert (parameter.value, parameter.reason) == (value, reason)
    assert (parameter.source.line, parameter.statement) == (2, cited)


def test_without_trusted_networks_only_this_host_is_trusted(tmp_path) -> None:
    mynetworks = compile_text(tmp_path, "relay nobody\n").plan.parameter("mynetworks")
    assert (mynetworks.value, mynetworks.source, mynetworks.statement) == ("127.0.0.0/8 [::1]/128", None, "")


def test_local_domains_keep_this_hosts_names_unless_only(tmp_path) -> None:
    plan = compile_text(tmp_path, "relay nobody\nlocal domains example.com, localhost\n").plan
    mydestination = plan.parameter("mydestination")
    assert mydestination.value == "$myhostname, example.com, localhost"
    assert (mydestination.source.line, mydestination.statement) == (2, "local domains")


@pytest.mark.parametrize(("version", "level"), [("3.7", "3.6"), ("3.6", "3.6"), ("3.5", "2"), ("3.0", "2"),
                                                ("2.11", None)])
def test_compatibility_level_follows_the_target_version(version: str, level: str | None) -> None:
    # Without compatibility_level 2 a 3.x Postfix keeps its pre-3.0 defaults (postconf.5
    # compatibility_level), among them relay_domains = $mydestination: more relaying than stated.
    assert compatibility_level(version) == level


def test_the_sasl_path_cites_where_it_is_relative_to(tmp_path) -> None:
    chrooted = compile_text(tmp_path, "sasl dovecot private/auth\n").plan.parameter("smtpd_sasl_path")
    assert chrooted.reason == "relative to the queue directory (inside the chroot /var/spool/postfix)"
    assert (chrooted.source.line, chrooted.source.column) == (1, 14)  # the path as written
    plain = compile_text(tmp_path, "chroot off\nsasl dovecot private/auth\n").plan.parameter("smtpd_sasl_path")
    assert plain.reason == "relative to the queue directory (smtpd is not chrooted)"
    cyrus = compile_text(tmp_path, "sasl cyrus smtpd\n").plan.parameter("smtpd_sasl_path")
    assert cyrus.reason == "Cyrus application name (selects smtpd.conf)"
    assert (cyrus.source.line, cyrus.source.column, cyrus.statement) == (1, 12, "sasl")
    unnamed = compile_text(tmp_path, "sasl cyrus\n").plan.parameter("smtpd_sasl_path")
    assert (unnamed.source.line, unnamed.source.column) == (1, 1)  # no name written: the statement itself
