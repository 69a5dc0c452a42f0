"""Mutate real main.cf files and ask the real `postconf` what Postfix reads: the oracle of the reader.

For each input, one config folder and two postconf runs: `postconf -n -c DIR` (the values as
Postfix stores them, whitespace printed normalized by pcf_print_line) and `postconf -nx -c DIR`
(expanded). The input agrees with mailpolicy when
- postconf fails (exit 1, "fatal: ...") exactly when mailpolicy finds a fatal problem: a line
  read_main_cf refuses, or a value that postconf expands (tests/fuzz/postconf_model.py, from
  postconf's source) and the Expander refuses;
- every parameter postconf prints has the same value in mailpolicy's reading, raw and expanded
  (expanded against mailpolicy's own reading, then `postconf -d` for what the file leaves out -
  postconf's defaults are this machine's, myhostname included, so the oracle uses them too);
- every parameter mailpolicy reads that Postfix knows is one postconf prints.
Postfix omits parameters it does not know ("unused parameter"), so those are not compared.

`check(data)` returns None or the disagreement, worded for a failure message; nothing here is
a hard-coded answer: every expectation comes from postconf on this machine.
"""

from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mailpolicy.audit.run import audit_config
from mailpolicy.importer.run import import_config
from mailpolicy.postfix.expand import Expander, ExpansionError
from mailpolicy.postfix.main_cf import normalized, read_main_cf
from tests.fuzz.input_cost import Costs, measure
from tests.fuzz.postconf_model import READ_ONLY, postconf_stops

ROOT = Path(__file__).resolve().parents[2]
POSTCONF = shutil.which("postconf") or "/usr/sbin/postconf"
SEED_FILES = (
    ROOT / "tests/fixtures/debian/main.cf",
    ROOT / "tests/fixtures/debian/main.cf.debian",
    ROOT / "tests/fixtures/debian/main.cf.tls",
    Path("/usr/share/postfix/main.cf.dist"),
    ROOT / "tests/fuzz/seeds/submission_main.cf",
)

# What a mutation inserts: Postfix's whitespace and what is *not* whitespace to it, comment and
# expansion syntax, bytes that are not UTF-8, and lines that make cycles, chains and fatal values.
FRAGMENTS = (
    b" ", b"\t", b"\r", b"\x0c", b"\x0b", b"\n", b"\n ", b"\n\t", b"\n#", b"\n\r", b"\n\x0c",
    b"\xc2\xa0", b"\xef\xbb\xbf", b"\xe9", b"\xff", b"\x00", b"#", b"=", b" = ", b",", b"{", b"}",
    b"$", b"$$", b"${", b"$(", b")", b"?", b":", b"$mydomain", b"$myhostname", b"${myhostname}",
    b"$(mydomain)", b"${mydomain?{x}:{y}}", b"${relay_list:none}", b"${myorigin?set}", b"$undefined_name",
    b"${{$compatibility_level} <level {3.6} ? {old} : {new}}", b"${{1} == {01} ? {num} : {text}}",
    b"${ myhostname }", b"${myhostname x}", b"${myhostname{x}}", b"\\",
)
LINES = (
    b"myhostname = mail.$mydomain\n", b"mydomain = $myhostname\n", b"myorigin = $myorigin\n",
    b"chain_a = $chain_b\nchain_b = $chain_a\nsmtpd_banner = $chain_a\n",
    b"relay_domains = $mydestination, ${relay_extra:}\n", b"  leading = whitespace\n",
    b"no equals here\n", b"= no name\n", b"smtpd_banner = $\n", b"\xef\xbb\xbfmynetworks = 0.0.0.0/0\n",
    b"mynetworks = 127.0.0.0/8\n \xc2\xa0# 0.0.0.0/0 was here\n", b"mynetworks = 10.0.0.0/8\n\r192.0.2.0/24\n",
    b"inet_interfaces = all\n", b"smtpd_recipient_restrictions = check_recipient_access inline:{ {a@b = OK} }, reject\n",
)


