"""Read a regexp: or pcre: table exactly as Postfix reads it, and look keys up in it.

The syntax is Postfix's own (src/util/dict_regexp.c, dict_regexp_parseline and
dict_regexp_get_pat; src/util/dict_pcre.c, dict_pcre_parse_rule and dict_pcre_get_pattern):

- A rule is `PATTERN RESULT`, where PATTERN is `/regex/flags`, any delimiter. Before it, any
  number of `!` (spaces between them allowed) each toggle the match: `!/a/` matches a key that
  does not match `a`, and `!!/a/` is `/a/` again (the simulator used to drop every rule that
  started with `!`, so `!!` rules were missed).
- `/regex1/!/regex2/ RESULT` (an old form still read) needs regex1 to match and regex2 not to.
- `if PATTERN` ... `endif` (any case) guard the rules between them: when PATTERN (with its own
  `!` toggles) does not match, the lookup jumps past the matching `endif`; an `if` without an
  `endif` guards everything after it (dict_regexp_lookup: "An IF without matching ENDIF has no
  endif rule", the lookup fails). Guards are kept here as each rule's list of conditions, which
  answers alike.
- Flags toggle: regexp starts case-insensitive (REG_ICASE) and `i` toggles it; `m` and `x`
  are accepted. pcre starts case-insensitive and with `.` matching newlines (DOTALL); `i`, `m`,
  `s`, `x` toggle the Python equivalents, `A`, `E`, `U`, `X` are accepted. An unknown flag
  makes Postfix skip the rule, and so do we.
- RESULT may use `$1`, `${1}`, `$(1)` (matched text; empty when the group did not take part)
  and `$$` for a dollar. A rule whose RESULT uses `$number` in a negative match, or a number
  beyond the pattern's groups, is skipped ("skipping this rule"), as Postfix does.

Patterns are POSIX extended (regexp) or PCRE (pcre) expressions; Python's `re` reads both for
the constructs administrators write. A pattern Python cannot read stays in the table as
`unreadable`: a caller must not treat its key as unmatched (`lookup` returns UNREADABLE when
such a rule could decide).
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

_SUBSTITUTION = re.compile(r"\$(?:(\d)|\{(\d+)\}|\((\d+)\))")
_KNOWN_FLAGS = {"regexp": "imx", "pcre": "imsxAEUX"}


class Condition(NamedTuple):
    """One pattern a rule needs: it must match (`match`) or must not; `regex` None when unreadable."""

    regex: re.Pattern | None
    match: bool
    source: str


class Rule(NamedTuple):
    """A match rule: every condition it needs (its enclosing `if`s first), its result, and its line.

    `own` is the index of the rule's first pattern among the conditions: the one `$number` reads.
    """

    conditions: tuple[Condition, ...]
    result: str
    line: int
    own: int

    @property
    def pattern(self) -> re.Pattern | None:
        """The rule's own first pattern (None when Python cannot read it)."""
        return self.conditions[self.own].regex

    def substitutes(self) -> bool:
        return substitutes(self.result)


UNREADABLE = object()


def substitutes(result: str) -> bool:
    """Tell whether a result uses text the pattern captured (`$1`, `${1}`, `$(1)`)."""
    return _SUBSTITUTION.search(result.replace("$$", "")) is not None


def parse_rules(kind: str, lines: Iterable[str]) -> list[Rule]:
    """Return the match rules of a regexp:/pcre: table, one text per rule (a file line or an inline `{...}`)."""
    kind = kind.lower()
    guards: list[Condition] = []
    rules: list[Rule] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        word = re.match(r"[A-Za-z]+", text)
        keyword = word.group().lower() if word else ""
        if keyword == "if" and not text[2:3].isalnum():
            condition, _rest = _pattern(kind, text[2:].lstrip())
            if condition is not None:
                guards.append(condition)
            continue
        if keyword == "endif" and not text[5:6].isalnum():
            if guards:
                guards.pop()
            continue
        if text[0].isalnum():
            continue  # dict_regexp_parseline: "unknown" rule, skipped
        first, rest = _pattern(kind, text)
        if first is None:
            continue
        conditions = [first]
        if rest.startswith("!"):
            second, rest = _pattern(kind, rest)
            if second is None:
                continue
            # dict_regexp_get_pats: the `!` that introduces it is its own toggle, so it must not match.
            conditions.append(second)
        result = rest.strip()
        highest = max((int(next(g for g in m.groups() if g)) for m in _SUBSTITUTION.finditer(result.replace("$$", ""))),
                      default=0)
        if highest and (not first.match or (first.regex is not None and highest > first.regex.groups)):
            continue  # "$number found in negative match" / "out of range replacement index": skipped
        rules.append(Rule((*guards, *conditions), result, number, len(guards)))
    return rules


