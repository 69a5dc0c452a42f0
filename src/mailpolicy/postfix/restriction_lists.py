"""Read a restriction list as smtpd reads it: its elements, then its restrictions with their arguments.

smtpd splits a list value at commas and white space (", \\t\\r\\n"), keeping a `{ ... }` group
whole with the separators inside it (Postfix 3.0 and later, postconf(5) "Specify `{ name =
value }` ..."), so `check_sender_access inline:{ a=OK, b=REJECT }` is two elements, not five.
Braces nest. A restriction postconf(5) writes as `name argument` (check_*_access type:table,
check_policy_service servername, reject_rbl_client rbl_domain, sleep seconds, ...) takes the
next element as its argument, whatever that element looks like; every other element is a
restriction of its own. Which names take one is data (`restrictions.json`, field `argument`),
shared by the simulator, the compile-time checks, the audit and `diff`.
"""

from __future__ import annotations

import functools
import re
from typing import Sequence

from mailpolicy.frozen import frozen
from mailpolicy.postfix import parameters as pf

SEPARATORS = ", \t\r\n"
_PLAIN = re.compile(r"[^, \t\r\n]+")
_CLOSERS = {"{": "}", "(": ")"}
# A name the data does not know but shaped like one that takes an argument (a misspelt
# check_*_access or reject_rhsbl_*): the name checks skip its argument too, so that
# `check_sendr_access example.com` is one finding, not two. smtpd itself never reads past an
# unknown name, so the simulator does not guess.
_ARGUMENT_SHAPED = re.compile(r"check_\w+_access|reject_rhsbl_\w+")

# The SMTP server's restriction lists up to RCPT TO, in the order smtpd evaluates them with
# smtpd_delay_reject = yes, the default (smtpd_check.c smtpd_check_rcpt: client, helo, sender,
# then relay and recipient): a reject in any of them rejects the recipient.
SMTPD_LISTS = ("smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
               "smtpd_relay_restrictions", "smtpd_recipient_restrictions")

# Every restriction that holds a sender to its owners in smtpd_sender_login_maps: the four names
# src/global/mail_params.h defines (REJECT_*SENDER_LOGIN_MISMATCH). smtpd_check.c's function
# reject_unauth_sender_login_mismatch is not one of them: written in a list it is an unknown
# restriction (451), not a login check.
LOGIN_MISMATCH_CHECKS = frozenset({"reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch",
                                   "reject_known_sender_login_mismatch",
                                   "reject_unauthenticated_sender_login_mismatch"})

# The sender login checks that also refuse an anonymous client an address smtpd_sender_login_maps
# gives an owner ("not logged in": smtpd_check.c reject_unauth_sender_login_mismatch, reached by
# these three and not by reject_authenticated_sender_login_mismatch).
ANONYMOUS_LOGIN_CHECKS = frozenset({"reject_sender_login_mismatch", "reject_known_sender_login_mismatch",
                                    "reject_unauthenticated_sender_login_mismatch"})

# The sender login checks that refuse a logged-in client an address smtpd_sender_login_maps does not
# give its login ("not owned by user": smtpd_check.c reject_auth_sender_login_mismatch, reached by
# these three); reject_unauthenticated_sender_login_mismatch checks only clients that did not log in,
# so a permit_sasl_authenticated before it takes nothing from it.
LOGGED_IN_LOGIN_CHECKS = LOGIN_MISMATCH_CHECKS - {"reject_unauthenticated_sender_login_mismatch"}


@frozen
class Element:
    """One element of a list value, and where in the value it starts."""

    text: str
    offset: int


@frozen
class Entry:
    """One restriction of a list: its name (lower case), its argument, and where both stand."""

    position: int  # among the list's restrictions; a Decision's `position` counts the same way
    index: int  # of its name among the list's elements (the argument, if any, is index + 1)
    name: str
    argument: str | None  # the next element, without the `{ }` that quote it

    @property
    def shown(self) -> str:
        """Return the restriction as written in a trace: `name` or `name argument`."""
        return f"{self.name} {self.argument}" if self.argument else self.name


def split_list(value: str, *, references: bool = False) -> tuple[Element, ...]:
    """Split a list value into its elements; `{...}` stays whole.

    With `references`, the value is main.cf text before expansion: `${...}` and `$(...)` stay
    whole too, as they expand before smtpd splits (postconf(5) "${name?value}", "$(name?value)").
    """
    if "{" not in value and not (references and "$(" in value):
        return tuple(Element(m.group(), m.start()) for m in _PLAIN.finditer(value))
    found: list[Element] = []
    index, end = 0, len(value)
    while index < end:
        if value[index] in SEPARATORS:
            index += 1
            continue
        start = index
        while index < end and value[index] not in SEPARATORS:
            if value[index] == "{" or references and value.startswith("$(", index):
                closed = closing_bracket(value, index + (value[index] == "$"))
                index = end - 1 if closed is None else closed  # unclosed: the rest is one element
            index += 1
        found.append(Element(value[start:index], start))
    return tuple(found)


def split_words(value: str) -> tuple[str, ...]:
    """Split a list value like split_list, keeping only the text of each element."""
    if "{" not in value:
        return tuple(_PLAIN.findall(value))
    return tuple(element.text for element in split_list(value))


def closing_bracket(text: str, start: int) -> int | None:
    """Return the index of the bracket closing the `{` or `(` at `start` (nested pairs count); None if none does."""
    opener = text[start]
    closer = _CLOSERS[opener]
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opener:
            depth += 1
        elif text[index] == closer:
            depth -= 1
            if depth == 0:
                return index
    return None


@functools.lru_cache(maxsize=None)
def argument_takers() -> frozenset[str]:
    """Return the restriction names smtpd reads an argument after (current and old names)."""
    return frozenset(name for name in pf.restriction_names() | pf.obsolete_restriction_names()
                     if pf.restriction_argument(name) is not None)


def takes_argument(name: str) -> bool:
    """Tell whether smtpd takes the element after restriction `name` (any case) as its argument."""
    return name.lower() in argument_takers()


def entries(words: Sequence[str], *, guess_unknown: bool = False) -> tuple[Entry, ...]:
    """Return a list's restrictions, each with its argument; `words` are its elements in order.

    With `guess_unknown`, a name the data does not know is taken to have an argument when it is
    shaped like a name that has one (for the name checks; smtpd stops at an unknown name).
    """
    return _entries(tuple(words), guess_unknown)


@functools.lru_cache(maxsize=4096)
def _entries(words: tuple[str, ...], guess_unknown: bool) -> tuple[Entry, ...]:
    # The simulator walks the same few lists once per request it evaluates: each is read once.
    takers = argument_takers()
    found: list[Entry] = []
    index = 0
    while index < len(words):
        name = words[index].lower()
        argument = None
        if index + 1 < len(words) and (name in takers or guess_unknown and _guessed(name)):
            argument = words[index + 1]
            if argument.startswith("{") and argument.endswith("}"):
                argument = argument[1:-1].strip()
        found.append(Entry(len(found), index, name, argument))
        index += 1 if argument is None else 2
    return tuple(found)


def _guessed(name: str) -> bool:
    return (_ARGUMENT_SHAPED.fullmatch(name) is not None and name not in pf.restriction_names()
            and name not in pf.obsolete_restriction_names())
