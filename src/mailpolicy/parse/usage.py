"""How each statement is written: the hint a syntax error shows for the statement it broke."""

from __future__ import annotations

from mailpolicy.parse.registry import STATEMENTS

# Keyed by the words that begin the statement, and by their first two (the first statement of the
# registry that begins so wins: `hosted domains` is the list form, `hosted domains from` the table's);
# the longest matching key wins.
USAGE: dict[str, str] = {}
for _kind in STATEMENTS:
    USAGE.setdefault(_kind.keyword, _kind.usage)
    USAGE.setdefault(" ".join(_kind.keyword.split()[:2]), _kind.usage)

STATEMENT_WORDS = sorted({key.split()[0] for key in USAGE})


def usage_for(line: str) -> str | None:
    """Return how the statement that `line` begins is written, if its first words name one."""
    words = line.split()
    for size in (3, 2, 1):
        key = " ".join(words[:size])
        if key in USAGE:
            return USAGE[key]
    return None


def closest_statement(word: str) -> str | None:
    """Return the statement keyword a mistyped first word most likely meant."""
    import difflib  # only a misspelled statement needs it; start-up does not

    match = difflib.get_close_matches(word.lower(), STATEMENT_WORDS, n=1, cutoff=0.6)
    return match[0] if match else None