def _pattern(kind: str, text: str) -> tuple[Condition | None, str]:
    """Read `!.../regex/flags` from the start of `text`; return it and the text after the flags."""
    match = True
    index = 0
    while index < len(text) and (text[index] == "!" or text[index].isspace()):
        if text[index] == "!":
            match = not match
        index += 1
    if index >= len(text):
        return None, ""
    delimiter = text[index]
    start = end = index + 1
    while end < len(text) and text[end] != delimiter:
        end += 2 if text[end] == "\\" and end + 1 < len(text) else 1
    if end >= len(text):
        return None, ""  # no closing delimiter: the rule is skipped
    source = text[start:end]
    flags_end = end + 1
    while flags_end < len(text) and not text[flags_end].isspace() and text[flags_end] != "!":
        flags_end += 1
    flags = text[end + 1:flags_end]
    if any(f not in _KNOWN_FLAGS.get(kind, "imx") for f in flags):
        return None, ""  # "unknown regexp option": skipped
    return Condition(_compile(kind, source, flags), match, source), text[flags_end:]


def _compile(kind: str, source: str, flags: str) -> re.Pattern | None:
    options = re.IGNORECASE | (re.DOTALL if kind == "pcre" else 0)
    toggles = {"i": re.IGNORECASE, "m": re.MULTILINE, "x": re.VERBOSE}
    if kind == "pcre":
        toggles["s"] = re.DOTALL
    for flag in flags:
        if flag in toggles:
            options ^= toggles[flag]
    if kind == "regexp":
        options &= ~re.VERBOSE  # `x` turns extended syntax *off* in regexp; Python has no basic syntax
    try:
        return re.compile(source, options)
    except re.error:
        return None


def lookup(rules: list[Rule], key: str) -> tuple[Rule, list[str]] | None | object:
    """Return the first rule that matches `key` and the results it gives; None when none does.

    UNREADABLE when a rule Python cannot read comes before any rule that surely matches: Postfix
    may stop there, and which result it gives is not known.
    """
    for rule in rules:
        state = _holds(rule.conditions, key)
        if state is None:
            return UNREADABLE
        if state:
            own = rule.conditions[rule.own]
            found = own.regex.search(key) if own.match else None
            return rule, results(found, rule.result)
    return None


def _holds(conditions: tuple[Condition, ...], key: str) -> bool | None:
    for condition in conditions:
        if condition.regex is None:
            return None
        if (condition.regex.search(key) is not None) != condition.match:
            return False
    return True


def results(found: re.Match | None, result: str) -> list[str]:
    """Return the addresses a rule's result gives (virtual(5) allows a comma-separated list)."""
    return [a for a in re.split(r"[,\s]+", result_text(found, result)) if a]


def result_text(found: re.Match | None, result: str) -> str:
    """Return a rule's result with `$1`-style text replaced by what the pattern matched, `$$` by `$`."""
    def group(hit: re.Match) -> str:
        number = int(next(g for g in hit.groups() if g is not None))
        if found is None or number > (found.re.groups or 0):
            return ""
        return found.group(number) or ""
    parts = result.split("$$")
    return "$".join(_SUBSTITUTION.sub(group, part) for part in parts)


def inline_rules(kind: str, body: str) -> list[Rule]:
    """Return the rules of `regexp:{ {rule}, {rule} }` / `pcre:{...}` as written in main.cf (body without the braces)."""
    from mailpolicy.postfix.restriction_lists import split_words

    items = []
    for item in split_words(body):
        if item.startswith("{") and item.endswith("}"):
            item = item[1:-1].strip()
        items.append(item)
    return parse_rules(kind, items)
