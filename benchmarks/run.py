"""Run the benchmarks of issue 7 in one go and write the results into docs/benchmarks.md.

    python benchmarks/run.py            # 1k to 1M statements, 5 repeats (about a quarter of an hour)
    python benchmarks/run.py --quick    # 1k to 100k, 3 repeats, printed only (a few minutes)

Everything is measured in one run on one machine, round-robin, and reported as medians and as
ratios to a reference measured alongside: `python -c "import lark, attrs, click"` for start-up,
`postmap hash:` / `postmap lmdb:` on the emitted map for size. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
import report
from timing import child_env, measure

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "seed.mailpolicy"
FULL_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
# From this many statements on, each command is run `--large-repeats` times (a run takes minutes).
LARGE = 1_000_000


def mailpolicy_argv() -> list[str]:
    """Return how to start the installed `mailpolicy` script with this interpreter (no shell shims)."""
    script = Path(sys.executable).parent / "mailpolicy"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "from mailpolicy.cli import main; main()"]


def startup(workdir: Path, env: dict[str, str], repeats: int) -> dict:
    """Time the import floor against `check`, `compile` and `--help` on the seed example."""
    tool = mailpolicy_argv()
    # The seed plus a line the composed expressions leave to lark (the login `to` is a keyword):
    # what a policy pays when lark and its built tables must be loaded.
    lark_line = workdir / "lark-line.mailpolicy"
    lark_line.write_text(SEED.read_text(encoding="utf-8")
                         + "expect reject user to sending as a@example0.com to b@example0.com\n", encoding="utf-8")
    commands = {
        "floor": [sys.executable, "-c", "import lark, attrs, click"],
        "check": [*tool, "check", str(SEED)],
        "compile": [*tool, "compile", str(SEED), "-o", str(workdir / "seed-out")],
        "help": [*tool, "--help"],
        "check, a line for lark": [*tool, "check", str(lark_line)],
    }
    return measure(commands, env, repeats)


def by_size(size: int, workdir: Path, env: dict[str, str], repeats: int, postmap: str | None) -> dict:
    """Time compiling `size` statements, the same owners as a table, and postmap on the emitted map."""
    folder = workdir / f"size-{size}"
    # Generated in a child: a child's peak RSS (wait4) counts what it inherited when forked, so
    # this process must never hold a large input itself, or every measured peak includes it.
    subprocess.run([sys.executable, str(Path(generate.__file__)), str(size), str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    paths = generate.input_paths(folder)
    tool = mailpolicy_argv()
    out = folder / "out"
    first = subprocess.run([*tool, "compile", str(paths["statements"]), "-o", str(out)], env=env,
                           capture_output=True, text=True, check=False)
    if first.returncode != 0:
        raise SystemExit(f"compiling {paths['statements']} failed:\n{first.stderr[-2000:]}")
    emitted = next(p for p in out.iterdir() if p.name != "main.cf" and not p.name.startswith("."))
    commands = {
        "compile": [*tool, "compile", str(paths["statements"]), "-o", str(out)],
        "table": [*tool, "compile", str(paths["table"]), "-o", str(folder / "out-table")],
        "header": [*tool, "compile", str(paths["header"]), "-o", str(folder / "out-header")],
    }
    if postmap:
        for kind in ("hash", "lmdb"):
            copy = folder / f"map-{kind}"
            shutil.copyfile(emitted, copy)
            commands[f"postmap {kind}"] = [postmap, f"{kind}:{copy}"]
    # The first compile above warmed the caches; a large size is timed without another warm-up.
    samples = measure(commands, env, repeats, warm=size < LARGE)
    with emitted.open(encoding="utf-8") as lines:
        keys = sum(1 for line in lines if line.strip() and not line.startswith("#"))
    stages = {form: stage_timings(paths[form], env) for form in ("statements", "table")}
    return {"size": size, "keys": keys, "samples": samples, "stages": stages}


def stage_timings(policy: Path, env: dict[str, str]) -> dict:
    """Return the in-process stage timings of one compile (benchmarks/stages.py)."""
    script = Path(__file__).resolve().parent / "stages.py"
    run = subprocess.run([sys.executable, str(script), str(policy)], env=env, capture_output=True, text=True,
                         check=False)
    if run.returncode != 0:
        raise SystemExit(f"timing the stages of {policy} failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def main() -> None:
    """Parse the options, run every measurement, print the report and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 100k, 3 repeats, print only")
    parser.add_argument("--sizes", help="comma-separated statement counts, e.g. 1000,10000")
    parser.add_argument("--repeats", type=int, help="timed runs per command (default 5, 3 with --quick)")
    parser.add_argument("--large-repeats", type=int, default=1,
                        help=f"timed runs per command from {LARGE:,} statements on (default 1)")
    parser.add_argument("--output", type=Path, help="markdown file to write the results into "
                                                    "(default docs/benchmarks.md; none with --quick)")
    parser.add_argument("--workdir", type=Path, help="keep generated inputs and outputs here")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    repeats = args.repeats or (3 if args.quick else 5)
    output = args.output or (None if args.quick else REPO / "docs" / "benchmarks.md")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mailpolicy-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = child_env(workdir)
    postmap = shutil.which("postmap") or shutil.which("postmap", path="/usr/sbin:/usr/local/sbin")
    load = [os.getloadavg()[0]]
    try:
        print(f"start-up ({repeats} repeats) ...", file=sys.stderr)
        results = {"startup": startup(workdir, env, max(4 * repeats, 11)), "sizes": [],
                   "repeats": repeats, "command": " ".join(["python benchmarks/run.py", *sys.argv[1:]])}
        for size in sizes:
            print(f"{size:,} statements ...", file=sys.stderr)
            results["sizes"].append(by_size(size, workdir, env, repeats if size < LARGE else args.large_repeats,
                                            postmap))
        results["load"] = (load[0], os.getloadavg()[0])
        results["parent_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report.render(results, report.environment(postmap))
    print(text)
    if output:
        report.write_into(output, text)
        print(f"wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
