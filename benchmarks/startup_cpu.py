"""Measure `mailpolicy check` start-up as CPU time against the import floor, on a shared machine.

    python benchmarks/startup_cpu.py [REPEATS]     # default 40

Wall time on a machine shared with other work measures the load as much as the start-up; the CPU
time a child spends (user + system, from os.wait4) grows much less with load, so the ratio of
medians is what this prints: the floor `python -c "import lark, attrs, click"`, then `check` on
examples/seed.mailpolicy, round-robin, byte-code written (benchmarks/timing.py child_env), each
command warmed once. Nothing here asserts a time; docs/benchmarks.md records the runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import SEED, mailpolicy_argv
from timing import child_env


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """Run argv; return the user + system CPU seconds of that child alone (it must succeed: a
    command that fails early is fast for the wrong reason)."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} exited {os.waitstatus_to_exitcode(status)}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    commands = {"floor": [sys.executable, "-c", "import lark, attrs, click"],
                "check": [*mailpolicy_argv(), "check", str(SEED)]}
    with tempfile.TemporaryDirectory() as workdir:
        env = child_env(Path(workdir))
        for argv in commands.values():
            cpu_seconds(argv, env)
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, argv in commands.items():
                runs[name].append(cpu_seconds(argv, env))
    medians = {name: statistics.median(times) for name, times in runs.items()}
    for name, median in medians.items():
        print(f"{name}: median {median * 1000:.1f} ms CPU over {repeats} runs "
              f"(min {min(runs[name]) * 1000:.1f}, max {max(runs[name]) * 1000:.1f})")
    print(f"check / floor: {medians['check'] / medians['floor']:.2f}x (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
