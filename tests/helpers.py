"""Small helpers shared by unit tests: compile policy text written inline."""

from __future__ import annotations

import sys
from pathlib import Path

from mailpolicy.compiler import Compilation, compile_policy

# The seed's server done right, in six lines: one local domain, SASL through Dovecot, relaying for
# logged-in clients only, one sender address owned by one login. Tests add or replace lines.
SMALL_POLICY = """postfix 3.7
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
allow user jimminey as jcricket@example0.com
"""


def compile_text(tmp_path: Path, text: str, name: str = "site.mailpolicy", **files: str) -> Compilation:
    """Write `text` (and any extra files) into tmp_path and compile it."""
    for extra, content in files.items():
        target = tmp_path / extra.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return compile_policy(path)


def codes(compilation: Compilation) -> list[tuple[str, int]]:
    """Return (code, line) of every diagnostic."""
    return [(d.code, d.span.line if d.span else 0) for d in compilation.diagnostics]


def mailpolicy_command() -> list[str]:
    """Return the argv that runs this project's own `mailpolicy`, never another one on PATH.

    The console script pip installed beside the running interpreter (the venv's bin/), or, when
    there is none (the package is only importable), the same entry point through this interpreter.
    """
    script = Path(sys.executable).with_name("mailpolicy")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from mailpolicy.cli import main; sys.argv[0] = 'mailpolicy'; main()"]
