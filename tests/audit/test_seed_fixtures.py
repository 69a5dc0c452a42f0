"""Each of the seed's configurations, audited: its mistake named at its line, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed"

# fixture -> every (code, file, line) the audit must report; line 0 for a finding about no line.
EXPECTED = {
    # permit_mynetworks with 0.0.0.0/0; the ::fff: typo; check_relay_domains (deprecated in 3.7).
    "open_relay": {("MP703", "main.cf", 7), ("MP302", "main.cf", 8), ("MP305", "main.cf", 8),
                   ("MP301", "main.cf", 8)},
    # smtp_ for smtpd_ twice; the login map nothing enforces as a consequence (MP317), and what that
    # lets through, any client using an owned address (MP360, at the map).
    "misspelled_parameter": {("MP317", "main.cf", 12), ("MP402", "main.cf", 13), ("MP402", "main.cf", 14),
                             ("MP360", "main.cf", 12)},
    # an absolute socket path under the chroot smtpd runs in. Like every seed configuration, no
    # login check at DATA: an anonymous client may send as an owned address to the bare postmaster.
    "absolute_sasl_path": {("MP310", "main.cf", 11), ("MP336", "main.cf", 13)},
    # reject_sender_login_mismatch (line 16) after permit_sasl_authenticated (line 15); MP360: a login
    # may then use another's address (at the map, line 12: no sender list is set).
    "misordered_restrictions": {("MP307", "main.cf", 16), ("MP336", "main.cf", 16), ("MP360", "main.cf", 12)},
    # logins without a sender login map; no master.cf in the folder (a note, not an error).
    "missing_sender_map": {("MP706", "", 0), ("MP315", "main.cf", 9)},
    "fixed": set(),
}
# The seed's server offered login before TLS on port 25 (no certificate, no smtpd_tls_auth_only),
# and so do all of its configurations that turn SASL on: MP350, a warning in an audit, at the
# smtpd_sasl_auth_enable line.
for _name, _line in (("misspelled_parameter", 9), ("absolute_sasl_path", 9), ("misordered_restrictions", 9),
                     ("missing_sender_map", 9), ("fixed", 10)):
    EXPECTED[_name] = EXPECTED[_name] | {("MP350", "main.cf", _line)}


def located(path: Path) -> set[tuple[str, str, int]]:
    audit = audit_config(path)
    return {(d.code, Path(d.span.path).name if d.span else "", d.span.line if d.span else 0)
            for d in audit.diagnostics}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_fixture_is_audited_at_its_lines(name: str):
    assert located(SEED / name) == EXPECTED[name]


def test_every_fixture_is_listed():
    assert {p.name for p in SEED.iterdir() if p.is_dir()} == set(EXPECTED)


def test_a_finding_in_a_continued_list_points_at_its_entry_line():
    audit = audit_config(SEED / "misordered_restrictions")
    shaded = next(d for d in audit.diagnostics if d.code == "MP307")
    line = (SEED / "misordered_restrictions" / "main.cf").read_text().splitlines()[shaded.span.line - 1]
    assert line[shaded.span.column - 1:shaded.span.end_column - 1] == "reject_sender_login_mismatch"
    assert any(r.span.line == 15 for r in shaded.related)  # the permit_sasl_authenticated that shades it
