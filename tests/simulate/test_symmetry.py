"""Interchangeable relay domains (simulate/symmetry.py): grouped only where the proof cannot tell them apart.

Every configuration here is proved twice, with the grouping and with it switched off: the
counterexamples must be the same (a differential, so a grouping that merged names the decision
tells apart would show as a missing or different witness).
"""

from __future__ import annotations

import pytest

from mailpolicy.simulate import symmetry
from mailpolicy.simulate.decide import PostfixModel
from mailpolicy.simulate.proof import prove_no_open_relay

N = 100
RELAY = "permit_mynetworks, reject_unauth_destination"


def _domains(n: int = N, parent: str = "example") -> list[str]:
    return [f"d{i}.{parent}" for i in range(n)]


def _model(relay_domains: str, **params: str) -> PostfixModel:
    return PostfixModel.from_parameters({"mynetworks": "127.0.0.0/8", "relay_domains": relay_domains,
                                         "smtpd_relay_restrictions": RELAY, **params})


def _kept(model: PostfixModel) -> list[str]:
    words = model.config.words("relay_domains")
    plain = [w.lstrip(".").lower() for w in words if ":" not in w and "/" not in w]
    return symmetry.interchangeable_domains(model, plain)


def test_names_written_only_in_relay_domains_are_one_group_per_parent() -> None:
    model = _model(", ".join(_domains() + _domains(parent="example.org")))
    assert _kept(model) == ["d0.example", "d0.example.org"]


def test_a_short_list_is_probed_whole() -> None:
    model = _model(", ".join(_domains(symmetry.MIN_TO_GROUP - 1)))
    assert len(_kept(model)) == symmetry.MIN_TO_GROUP - 1


SEPARATING = {
    "named by an access table in a restriction list":
        ({"smtpd_recipient_restrictions": "check_recipient_access inline:{ {d7.example = REJECT} }"}, ["d0.example", "d7.example"]),
    "named as myhostname": ({"myhostname": "d7.example"}, ["d0.example", "d7.example"]),
    "a subdomain of it named elsewhere": ({"mydestination": "mx.d7.example"}, ["d0.example", "d7.example"]),
    "a leading dot": ({"relay_domains": ", ".join(_domains()[:7] + [".d7.example"] + _domains()[8:])},
                      ["d0.example", "d7.example"]),
    "after a table entry of the list": ({"relay_domains": ", ".join(_domains()[:50] + ["hash:/etc/postfix/relay"] + _domains()[50:])},
                                        ["d0.example", "d50.example"]),
    # (the proof probes `!example` as written too: it is a word of relay_domains without `:` or `/`)
    "after an exclusion in the list": ({"relay_domains": ", ".join(_domains()[:50] + ["!example"] + _domains()[50:])},
                                       ["d0.example", "!example", "d50.example"]),
    "a parameter named like it": ({"d7.example": "reject"}, ["d0.example", "d7.example"]),
}


@pytest.mark.parametrize(("extra", "kept"), SEPARATING.values(), ids=SEPARATING.keys())
def test_a_name_the_configuration_writes_elsewhere_is_its_own_group(extra: dict, kept: list[str]) -> None:
    extra = dict(extra)
    model = _model(extra.pop("relay_domains", ", ".join(_domains())), **extra)
    assert _kept(model) == kept


def test_a_name_in_a_known_table_is_its_own_group() -> None:
    model = PostfixModel.from_parameters(
        {"mynetworks": "127.0.0.0/8", "relay_domains": ", ".join(_domains()),
         "smtpd_relay_restrictions": f"check_recipient_access hash:/etc/postfix/access, {RELAY}"},
        {"hash:/etc/postfix/access": {"d7.example": "OK"}})
    assert _kept(model) == ["d0.example", "d7.example"]


@pytest.mark.parametrize("pattern", ["regexp:{ {/d7/ REJECT} }", "pcre:/etc/postfix/recipients.pcre"])
def test_a_pattern_table_anywhere_turns_the_grouping_off(pattern: str) -> None:
    model = _model(", ".join(_domains()), smtpd_recipient_restrictions=f"check_recipient_access {pattern}")
    assert len(_kept(model)) == N


# Configurations whose proof depends on one relay domain: untrusted routing through backup-MX
# domains is a relay (smtpd_check.c, reject_unauth_destination), and all but one are refused.
ROUTED = {"allow_untrusted_routing": "yes"}
ONLY_D7 = ", ".join(f"{{{d} = REJECT}}" for d in _domains() if d != "d7.example")
DIFFERENTIAL = {
    "plain list": {},
    "routing allowed through every domain": ROUTED,
    "routing refused for all but one": {**ROUTED, "smtpd_relay_restrictions":
                                        f"permit_mynetworks, check_recipient_access inline:{{ {ONLY_D7} }}, reject_unauth_destination"},
    "routing refused for one": {**ROUTED, "smtpd_relay_restrictions":
                                "permit_mynetworks, check_recipient_access inline:{ {d7.example = REJECT} }, reject_unauth_destination"},
    "a table that may refuse any of them": {**ROUTED, "smtpd_relay_restrictions":
                                            f"check_recipient_access hash:/etc/postfix/unknown, {RELAY}"},
}


@pytest.mark.parametrize("extra", DIFFERENTIAL.values(), ids=DIFFERENTIAL.keys())
def test_the_proof_finds_the_same_relays_with_and_without_the_grouping(monkeypatch, extra: dict) -> None:
    found = prove_no_open_relay(_model(", ".join(_domains()), **extra))
    monkeypatch.setattr(symmetry, "MIN_TO_GROUP", 10**9)
    assert prove_no_open_relay(_model(", ".join(_domains()), **extra)) == found
    if extra.get("allow_untrusted_routing"):
        assert found  # the case reaches the proof's witnesses, not only its empty answer
