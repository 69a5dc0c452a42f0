"""Time `mailpolicy audit` and `import` on large configurations, against `postconf -n` reading the same folder.

    python benchmarks/audit_scale.py [--repeats 3]

Each case is a generated folder (main.cf + master.cf); each command runs `--repeats` times
round-robin with the baseline, and the table gives medians and the ratio to the baseline:
Postfix's own reading of the same files, measured alongside on the same (shared) machine.
Nothing here asserts a time; tests/audit/test_expand_cost.py counts the work instead.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STOCK = "smtp inet n - y - - smtpd\n"
RELAY = "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n"


def cases() -> dict[str, tuple[str, str]]:
    """Return name -> (main.cf, master.cf) for each shape issue 19 names."""
    nets = ", ".join(f"10.{i // 256}.{i % 256}.0/24" for i in range(10_000))
    domains = ", ".join(f"d{i}.example" for i in range(10_000))
    chain = "".join(f"chain{i} = $chain{i + 1}\n" for i in range(1_000)) + "chain1000 = x\nsmtpd_banner = $chain0\n"
    laughs = "".join(f"lol{i} = $lol{i + 1}$lol{i + 1}\n" for i in range(40)) + "lol40 = lol\nsmtpd_banner = $lol0\n"
    services = "".join(f"127.0.0.{i % 250 + 1}:{10000 + i} inet n - y - - smtpd\n" for i in range(1_000))
    return {
        "10,000-entry mynetworks and relay_domains": (f"mynetworks = {nets}\nrelay_domains = {domains}\n{RELAY}", STOCK),
        "1,000-long reference chain": (f"mynetworks = 127.0.0.0/8\n{RELAY}{chain}", STOCK),
        "billion laughs (40 levels)": (f"mynetworks = 127.0.0.0/8\n{RELAY}{laughs}", STOCK),
        "1,000 smtpd services": (f"mynetworks = 127.0.0.0/8\n{RELAY}", services),
    }


def _time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--case", action="append", help="run only cases whose name contains this")
    args = parser.parse_args()
    mailpolicy = str(Path(sys.executable).parent / "mailpolicy")
    print("| configuration | postconf -n (baseline) | audit | import | audit / baseline | import / baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (main_cf, master_cf) in cases().items():
        if args.case and not any(part in name for part in args.case):
            continue
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "main.cf").write_text(main_cf)
            Path(folder, "master.cf").write_text(master_cf)
            time.sleep(1.1)  # dict.c re-reads a main.cf younger than a second: let it cool down
            runs: dict[str, list[float]] = {"base": [], "audit": [], "import": []}
            for _ in range(args.repeats):
                runs["base"].append(_time(["postconf", "-n", "-c", folder]))
                runs["audit"].append(_time([mailpolicy, "audit", folder]))
                runs["import"].append(_time([mailpolicy, "import", folder]))
            base, audit, imported = (statistics.median(runs[k]) for k in ("base", "audit", "import"))
            print(f"| {name} | {base * 1000:,.0f} ms | {audit:,.2f} s | {imported:,.2f} s | "
                  f"{audit / base:,.0f}x | {imported / base:,.0f}x |", flush=True)


if __name__ == "__main__":
    main()
