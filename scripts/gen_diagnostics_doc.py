"""Write docs/diagnostics.md from the diagnostic catalogue (run after adding a code)."""

from __future__ import annotations

import sys
from pathlib import Path

from mailpolicy.diagnostics.catalogue import CATALOGUE

SECTIONS = {
    "1": "Reading input", "2": "Values and statements", "3": "Safety", "4": "main.cf parameters",
    "5": "Expectations", "6": "Writing outputs", "7": "Auditing and importing an existing configuration",
}


def render() -> str:
    """Return the page: one table per range of codes."""
    lines = [
        "# Diagnostics",
        "",
        "Every diagnostic mailpolicy reports has a stable code. Text output reads",
        "`FILE:LINE:COL: severity[CODE]: message`, then the line with a caret and a hint;",
        "`--format json` gives the same fields (`code`, `severity`, `message`, `location`, `hint`, `related`).",
        "Errors fail the command (exit 1); warnings do too with `-W`; notes never do.",
        "",
        "This page is generated from `src/mailpolicy/diagnostics/catalogue.py` by",
        "`python scripts/gen_diagnostics_doc.py`; a test keeps the two in step.",
    ]
    current = None
    for code in sorted(CATALOGUE):
        entry = CATALOGUE[code]
        section = code[2]
        if section != current:
            current = section
            lines += ["", f"## MP{section}xx: {SECTIONS.get(section, 'Other')}", "",
                      "| code | name | severity | meaning |", "|---|---|---|---|"]
        lines.append(f"| {entry.code} | `{entry.slug}` | {entry.severity.value} | {entry.summary} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md"
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
