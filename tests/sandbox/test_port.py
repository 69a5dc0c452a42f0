"""The sandbox's port is held until master binds it; a program that takes it is not blamed on the policy."""

from __future__ import annotations

import os
import socket

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.sandbox import PortUnavailable, Sandbox
from mailpolicy.sandbox import sandbox as sandbox_module
from tests.conftest import REPO

SEED = REPO / "examples" / "seed.mailpolicy"
CLOSED = ("mydestination = example0.com\nmynetworks = 127.0.0.1/32\n"
          "smtpd_relay_restrictions = reject_unauth_destination\n")


def test_a_held_port_cannot_be_bound_by_anyone_else() -> None:
    held = sandbox_module.hold_port()
    try:
        port = held.getsockname()[1]
        with socket.socket() as other:
            # A racer that asks for sharing still cannot have it: the held socket did not.
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError):
                other.bind(("127.0.0.1", port))
    finally:
        held.close()


def test_a_listener_is_told_apart_by_the_processes_holding_it() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        inode = sandbox_module.listener_inode("127.0.0.1", listener.getsockname()[1])
        assert inode is not None
        assert sandbox_module.holds_socket([os.getpid()], inode)
        assert not sandbox_module.holds_socket([1], inode)


@pytest.fixture
def racer(monkeypatch):
    """Take every sandbox port the moment the sandbox lets go of it, as another program could."""
    taken: list[socket.socket] = []
    release = Sandbox._release_port

    def release_and_lose(self: Sandbox) -> None:
        held = self._port_hold
        release(self)
        if held is not None:
            thief = socket.socket()
            thief.bind(("127.0.0.1", self.port))
            thief.listen()
            taken.append(thief)

    monkeypatch.setattr(Sandbox, "_release_port", release_and_lose)
    yield taken
    for thief in taken:
        thief.close()


@pytest.mark.postfix
def test_a_port_taken_every_time_is_reported_as_such(requires_postfix, racer) -> None:
    with pytest.raises(PortUnavailable, match="says nothing about the configuration"):
        with Sandbox(CLOSED):
            pass
    assert len(racer) == sandbox_module.PORT_TRIES


@pytest.mark.postfix
def test_verify_does_not_blame_the_policy_for_a_taken_port(requires_postfix, racer) -> None:
    result = CliRunner().invoke(cli, ["verify", str(SEED)])
    assert result.exit_code == 2, result.output
    assert "cannot verify now" in result.output and "did not start with the compiled" not in result.output


@pytest.mark.postfix
def test_a_port_taken_once_is_retried(requires_postfix, monkeypatch) -> None:
    release = Sandbox._release_port
    thieves: list[socket.socket] = []

    def lose_once(self: Sandbox) -> None:
        held = self._port_hold
        release(self)
        if held is not None and not thieves:
            thieves.append(socket.socket())
            thieves[0].bind(("127.0.0.1", self.port))
            thieves[0].listen()

    monkeypatch.setattr(Sandbox, "_release_port", lose_once)
    try:
        with Sandbox(CLOSED) as sandbox:
            assert sandbox.port != thieves[0].getsockname()[1]
            assert sandbox.client().noop()[0] == 250
    finally:
        for thief in thieves:
            thief.close()
