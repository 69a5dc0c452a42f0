"""The safety proof is linear in what a policy names (issue 13): a counting test, no clock.

benchmarks/proof_scale.py's policy names N local domains, trusted networks, relay domains and
keys of three access tables; compiling it at N = 1,000 must cost at most 12x (the benchmark's
target, docs/benchmarks.md) the restriction evaluations, address resolutions and table lookups of
N = 100.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from mailpolicy.simulate import address, lookup, runner
from tests.helpers import compile_text

REPO = Path(__file__).resolve().parents[2]


def _policy(n: int) -> str:
    spec = importlib.util.spec_from_file_location("proof_scale", REPO / "benchmarks" / "proof_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.policy(n)


def _counted(monkeypatch, tmp_path, n: int) -> Counter:
    counts: Counter = Counter()

    def counting(owner, name):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(owner, name, wrapper)

    counting(runner.Runner, "evaluate")
    counting(lookup.Table, "find")
    counting(lookup.Maps, "find")
    resolver = next(getattr(address, n) for n in dir(address) if n.endswith("Resolver"))
    counting(resolver, "resolve")
    result = compile_text(tmp_path / str(n), _policy(n)) if (tmp_path / str(n)).mkdir() is None else None
    assert result.ok, [str(d) for d in result.diagnostics if d.is_error]
    monkeypatch.undo()
    return counts


def test_ten_times_the_names_cost_at_most_twelve_times_the_work(monkeypatch, tmp_path) -> None:
    small = _counted(monkeypatch, tmp_path, 100)
    large = _counted(monkeypatch, tmp_path, 1000)
    assert small["evaluate"] > 0 and small["resolve"] > 0
    for name in small:
        assert large[name] <= 12 * max(small[name], 1), (name, small[name], large[name])


@pytest.mark.parametrize("n", [10])
def test_the_scale_policy_is_what_it_says(tmp_path, n) -> None:
    text = _policy(n)
    assert text.count(".example0.com") >= 3 * n and text.count("/24") == n


def test_a_models_outside_clients_are_worked_out_once_per_proof(monkeypatch) -> None:
    # Two candidates per mynetworks entry: with 10,000 entries each computation took a second, and
    # the relay proof, the XCLIENT and rewrite searches and each base request asked for their own.
    from mailpolicy.simulate import PostfixModel, proof, prove_no_open_relay

    nets = ", ".join(f"10.0.{i}.0/24" for i in range(200))
    model = PostfixModel.from_parameters({
        "mynetworks": nets, "smtpd_authorized_xclient_hosts": "0.0.0.0/0",
        "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination"})
    calls = []
    original = proof._Search._outside_clients
    monkeypatch.setattr(proof._Search, "_outside_clients", lambda self: calls.append(1) or original(self))
    found = prove_no_open_relay(model)
    assert found and any(cx.xclient for cx in found)  # XCLIENT lets an outside client pose as 10.0.0.1
    assert len(calls) == 1
