"""A boot cut short (Ctrl-C, exit, bad arguments, a failure) removes what it had made before it leaves.

`with Sandbox(...)` never reaches `__exit__` when `__enter__` raises, so the boot must tear down
itself: otherwise a Ctrl-C while Postfix starts leaves a root master and its folder until the
process exits (atexit) or the next verify finds them (stale.py). The mutation run found that no
test noticed this teardown removed (docs/mutation.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.sandbox import Sandbox, SandboxUnavailable
from mailpolicy.sandbox import sandbox as sandbox_module


@pytest.mark.parametrize(("raised", "expected"), [(KeyboardInterrupt, KeyboardInterrupt), (SystemExit, SystemExit),
                                                  (ValueError, ValueError), (RuntimeError, SandboxUnavailable)])
def test_a_boot_cut_short_removes_its_folder_before_raising(tmp_path: Path, monkeypatch, raised, expected) -> None:
    monkeypatch.setattr(sandbox_module, "sandbox_available", lambda: None)
    made: list[Path] = []

    def boot(self: Sandbox) -> None:
        self.root = tmp_path / f"sandbox-{len(made)}"
        self.root.mkdir()
        made.append(self.root)
        raise raised("cut short")

    monkeypatch.setattr(Sandbox, "_boot", boot)
    monkeypatch.setattr(Sandbox, "_safe_check", lambda self: "")
    monkeypatch.setattr(Sandbox, "log", lambda self: "")
    with pytest.raises(expected):
        Sandbox("").__enter__()
    assert made and not any(root.exists() for root in made)
