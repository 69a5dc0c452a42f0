"""signals.py: a signal raises Interrupted(128 + n), never inside a teardown, and only once."""

from __future__ import annotations

import os
import signal
import threading

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
    # verify's message names the signal ("interrupted by SIGTERM").
    assert (raised.value.signum, raised.value.name) == (signum, signal.Signals(signum).name)


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


def test_the_previous_handlers_come_back() -> None:
    before = {signum: signal.getsignal(signum) for signum in signals.UNWINDING}
    with signals.unwinding_signals():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {signum: signal.getsignal(signum) for signum in signals.UNWINDING} == before


def test_the_first_of_two_signals_during_a_teardown_is_the_one_raised() -> None:
    with pytest.raises(signals.Interrupted) as raised:
        with signals.unwinding_signals():
            with signals.deferred():
                send(signal.SIGTERM)
                send(signal.SIGINT)
    assert raised.value.code == 143


def test_a_teardown_inside_a_teardown_raises_only_when_the_outer_one_is_done() -> None:
    steps = []
    with pytest.raises(signals.Interrupted):
        with signals.unwinding_signals():
            with signals.deferred():
                with signals.deferred():
                    send(signal.SIGTERM)
                    steps.append("stopped dovecot")
                steps.append("removed the folder")
    assert steps == ["stopped dovecot", "removed the folder"]


def test_each_use_raises_again_after_an_earlier_one_raised() -> None:
    for _ in range(2):
        with pytest.raises(signals.Interrupted):
            with signals.unwinding_signals():
                send(signal.SIGHUP)


def test_a_signal_held_back_in_one_use_is_not_raised_in_the_next() -> None:
    signals._state.pending = signal.SIGTERM  # left over, as if a teardown had ended outside any use
    with signals.unwinding_signals():
        with signals.deferred():
            pass
    assert signals._state.pending is None


def test_outside_the_main_thread_it_installs_nothing_and_does_not_fail() -> None:
    outcome = []

    def worker() -> None:
        try:
            with signals.unwinding_signals():
                outcome.append(signal.getsignal(signal.SIGTERM) is not signals._handler)
        except Exception as error:  # noqa: BLE001 - the failure is what the test reports
            outcome.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome == [True]


def _sigterm() -> None:
    send(signal.SIGTERM)


def _sigterm_held_back() -> None:
    with signals.deferred():
        send(signal.SIGTERM)


def _sigint() -> None:
    send(signal.SIGINT)  # an impatient second Ctrl-C / kill


def _sigint_in_a_nested_use() -> None:
    # A teardown calling code that asks for the handlers itself must not arm a second Interrupted.
    with signals.unwinding_signals():
        send(signal.SIGINT)


def _sigint_during_a_teardown() -> None:
    with signals.deferred():  # held back, and not raised when the teardown ends: already unwinding
        send(signal.SIGINT)


@pytest.mark.parametrize("first", [_sigterm, _sigterm_held_back])
@pytest.mark.parametrize("second", [_sigint, _sigint_in_a_nested_use, _sigint_during_a_teardown])
def test_a_second_signal_does_not_cut_the_unwinding_short(first, second) -> None:
    steps = []
    with pytest.raises(signals.Interrupted) as raised:
        with signals.unwinding_signals():
            try:
                first()
            finally:
                second()
                steps.append("teardown finished")
    assert steps == ["teardown finished"] and raised.value.code == 143
    assert signal.getsignal(signal.SIGTERM) is not signals._handler
