"""How the safety proof scales with what a policy names: `check` at N and 10N of everything (issue 13).

The policy names N local domains, N trusted networks, N relay domains (subdomains of its own, so
MP324 has nothing to say), and N keys in each of three access tables (client cidr:, sender and
recipient inline:) in the restriction lists; the proof must stay linear in all of them. Each size
is checked as a child process (the installed `mailpolicy check`), round-robin, median of the
repeats' CPU time (user + system, from os.wait4). The target: N = 1,000 costs at most 12x N = 100.

    python benchmarks/proof_scale.py [--repeats 3] [--sizes 100,1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_RATIO = 12


def policy(n: int) -> str:
    """Return a policy naming n of each: local domains, trusted networks, relay domains, table keys."""
    domains = ", ".join(f"d{i}.example0.com" for i in range(n))
    # Private /24s: each is judged alone, and their union is not public address space (MP325).
    networks = ", ".join(f"10.{i // 256}.{i % 256}.0/24" for i in range(n))
    relays = ", ".join(f"relay{i}.example0.com" for i in range(n))
    clients = ", ".join(f"{{ 192.168.{i // 256}.{i % 256}/32 REJECT }}" for i in range(n))
    senders = ", ".join(f"s{i}@elsewhere{i % 50}.test=REJECT" for i in range(n))
    recipients = ", ".join(f"r{i}@d{i}.example0.com=REJECT" for i in range(n))
    return (f"postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com, {domains}\n"
            f"trusted networks 127.0.0.0/8, {networks}\n"
            "sasl dovecot private/auth\nrelay authenticated or trusted\nallow user jim as jim@example0.com\n"
            f"set relay_domains = {relays}\n"
            f"set smtpd_client_restrictions = check_client_access cidr:{{ {clients} }}\n"
            f"set smtpd_recipient_restrictions = check_sender_access inline:{{ {senders} }}, "
            f"check_recipient_access inline:{{ {recipients} }}\n")


def check_seconds(path: Path) -> float:
    """Return the CPU seconds (user + system) one `mailpolicy check` child took.

    CPU time, not wall time: the machine this runs on is shared, and a busy neighbour stretches
    wall time without the check doing more work.
    """
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([_mailpolicy(), "check", str(path)], stdout=subprocess.DEVNULL, stderr=errors)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"check of {path.name} failed ({child.returncode}):\n{errors.read()[-3000:].decode()}")
    return usage.ru_utime + usage.ru_stime


def _mailpolicy() -> str:
    return str(Path(sys.executable).with_name("mailpolicy"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for n in sizes:
            paths[n] = Path(folder) / f"scale-{n}.mailpolicy"
            paths[n].write_text(policy(n), encoding="utf-8")
        check_seconds(paths[sizes[0]])  # warm the bytecode
        times: dict[int, list[float]] = {n: [] for n in sizes}
        for _ in range(args.repeats):
            for n in sizes:
                times[n].append(check_seconds(paths[n]))
    medians = {n: statistics.median(t) for n, t in times.items()}
    for n in sizes:
        print(f"N = {n:>6,}: check {medians[n]:.2f} s CPU (median of {args.repeats})")
    ratio = medians[sizes[-1]] / medians[sizes[0]]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"ratio {sizes[-1]:,} / {sizes[0]:,}: {ratio:.1f}x (target <= {TARGET_RATIO}x: {verdict})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
