"""Build small models and requests for the simulator's tests."""

from __future__ import annotations

from mailpolicy.simulate import PostfixModel, Request

OUTSIDE = "203.0.113.9"
# A modern, explicit base: the compiler always writes these four.
BASE = {"compatibility_level": "3.6", "myhostname": "mx.example0.com", "mydestination": "example0.com",
        "mynetworks": "127.0.0.0/8"}


def model(tables=None, **params: str) -> PostfixModel:
    """Return a model of BASE with `params` set (smtpd_relay_restrictions defaults to the relay check)."""
    values = {**BASE, "smtpd_relay_restrictions": "reject_unauth_destination", **params}
    return PostfixModel.from_parameters(values, tables or {})


def ask(m: PostfixModel, sender: str = "a@evil.test", recipient: str = "u@example0.com", *,
        client: str = OUTSIDE, login: str | None = None, helo: str = "client.example.test",
        name: str = "unknown"):
    """Decide one request and return the decision."""
    return m.decide(Request(client, login, sender, recipient, helo, name))
