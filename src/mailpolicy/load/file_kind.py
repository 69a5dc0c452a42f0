"""Tell a Postfix main.cf or master.cf from a .mailpolicy file, to point a user at the right command.

`mailpolicy check /etc/postfix/main.cf` would otherwise print one syntax error per parameter, and
`mailpolicy audit site.mailpolicy` one "missing '='" per statement, without saying the file was
simply given to the wrong command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailpolicy.diagnostics import Diagnostic
    from mailpolicy.source import SourceFile

# postconf(5): a main.cf logical line is `name = value`; master.cf(5): `service type private
# unpriv chroot wakeup maxproc command`, type one of these. Continuation lines start with
# whitespace and comments with `#` (both skipped here).
_MAIN_CF_LINE = re.compile(r"[A-Za-z0-9_]+\s*=")
_MASTER_CF_LINE = re.compile(r"\S+\s+(?:inet|unix|unix-dgram|fifo|pass)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S")
# The words a policy statement starts with (grammar/mailpolicy.lark).
_POLICY_LINE = re.compile(r"(?:postfix|hostname|local\s+domains|trusted\s+networks|sasl|chroot|relay|sender\s+map"
                          r"|allow\s+users?|set\s+\S+\s*=|include|expect)\s")


def _statement_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip() and not line[:1].isspace()
            and not line.lstrip().startswith("#")]


def _mostly(text: str, pattern: re.Pattern) -> bool:
    lines = _statement_lines(text)
    return bool(lines) and 2 * sum(1 for line in lines if pattern.match(line)) > len(lines)


def looks_like_postfix_config(text: str) -> str | None:
    """Return "main.cf" or "master.cf" when most statement lines are that file's lines, else None."""
    if _mostly(text, _MASTER_CF_LINE):
        return "master.cf"
    if _mostly(text, _MAIN_CF_LINE):
        return "main.cf"
    return None


def looks_like_policy(text: str) -> bool:
    """Tell whether most statement lines start as mailpolicy statements do."""
    return _mostly(text, _POLICY_LINE)


def policy_given_as_main_cf(path: Path) -> tuple[Diagnostic, SourceFile] | None:
    """Return MP117 and the file it points at when PATH is a .mailpolicy file given where a main.cf belongs."""
    from mailpolicy.diagnostics import catalogue as cat
    from mailpolicy.source import SourceFile, Span

    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            text = handle.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None  # the audit reports what it cannot read
    if not (path.suffix == ".mailpolicy" or looks_like_policy(text)):
        return None
    found = cat.POLICY_AS_MAIN_CF.at(
        Span(str(path), 1, 1), f"{path} is a .mailpolicy file, not a Postfix main.cf",
        hint=f"check it with `mailpolicy check {path}`, or compile it with `mailpolicy compile {path} -o build/`")
    return found, SourceFile(str(path), text)
