"""Time child processes: wall-clock medians over repeats, and each child's peak memory.

Commands are run round-robin (every command once, then again), so a machine that slows down
during the run slows every command alike and the ratios stay fair.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import attrs


@attrs.frozen
class Sample:
    """One command's timings: the median wall time, every run, and the largest peak RSS seen."""

    name: str
    median: float
    runs: tuple[float, ...]
    max_rss_mib: float
    exit_code: int


def child_env(workdir: Path) -> dict[str, str]:
    """Return the environment for timed children: bytecode cached as after `pip install`."""
    env = dict(os.environ)
    # A test harness may forbid writing bytecode; an installed package has its .pyc files, so
    # the children compile each module once into a private prefix and reuse it (for lark,
    # attrs and click alike, so the floor is measured the same way).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    env["NO_COLOR"] = "1"
    return env


def run_once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run argv; return (seconds, peak RSS in MiB, exit code). Output is discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait4 gives this child's own resource usage, not the sum over all children.
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return elapsed, rss_kib / 1024, process.returncode


def measure(commands: dict[str, Sequence[str]], env: dict[str, str], repeats: int,
            before: Callable[[str], None] | None = None, warm: bool = True) -> dict[str, Sample]:
    """Warm each command up once (unless `warm` is false), then run all of them `repeats` times round-robin."""
    runs: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float] = dict.fromkeys(commands, 0.0)
    codes: dict[str, int] = {}
    for name, argv in commands.items() if warm else ():
        if before:
            before(name)
        codes[name] = run_once(argv, env)[2]
    for _ in range(repeats):
        for name, argv in commands.items():
            if before:
                before(name)
            elapsed, peak, code = run_once(argv, env)
            runs[name].append(elapsed)
            rss[name] = max(rss[name], peak)
            codes[name] = code
    return {name: Sample(name, statistics.median(runs[name]), tuple(runs[name]), rss[name], codes[name])
            for name in commands}
