"""Postfix itself accepts what the compiler writes: postconf reads main.cf without a warning,
and postmap builds the sender map and finds each owner."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/*.mailpolicy"))

pytestmark = pytest.mark.postfix


STOCK_MASTER_CF = Path("/usr/share/postfix/master.cf.dist")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def postconf_n(config_dir: Path, main_cf: str) -> subprocess.CompletedProcess:
    """Run `postconf -n` over main_cf beside Debian's stock master.cf (postconf reads both)."""
    (config_dir / "main.cf").write_text(main_cf)
    (config_dir / "master.cf").write_text(STOCK_MASTER_CF.read_text())
    return run("postconf", "-c", str(config_dir), "-n")


def test_postconf_warns_about_the_seeds_misspelled_parameter(tmp_path: Path) -> None:
    # The control: the check below would notice a name Postfix ignores.
    result = postconf_n(tmp_path, "smtp_recipient_restrictions = permit_sasl_authenticated\n")
    assert "unused parameter: smtp_recipient_restrictions" in result.stderr


@pytest.mark.parametrize("policy", EXAMPLES, ids=lambda p: p.stem)
def test_postconf_reads_the_generated_main_cf_without_warnings(policy: Path, tmp_path: Path) -> None:
    compilation = compile_policy(policy)
    assert compilation.ok, compilation.diagnostics
    result = postconf_n(tmp_path, compilation.outputs["main.cf"])
    assert result.returncode == 0, result.stderr
    # postconf -n warns about unused (misspelled) parameter names on stderr, and says nothing else
    # but that a database table file the build writes is not installed on this machine yet.
    written = {f"/etc/postfix/{name}" for name in compilation.outputs}
    warnings = [line for line in result.stderr.splitlines() if "warning" in line
                and not any(f'configuration "{path}": No such file' in line for path in written)]
    assert not warnings, result.stderr
    printed = dict(line.split(" = ", 1) if " = " in line else (line.rstrip(" ="), "")
                   for line in result.stdout.splitlines())
    for parameter in compilation.plan.parameters:
        assert printed[parameter.name] == parameter.value, parameter.name


@pytest.mark.parametrize("policy", [p for p in EXAMPLES if "allow user" in p.read_text()
                                    or "include" in p.read_text()], ids=lambda p: p.stem)
def test_postmap_builds_the_sender_map_and_finds_every_owner(policy: Path, tmp_path: Path) -> None:
    compilation = compile_policy(policy)
    table = compilation.plan.sender_map
    source = tmp_path / table.filename
    source.write_text(compilation.outputs[table.filename])
    kind = table.type
    if kind != "texthash":
        result = run("postmap", f"{kind}:{source}")
        assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    for entry in table.entries:
        # postmap -q does one exact lookup (no user@domain -> @domain fallback), which is what
        # each key of the map needs.
        found = run("postmap", "-q", entry.key, f"{kind}:{source}")
        assert found.returncode == 0, (entry.key, found.stderr)
        assert [o.strip() for o in found.stdout.strip().split(",")] == list(entry.owners)
