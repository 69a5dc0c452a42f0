"""Boot each real-world configuration and its compiled import, send both the same scenarios, compare.

Per configuration (tests/corpus/realworld/<project>/): `mailpolicy import` the folder, `mailpolicy
compile` the policy (`--base-master` the original master.cf, so services the policy states merge
into it), then boot two sandboxes one after the other, each once:

- original: the folder's main.cf, and its public smtpd services from master.cf;
- import: the compiled main.cf alone (every parameter the import kept is in it; one it dropped
  gets Postfix's default, as on a server the compiled file replaced), and the smtpd services of the
  compiled master.cf if the policy states services, else of the original master.cf, which the
  import leaves as it is (its MP709 warnings say so for each override it does not take over).

Both go through the same stand-ins (standins.py) and get every scenario (scenarios.py) on every
public service (25, submission, submissions; a postscreen on 25 runs as the configuration has it,
in front of its `smtpd pass` service). The verdict of a session is the stage it stopped at
and the class of the reply there (2xx at every stage: accepted); two sides decide alike on a
scenario when the verdicts are equal.

    python -m tests.corpus.live.run [PROJECT...]           print the comparison
    python -m tests.corpus.live.run --write [PROJECT...]   rewrite live.ref files and docs/audit.md's table
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import attrs
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.postfix.master_cf import MasterCf, read_master_cf
from mailpolicy.postfix.service_kinds import INBOUND, KINDS, port_kind
from mailpolicy.sandbox import Sandbox
from mailpolicy.sandbox.client import Attempt

from .policy import DunnoPolicyService
from .scenarios import Scenario, scenarios
from .standins import Replacer, StandIns, read_standins

CORPUS = Path(__file__).resolve().parents[1] / "realworld"
TLS_HOSTNAME = "mail.example0.com"
SESSION_TIMEOUT = 20.0


# The difference the language makes on purpose, announced by a located import warning (docs/audit.md
# "live-differences"). FORGERY_REFUSED: the import's sender guard (reject_sender_login_mismatch, alone in
# smtpd_sender_restrictions and smtpd_data_restrictions: docs/language.md "allow user") refuses a sender
# that is not the client's own, where the original accepted it or answered otherwise; the import never
# accepts there, so it is stricter. (Logins on port 25, the other one until the import wrote
# `service inbound without logins`, is gone: port 25 answers AUTH with 503 on both sides.)
FORGERY_REFUSED = "forgery refused"
_GUARD_REPLIES = ("Sender address rejected: not logged in", "Sender address rejected: not owned by user")


@attrs.frozen
class Row:
    service: str
    scenario: Scenario
    original: Attempt
    imported: Attempt

    @property
    def same(self) -> bool:
        return verdict_class(self.original) == verdict_class(self.imported)

    @property
    def on_purpose(self) -> str | None:
        """Which difference the language makes on purpose this one is, or None (the same, or another difference)."""
        if self.same:
            return None
        imported = self.imported
        if not imported.accepted and imported.code == 553 and any(r in imported.reply for r in _GUARD_REPLIES):
            return FORGERY_REFUSED
        return None


@attrs.frozen
class Comparison:
    project: str
    compiled: bool
    rows: tuple[Row, ...]

    @property
    def differences(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.same)

    def on_purpose(self, kind: str) -> int:
        """How many sessions differ in this way the language makes on purpose."""
        return sum(1 for row in self.rows if row.on_purpose == kind)


def verdict_class(attempt: Attempt) -> str:
    """The stage a session stopped at and its reply's class: `accepted`, `rcpt 5xx`, `auth 5xx`, `mail no reply`."""
    if attempt.accepted:
        return "accepted"
    return f"{attempt.stage} {attempt.code // 100}xx" if attempt.code else f"{attempt.stage} no reply"


def verdict(attempt: Attempt) -> str:
    """The verdict with the reply's code, as the reference file shows it."""
    if attempt.accepted or not attempt.code:
        return verdict_class(attempt)
    return f"{attempt.stage} {attempt.code}"


