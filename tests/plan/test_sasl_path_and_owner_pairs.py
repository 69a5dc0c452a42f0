"""Where smtpd looks for the SASL socket, and how many owner pairs the map holds (from the mutation run).

Each case here killed a mutant that survived the rest of the suite (docs/mutation.md): a chroot
of `/` or one ending in a letter the stripping could eat, the note for an unchrooted relative
path, and the count of distinct (address, login) pairs that lets the duplicate check stop early.
"""

from __future__ import annotations

import pytest

from tests.helpers import SMALL_POLICY, compile_text

# (chroot line, sasl path) -> (codes, smtpd_sasl_path written)
SASL_CASES = [
    ("chroot /", "/private/auth", ["MP311"], "private/auth"),
    # The prefix is the chroot with its one trailing slash: a chroot ending in X keeps its X.
    ("chroot /srv/X", "/srv/X/private/auth", ["MP311"], "private/auth"),
    ("chroot /srv/X", "/srv/Xprivate/auth", ["MP310"], None),
    ("chroot off", "private/auth", ["MP313"], "private/auth"),
    ("chroot off", "/var/run/dovecot/auth-client", [], "/var/run/dovecot/auth-client"),
    ("chroot /var/spool/postfix", "public/auth", ["MP312"], None),
]


@pytest.mark.parametrize(("chroot", "path", "codes", "written"), SASL_CASES)
def test_the_sasl_path_smtpd_can_reach(tmp_path, chroot: str, path: str, codes: list[str], written) -> None:
    text = SMALL_POLICY.replace("sasl dovecot private/auth", f"sasl dovecot {path}") + chroot + "\n"
    result = compile_text(tmp_path, text)
    assert [d.code for d in result.diagnostics] == codes
    assert (result.plan.values().get("smtpd_sasl_path") if result.ok else None) == written


def test_the_map_counts_distinct_pairs_and_a_repeated_one_is_reported(tmp_path) -> None:
    repeated = ("allow user bob as jcricket@example0.com\nallow user jimminey as jcricket@example0.com\n"
                "allow user jimminey as b@example0.com\nallow user carol as jcricket@example0.com\n")
    result = compile_text(tmp_path, SMALL_POLICY + repeated)
    assert [d.code for d in result.diagnostics] == ["MP214"]
    assert (result.plan.sender_map.pairs, len(result.policy.owners)) == (4, 5)
    assert result.plan.sender_map.owners["jcricket@example0.com"] == "jimminey, bob, carol"


@pytest.mark.parametrize("lines", [
    "allow user bob as b@example0.com\n",
    "allow user bob as jcricket@example0.com\nallow user carol as jcricket@example0.com\n",
])
def test_without_a_repetition_every_pair_counts_once(tmp_path, lines: str) -> None:
    result = compile_text(tmp_path, SMALL_POLICY + lines)
    assert result.diagnostics == ()
    assert result.plan.sender_map.pairs == len(result.policy.owners) == 1 + lines.count("\n")
