"""Find characters that make a name look like another one: mixed scripts, look-alikes, compatibility forms.

A policy is reviewed by people: `exаmple0.com` with a Cyrillic `а` reads as the local domain but is
another one, and `permit_mynеtworks` with a Cyrillic `е` reads as a restriction Postfix would not
know. The rules follow Unicode TR 39's "highly restrictive" profile as far as the standard library
allows: `unicodedata` has no script property, so a letter's script is the first word of its
Unicode name (LATIN, CYRILLIC, GREEK, CJK ...), which is exact for the letters of every script
that has look-alikes of Latin ones. The look-alike table is not exhaustive; mixed scripts are
refused whether or not the character is in it.
"""

from __future__ import annotations

import unicodedata

# Characters that are not the ASCII letter or digit they look like, and what they look like.
LOOKALIKE = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "з": "3", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "ԍ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "ω": "w",
    # Armenian
    "ա": "w", "զ": "q", "հ": "h", "ո": "n", "ս": "u", "ց": "g", "օ": "o",
    # Latin letters that are not the ASCII letter they look like
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ǀ": "l", "ʏ": "y", "ꞵ": "b",
}

# Scripts that may share one label (TR 39 "highly restrictive"): Japanese, Chinese, Korean with Latin.
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# First words of Unicode names that belong to another script's name.
_SCRIPT_ALIASES = {
    "CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": "KATAKANA", "HALFWIDTH": "KATAKANA",
    "ARABIC-INDIC": "ARABIC", "EXTENDED": "ARABIC",
}


def describe(ch: str) -> str:
    """Return `x` (U+0078 LATIN SMALL LETTER X), the way a message names a character."""
    return f"`{ch}` (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


def script(ch: str) -> str | None:
    """Return the script of a letter, or None for characters every script uses (digits, `-`, marks)."""
    if ch.isascii():
        return "LATIN" if ch.isalpha() else None
    if unicodedata.category(ch)[0] in "MNPSZ" and not unicodedata.category(ch) == "Nd":
        return None  # combining marks, punctuation, symbols: inherited or common
    first = unicodedata.name(ch, "UNKNOWN").split()[0]
    return _SCRIPT_ALIASES.get(first, first)


def problem(word: str, own_script: str | None = None, latin_lookalikes: bool = True) -> str | None:
    """Return why `word` (a domain label, or one token of a main.cf value) is a look-alike, or None.

    `own_script` is the script a whole-script look-alike may be written in (the script of the
    domain's top-level label: `сосо.рф` is Russian, `сосо.com` pretends to be Latin).
    `latin_lookalikes=False` lets Latin letters such as the Turkish `ı` stand in running text.
    """
    for ch in word:
        if ch.isascii():
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded.isascii() and folded.isalnum() and unicodedata.category(ch)[0] in "LN":
            return f"{describe(ch)} is a compatibility form of `{folded}`"
        if latin_lookalikes and ch in LOOKALIKE and script(ch) == "LATIN":
            return f"{describe(ch)} looks like the letter `{LOOKALIKE[ch]}`"
    scripts = {s for s in map(script, word) if s}
    if len(scripts) > 1 and not any(scripts <= mix for mix in _ALLOWED_MIXES):
        # Name the first letter not in the word's main script (Latin when there is Latin).
        main = "LATIN" if "LATIN" in scripts else next(s for s in map(script, word) if s)
        odd = next(ch for ch in word if script(ch) not in (None, main))
        looks = f", which looks like `{LOOKALIKE[odd]}`" if odd in LOOKALIKE else ""
        names = " and ".join(sorted(s.title() for s in scripts))
        return f"`{word}` mixes {names} letters: {describe(odd)}{looks}"
    letters = [ch for ch in word if script(ch)]
    if (len(scripts) == 1 and "LATIN" not in scripts and scripts != {own_script}
            and letters and all(ch in LOOKALIKE for ch in letters)):
        ascii_form = "".join(LOOKALIKE.get(ch, ch) for ch in word)
        return f"`{word}` is written in {scripts.pop().title()} letters that all look Latin: it reads as `{ascii_form}`"
    return None
