"""signals.py: a signal raises Interrupted(128 + n), never inside a teardown, and only once."""

from __future__ import annotations

import os
import signal

import pytest

from mailpolicy.sandbox import signals


def send(signum: int) -> None:
    os.kill(os.getpid(), signum)  # handled at the next bytecode boundary of the main thread


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_raises_interrupted_with_the_shells_exit_code(signum: int, code: int) -> None:
    with pytest.raises(signals.Interrupted) as raised:
        with signals.unwinding_signals():
            send(signum)
    assert raised.value.code == code
    assert isinstance(raised.value, SystemExit)  # so Sandbox.__enter__ tears down on it


def test_a_signal_during_a_teardown_waits_until_it_is_done() -> None:
    steps = []
    with pytest.raises(signals.Interrupted) as raised:
        with signals.unwinding_signals():
            with signals.deferred():
                send(signal.SIGTERM)
                steps.append("stopped master")
                steps.append("removed the folder")
    assert steps == ["stopped master", "removed the folder"]
    assert raised.value.code == 143


def test_a_second_signal_does_not_cut_the_unwinding_short() -> None:
    steps = []
    with pytest.raises(signals.Interrupted) as raised:
        with signals.unwinding_signals():
            try:
                send(signal.SIGTERM)
            finally:
                send(signal.SIGINT)  # an impatient second Ctrl-C / kill
                steps.append("teardown finished")
    assert steps == ["teardown finished"]
    assert raised.value.code == 143


def test_the_previous_handlers_come_back() -> None:
    before = {signum: signal.getsignal(signum) for signum in signals.UNWINDING}
    with signals.unwinding_signals():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {signum: signal.getsignal(signum) for signum in signals.UNWINDING} == before
