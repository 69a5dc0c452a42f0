"""Render benchmark results as markdown, and write them between markers in docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

BEGIN = "<!-- results:begin (written by benchmarks/run.py; the prose outside these markers is kept) -->"
END = "<!-- results:end -->"

# Targets of issue 7, as ratios.
STARTUP_TARGET = 1.3
POSTMAP_TARGET = 5.0
GROWTH_TARGET = 11.0
MEMORY_TARGET_MIB = 1024.0
TABLE_TARGET = 10.0


def environment(postmap: str | None) -> dict[str, str]:
    """Return the machine and versions the numbers were measured with."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    postfix = "not installed"
    if postmap:
        run = subprocess.run(["postconf", "-d", "mail_version"], capture_output=True, text=True, check=False)
        postfix = run.stdout.partition("=")[2].strip() or "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            check=False, cwd=Path(__file__).resolve().parent).stdout.strip()
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("lark", "attrs", "click"))
    return {
        "machine": f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}",
        "software": f"Python {platform.python_version()}; {versions}; Postfix {postfix}",
        "commit": commit or "unknown",
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(results: dict, env: dict[str, str]) -> str:
    """Return the results as markdown tables with ratios and the targets they are held to."""
    out = [f"Measured at commit `{env['commit']}` with `{results['command']}`.", "",
           f"- Machine: {env['machine']}", f"- Software: {env['software']}",
           f"- Medians over {results['repeats']} runs (start-up: more; 1M and over: see the command), "
           "commands run round-robin.",
           f"- Load average (1 min) at the start and end of the run: {results['load'][0]:.1f}, "
           f"{results['load'][1]:.1f} (other work on the machine slows every command alike, not the ratios).",
           f"- Max RSS is each child's own peak (`wait4`); a child also counts what it inherits when forked, so "
           f"the benchmark process stays small: its own peak was {results['parent_rss_mib']:,.0f} MiB.", ""]
    failed = [f"{name} ({sample.exit_code})" for name, sample in results["startup"].items() if sample.exit_code]
    failed += [f"{name} at {entry['size']:,} ({sample.exit_code})" for entry in results["sizes"]
               for name, sample in entry["samples"].items() if sample.exit_code]
    if failed:
        out += ["**Commands that did not exit 0 (their times are not comparable):** " + ", ".join(failed), ""]
    out += _startup(results["startup"])
    out += _sizes(results["sizes"])
    out += _tables(results["sizes"])
    out += _stages(results["sizes"])
    return "\n".join(out) + "\n"


def _startup(samples: dict) -> list[str]:
    floor = samples["floor"].median
    rows = ["### Start-up on examples/seed.mailpolicy", "",
            "| command | median | ratio to the floor | max RSS | target |", "|---|---:|---:|---:|---|"]
    labels = {"floor": '`python -c "import lark, attrs, click"` (the floor)',
              "check": "`mailpolicy check examples/seed.mailpolicy`",
              "compile": "`mailpolicy compile examples/seed.mailpolicy -o DIR`",
              "help": "`mailpolicy --help`",
              "check, a line for lark": "`mailpolicy check` of the seed plus a line only lark reads"}
    for name, sample in samples.items():
        ratio = sample.median / floor
        target = f"<= {STARTUP_TARGET}x: {_verdict(ratio <= STARTUP_TARGET)}" if name == "check" else ""
        rows.append(f"| {labels[name]} | {_ms(sample.median)} | {ratio:.2f}x | {sample.max_rss_mib:.0f} MiB | {target} |")
    return rows + [""]


