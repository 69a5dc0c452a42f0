"""The bound of the FIFO tests (tests/fifo_guard.py): without O_NONBLOCK they fail in seconds instead of hanging."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mailpolicy.load.files import read_bytes
from mailpolicy.source import Span
from tests.fifo_guard import bounded_fifo


def test_a_reader_that_waits_for_a_writer_is_released_and_fails_the_test(tmp_path: Path, monkeypatch) -> None:
    # The mutation the bound is for: load/files.py read_bytes (every file the package reads) without O_NONBLOCK.
    monkeypatch.setattr(os, "O_NONBLOCK", 0)
    started = time.monotonic()
    with pytest.raises(AssertionError, match="O_NONBLOCK lost"):
        with bounded_fifo(tmp_path / "pipe.mailpolicy", bound=1.0) as fifo:
            read_bytes(fifo, "pipe.mailpolicy", Span("site.mailpolicy", 1, 1))
    assert time.monotonic() - started < 30


def test_a_fifo_nobody_waits_on_passes(tmp_path: Path) -> None:
    with bounded_fifo(tmp_path / "fifo", bound=0.2) as fifo:
        assert fifo.is_fifo()
        time.sleep(0.5)  # past the bound, with no reader: nothing to release
