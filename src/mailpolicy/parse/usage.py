"""How each statement is written: the hint a syntax error shows for the statement it broke."""

from __future__ import annotations

# Keyed by the words that begin the statement; the longest matching key wins.
USAGE: dict[str, str] = {
    "postfix": "postfix VERSION            e.g. postfix 3.7",
    "hostname": "hostname FQDN              e.g. hostname mx.example0.com",
    "local domains": "local domains DOMAIN[, DOMAIN...]",
    "trusted networks": "trusted networks NETWORK[, NETWORK...]   e.g. trusted networks 127.0.0.0/8, [::1]/128",
    "sasl": "sasl dovecot SOCKET   or   sasl cyrus [NAME]   e.g. sasl dovecot private/auth",
    "chroot": "chroot /var/spool/postfix   or   chroot off",
    "relay": "relay only authenticated | relay only trusted | relay authenticated or trusted | relay nobody",
    "sender map": "sender map TYPE:/absolute/path   e.g. sender map hash:/etc/postfix/controlled_envelope_senders",
    "allow user": "allow user LOGIN as ADDRESS[, ADDRESS...]   e.g. allow user jimminey as jcricket@example0.com",
    "allow users": 'allow users from "owners.tsv"',
    "set": "set [privileged] PARAMETER = VALUE      e.g. set smtpd_tls_security_level = may",
    "include": 'include "other.mailpolicy"',
    "expect": "expect accept|reject anonymous|trusted|user LOGIN sending as ADDRESS to ADDRESS",
}

STATEMENT_WORDS = sorted({key.split()[0] for key in USAGE})


def usage_for(line: str) -> str | None:
    """Return how the statement that `line` begins is written, if its first words name one."""
    words = line.split()
    for size in (2, 1):
        key = " ".join(words[:size])
        if key in USAGE:
            return USAGE[key]
    return None


def closest_statement(word: str) -> str | None:
    """Return the statement keyword a mistyped first word most likely meant."""
    import difflib  # only a misspelled statement needs it; start-up does not

    match = difflib.get_close_matches(word.lower(), STATEMENT_WORDS, n=1, cutoff=0.6)
    return match[0] if match else None