def seeds() -> list[bytes]:
    return [path.read_bytes() for path in SEED_FILES if path.is_file()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Return `data` with one to four random edits (insert, delete, duplicate or add a line)."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(data))
        choice = rng.random()
        if choice < 0.55:
            data = data[:at] + rng.choice(FRAGMENTS) + data[at:]
        elif choice < 0.7:
            data = data[:at] + data[at + rng.randint(1, 40):]
        elif choice < 0.85:
            line_start = data.rfind(b"\n", 0, at) + 1
            line_end = data.find(b"\n", at)
            line_end = len(data) if line_end < 0 else line_end + 1
            data = data[:line_end] + data[line_start:line_end] + data[line_end:]
        else:
            line_start = data.rfind(b"\n", 0, at) + 1
            data = data[:line_start] + rng.choice(LINES) + data[line_start:]
    return data


def inputs(seed: int, count: int) -> list[bytes]:
    """Return `count` inputs for `seed`: the seed files themselves first, then mutations."""
    rng = random.Random(seed)
    base = seeds()
    found = list(base[:count])
    while len(found) < count:
        found.append(mutate(rng.choice(base), rng))
    return found


# postconf computes myhostname's default from gethostname(); a name without a dot makes it ask
# the resolver, 1.5 s a call here. In a UTS namespace of its own the host has a dotted name and
# postconf answers in 40 ms; what it reads from main.cf is the same.
HOSTNAME = "vm.localdomain"


@functools.lru_cache(maxsize=1)
def _prefix() -> tuple[str, ...]:
    unshare = shutil.which("unshare")
    if unshare and os.geteuid() == 0:
        probe = subprocess.run([unshare, "--uts", "true"], capture_output=True)
        if probe.returncode == 0:
            return (unshare, "--uts", "sh", "-c", f'hostname {HOSTNAME} && exec "$@"', "postconf")
    return ()


def _write_cool(path: Path, data: bytes) -> None:
    """Write a file dated an hour ago: dict.c (dict_load_file_xt) re-reads a file changed in the
    last second, "pausing to let it cool down" - a second per fresh file otherwise."""
    path.write_bytes(data)
    past = time.time() - 3600
    os.utime(path, (past, past))


def _postconf(folder: str, *flags: str) -> tuple[int, dict[str, str], str]:
    # msg.c (msg_fatal) sleeps a second before exiting; once "fatal:" is printed the answer is
    # known, so the process is ended then (stdout goes to a file: no pipe to fill meanwhile).
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([*_prefix(), POSTCONF, "-c", folder, *flags], stdout=out,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        errors = []
        for line in process.stderr:
            errors.append(line)
            if b": fatal: " in line:
                process.kill()
                break
        process.stderr.close()
        status = process.wait(timeout=60)
        status = 1 if status < 0 else status
        out.seek(0)
        result = subprocess.CompletedProcess(process.args, status, out.read(), b"".join(errors))
    values = {}
    # split("\n"), not splitlines(): a form feed or vertical tab is part of a value.
    for line in result.stdout.decode("utf-8", "surrogateescape").split("\n")[:-1]:
        name, _, value = line.partition(" =")
        values[name] = value[1:] if value.startswith(" ") else value
    values.pop("config_directory", None)
    return result.returncode, values, result.stderr.decode("utf-8", "surrogateescape")


MASTER_CF = (ROOT / "tests/fuzz/seeds/submission_master.cf").read_bytes()


@functools.lru_cache(maxsize=1)
def defaults() -> dict[str, str]:
    """Return `postconf -d` of this machine: every parameter Postfix knows, with its raw default.

    With the oracle's master.cf, so the per-service parameters of its services are known too.
    """
    with tempfile.TemporaryDirectory() as folder:
        _write_cool(Path(folder, "main.cf"), b"")
        _write_cool(Path(folder, "master.cf"), MASTER_CF)
        _, values, _ = _postconf(folder, "-d")
    return values


def ours(data: bytes) -> tuple[bool, dict[str, str], str]:
    """Return (fatal, parameters, why) as mailpolicy reads main.cf `data`."""
    main_cf = read_main_cf(data.decode("utf-8", "surrogateescape"), "main.cf")
    fatal = [p for p in main_cf.problems if p.fatal]
    values = {name: d.value for name, d in main_cf.parameters.items()}
    return bool(fatal), values, fatal[0].message if fatal else ""


COUNTS = {"postconf_fatal": 0}
COSTS = Costs()  # what each input costs mailpolicy (tests/fuzz/input_cost.py)


def check(data: bytes, with_commands: bool = True) -> str | None:
    """Return None when mailpolicy reads `data` as Postfix does, else what differs."""
    with tempfile.TemporaryDirectory() as folder:
        _write_cool(Path(folder, "main.cf"), data)
        _write_cool(Path(folder, "master.cf"), MASTER_CF)
        status, theirs, stderr = _postconf(folder, "-n")
        x_status, expanded, _ = _postconf(folder, "-nx")
        COUNTS["postconf_fatal"] += status != 0 or x_status != 0
        if with_commands:
            # audit and import read the same folder: any exception from them is an internal error.
            _, cost = measure(lambda: (audit_config(folder), import_config(folder)))
            COSTS.add_commands(data, cost)
    verdict, cost = measure(lambda: _compare(data, status, theirs, stderr, x_status, expanded, folder))
    COSTS.add_reading(data, cost)
    return verdict


# postconf's fatal errors about reading main.cf and expanding values: what this oracle judges.
_READING_FATALS = ("attribute name", "macro processing error", "line must not start")


def _compare(data: bytes, status: int, theirs: dict[str, str], stderr: str, x_status: int,
             expanded: dict[str, str], folder: str) -> str | None:
    fatal, mine, why = ours(data)
    # postconf -c DIR sets config_directory to DIR unless main.cf sets it (measured: `postconf -c
    # DIR -nx` expands $config_directory to DIR, or to main.cf's own value when it has one).
    known = {**defaults(), "config_directory": folder}
    if fatal:
        return None if status != 0 else f"mailpolicy refuses ({why}) what postconf reads"
    lookup = _lookup(mine, known)
    if (status != 0 or x_status != 0) and not any(why in stderr for why in _READING_FATALS):
        COUNTS["out_of_scope"] = COUNTS.get("out_of_scope", 0) + 1
        return None  # fatal for what a value means (inet_interfaces = a: "host not found"), not for reading
    stops = postconf_stops(mine, known, lookup)
    if status != 0 or x_status != 0:
        # Postfix's fatal errors past reading: a value it expands and cannot.
        if stops:
            return None
        return f"postconf fails ({stderr.strip().splitlines()[-1:]}) where mailpolicy reads and expands every value"
    if stops:
        return f"postconf reads what mailpolicy expects it to stop at ({stops})"
    for name, value in theirs.items():
        if normalized(mine.get(name, "")) != value or name not in mine:
            return f"{name}: postconf reads {value!r}, mailpolicy {mine.get(name)!r}"
    for name in mine:
        # config_directory: postconf's, not compared; a read-only one postconf deletes with a
        # warning (postconf_user.c), as every Postfix program ignores it.
        if name in defaults() and name not in theirs and name not in READ_ONLY:
            return f"{name}: mailpolicy reads {mine[name]!r}, postconf -n does not print it"
    looked_up: set[str] = set()

    def recording(name: str) -> str | None:
        looked_up.add(name)
        return lookup(name)

    for name, value in expanded.items():
        looked_up.clear()
        try:
            got = normalized(Expander(recording).expand(mine[name]))
        except ExpansionError as error:
            return f"{name}: postconf -x expands to {value!r}, mailpolicy refuses: {error}"
        if got != value and "process_id" not in looked_up:  # postconf's own pid, even via another name
            return f"{name}: postconf -x expands to {value!r}, mailpolicy to {got!r}"
    return None


def _lookup(mine: dict[str, str], known: dict[str, str]):
    """Look names up as Postfix does: main.cf, else the default; mydomain's default is computed.

    mail_params.c / postconf_builtin.c: mydomain's default is what follows the first dot of
    myhostname, evaluated while mydomain is still unset (so `myhostname = mail.$mydomain` gives
    "mail." and mydomain "" - measured with postconf -x).
    """
    def lookup(name: str) -> str | None:
        if name in mine:
            return mine[name]
        if name == "mydomain" and "myhostname" in mine:
            try:
                host = Expander(lambda n: None if n == "mydomain" else lookup(n)).expand(mine["myhostname"])
            except ExpansionError:
                return ""
            return host.partition(".")[2] if "." in host else "localdomain"
        return known.get(name)
    return lookup


def run(seed: int, count: int, commands_every: int = 1, progress: int = 0, slowest: Path | None = None) -> dict:
    """Check `count` inputs of `seed`; return counts, costs, the disagreements and the inputs over the
    time limit (tests/fuzz/input_cost.py: CPU seconds of the reading, and of audit + import).

    audit and import also run on every `commands_every`-th input (they cost more than the reading).
    `slowest`: a folder the costliest inputs are written to at each progress line and at the end.
    """
    found: dict = {"seed": seed, "inputs": 0, "disagreements": [], "internal_errors": [], "postconf_fatal": 0}
    for index, data in enumerate(inputs(seed, count)):
        try:
            problem = check(data, with_commands=index % commands_every == 0)
        except Exception as error:  # noqa: BLE001 - an internal error is what the fuzz is looking for
            found["internal_errors"].append((data, repr(error)))
            problem = None
        found["inputs"] += 1
        if problem is not None:
            found["disagreements"].append((data, problem))
        found.update(COSTS.summary(), postconf_fatal=COUNTS["postconf_fatal"], over_limit=list(COSTS.over_limit))
        if progress and found["inputs"] % progress == 0:
            print(_counted(found), flush=True)
            if slowest:
                COSTS.write_slowest(slowest, MASTER_CF)
            for data, problem in _failures(found)[-3:]:
                print("  ", problem, data[:200], flush=True)
    return found


def _counted(found: dict) -> dict:
    return {key: (len(value) if isinstance(value, list) else value) for key, value in found.items()}


def _failures(found: dict) -> list[tuple[bytes, str]]:
    return found["disagreements"] + found["internal_errors"] + found["over_limit"]


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("commands_every", type=int, nargs="?", default=1, help="audit + import on every Nth input")
    parser.add_argument("progress", type=int, nargs="?", default=250, help="print the counts every N inputs")
    parser.add_argument("--slowest", type=Path, help="write the 50 costliest inputs here (tests/fuzz/retime.py)")
    args = parser.parse_args(argv)
    result = run(args.seed, args.count, args.commands_every, progress=args.progress, slowest=args.slowest)
    print(_counted(result), flush=True)
    for data, problem in _failures(result)[:20]:
        print(problem, "\n   ", data[:300])
    if args.slowest:
        COSTS.write_slowest(args.slowest, MASTER_CF)
    return 1 if _failures(result) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
