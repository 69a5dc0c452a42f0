"""Import the clients main.cf's lists hold to the sender login map as `allow forged senders`.

Which clients a configuration holds to its owners is decided by which *_sender_login_mismatch
restrictions its smtpd lists hold (smtpd_check.c): reject_sender_login_mismatch and
reject_known_sender_login_mismatch check both a logged-in client and one that is not,
reject_authenticated_sender_login_mismatch only a logged-in one, and
reject_unauthenticated_sender_login_mismatch only one that is not. A list with no login check lets
anyone use any address. The language says the first (the default), the second (`allow forged
senders from anonymous clients`) and the last (`... from any client`); the import writes what
main.cf does, and the compile's MP360 then says what it lets through. Checking only clients that
are not logged in the language cannot say: that stays the default (every client checked), and the
sender list's note says so (importer/sender_checks.py).
"""

from __future__ import annotations

from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.parse.statements import Forgers
from mailpolicy.postfix.restriction_lists import (ANONYMOUS_LOGIN_CHECKS, LOGGED_IN_LOGIN_CHECKS,
                                                  LOGIN_MISMATCH_CHECKS, SMTPD_LISTS)

# Every list of smtpd that can hold a login check: the RCPT-time lists and the DATA one.
_LISTS = (*SMTPD_LISTS, "smtpd_data_restrictions")


def main_forgers(t) -> Forgers | None:
    """Return whom main.cf's lists let forge (None: every client is held to the owners, or the language cannot say)."""
    found = _restrictions(t.view, _LISTS) & LOGIN_MISMATCH_CHECKS
    if not found:
        return Forgers.ANY
    if found & LOGGED_IN_LOGIN_CHECKS and not found & ANONYMOUS_LOGIN_CHECKS:
        return Forgers.ANONYMOUS
    return None


def _restrictions(view, lists) -> set[str]:
    """Return every restriction the lists hold, and the restriction classes they name hold (smtpd_restriction_classes)."""
    classes = {w.text.lower() for w in view.words("smtpd_restriction_classes")}
    found: set[str] = set()
    todo = list(lists)
    while todo:
        for word in (w.text.lower() for w in view.words(todo.pop())):
            if word in classes and word not in found:
                todo.append(word)
            found.add(word)
    return found


def forgery_block(t, forgers: Forgers | None) -> Block | None:
    """Return the `allow forged senders` line main.cf means, with why, when it does not check every client."""
    if forgers is None:
        return None
    why = ("no smtpd restriction list of main.cf holds a sender login check" if forgers is Forgers.ANY else
           "main.cf checks the sender login map only for logged-in clients (reject_authenticated_sender_login_mismatch)")
    notes = [f"{why}: stated on purpose here, and the compile says what it lets through (MP360)"]
    # The seed's mistake: smtp_sender_restrictions (the SMTP client's, which smtpd never reads) typed
    # for smtpd_sender_restrictions. The login check was meant; the line above keeps what runs.
    typed = [name.replace("smtpd_", "smtp_", 1) for name in _LISTS
             if _restrictions(t.view, (name.replace("smtpd_", "smtp_", 1),)) & LOGIN_MISMATCH_CHECKS]
    if typed:
        notes.append(f"{', '.join(typed)} holds a sender login check, but only the SMTP client reads that "
                     "parameter (MP402): if the check was meant, remove `allow forged senders`")
    return Block((say.allow_forgery(forgers.value),), tuple(notes))
