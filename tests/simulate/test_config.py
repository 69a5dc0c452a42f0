"""Parameters as smtpd reads them: postconf -d defaults, compatibility levels, $name expansion."""

from __future__ import annotations

from mailpolicy.simulate import Host, PostfixModel
from mailpolicy.simulate.config import Config


def test_defaults_follow_the_compatibility_level_like_postconf() -> None:
    # `postconf -c EMPTY -o compatibility_level=... -x` on this host, interfaces as Host says.
    host = Host("vm.localdomain", (("127.0.0.1", 8), ("192.0.2.2", 24), ("::1", 128)))
    new = Config({"compatibility_level": "3.6"}, "3.7", host)
    assert new.value("mynetworks_style") == "host"
    assert new.value("mynetworks") == "127.0.0.1/32 192.0.2.2/32 [::1]/128"
    assert new.value("relay_domains") == ""
    assert new.value("smtpd_relay_restrictions") == \
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"
    assert new.value("mydestination") == "vm.localdomain, localhost.localdomain, localhost"
    old = Config({}, "3.7", host)
    assert old.value("mynetworks") == "127.0.0.0/8 192.0.2.0/24 [::1]/128"
    assert old.value("relay_domains") == "vm.localdomain, localhost.localdomain, localhost"
    assert old.value("smtpd_relay_restrictions") == ""
    assert Config({"mynetworks_style": "class"}, "3.7", host).value("mynetworks") == \
        "127.0.0.0/8 192.0.2.0/24 [::1]/128"


def test_references_expand_and_set_values_win() -> None:
    config = Config({"mydestination": "$myhostname, ${mydomain}", "myhostname": "mx.example0.com"})
    assert config.value("mydestination") == "mx.example0.com, example0.com"
    assert config.value("myorigin") == "mx.example0.com"
    assert config.value("no_such_parameter") == ""


def test_a_value_postfix_cannot_expand_stops_smtpd() -> None:
    m = PostfixModel.from_parameters({"compatibility_level": "3.6", "mydestination": "${unclosed"})
    assert m.fatal and "mydestination" in m.fatal
