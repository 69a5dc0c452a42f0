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
    if not wrong:
        return f"all {total} {noun} confirmed by the live server"
    return f"{wrong} of {total} {noun} NOT confirmed by the live server"


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
    return (result, outcome.expected, outcome.got, provenance.cite(span), reply_text(outcome), text)