def _sizes(sizes: list[dict]) -> list[str]:
    rows = ["### Compiling N `allow user` statements, against postmap on the emitted map", "",
            "| statements | map keys | compile | max RSS | postmap hash | postmap lmdb | compile / hash | compile / lmdb |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in sizes:
        s = entry["samples"]
        compile_ = s["compile"].median
        hash_ = s.get("postmap hash")
        lmdb = s.get("postmap lmdb")
        rows.append(
            f"| {entry['size']:,} | {entry['keys']:,} | {_ms(compile_)} | {s['compile'].max_rss_mib:,.0f} MiB "
            f"| {_ms(hash_.median) if hash_ else '-'} | {_ms(lmdb.median) if lmdb else '-'} "
            f"| {compile_ / hash_.median:.1f}x | {compile_ / lmdb.median:.1f}x |" if hash_ and lmdb else
            f"| {entry['size']:,} | {entry['keys']:,} | {_ms(compile_)} | {s['compile'].max_rss_mib:,.0f} MiB | - | - | - | - |")
    rows.append("")
    found = {e["size"]: e for e in sizes}
    if 100_000 in found and "postmap hash" in found[100_000]["samples"]:
        s = found[100_000]["samples"]
        ratio = s["compile"].median / s["postmap hash"].median
        rows.append(f"- 100k statements: compile is {ratio:.1f}x `postmap hash:` "
                    f"(target <= {POSTMAP_TARGET:g}x: {_verdict(ratio <= POSTMAP_TARGET)}).")
    if 100_000 in found and 1_000_000 in found:
        small, large = found[100_000]["samples"]["compile"], found[1_000_000]["samples"]["compile"]
        growth = large.median / small.median
        rows.append(f"- 1M against 100k statements: {growth:.1f}x the time "
                    f"(target <= {GROWTH_TARGET:g}x: {_verdict(growth <= GROWTH_TARGET)}); peak memory "
                    f"{large.max_rss_mib:,.0f} MiB (target < {MEMORY_TARGET_MIB:,.0f} MiB: "
                    f"{_verdict(large.max_rss_mib < MEMORY_TARGET_MIB)}).")
    return rows + [""]


def _tables(sizes: list[dict]) -> list[str]:
    rows = ["### The same owners from a table (`allow users from`), per (address, login) entry", "",
            "Per entry = (compile time - compile time of the same policy without owners) / owners. "
            "Reading = load + build stages only (in process, one run).", "",
            "| statements | owners | statements: per entry | table: per entry | ratio "
            "| statements: reading per entry | table: reading per entry | ratio |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for entry in sizes:
        if entry["size"] < 10_000:
            continue  # the fixed cost of a compile swamps a few thousand entries
        s = entry["samples"]
        owners = entry["stages"]["statements"]["owners"]
        base = s["header"].median
        per_statement = (s["compile"].median - base) / owners
        per_table = (s["table"].median - base) / owners
        reading = {form: (entry["stages"][form]["timings"]["load"] + entry["stages"][form]["timings"]["build"])
                   / owners for form in ("statements", "table")}
        rows.append(f"| {entry['size']:,} | {owners:,} | {per_statement * 1e6:.1f} us | {per_table * 1e6:.1f} us "
                    f"| {per_statement / per_table:.1f}x | {reading['statements'] * 1e6:.1f} us "
                    f"| {reading['table'] * 1e6:.1f} us | {reading['statements'] / reading['table']:.1f}x |")
    return rows + ["", f"Target: the table at least {TABLE_TARGET:g}x faster per entry.", ""]


def _stages(sizes: list[dict]) -> list[str]:
    names = list(sizes[-1]["stages"]["statements"]["timings"])
    head = " | ".join(f"{e['size']:,}" for e in sizes)
    rows = ["### Stages of one compile of the statement form (in process, one run each)", "",
            f"| stage | {head} | growth over the last 10x |", "|---|" + "---:|" * (len(sizes) + 1)]
    for name in names:
        times = [e["stages"]["statements"]["timings"].get(name, 0.0) for e in sizes]
        growth = f"{times[-1] / times[-2]:.1f}x" if len(times) > 1 and times[-2] > 0.0005 else "-"
        rows.append(f"| {name} | " + " | ".join(_ms(t) for t in times) + f" | {growth} |")
    return rows + ["", "A stage that grows more than about 11x over a 10x input is superlinear.", ""]


def write_into(path: Path, text: str) -> None:
    """Replace the text between the markers in `path` (created with just the markers if missing)."""
    current = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in current or END not in current:
        current = current.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit("run benchmarks/run.py")
