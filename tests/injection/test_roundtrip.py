"""Read the compiled main.cf and sender map back and prove they hold exactly what the policy states.

Policies are generated from values of every allowed shape (odd local parts, `@domain` owners,
several owners per address, international domains, IPv6 networks, `set` values holding `,`, `=`,
`#` and braces); the expected output is computed here from what was generated, not by the compiler.
The real-Postfix variant reads the same files with `postconf -n` and `postmap -s`.
"""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from mailpolicy.compiler import compile_policy
from mailpolicy.plan.config import MANAGED
from tests.injection.readback import main_cf_values, read_map, words

MAP = "senders"
# International names with the punycode a registrar shows for them.
IDN = {"bücher.example": "xn--bcher-kva.example", "пример.рф": "xn--e1afmkfd.xn--p1ai",
       "テスト.jp": "xn--zckzah.jp", "Ünïcödé.example": "xn--ncd-dma1a7bzb.example"}

_label = hs.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
ascii_domains = hs.builds(lambda labels, top: ".".join([*labels, top]),
                          hs.lists(_label, min_size=1, max_size=3), hs.sampled_from(["com", "test", "example", "org"]))
domains = hs.one_of(ascii_domains, ascii_domains.map(str.upper), hs.sampled_from(sorted(IDN)))
local_parts = hs.from_regex(r"[A-Za-z0-9_+'&*-]{1,10}(\.[A-Za-z0-9_+'&*-]{1,6}){0,2}", fullmatch=True)
logins = hs.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._+@-]{0,15}", fullmatch=True)
_banner_word = hs.from_regex(r"[A-Za-z0-9.,=:;!?()-][A-Za-z0-9.,=#:;!?()-]{0,8}(\{[a-z]{0,4}\})?", fullmatch=True)
settings_ = hs.dictionaries(
    hs.sampled_from(["smtpd_banner", "smtpd_tls_security_level", "message_size_limit", "smtpd_helo_required"]),
    hs.none(), max_size=4)


def expected_domain(text: str) -> str:
    return IDN.get(text, text.lower())


@hs.composite
def networks(draw):
    if draw(hs.booleans()):
        base = ipaddress.ip_network(draw(hs.sampled_from(["10.0.0.0/8", "192.168.0.0/16", "198.51.100.0/24"])))
        address = base.network_address + draw(hs.integers(0, base.num_addresses - 1))
        network = ipaddress.ip_network(f"{address}/{draw(hs.integers(24, 32))}", strict=False)
        return str(network), str(network)
    network = ipaddress.ip_network(f"2001:db8:{draw(hs.integers(0, 0xffff)):x}::/{draw(hs.integers(48, 128))}",
                                   strict=False)
    written = draw(hs.sampled_from([f"[{network.network_address}]/{network.prefixlen}", str(network)]))
    return written, f"[{network.network_address}]/{network.prefixlen}"


@attrs.frozen
class Generated:
    text: str
    hostname: str
    domains: list[str]
    networks: list[str]
    owners: dict[str, list[str]]
    settings: dict[str, str]


@hs.composite
def policies(draw) -> Generated:
    local = draw(hs.lists(domains, min_size=1, max_size=4, unique_by=expected_domain))
    nets = draw(hs.lists(networks(), max_size=4, unique_by=lambda n: n[1]))
    lines = ["postfix 3.7", f"hostname mx.{local[0]}", "local domains " + ", ".join(local)]
    if nets:
        lines.append("trusted networks " + ", ".join(n[0] for n in nets))
    lines += ["sasl dovecot private/auth", "relay authenticated or trusted" if nets else "relay only authenticated",
              f"sender map hash:/etc/postfix/{MAP}"]
    owners: dict[str, list[str]] = {}
    for _ in range(draw(hs.integers(1, 6))):
        login = draw(logins)
        addresses = []
        for _ in range(draw(hs.integers(1, 3))):
            domain = draw(hs.sampled_from(local))
            local_part = draw(hs.one_of(local_parts, hs.just("")))
            addresses.append(f"{local_part}@{domain}")
            key = f"{local_part.lower()}@{expected_domain(domain)}"
            if login not in owners.setdefault(key, []):
                owners[key].append(login)
        quoted = [f'"{a}"' if draw(hs.booleans()) else a for a in addresses]
        lines.append(f"allow user {login} as {', '.join(quoted)}")
    chosen = {}
    for name in draw(settings_):
        value = {"smtpd_banner": lambda: "$myhostname " + " ".join(draw(hs.lists(_banner_word, min_size=1, max_size=4))),
                 # Not `encrypt`: TLS required on port 25 is refused (MP351), and without a
                 # certificate a login would never succeed (MP352).
                 "smtpd_tls_security_level": lambda: draw(hs.sampled_from(["may", "none"])),
                 "message_size_limit": lambda: str(draw(hs.integers(0, 10**9))),
                 "smtpd_helo_required": lambda: draw(hs.sampled_from(["yes", "no"]))}[name]()
        chosen[name] = value
        lines.append(f"set {name} = {value}")
    order = draw(hs.permutations(range(len(lines))))  # statements may come in any order
    text = "\n".join(lines[i] for i in order) + "\n"
    hostname = f"mx.{expected_domain(local[0])}"
    return Generated(text, hostname, [expected_domain(d) for d in local], [n[1] for n in nets], owners, chosen)


