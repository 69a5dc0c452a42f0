"""This host stays trusted and a local destination unless the policy says `only` (plan/config.py)."""

from __future__ import annotations

import pytest

from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.fmt import format_text
from mailpolicy.plan.simulator_model import model_from_plan
from mailpolicy.simulate import Request, Verdict
from tests.helpers import compile_text

HEAD = "postfix 3.7\nhostname mx.example0.com\nrelay only trusted\n"

# (policy lines, mynetworks, mydestination)
CASES = [
    ("", "127.0.0.0/8 [::1]/128", None),
    ("local domains example0.com\n", "127.0.0.0/8 [::1]/128", "$myhostname, localhost, example0.com"),
    ("local domains only example0.com\n", "127.0.0.0/8 [::1]/128", "example0.com"),
    # `only` on one line makes every line exact; a domain listed explicitly is not repeated.
    ("local domains example0.com\nlocal domains only localhost\n", "127.0.0.0/8 [::1]/128", "example0.com, localhost"),
    ("local domains localhost, example0.com\n", "127.0.0.0/8 [::1]/128", "$myhostname, localhost, example0.com"),
    ("trusted networks 192.0.2.0/28\n", "192.0.2.0/28 127.0.0.0/8 [::1]/128", None),
    ("trusted networks only 192.0.2.0/28\n", "192.0.2.0/28", None),
    # A stated network that already holds loopback is not widened or repeated.
    ("trusted networks 127.0.0.0/16, 2001:db8::/32\n", "127.0.0.0/16 [2001:db8::]/32 127.0.0.0/8 [::1]/128", None),
    ("trusted networks 127.0.0.1, ::1\n", "127.0.0.1/32 [::1]/128 127.0.0.0/8", None),
]


@pytest.mark.parametrize("lines, mynetworks, mydestination", CASES)
def test_planned_values(tmp_path, lines, mynetworks, mydestination) -> None:
    compilation = compile_text(tmp_path, HEAD + lines)
    assert compilation.ok, compilation.diagnostics
    values = compilation.plan.values()
    assert values["mynetworks"] == mynetworks
    assert values.get("mydestination") == mydestination


@pytest.mark.parametrize("only", ["", "only "])
def test_the_open_relay_proof_still_holds_and_loopback_relays_only_when_kept(tmp_path, only) -> None:
    compilation = compile_text(tmp_path, HEAD + f"trusted networks {only}192.0.2.0/28\n")
    assert compilation.ok and not [d for d in compilation.diagnostics if d.code == "MP301"]
    model = model_from_plan(compilation.plan)
    outside = model.decide(Request(OUTSIDE_CLIENT, None, "x@gmail.test", "victim@gmail.test"))
    webmail = model.decide(Request("127.0.0.1", None, "www@example0.com", "victim@gmail.test"))
    assert outside.verdict is Verdict.REJECT
    assert webmail.verdict is (Verdict.REJECT if only else Verdict.ACCEPT)


@pytest.mark.parametrize("text", ["local domains only example0.com\n", "trusted networks only 192.0.2.0/28\n",
                                  'local domains only "only", example0.com\n'])
def test_only_is_parsed_on_both_paths_and_kept_by_fmt(tmp_path, text) -> None:
    assert format_text(text.replace(" only ", "   only  "), "p.mailpolicy").text == text
    compilation = compile_text(tmp_path, HEAD + text)
    assert compilation.ok, compilation.diagnostics
    assert "$myhostname" not in compilation.outputs["main.cf"]
    assert "127.0.0.0/8" not in compilation.outputs["main.cf"] or text.startswith("local")
