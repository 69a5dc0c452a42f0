"""Make SIGTERM, SIGHUP and SIGINT unwind like an exception, so every sandbox is torn down.

By default SIGTERM and SIGHUP end Python at once: no `finally`, no `__exit__`, no atexit. A
verify killed that way left master, an smtpd listening on loopback, Dovecot and the sandbox
folder with its passwd file behind, all root's. Under `unwinding_signals()` each of the three
raises `Interrupted` (a SystemExit whose code is 128 + the signal number, the shell's convention:
130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), so the same `with Sandbox(...)` teardown runs
as for an error. A teardown runs inside `deferred()`: a signal arriving then is remembered and
raised once the teardown is done, never in the middle of it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

UNWINDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(SystemExit):
    """Raised by a signal under unwinding_signals(); the exit code is 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class _State:
    installed = False
    deferring = 0
    pending: int | None = None
    raised = False


_state = _State()


def _handler(signum: int, _frame: object) -> None:
    if _state.deferring:
        _state.pending = _state.pending or signum
        return
    if _state.raised:
        return  # already unwinding: a second Ctrl-C must not cut the teardown short
    _state.raised = True
    raise Interrupted(signum)


@contextlib.contextmanager
def unwinding_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise Interrupted (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or _state.installed:
        yield  # signal handlers can only be set from the main thread; nested use keeps the outer
        return
    previous = {signum: signal.signal(signum, _handler) for signum in UNWINDING}
    _state.installed, _state.raised, _state.pending = True, False, None
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state.installed = False


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold back Interrupted while the block (a teardown) runs; raise it afterwards."""
    _state.deferring += 1
    try:
        yield
    finally:
        _state.deferring -= 1
        if not _state.deferring and _state.pending is not None and not _state.raised:
            signum, _state.pending = _state.pending, None
            _state.raised = True
            raise Interrupted(signum)
