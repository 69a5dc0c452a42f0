"""Indexed match lists answer as the list scanned in order, and the proof's work grows linearly.

The references below scan a list the way postconf(5) describes it (first pattern that matches
decides, `!` negates, a table or file reached first decides instead): the indexed lists of
matchlist.py must give the same answer for every list and name. The work is counted, not
timed: every element of a main.cf list the simulator walks is one step, and doubling the
domains or trusted networks may at most double the steps.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailpolicy.simulate import PostfixModel, prove_no_open_relay
from mailpolicy.simulate import config as config_module
from mailpolicy.simulate.lookup import UNKNOWN, Tables
from mailpolicy.simulate.matchlist import BAD_PATTERN, ClientList, DomainList, parse_network

TABLES = Tables({"hash:/known": {"a.test": "x", "10.0.0.1": "x", "sub.b.test": "x", "host.a.test": "x"}})


def _name_matches(name: str, pattern: str, parent_matches: bool) -> bool:
    # match_ops.c match_hostname(): with parent matching `pattern` also matches `*.pattern`
    # (so a `.pattern` matches nothing); without it, only a `.pattern` matches subdomains.
    name, pattern = name.lower().rstrip("."), pattern.lower()
    if parent_matches:
        return name == pattern or name.endswith("." + pattern)
    return name == pattern or (pattern.startswith(".") and name.endswith(pattern))


def _in_table(ref: str, keys: list[str]):
    table = TABLES.table(ref)
    return UNKNOWN if table is None else any(table.find(k) is not None for k in keys)


def scanned_domain(patterns, domain: str, parent_matches: bool):
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body.startswith("/"):
            return UNKNOWN
        if ":" in body:
            labels = domain.split(".")
            dot = "" if parent_matches else "."  # match_hostname() searches `.parent` without parent matching
            parents = [dot + ".".join(labels[i:]) for i in range(1, len(labels))]
            matched = _in_table(body, [domain, *parents])
            if matched is UNKNOWN:
                return UNKNOWN
        else:
            matched = _name_matches(domain, body, parent_matches)
        if matched:
            return not negated
    return False


def scanned_client(patterns, address: str, name: str, parent_matches: bool):
    ip = ipaddress.ip_address(address)
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body.startswith("/"):
            return UNKNOWN
        if ":" in body and not body.startswith("[") and parse_network(body) is None:
            matched = _in_table(body, [str(ip)] + ([name] if name != "unknown" else []))
            if matched is UNKNOWN:
                return UNKNOWN
        else:
            network = parse_network(body)
            if network is BAD_PATTERN:
                return BAD_PATTERN
            if network is not None:
                matched = ip.version == network.version and ip in network
            else:
                matched = name != "unknown" and _name_matches(name, body, parent_matches)
        if matched:
            return not negated
    return False


NAMES = st.sampled_from(["a.test", "b.test", "sub.b.test", "host.a.test", "A.Test.", "x.sub.b.test", "test",
                         "a..test", ".a.test", "", "other.example"])
DOMAIN_PATTERNS = st.one_of(NAMES, st.sampled_from([".test", ".b.test", ".A.TEST", "hash:/known", "hash:/unknown",
                                                    "/etc/postfix/domains", "."]))
ADDRESSES = st.sampled_from(["10.0.0.1", "10.0.0.200", "10.1.2.3", "192.0.2.7", "2001:db8::1", "::1",
                             "::ffff:10.0.0.1", "0.0.0.0"])
CLIENT_PATTERNS = st.one_of(DOMAIN_PATTERNS, st.sampled_from([
    "10.0.0.0/24", "10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "10.0.0.1/8", "[2001:db8::]/32", "[::1]", "::1",
    "2001:db8::/64", "[::ffff:10.0.0.0]/104", "192.0.2.0/25", "192.0.2.7/32", "cidr:/unknown"]))


def negatable(patterns):
    return st.lists(st.tuples(st.booleans(), patterns).map(lambda p: ("!" if p[0] else "") + p[1]), max_size=8)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(negatable(DOMAIN_PATTERNS), NAMES, st.booleans())
def test_an_indexed_domain_list_answers_as_the_scan(patterns, name, parent_matches) -> None:
    indexed = DomainList(tuple(patterns), parent_matches).match(name, TABLES)
    assert indexed == scanned_domain(patterns, name, parent_matches)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(negatable(CLIENT_PATTERNS), ADDRESSES, st.one_of(st.just("unknown"), NAMES), st.booleans())
def test_an_indexed_host_list_answers_as_the_scan(patterns, address, name, parent_matches) -> None:
    indexed = ClientList(tuple(patterns), parent_matches).match(address, name, TABLES)
    assert indexed == scanned_client(patterns, address, name, parent_matches)


@pytest.mark.parametrize("patterns, name, parent, expected", [
    (("!.b.test", "sub.b.test"), "sub.b.test", False, False),  # the earlier suffix decides, negated
    (("!.b.test", "sub.b.test"), "sub.b.test", True, True),    # ...which matches nothing with parent matching
    (("sub.b.test", "!.b.test"), "sub.b.test", False, True),
    (("hash:/unknown", "a.test"), "a.test", True, UNKNOWN),    # an unknown table reached first
    (("a.test", "hash:/unknown"), "a.test", True, True),       # ...and not reached
    (("b.test",), "sub.b.test", True, True),                   # parent_domain_matches_subdomains
    (("b.test",), "sub.b.test", False, False),
    ((".b.test",), "sub.b.test", True, False),                 # measured on 3.7 (relay_domains)
])
def test_order_and_precedence_survive_the_index(patterns, name, parent, expected) -> None:
    assert DomainList(patterns, parent).match(name, TABLES) == expected


# --- the work grows linearly ---------------------------------------------------------------

class _Counted(tuple):
    """A main.cf list that counts the elements walked (iteration and `in`)."""

    walked = 0

    def __iter__(self):
        _Counted.walked += len(self)
        return super().__iter__()

    def __contains__(self, item) -> bool:
        _Counted.walked += len(self)
        return super().__contains__(item)


@pytest.fixture()
def steps(monkeypatch):
    real = config_module.split_words
    monkeypatch.setattr(config_module, "split_words", lambda text: _Counted(real(text)))

    def proof_steps(params: dict[str, str]) -> tuple[int, int]:
        """Return (list elements walked, requests decided) by the open-relay proof."""
        model = PostfixModel.from_parameters({
            "compatibility_level": "3.6", "myhostname": "mx.d0.example", "smtpd_sasl_auth_enable": "yes",
            "smtpd_relay_restrictions": "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
            "mydestination": "d0.example", "mynetworks": "127.0.0.0/8", **params})
        _Counted.walked = 0
        assert prove_no_open_relay(model) == []
        return _Counted.walked, len(model.resolver._cache)
    return proof_steps


def _domains(prefix: str, count: int) -> str:
    return " ".join(f"{prefix}{i}.example" for i in range(count))


def _networks(count: int) -> str:
    # Apart from each other, so both neighbours of every network are candidate clients.
    return " ".join(f"10.{i // 128}.{2 * (i % 128)}.0/24" for i in range(count))


@pytest.mark.parametrize("dimension", [
    lambda n: {"mydestination": _domains("d", n)},
    lambda n: {"compatibility_level": "0", "mydestination": _domains("d", n)},  # relay_domains = $mydestination
    lambda n: {"relay_domains": _domains("r", n)},
    lambda n: {"mydestination": _domains("d", n), "virtual_alias_domains": _domains("v", n)},
    lambda n: {"mynetworks": _networks(n)},
], ids=["mydestination", "relay_domains-default", "relay_domains", "virtual_alias_domains", "mynetworks"])
def test_the_proof_walks_each_list_a_bounded_number_of_times(steps, dimension) -> None:
    small_steps, small_addresses = steps(dimension(100))
    large_steps, large_addresses = steps(dimension(200))
    # The search does grow with the list (it tries every domain's relay tricks, every network's
    # neighbours)...
    assert large_steps > small_steps
    # ...but linearly: a scan of the list per candidate would quadruple the steps.
    assert large_steps <= 2.2 * small_steps
    assert large_addresses <= 2.2 * max(small_addresses, 1)


def test_the_shading_check_runs_each_list_once_per_request(monkeypatch) -> None:
    from mailpolicy.checks.shading import find_shading
    from mailpolicy.checks.shading_requests import client_requests
    from mailpolicy.simulate.runner import Runner

    evaluated = []
    real = Runner.evaluate
    monkeypatch.setattr(Runner, "evaluate", lambda self, step, depth: evaluated.append(1) or real(self, step, depth))

    def evaluations(rejections: int) -> int:
        # Each DNS list may reject any client, so each asks how the list before it ends; with
        # nominal answers (not listed) none of them ends it.
        lists = ", ".join(["permit_sasl_authenticated", *(f"reject_rbl_client zen{i}.test" for i in range(rejections)),
                           "reject_unauth_destination"])
        model = PostfixModel.from_parameters({
            "compatibility_level": "3.6", "myhostname": "mx.example0.com", "mydestination": "example0.com",
            "smtpd_sasl_auth_enable": "yes", "smtpd_client_restrictions": lists})
        requests = client_requests(model, "127.0.0.1", [])
        evaluated.clear()
        assert find_shading(model, requests) == []  # anonymous clients reach every one of them
        assert len(evaluated) >= rejections * sum(len(r) for r in requests.values())
        return len(evaluated)

    small, large = evaluations(40), evaluations(80)
    assert large <= 2.2 * small  # running the list up to each rejection would quadruple it
