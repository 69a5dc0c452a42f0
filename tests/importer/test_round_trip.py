"""Round trip: compile a policy, import the main.cf and map it wrote, compile the import: same parameters.

Parameters are compared after normalising what Postfix does not care about: whitespace and
commas between list elements, and the order of mynetworks and mydestination (sets to Postfix).
Restriction lists keep their order, because order decides them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailpolicy.compiler import compile_policy
from mailpolicy.importer.run import import_config
from mailpolicy.output.atomic import write_files
from mailpolicy.postfix.main_cf import read_main_cf

REPO = Path(__file__).resolve().parents[2]
ALL_EXAMPLES = sorted((REPO / "examples").glob("*.mailpolicy"))
# A policy with a `database` cannot come back from main.cf: the pgsql table file holds the
# password, which an import (one policy text) has no file to put in (parse/registry.py says so).
# Those examples are checked below for what import does instead: it says so, at the map.
WITH_DATABASE = [p for p in ALL_EXAMPLES if "\ndatabase " in p.read_text(encoding="utf-8")]
EXAMPLES = [p for p in ALL_EXAMPLES if p not in WITH_DATABASE]
UNORDERED = {"mynetworks", "mydestination"}


def normalised(main_cf: str) -> dict[str, tuple[str, ...]]:
    """Return name -> value words, as sets (sorted) where Postfix treats the list as a set."""
    parsed = read_main_cf(main_cf, "main.cf")
    result = {}
    for name, definition in parsed.parameters.items():
        words = definition.words
        result[name] = tuple(sorted(words)) if name in UNORDERED else words
    return result


def map_lines(text: str) -> dict[str, list[str]]:
    """Return key -> owners; the owners of one key are a set to Postfix."""
    entries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, owners = line.split("\t")
            entries[key] = sorted(owners.split(", "))
    return entries


def service_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def round_trip(policy: Path, work: Path) -> tuple[dict, dict]:
    """Compile `policy` into work/first, import that, compile the import into work/second."""
    first = compile_policy(policy)
    assert first.ok, [d.message for d in first.diagnostics]
    write_files(work / "first", first.outputs)
    imported = import_config(work / "first")
    (work / "imported.mailpolicy").write_text(imported.text, encoding="utf-8")
    second = compile_policy(work / "imported.mailpolicy")
    assert second.ok, [f"{d.span}: {d.message}" for d in second.diagnostics if d.is_error]
    assert imported.diagnostics == ()  # nothing the language could not say
    assert set(first.outputs) == set(second.outputs)
    for name in first.outputs:
        if name == "master.cf":  # the services, line for line (comments cite the policy file)
            assert service_lines(first.outputs[name]) == service_lines(second.outputs[name])
        elif name != "main.cf":
            assert map_lines(first.outputs[name]) == map_lines(second.outputs[name])
    return normalised(first.outputs["main.cf"]), normalised(second.outputs["main.cf"])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_round_trip(example: Path, tmp_path: Path):
    before, after = round_trip(example, tmp_path)
    assert after == before


def test_sender_checks_round_trip_in_main_cf_and_on_a_service(tmp_path: Path):
    # refuse senders in main.cf and `on submission` (master.cf's -o): import reads both back.
    before, after = round_trip(REPO / "tests/cases/statements/refuse-senders.mailpolicy", tmp_path)
    assert after == before
    assert before["smtpd_sender_restrictions"][0] == "reject_sender_login_mismatch"


@pytest.mark.parametrize("example", WITH_DATABASE, ids=lambda p: p.stem)
def test_an_example_with_a_database_imports_its_pgsql_login_map_as_the_sites_map(example: Path, tmp_path: Path):
    first = compile_policy(example)
    assert first.ok
    write_files(tmp_path / "first", first.outputs)
    imported = import_config(tmp_path / "first")
    # import does not read pgsql_table files (the `owners from DATABASE table` form): the map is kept
    # as written, a map the site maintains, and the compile names it again.
    (login_maps,) = [p.value for p in first.plan.parameters if p.name == "smtpd_sender_login_maps"]
    pgsql = [m for m in login_maps.split(", ") if m.startswith("pgsql:")]
    assert pgsql
    assert all(f"owners from map {m}" in imported.text.splitlines() for m in pgsql), imported.text


DOMAINS = st.sampled_from(["example0.com", "example1.org", "mail.example2.net", "xn--bcher-kva.example"])
NETWORKS = st.sampled_from(["192.168.10.0/24", "10.1.2.0/24", "198.51.100.7/32", "[2001:db8:10::]/48",
                            "127.0.0.0/8", "[::1]/128"])
LOGINS = st.sampled_from(["alice", "bob", "jimminey", "postmaster"])
LOCALS = st.sampled_from(["alice", "a.smith", "sales", "jcricket", ""])
SETS = st.sampled_from(["set smtpd_tls_security_level = may", "set smtpd_helo_required = yes",
                        "set smtpd_helo_restrictions = reject_invalid_helo_hostname",
                        "set smtpd_recipient_restrictions = reject_non_fqdn_recipient, permit_mynetworks, "
                        "permit_sasl_authenticated, reject_unauth_destination",
                        "set message_size_limit = 20480000"])


SENDER_CHECKS = st.sampled_from(["not fully qualified", "with unknown domain", "listed by dbl.example",
                                 "listed by rhsbl.example=127.0.0.[2..9]", "not listed here"])


@st.composite
def policies(draw) -> str:
    """Draw a safe policy from the language's statements."""
    domains = draw(st.lists(DOMAINS, min_size=1, max_size=3, unique=True))
    lines = ["postfix 3.7", "hostname mx.example0.com", f"local domains {', '.join(domains)}"]
    networks = draw(st.lists(NETWORKS, max_size=3, unique=True))
    if networks:
        lines.append(f"trusted networks {', '.join(networks)}")
    sasl = draw(st.booleans())
    if sasl:
        lines.append(draw(st.sampled_from(["sasl dovecot private/auth", "sasl dovecot private/auth-client"])))
        lines.append(draw(st.sampled_from(["relay only authenticated", "relay authenticated or trusted"])))
        lines.append(draw(st.sampled_from(["sender map hash:/etc/postfix/controlled_envelope_senders",
                                           "sender map lmdb:/etc/postfix/sender_owners"])))
        for login in draw(st.lists(LOGINS, max_size=3, unique=True)):
            addresses = draw(st.lists(st.tuples(LOCALS, st.sampled_from(domains)), min_size=1, max_size=2, unique=True))
            lines.append(f"allow user {login} as {', '.join(f'{local}@{domain}' for local, domain in addresses)}")
    else:
        lines.append("relay nobody")
    lines.extend(draw(st.lists(SETS, max_size=3, unique=True)))
    unless = draw(st.sampled_from(["", ", unless trusted"] + ([", unless authenticated or trusted"] if sasl else [])))
    for checks in draw(st.lists(st.lists(SENDER_CHECKS, min_size=1, max_size=2, unique=True), max_size=2)):
        lines.append(f"refuse senders {', '.join(checks)}" + draw(st.sampled_from(["", unless])))
    return "\n".join(draw(st.permutations(lines))) + "\n"


@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policies())
def test_generated_policies_round_trip(tmp_path_factory, text: str):
    work = tmp_path_factory.mktemp("round-trip")
    (work / "site.mailpolicy").write_text(text, encoding="utf-8")
    before, after = round_trip(work / "site.mailpolicy", work)
    assert after == before
