"""Print a verification as a table: one row per expect line, the server's own words in it."""

from __future__ import annotations

from mailpolicy.emit.provenance import Provenance
from mailpolicy.model.policy import Policy
from mailpolicy.verify.runner import Outcome, Verification

HEADER = ("result", "expected", "got", "where", "server reply", "policy line")


def render_table(verification: Verification, policy: Policy, top_path: str, versions: str) -> str:
    """Return the report: what ran where, the table, the log if the server died, and a summary."""
    provenance = Provenance(top_path)
    rows = [HEADER] + [_row(o, policy, provenance) for o in verification.outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = [
        f"verify {provenance.top_name}: a real {versions} on loopback (sandbox)",
        *verification.inputs.notes,
        *_probe_lines(verification),
        "",
    ]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    if verification.log_excerpt:
        lines += ["", "the server stopped answering; its log says:"]
        lines += [f"  {line}" for line in verification.log_excerpt.splitlines()]
    lines += ["", summary(verification)]
    return "\n".join(lines) + "\n"


def summary(verification: Verification) -> str:
    """Return the one-line verdict of a verification."""
    total = len(verification.outcomes)
    wrong = sum(1 for o in verification.outcomes if not o.confirmed)
    noun = "expectation" if total == 1 else "expectations"
    if verification.outcomes and any(o.service for o in verification.outcomes):
        noun = "checks of expect lines on their services" if total != 1 else "check of an expect line on its service"
    leaky = [p.service for p in verification.probes if not p.ok]
    if leaky:
        return (f"{wrong} of {total} {noun} NOT confirmed, and AUTH before TLS (or no session) on "
                f"{', '.join(leaky)}: NOT confirmed by the live server")
    if not wrong:
        return f"all {total} {noun} confirmed by the live server"
    return f"{wrong} of {total} {noun} NOT confirmed by the live server"


def _probe_lines(verification: Verification) -> list[str]:
    """Return one line saying what each stated service offered before TLS, when there are services."""
    if not verification.probes:
        return []
    return ["before login: " + "; ".join(
        probe.describe() + ("" if probe.ok else f" - NOT OK: {probe.reply}") for probe in verification.probes)]


def reply_text(outcome: Outcome) -> str:
    """Return the SMTP stage and the server's reply, e.g. `RCPT 554 5.7.1 ...: Relay access denied`."""
    attempt = outcome.attempt
    if attempt is None:
        return "(not sent: the server had stopped answering)"
    reply = " / ".join(part.strip() for part in attempt.reply.splitlines())
    code = f"{attempt.code} " if attempt.code else ""
    return f"{attempt.stage.upper()} {code}{reply}"


def _row(outcome: Outcome, policy: Policy, provenance: Provenance) -> tuple[str, ...]:
    span = outcome.expectation.span
    source = policy.source(span.path)
    text = (source.line_text(span.line) or "").strip() if source else ""
    result = "ok" if outcome.confirmed else "MISMATCH"
    where = provenance.cite(span) + (f" on {outcome.service}" if outcome.service else "")
    return (result, outcome.expected, outcome.got, where, reply_text(outcome), text)