def compile_generated(folder: Path, generated: Generated):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.mailpolicy").write_text(generated.text, encoding="utf-8")
    result = compile_policy(folder / "site.mailpolicy")
    assert result.ok, (generated.text, [(d.code, str(d.span), d.message) for d in result.diagnostics if d.is_error])
    return result


def check_main_cf(values: dict[str, str], generated: Generated) -> None:
    assert values["myhostname"] == generated.hostname
    # This host's names and networks stay unless the policy says `only` (the generator never does).
    assert words(values["mydestination"]) == ["$myhostname", "localhost", *generated.domains]
    networks = words(values["mynetworks"])
    assert networks[:len(generated.networks)] == generated.networks
    assert set(networks[len(generated.networks):]) <= {"127.0.0.0/8", "[::1]/128"}
    assert values["smtpd_sender_login_maps"] == f"hash:/etc/postfix/{MAP}"
    for name, value in generated.settings.items():
        assert values[name] == value
    # Nothing else: every other parameter is one the policy manages.
    assert set(values) - set(generated.settings) <= set(MANAGED)


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=policies())
def test_output_holds_exactly_what_the_policy_states(tmp_path_factory, generated: Generated) -> None:
    result = compile_generated(tmp_path_factory.mktemp("roundtrip"), generated)
    check_main_cf(main_cf_values(result.outputs["main.cf"]), generated)
    assert owner_sets(read_map(result.outputs[MAP])) == owner_sets(expected_map(generated))


def expected_map(generated: Generated) -> dict[str, list[str]]:
    """Return the map docs/language.md promises: the stated keys, plus the keys of the local namespace.

    Every generated domain is a local domain, so each owned local part also gets its bare key with
    its owners at every local domain, and the catch-alls' owners also own `@<hostname>` and
    `@localhost` unless stated ("Local domains are one namespace").
    """
    found = {key: list(owners) for key, owners in generated.owners.items()}
    catch_all: list[str] = []
    for key, owners in generated.owners.items():
        local_part = key.rpartition("@")[0]
        merged = found.setdefault(local_part, []) if local_part else catch_all
        merged.extend(o for o in owners if o not in merged)
    for name in (generated.hostname, "localhost"):
        if catch_all:
            found.setdefault(f"@{name}", catch_all)
    return found


def owner_sets(table: dict) -> dict[str, frozenset[str]]:
    """Return key -> the set of its owners (their order in a map line does not matter to Postfix)."""
    return {key: frozenset(owners) for key, owners in table.items()}


# --- the same, read by Postfix itself ----------------------------------------------------------
@pytest.mark.postfix
@settings(max_examples=5, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=policies())
def test_postfix_reads_the_same(tmp_path_factory, generated: Generated) -> None:
    from tests.postfix_support import require_postfix

    require_postfix()
    folder = tmp_path_factory.mktemp("postfix")
    result = compile_generated(folder / "policy", generated)
    out = folder / "out"
    out.mkdir()
    for name, text in result.outputs.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "master.cf").write_text("")  # postconf warns without one; main.cf is what is read here
    shown = subprocess.run(["postconf", "-c", str(out), "-n"], capture_output=True, text=True, check=True)
    assert "warning" not in shown.stderr, shown.stderr
    values = dict(line.split(" = ", 1) if " = " in line else (line.rstrip(" ="), "")
                  for line in shown.stdout.splitlines())
    values.pop("config_directory")  # postconf -c reports the folder it was given
    check_main_cf(values, generated)
    assert values == main_cf_values(result.outputs["main.cf"])
    subprocess.run(["postmap", f"hash:{out / MAP}"], capture_output=True, text=True, check=True)
    dumped = subprocess.run(["postmap", "-s", f"hash:{out / MAP}"], capture_output=True, text=True, check=True)
    table = {}
    for line in dumped.stdout.splitlines():
        key, value = line.split("\t", 1)
        table[key] = tuple(v for v in value.replace(",", " ").split())
    assert owner_sets(table) == owner_sets(expected_map(generated))
