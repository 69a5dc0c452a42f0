"""The built wheel carries the grammar, and an installed mailpolicy compiles from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel of the repository and install it (without dependencies) into a folder."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    (wheel,) = work.glob("mailpolicy-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("mailpolicy/parse/mailpolicy.lark")
        names = set(archive.namelist())
    assert shipped == (REPO / "grammar" / "mailpolicy.lark").read_bytes()
    # What start-up reads by path beside the modules (parse/generate.py, postfix/parameters.py).
    for built in ("lalr.pickle", "shape.json", "lines.marshal"):
        assert f"mailpolicy/parse/built/{built}" in names
    assert {"mailpolicy/postfix/data/history.json", "mailpolicy/postfix/data/restrictions.json"} <= names
    target = work / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
                              str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    return target


def test_installed_package_compiles_from_another_folder(installed: Path, tmp_path: Path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text((REPO / "examples" / "seed.mailpolicy").read_text())
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run([sys.executable, "-c", "from mailpolicy.cli import main; main()", "compile",
                             "site.mailpolicy", "-o", "out"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = subprocess.run([sys.executable, "-c", "import mailpolicy.parse.grammar as g; print(g.grammar_path())"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip().startswith(str(installed)), probe.stdout
    assert "reject_sender_login_mismatch" in (tmp_path / "out" / "main.cf").read_text()
    assert (tmp_path / "out" / "controlled_envelope_senders").read_text().endswith("jcricket@example0.com\tjimminey\n")


def test_installed_package_reads_its_built_expressions(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    probe = subprocess.run([sys.executable, "-c", "import mailpolicy.parse.lines as l; print(l.built_lines() is not None, l.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split()[0] == "True" and probe.stdout.split()[1].startswith(str(installed))