def public_services(master: MasterCf, replacer: Replacer) -> tuple[list[tuple[str, list[tuple[str, str]]]],
                                                                   list[tuple[str, str]] | None]:
    """The (kind, overrides) of each smtpd on 25, submission or submissions, first of each kind, stand-ins applied.

    A postscreen on 25 is booted as it is: the second value is its own overrides (None: no postscreen),
    and port 25's overrides are those of the `smtpd pass` service it hands clients to.
    """
    passed = next((s for s in master.services if s.type == "pass" and s.command == "smtpd"), None)
    found: dict[str, list[tuple[str, str]]] = {}
    screen = None
    for service in master.services:
        kind = port_kind(service.name) if service.type == "inet" else None
        if kind is None or kind in found:
            continue
        if service.command == "postscreen" and passed is not None and kind == INBOUND:
            # postscreen screens the client, then hands the connection to the `smtpd pass` service.
            screen = [(o.name, replacer.value(o.name, o.value)) for o in service.overrides]
            service = passed
        elif not service.is_smtpd:
            continue
        found[kind] = [(o.name, replacer.value(o.name, o.value)) for o in service.overrides]
    # The sandbox puts postscreen in front of its first service: port 25 is KINDS' first.
    return [(kind, found[kind]) for kind in KINDS if kind in found], screen


def _invoke(*args: str):
    return CliRunner().invoke(cli, ["--color", "never", *args], catch_exceptions=False)


def compile_import(project: str, scratch: Path) -> Path | None:
    """Import the configuration and compile the policy into scratch/build; None when it does not compile."""
    folder = CORPUS / project
    imported = _invoke("import", str(folder))
    policy = scratch / f"{project}.mailpolicy"
    policy.write_text(imported.stdout, encoding="utf-8")
    build = scratch / "build"
    compiled = _invoke("compile", str(policy), "-o", str(build), "--base-master", str(folder / "master.cf"))
    return build if compiled.exit_code == 0 else None


def _sessions(main_cf: str, services, screen, standins: StandIns, plan: list[Scenario]) -> list[Attempt]:
    """Boot one side once (with postscreen on 25 when `screen` is not None) and send it every scenario on every service."""
    attempts: list[Attempt] = []
    with Sandbox(main_cf, logins=standins.logins, chroot=False, services=services,
                 tls_hostname=TLS_HOSTNAME, postscreen=screen) as box:
        for kind, _ in services:
            tls = "implicit" if KINDS[kind].implicit_tls else "starttls"
            for number, s in enumerate(plan):
                attempt = box.try_send(s.source, s.login, s.password, s.mail_from, s.rcpt_to,
                                       timeout=SESSION_TIMEOUT, service=kind, tls=tls, data=True)
                attempts.append(attempt)
                if attempt.stage == "connect" and not attempt.code:
                    # An smtpd that dies before its greeting gets master's 60 s throttle: every
                    # later session on this service would time out the same way.
                    attempts.extend([attempt] * (len(plan) - number - 1))
                    break
        if screen is not None and "postfix/postscreen" not in box.wait_log("postfix/postscreen"):
            raise AssertionError("postscreen was to screen port 25 but never logged a client")
    return attempts


