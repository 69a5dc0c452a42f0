"""Run the fuzz properties for a long time, by hand, and print the counts for docs/security.md.

    python tests/fuzz/run_long.py --examples 15000 --jobs 2

Each property of tests/fuzz/test_fuzz.py runs in its own pytest process with
MAILPOLICY_FUZZ_EXAMPLES set (random, not derandomized, no example database); every input
checked is counted by tests/fuzz/invariants.py. The run fails if any property fails.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROPERTIES = [
    "test_grammar_statements", "test_grammar_with_any_unicode", "test_junk_text", "test_random_bytes",
    "test_mutated_examples", "test_folders_with_includes_and_tables", "test_command_line_writes_all_or_nothing",
]


def run_one(name: str, examples: int, stats_dir: Path) -> tuple[str, int, dict, float, str]:
    """Run one property; return its name, pytest's exit status, its counts, seconds and output tail."""
    stats = stats_dir / f"{name}.json"
    env = {**os.environ, "MAILPOLICY_FUZZ_EXAMPLES": str(examples), "MAILPOLICY_FUZZ_STATS": str(stats)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", f"tests/fuzz/test_fuzz.py::{name}", "-q",
                           "-p", "no:cacheprovider", "-x"], cwd=REPO, env=env, capture_output=True, text=True)
    counts = json.loads(stats.read_text()) if stats.exists() else {}
    return name, done.returncode, counts, time.monotonic() - started, done.stdout[-3000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=15000, help="examples per property")
    parser.add_argument("--jobs", type=int, default=2, help="properties run at once")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip() or "unknown (not a git checkout)"
    started = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory() as folder, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, name, args.examples, Path(folder)) for name in PROPERTIES]
        for future in concurrent.futures.as_completed(futures):
            name, status, counts, seconds, tail = future.result()
            results.append((name, status, counts, seconds))
            print(f"{name}: exit {status}, {counts.get('inputs', 0):,} inputs in {seconds:.0f} s", flush=True)
            if status != 0:
                print(tail)
    totals: collections.Counter = collections.Counter()
    for _, _, counts, _ in results:
        totals.update(counts)
    failed = [name for name, status, _, _ in results if status != 0]
    print()
    print(f"Run of {datetime.date.today().isoformat()} at commit {commit}: Python {platform.python_version()}, "
          f"{args.examples:,} examples per property, {time.monotonic() - started:.0f} s, "
          f"{'FAILED: ' + ', '.join(failed) if failed else 'no failure'}.")
    print()
    print("| property | inputs | compiled | refused |")
    print("|---|---:|---:|---:|")
    for name, _, counts, _ in sorted(results, key=lambda r: PROPERTIES.index(r[0])):
        print(f"| `{name}` | {counts.get('inputs', 0):,} | {counts.get('compiled', 0):,} | {counts.get('refused', 0):,} |")
    print(f"| **total** | **{totals['inputs']:,}** | **{totals['compiled']:,}** | **{totals['refused']:,}** |")
    print()
    codes = sorted((key[5:], value) for key, value in totals.items() if key.startswith("code:"))
    print("Diagnostics seen: " + ", ".join(f"{code} {count:,}" for code, count in codes) + ".")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
