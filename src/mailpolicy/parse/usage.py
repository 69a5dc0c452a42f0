"""How each statement is written: the hint a syntax error shows for the statement it broke."""

from __future__ import annotations

from mailpolicy.parse.registry import STATEMENTS

# Keyed by the (first two) words that begin the statement; the longest matching key wins.
USAGE: dict[str, str] = {" ".join(kind.keyword.split()[:2]): kind.usage for kind in STATEMENTS}

STATEMENT_WORDS = sorted({key.split()[0] for key in USAGE})


def usage_for(line: str) -> str | None:
    """Return how the statement that `line` begins is written, if its first words name one."""
    words = line.split()
    for size in (2, 1):
        key = " ".join(words[:size])
        if key in USAGE:
            return USAGE[key]
    return None


def closest_statement(word: str) -> str | None:
    """Return the statement keyword a mistyped first word most likely meant."""
    import difflib  # only a misspelled statement needs it; start-up does not

    match = difflib.get_close_matches(word.lower(), STATEMENT_WORDS, n=1, cutoff=0.6)
    return match[0] if match else None
