"""Write the fuzz counts to $MAILPOLICY_FUZZ_STATS at the end of a run (tests/fuzz/run_long.py reads them)."""

from __future__ import annotations

import os
from pathlib import Path


def pytest_sessionfinish(session, exitstatus) -> None:
    target = os.environ.get("MAILPOLICY_FUZZ_STATS")
    if target:
        from tests.fuzz.invariants import dump_stats

        dump_stats(Path(target))
