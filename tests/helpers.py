"""Small helpers shared by tests: write a folder of files, compile policy text written inline.

Fixtures live in tests/conftest.py; these are plain functions and constants to import.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

from mailpolicy.compiler import Compilation, compile_policy

# The seed's server done right, in six lines: one local domain, SASL through Dovecot, relaying for
# logged-in clients only, one sender address owned by one login. Tests add or replace lines.
# Who the server is, and nothing else: the head most test policies start with.
POLICY_HEAD = """postfix 3.7
hostname mx.example0.com
local domains example0.com
"""
SMALL_POLICY = POLICY_HEAD + """sasl dovecot private/auth
relay only authenticated
allow user jimminey as jcricket@example0.com
"""


# A policy needs a `hostname` (MP216). Tests that are about something else state one after their
# own lines, so the line numbers they assert stay those of the text they wrote.
HOSTNAME_LINE = "hostname mx.example0.com\n"
_HOSTNAME_STATEMENT = re.compile(r"^\s*hostname\b", re.MULTILINE)


def with_hostname(text: str) -> str:
    """Return `text` with HOSTNAME_LINE appended when it has no `hostname` line and is not empty."""
    if not text.strip() or _HOSTNAME_STATEMENT.search(text):
        return text
    return text + ("" if text.endswith("\n") else "\n") + HOSTNAME_LINE


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each `relative/path: content` of `files` under `folder` (parents made); return `folder`.

    Text is written as UTF-8 exactly as given (no newline translation, so a "\r" reaches the file;
    lone surrogates too, for inputs that test undecodable bytes); bytes are written as they are.
    """
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
                handle.write(content)
    return folder


def keyword_files(files: Mapping[str, str]) -> dict[str, str]:
    """Turn keyword-argument file names into paths: `inc__users.mailpolicy` is `inc/users.mailpolicy`."""
    return {name.replace("__", "/"): text for name, text in files.items()}


def compile_text(tmp_path: Path, text: str, name: str = "site.mailpolicy", *, hostname: bool = True,
                 **files: str) -> Compilation:
    """Write `text` (and any extra files) into tmp_path and compile it.

    `hostname=False` compiles `text` exactly as written (a test of MP216 itself); otherwise a text
    without a `hostname` line gets HOSTNAME_LINE at its end (`with_hostname`)."""
    if hostname:
        text = with_hostname(text)
    write_files(tmp_path, {**keyword_files(files), name: text})
    return compile_policy(tmp_path / name)


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
