"""Solve an inline regexp:/pcre: access table: one concrete key per way it can answer, found, not sampled.

An access table in a restriction list answers a request by the first rule whose patterns hold for
the key smtpd looks up (regexp_table(5), pcre_table(5); simulate/pattern_table.py reads the rules
as Postfix does). Its keys therefore fall into finitely many classes: "rule i decides" for each
rule (its own patterns, its enclosing `if`s, and no earlier rule matching) and "no rule matches".
Each class is a regular language when every pattern in the table is one, so it can be computed
with automata (interegular, the library lark already depends on, intersects, complements and
subtracts them) and a key picked from it. A pattern table is looked up with the whole key only
(src/global/mail_addr_find.c: partial keys are searched with DICT_FLAG_FIXED, which pattern
tables lack; src/smtpd/smtpd_check.c check_namadr_access, check_domain_access), so the key is
the address, HELO name or client address as smtpd has it.

Within each class the key must also be one the relay search can use: a class is intersected with
each *shape* of key the part of the request can take (for a recipient: a plain address at a
domain that is not this server's final destination, at one that is, and addresses with the
`%` and `!` routing smtpd resolves as relaying), and the shortest key of every non-empty
intersection is a witness. So for every answer the table can give to a key of every shape, the
search has a request that gets it; the search then decides that request in full with every
other restriction (docs/proof.md "Pattern access tables").

What automata cannot read is not solved, and the table is then `unsolved`: back-references and
look-around (interegular refuses them), `^`/`$` anywhere but at the ends of a top-level branch,
`\\b`, the `m` and `x` flags, a case-sensitive pattern (the `i` flag toggled: the key keeps the
client's case, which the lower-case witnesses do not explore), a repetition counted past MAX_COUNT,
a table of more than MAX_RULES rules, and one whose automata take more than BUDGET_SECONDS. Such a table is explored
as one whose answer is unknown, and a relay through it stays a *possible* relay (MP301) - never
taken as safe.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
from collections import deque
from typing import TYPE_CHECKING, Iterable, Iterator

from mailpolicy.simulate.lookup import PatternTable, pattern_table

if TYPE_CHECKING:
    from interegular.fsm import FSM

    # Names for annotations only: the regexp/pcre reader loads when a pattern table is read (start-up).
    from mailpolicy.simulate.pattern_table import Condition, Rule

MAX_RULES = 64
BUDGET_SECONDS = 2.0
# A counted repetition above this is not solved: with a free prefix (`.*`, `[a-z]*`) its automaton
# doubles per count (the "n-th character from the end" language).
MAX_COUNT = 6
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
# A top-level domain of letters: smtpd and trivial-rewrite treat an all-digit last label as an address.
_HOST = rf"(?:{_LABEL}\.)+[a-z][a-z0-9-]*[a-z0-9]"
_LOCAL = r"[a-z0-9][a-z0-9._+=-]*"
# Any local part smtpd accepts unquoted for a final domain (atext and dots, no routing characters).
_DOT_STRING = r"[a-z0-9#$&'*+/=?^_`{|}~.-]+"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# The shapes of key a part of the request is looked up with, by what its restriction reads.
_SHAPES = {
    "recipient": (rf"{_LOCAL}@{_HOST}", rf"{_LOCAL}%{_HOST}@{_HOST}", rf"{_HOST}!{_LOCAL}@{_HOST}"),
    "sender": (rf"{_LOCAL}@{_HOST}",),
    "helo": (_HOST,),
    "client": (rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}",),
}


# access(5) results that can only refuse or do nothing: a table of only these never lets mail through.
_NO_PERMIT = re.compile(r"(REJECT|DEFER|DEFER_IF_REJECT|DEFER_IF_PERMIT|DUNNO|HANGUP|WARN|INFO|HOLD|PREPEND)\b"
                        r"|[45][0-9][0-9]\b", re.IGNORECASE)


def solved_pattern_table(reference: str) -> PatternTable | None:
    """Return the inline pattern table a reference writes if the simulator may evaluate it as it stands.

    It may when its classes are solved (every witness is in the search, so evaluating each request
    exactly is a proof), or when no rule can let mail through (nothing to search for). Otherwise
    None: the caller explores its answers as unknown, and a relay through it is a possible one.
    """
    table = pattern_table(reference)
    if table is None:
        return None
    rules = tuple(table.rules)
    if not can_permit(rules) or witnesses(rules, "sender") is not None:
        return table
    return None


def can_permit(rules: Iterable[Rule]) -> bool:
    """Tell whether some rule's result may let a request through (OK, RELAY, a number, a restriction list...)."""
    return any(_NO_PERMIT.match(rule.result.strip()) is None for rule in rules)


