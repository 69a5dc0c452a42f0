"""Re-time fuzz inputs one at a time as a user runs them: `mailpolicy audit DIR` and `mailpolicy
import DIR`, each a process of its own, nothing else of ours running meanwhile.

    python -m tests.fuzz.retime [--repeats N] [--top N] FOLDER...

Each FOLDER holds configuration folders (main.cf + master.cf), as `postconf_oracle --slowest
FOLDER` writes them (one per seed of a run); the `--top` costliest of them all (by the CPU time the
run recorded in cost.txt) are re-timed. For each it prints the wall time of audit + import (the best of REPEATS runs: the
least disturbed by the shared machine) and their CPU time (user + system of the two children,
from os.wait4), and exits 1 when any input's wall or CPU time is over the limit
(tests/fuzz/input_cost.py). Exit codes 0 and 1 of the commands are answers (no error / errors
found); any other is a failure, printed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.fuzz.input_cost import LIMIT_SECONDS, Cost

COMMANDS = (("audit",), ("import",))
# As a user runs it: with byte-code written and read (an environment that forbids writing it makes
# every run compile mailpolicy's modules again, which is not the work being timed).
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def mailpolicy_argv() -> list[str]:
    """Return how to start the installed `mailpolicy` script with this interpreter."""
    script = Path(sys.executable).parent / "mailpolicy"
    return [sys.executable, str(script)] if script.is_file() else [sys.executable, "-c", "from mailpolicy.cli import main; main()"]


def run_once(folder: Path) -> tuple[Cost, list[str]]:
    """Run audit then import on `folder`; return their summed cost and any unexpected exit."""
    cpu = wall = 0.0
    problems = []
    for command in COMMANDS:
        started = time.perf_counter()
        process = subprocess.Popen([*mailpolicy_argv(), *command, str(folder)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                   env=CHILD_ENV)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall += time.perf_counter() - started
        cpu += usage.ru_utime + usage.ru_stime
        if process.returncode not in (0, 1):
            problems.append(f"{command[0]} exited {process.returncode}")
    return Cost(cpu, wall), problems


def run_cpu(case: Path) -> float:
    """Return the CPU seconds the run recorded for a kept input (its cost.txt)."""
    text = (case / "cost.txt").read_text() if (case / "cost.txt").exists() else ""
    match = re.search(r"([0-9.]+) s CPU", text)
    return float(match.group(1)) if match else 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=50)
    args = parser.parse_args(argv)
    cases = [path for folder in args.folders for path in folder.iterdir() if path.is_dir()]
    cases = sorted(cases, key=run_cpu, reverse=True)[:args.top]
    repeats = args.repeats
    over = 0
    print("| input | audit + import wall (best of %d) | CPU | in the run |" % repeats)
    print("|---|---:|---:|---|")
    for case in cases:
        runs = [run_once(case) for _ in range(repeats)]
        best = min(runs, key=lambda run: run[0].wall)
        problems = sorted({problem for _, found in runs for problem in found})
        in_run = (case / "cost.txt").read_text().strip() if (case / "cost.txt").exists() else ""
        print(f"| {case.parent.name}/{case.name} | {best[0].wall:.3f} s | {best[0].cpu:.3f} s | {in_run} {' '.join(problems)} |",
              flush=True)
        over += best[0].wall > LIMIT_SECONDS or best[0].cpu > LIMIT_SECONDS or bool(problems)
    print(f"{over} input(s) over {LIMIT_SECONDS} s or failing")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
