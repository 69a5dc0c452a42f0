"""Warn about restriction classes that reach themselves (MP340), at the entry that closes the loop.

Postfix starts with such a class and says nothing; a request that reaches it makes smtpd die
(signal 11) or answer 451 (simulate/class_loops.py says which and why). No mail is let through by
it, so it is a warning: it refuses mail, and a dying smtpd is throttled by master for a minute.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate.class_loops import ClassLoop, class_loops

HINT = "break the loop: a class may not name itself, directly, through another class, or through a table's result"


def check_class_loops(host: Host) -> Iterator[Diagnostic]:
    """Report each restriction class that reaches itself, in every service."""
    return host.per_service(_loops)


def _loops(service: Service) -> Iterator[Diagnostic]:
    for loop in class_loops(service.model()):
        span = service.entry_span(loop.name, loop.position) or service.fallback_span()
        yield cat.CLASS_LOOP.at(span, class_loop_message(loop), hint=HINT)


def class_loop_message(loop: ClassLoop) -> str:
    """Say which class reaches itself, the way around, and what smtpd then does."""
    way = " -> ".join(loop.path)
    if loop.through_table:
        return (f"restriction class {loop.name} reaches itself ({way}, through an access table's result): "
                "smtpd answers 451 4.3.5 Server configuration error when a request gets there "
                "(smtpd_check.c: \"unreasonable recursion\" after 100 nested lists)")
    return (f"restriction class {loop.name} reaches itself ({way}): smtpd dies (signal 11) on every request "
            "that gets there, and master stops starting it for a minute")