class Unsolved(Exception):
    """A pattern (or a table) the automata cannot decide."""


def witnesses(rules: tuple[Rule, ...], part: str, final_domains: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Return one key per (class of the table, shape of key) pair that is not empty; None when unsolved.

    `final_domains` are this server's final destinations: plain addresses at them and elsewhere are
    separate shapes, so a class holding both yields a relaying witness too.
    """
    return _solved(tuple(rules), part, tuple(sorted(final_domains)))


@functools.lru_cache(maxsize=256)
def _solved(rules: tuple[Rule, ...], part: str, final_domains: tuple[str, ...]) -> tuple[str, ...] | None:
    # Cached either way: an unsolved table is asked about again for every request evaluated.
    try:
        with _budget(BUDGET_SECONDS):
            return _witnesses(rules, part, final_domains)
    except Unsolved:
        return None


@contextlib.contextmanager
def _budget(seconds: float) -> Iterator[None]:
    """Give up (Unsolved) after `seconds`: some patterns' automata grow exponentially (`[a-z]*a[a-z]{12}`).

    A timer signal interrupts the automata's Python loops; only in the main thread, and only when
    nothing else uses SIGALRM (otherwise the repetition bound in _anchored is the only guard).
    """
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None))
    if not usable:
        yield
        return

    def expire(_signum, _frame):
        raise Unsolved(f"more than {seconds} s to solve")

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def witnesses_at(rules: tuple[Rule, ...], domain: str) -> tuple[str, ...] | None:
    """Return one address at `domain` per class of the table that holds one; None when unsolved.

    The local parts are atext and dots (RFC 5321 Dot-string) without `%` and `!`: an address at a
    final domain with those is routed, and smtpd never accepts a routed address for one
    (permit_auth_destination), so no such key reaches a transport table through this domain.
    """
    return _solved(tuple(rules), "address_at", (domain.lower(),))


def _witnesses(rules: tuple[Rule, ...], part: str, final_domains: tuple[str, ...]) -> tuple[str, ...]:
    if len(rules) > MAX_RULES:
        raise Unsolved(f"more than {MAX_RULES} rules")
    shapes = _shapes(part, final_domains)
    found: dict[str, None] = {}
    earlier: FSM | None = None
    for rule in rules:
        language = _rule_language(rule)
        first = language if earlier is None else language.difference(earlier)
        found.update(dict.fromkeys(_shortest(first, shapes)))
        earlier = language if earlier is None else earlier.union(language)
    rest = _fsm(".*") if earlier is None else earlier.everythingbut()
    found.update(dict.fromkeys(_shortest(rest, shapes)))
    return tuple(found)


def _shapes(part: str, final_domains: tuple[str, ...]) -> list[FSM]:
    if part == "address_at":
        return [_fsm(rf"{_DOT_STRING}@{re.escape(final_domains[0])}")]
    shapes = [_fsm(shape) for shape in _SHAPES[part]]
    if part == "recipient" and final_domains:
        # A plain address at a final destination is delivered here; anywhere else it relays.
        local = _fsm(rf"{_LOCAL}@(?:{'|'.join(re.escape(d.lower()) for d in final_domains)})")
        shapes[0:1] = [local, shapes[0].difference(local)]
    return shapes


def _shortest(language: FSM, shapes: list[FSM]) -> Iterable[str]:
    for shape in shapes:
        found = shortest_key(language.intersection(shape))
        if found is not None:
            yield found


def shortest_key(language: FSM) -> str | None:
    """Return a shortest string the automaton accepts, written with symbols of its alphabet (None: empty).

    A breadth-first walk from the initial state, each transition taken with its smallest real
    character (`anything_else` stands for characters no pattern names, never needed by the shapes).
    """
    labels = {key: min((c for c in chars if isinstance(c, str)), key=_readable_first, default=None)
              for key, chars in language.alphabet.by_transition.items()}
    previous: dict = {language.initial: None}
    queue = deque([language.initial])
    while queue:
        state = queue.popleft()
        if state in language.finals:
            text = []
            while previous[state] is not None:
                state, char = previous[state]
                text.append(char)
            return "".join(reversed(text))
        moves = [(labels[key], target) for key, target in language.map.get(state, {}).items()
                 if labels.get(key) is not None]
        for char, target in sorted(moves, key=lambda move: _readable_first(move[0])):
            if target not in previous:
                previous[target] = (state, char)
                queue.append(target)
    return None


def _readable_first(char: str) -> tuple[int, str]:
    """Order characters letters first, then digits, so witnesses read like addresses (`a@a.aa`)."""
    return (0 if char.isalpha() else 1 if char.isdigit() else 2, char)


def _rule_language(rule: Rule) -> FSM:
    """Return the keys for which every condition of a rule holds (its `if`s, its pattern, its `!/re2/`)."""
    language: FSM | None = None
    for condition in rule.conditions:
        one = condition_language(condition)
        if not condition.match:
            one = one.everythingbut()
        language = one if language is None else language.intersection(one)
    assert language is not None  # a rule has at least its own pattern
    return language


def condition_language(condition: Condition) -> FSM:
    """Return the keys a pattern matches anywhere in them (a search, as regexec/pcre_exec do)."""
    regex = condition.regex
    if regex is None:
        raise Unsolved(f"a pattern Python cannot read: {condition.source}")
    if regex.flags & (re.MULTILINE | re.VERBOSE):
        raise Unsolved("the m or x flag")
    if not regex.flags & re.IGNORECASE:
        # The `i` flag made it case-sensitive: the key keeps the case the client wrote, which the
        # witnesses (lower case, as the simulator looks keys up) do not explore.
        raise Unsolved("a case-sensitive pattern")
    branches = [_anchored(branch) for branch in _top_level_branches(condition.source)]
    text = "|".join(f"{'' if start else '.*'}(?:{body}){'' if end else '.*'}" for body, start, end in branches)
    return _fsm(f"(?i){text}")


@functools.lru_cache(maxsize=1024)
def _fsm(pattern: str) -> FSM:
    import interegular  # ~100 ms to import: only when a configuration has a pattern access table

    try:
        return interegular.parse_pattern(pattern).to_fsm()
    except Exception as error:  # interegular raises its own errors for what it does not implement
        raise Unsolved(f"{pattern}: {error}") from error


def _top_level_branches(source: str) -> list[str]:
    """Split a pattern at its top-level `|` (outside groups and bracket expressions)."""
    branches, depth, start = [], 0, 0
    for index, char, in_class in _scan(source):
        if in_class:
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:index])
            start = index + 1
    branches.append(source[start:])
    return branches


def _anchored(branch: str) -> tuple[str, bool, bool]:
    """Return a branch without a leading `^` and a trailing `$`, and whether each was there."""
    start = branch.startswith("^")
    body = branch[1:] if start else branch
    end = False
    positions = [index for index, char, in_class in _scan(body) if not in_class and char in "^$"]
    if positions and positions[-1] == len(body) - 1 and body.endswith("$"):
        end, body = True, body[:-1]
        positions.pop()
    if positions:
        raise Unsolved(f"an anchor inside the pattern: {branch}")
    if re.search(r"\\[bBAZzG]|\\[1-9]|\(\?[=!<]", body):
        raise Unsolved(f"a word boundary, back-reference or look-around: {branch}")
    counts = [int(n) for pair in re.findall(r"\{(\d+)(?:,(\d*))?\}", body) for n in pair if n]
    if any(count > MAX_COUNT for count in counts):
        raise Unsolved(f"a repetition counted past {MAX_COUNT}: {branch}")
    return body, start, end


def _scan(source: str) -> Iterable[tuple[int, str, bool]]:
    """Yield (index, char, inside a bracket expression) for each unescaped character of a pattern."""
    index, in_class = 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
                index += 1
                continue
            yield index, char, True
        elif char == "[":
            in_class = True
            index += 1
            # `]` right after `[` or `[^` is a member, not the end (POSIX and PCRE alike).
            if index < len(source) and source[index] == "^":
                index += 1
            if index < len(source) and source[index] == "]":
                index += 1
            continue
        else:
            yield index, char, False
        index += 1
