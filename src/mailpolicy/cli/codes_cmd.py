"""`mailpolicy codes [CODE]`: what a diagnostic code means, from the catalogue docs/diagnostics.md is made of."""

from __future__ import annotations

import difflib
import re

import click

from mailpolicy.cli import exit_codes
from mailpolicy.diagnostics import catalogue
from mailpolicy.diagnostics.catalogue import CATALOGUE, Code

DOCS = "docs/diagnostics.md"


@click.command("codes", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("code", required=False)
def codes_command(code: str | None) -> None:
    """List every diagnostic code, or explain CODE (MP301, mp301 or its name, open-relay).

    \b
    Examples:
      mailpolicy codes                every code with its severity and meaning
      mailpolicy codes MP301          one code: its name, severity, range and meaning
      mailpolicy codes open-relay     the same, by name

    Exit 0, or 2 when CODE is no code of the catalogue (the closest ones are suggested).
    """
    if code is None:
        for entry in sorted(CATALOGUE.values(), key=lambda e: e.code):
            click.echo(f"{entry.code}  {entry.severity.value:<7}  {entry.slug:<28}  {entry.summary}")
        return
    entry = find(code)
    if entry is None:
        names = [*CATALOGUE, *(e.slug for e in CATALOGUE.values())]
        wanted = code.strip().upper() if code.strip()[:2].lower() == "mp" else code.strip().lower()
        # A letter O typed for a zero is the commonest slip in a code; then the nearest spellings.
        zero = "MP" + wanted[2:].replace("O", "0") if wanted.startswith("MP") else None
        close = [zero] if zero in CATALOGUE else difflib.get_close_matches(wanted, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `mailpolicy codes` lists them all"
        click.echo(f"mailpolicy: {code} is not a diagnostic code{hint}", err=True)
        raise SystemExit(exit_codes.USAGE)
    click.echo(explain(entry), nl=False)


def find(text: str) -> Code | None:
    """Return the catalogue entry for a code (any case) or its name."""
    wanted = text.strip()
    return CATALOGUE.get(wanted.upper()) or next((e for e in CATALOGUE.values() if e.slug == wanted.lower()), None)


def explain(entry: Code) -> str:
    """Return the text for one code: its line of the catalogue, the range it belongs to, where to read more."""
    return (f"{entry.code} {entry.slug} ({entry.severity.value})\n"
            f"  {entry.summary}\n"
            f"  range: {ranges().get(entry.code[:3] + 'xx', 'other')}\n"
            f"  {_effect(entry)}\n"
            f"  see {DOCS}, section MP{entry.code[2]}xx\n")


def ranges() -> dict[str, str]:
    """Return each range's description, as the catalogue's docstring states them (`MP1xx  reading input: ...`)."""
    return dict(re.findall(r"^\s+(MP\dxx)\s+(.+)$", catalogue.__doc__ or "", re.M))


def _effect(entry: Code) -> str:
    if entry.severity.value == "error":
        return "an error: the command exits 1 and compile writes nothing"
    if entry.severity.value == "warning":
        return "a warning: exit 0, or 1 with -W/--warnings-as-errors"
    return "a note: never changes the exit code"