def compare(project: str) -> Comparison:
    """Boot the original and the compiled import of one configuration and compare their verdicts."""
    folder = CORPUS / project
    standins = read_standins(folder / "STANDINS")
    plan = scenarios(standins)
    # Under /tmp and 0755: user postfix reads the stand-in files.
    scratch = Path(tempfile.mkdtemp(prefix="mailpolicy-live-", dir="/tmp"))
    os.chmod(scratch, 0o755)
    try:
        build = compile_import(project, scratch)
        if build is None:
            return Comparison(project, False, ())
        with DunnoPolicyService() as policy:
            replacer = Replacer(standins, scratch / "standins", policy.port)
            master_path = folder / "master.cf"
            original_master = read_master_cf(master_path.read_text(encoding="utf-8"), str(master_path))
            compiled_master_path = build / "master.cf"
            import_master = (read_master_cf(compiled_master_path.read_text(encoding="utf-8"), str(compiled_master_path))
                             if compiled_master_path.is_file() else original_master)
            sides = [
                (replacer.main_cf((folder / "main.cf").read_text(encoding="utf-8")),
                 *public_services(original_master, replacer)),
                (replacer.main_cf((build / "main.cf").read_text(encoding="utf-8")),
                 *public_services(import_master, replacer)),
            ]
            replacer.write_files()
            original, imported = (_sessions(main_cf, services, screen, standins, plan)
                                  for main_cf, services, screen in sides)
            labels = [kind for kind, _ in sides[0][1] for _ in plan]
            import_labels = [kind for kind, _ in sides[1][1] for _ in plan]
            if labels != import_labels:
                raise AssertionError(f"{project}: the import has services {import_labels}, the original {labels}")
            rows = tuple(Row(kind, scenario, before, after) for kind, scenario, before, after
                         in zip(labels, plan * len(sides[0][1]), original, imported))
        return Comparison(project, True, rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def reference(comparison: Comparison) -> str:
    """The live.ref text: one line per service and scenario, both verdicts, and whether they agree."""
    if not comparison.compiled:
        return "the import does not compile: nothing to compare\n"
    lines = []
    for row in comparison.rows:
        mark = "same" if row.same else f"DIFFERS ({row.on_purpose})" if row.on_purpose else "DIFFERS"
        lines.append(f"{row.service:<12} {row.scenario.name:<32} original {verdict(row.original):<14} "
                     f"import {verdict(row.imported):<14} {mark}")
    return "\n".join(lines) + "\n"


PROJECTS = sorted(p.name for p in CORPUS.iterdir() if (p / "main.cf").is_file())
AUDIT_DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"
TABLE_IN_DOC = re.compile(r"(<!-- live-table -->\n)(.*?)(<!-- /live-table -->)", re.S)


def decides_like(comparison: Comparison) -> str:
    """The table's last column: `yes`, `yes, but ...` (only differences made on purpose), `no (...)`, or why not compared."""
    if not comparison.compiled:
        return "not compared: the import does not compile"
    differing = len(comparison.differences)
    if not differing:
        return "yes"
    other = differing - comparison.on_purpose(FORGERY_REFUSED)
    if not other:
        return "no, only on purpose"
    return f"no ({other} of {len(comparison.rows)} sessions differ otherwise)"


def table(comparisons: list[Comparison]) -> str:
    """The Markdown table docs/audit.md shows between its live-table markers, with its summary line."""
    head = (f"| configuration | services compared | sessions per side | same verdict | {FORGERY_REFUSED} "
            "| other differences | decides like the original (live) |\n"
            "|---|---|---|---|---|---|---|\n")
    rows = []
    for c in comparisons:
        services = ", ".join(dict.fromkeys(row.service for row in c.rows)) or "-"
        same = len(c.rows) - len(c.differences)
        refused = c.on_purpose(FORGERY_REFUSED)
        other = len(c.differences) - refused
        rows.append(f"| {c.project} | {services} | {len(c.rows)} | {same} | {refused} | {other} "
                    f"| {decides_like(c)} |\n")
    compared = [c for c in comparisons if c.compiled]
    strict = sum(1 for c in compared if not c.differences)
    purpose = sum(1 for c in compared if decides_like(c) == "no, only on purpose")
    summary = (f"\n{len(compared)} of {len(comparisons)} imports compile; {strict} of them decide exactly like the "
               f"original, and {purpose} more differ only where the language differs on purpose.\n")
    return head + "".join(rows) + summary


def main(argv: list[str]) -> None:
    write = "--write" in argv
    projects = [a for a in argv if not a.startswith("--")] or PROJECTS
    comparisons = []
    for project in projects:
        result = compare(project)
        comparisons.append(result)
        text = reference(result)
        if write:
            (CORPUS / project / "live.ref").write_text(text, encoding="utf-8")
        print(f"== {project}\n{text}", end="")
    print(table(comparisons), end="")
    if write and projects == PROJECTS:
        doc = AUDIT_DOC.read_text(encoding="utf-8")
        AUDIT_DOC.write_text(TABLE_IN_DOC.sub(lambda m: m.group(1) + table(comparisons) + m.group(3), doc),
                             encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
