"""The statements of the language, each declared once: what every stage needs to know about it.

The grammar (grammar/mailpolicy.lark) says how a statement is written; this table says the rest:
the words that begin it, the usage line a syntax error shows, its canonical text (`mailpolicy
fmt`), whether it may appear only once, the main.cf parameters it manages (a `set` of one is
refused, MP406, and names the statement to use instead), and which main.cf parameters `mailpolicy
import` reads to write it back (or why import never writes it). Parse, fmt, the model builder,
the plan, the managed-settings check and import read it from here;
`tests/parse/test_registry.py` checks every entry against the grammar, the golden cases and
an import.
"""

from __future__ import annotations

from typing import Callable

from mailpolicy.frozen import frozen
from mailpolicy.parse import statements as st
from mailpolicy.parse.spelling import quote, render_set, word, words


@frozen
class StatementKind:
    """One statement of the language."""

    rule: str                        # its rule in the grammar (its syntax tree class: the rule in CamelCase)
    keyword: str                     # the words that begin it, as the grammar spells them
    usage: str                       # how it is written, shown with a syntax error on its line
    render: Callable[[st.Statement], str]  # its canonical text
    once: bool = False               # a second one is an error (MP203) pointing at both
    manages: tuple[str, ...] = ()    # the main.cf parameters it decides (a `set` of one is refused)
    named: str = ""                  # how a hint names it, when not by its keyword
    imported_from: tuple[str, ...] = ()  # the main.cf parameters `import` reads to write it
    not_imported: str = ""           # or why `import` never writes it

    @property
    def name(self) -> str:
        return self.named or self.keyword

    @property
    def class_name(self) -> str:
        """The name of the syntax tree class the parser builds for it (parse/statements.py)."""
        return self.rule.title().replace("_", "")

    @property
    def syntax(self) -> type:
        """The syntax tree class the parser builds for it, made now if no statement of it was yet."""
        return getattr(st, self.class_name)


def _optional_only(statement) -> str:
    return "only " if statement.only else ""


def _client(client: st.Client) -> str:
    return f"user {word(client.login)}" if client.kind is st.ClientKind.USER else client.kind.value


def _sender_check(check: st.SenderCheck) -> str:
    if check.list_domain is None:
        return check.kind.value
    return f"listed by {word(check.list_domain)}" + (f"={word(check.reply_filter)}" if check.reply_filter else "")


def _refuse_senders(s: st.RefuseSenders) -> str:
    return ("refuse senders " + ", ".join(_sender_check(c) for c in s.checks)
            + (f", unless {s.unless.value}" if s.unless else "") + (", before ownership" if s.first else "")
            + (f" on {word(s.service)}" if s.service else ""))


_PGSQL_NOT_IMPORTED = "import does not read pgsql_table files yet: a pgsql: map stays a `set` line"


def _from_database(rule: str, keyword: str, example: str) -> StatementKind:
    """A `KIND from DATABASE table TABLE` statement (model/database.py)."""
    return StatementKind(
        rule, keyword, f"{keyword} DATABASE table TABLE   e.g. {keyword} maildb table {example}",
        lambda s: f"{keyword} {word(s.database)} table {word(s.table)}", not_imported=_PGSQL_NOT_IMPORTED)


# The order of the language reference (docs/language.md); MANAGED keeps it.
STATEMENTS: tuple[StatementKind, ...] = (
    StatementKind(
        "postfix_version", "postfix",
        "postfix VERSION            e.g. postfix 3.7",
        lambda s: f"postfix {word(s.version)}",
        once=True, manages=("compatibility_level",), named="postfix VERSION",
        imported_from=("compatibility_level",)),
    StatementKind(
        "hostname", "hostname",
        "hostname FQDN              e.g. hostname mx.example0.com",
        lambda s: f"hostname {word(s.name)}",
        once=True, manages=("myhostname",), imported_from=("myhostname",)),
    StatementKind(
        "local_domains", "local domains",
        "local domains DOMAIN[, DOMAIN...]",
        lambda s: f"local domains {_optional_only(s)}{words(s.domains)}",
        manages=("mydestination",), imported_from=("mydestination",)),
    StatementKind(
        "trusted_networks", "trusted networks",
        "trusted networks NETWORK[, NETWORK...]   e.g. trusted networks 127.0.0.0/8, [::1]/128",
        lambda s: f"trusted networks {_optional_only(s)}{words(s.networks)}",
        manages=("mynetworks",), imported_from=("mynetworks",)),
    StatementKind(
        "sasl", "sasl",
        "sasl dovecot SOCKET   or   sasl cyrus [NAME]   e.g. sasl dovecot private/auth",
        lambda s: f"sasl {word(s.kind)}" + (f" {word(s.path)}" if s.path else ""),
        once=True, manages=("smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path"),
        imported_from=("smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path")),
    StatementKind(
        "chroot", "chroot",
        "chroot /var/spool/postfix   or   chroot off",
        lambda s: f"chroot {word(s.path)}",
        once=True, imported_from=("master.cf: the chroot field of the smtpd service",)),
    StatementKind(
        "sender_map", "sender map",
        "sender map TYPE:/absolute/path   e.g. sender map hash:/etc/postfix/controlled_envelope_senders",
        lambda s: f"sender map {word(s.map)}",
        once=True, manages=("smtpd_sender_login_maps",), imported_from=("smtpd_sender_login_maps",)),
    StatementKind(
        "allow_user", "allow user",
        "allow user LOGIN as ADDRESS[, ADDRESS...]   e.g. allow user jimminey as jcricket@example0.com",
        lambda s: f"allow user {word(s.login)} as {words(s.addresses)}",
        manages=("smtpd_sender_login_maps", "smtpd_sender_restrictions", "smtpd_data_restrictions"),
        imported_from=("smtpd_sender_login_maps",)),
    StatementKind(
        "allow_users_from", "allow users from",
        'allow users from "owners.tsv"',
        # File names are always quoted, as the documentation writes them.
        lambda s: f"allow users from {quote(s.path.text)}",
        not_imported="import writes the login map's entries as `allow user` lines"),
    StatementKind(
        "refuse_senders", "refuse senders",
        "refuse senders CHECK[, CHECK...] [, unless authenticated|trusted|authenticated or trusted | , before ownership]"
        " [on SERVICE]"
        "   CHECK: not fully qualified | with unknown domain | listed by DOMAIN[=ADDRESSES] | not listed here",
        _refuse_senders,
        manages=("smtpd_sender_restrictions",),
        imported_from=("smtpd_sender_restrictions",)),
    StatementKind(
        "allow_forgery", "allow forged senders",
        "allow forged senders from anonymous clients|any client [on SERVICE]",
        lambda s: f"allow forged senders from {s.forgers.value}" + (f" on {word(s.service)}" if s.service else ""),
        manages=("smtpd_sender_restrictions", "smtpd_data_restrictions"),
        imported_from=("smtpd_sender_restrictions", "smtpd_data_restrictions")),
    StatementKind(
        "relay", "relay",
        "relay only authenticated | relay only trusted | relay authenticated or trusted | relay nobody"
        "   [, others try later]",
        lambda s: f"relay {s.mode.value}" + (", others try later" if s.later else ""),
        manages=("smtpd_relay_restrictions",), imported_from=("smtpd_relay_restrictions",)),
    # The TLS and listener parameters these two decide are managed only when a policy states one
    # of them (MP355, analyze/service_checks.py): a policy without them keeps `set smtpd_tls_...`.
    StatementKind(
        "tls", "tls",
        "tls certificate CERT.pem key KEY.pem [chain CHAIN.pem]   e.g. tls certificate /etc/ssl/mail.pem key /etc/ssl/private/mail.key",
        lambda s: (f"tls certificate {word(s.certificate)} key {word(s.key)}"
                   + (f" chain {word(s.chain)}" if s.chain else "")),
        once=True, imported_from=("smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_chain_files")),
    StatementKind(
        "service", "service",
        "service inbound|submission|submissions [without logins] [on ADDRESS[, ADDRESS...]]   e.g. service submission",
        lambda s: (f"service {word(s.kind)}" + (" without logins" if s.without_logins else "")
                   + (f" on {words(s.addresses)}" if s.addresses else "")),
        imported_from=("master.cf: smtpd services on ports 25, 587 and 465 with the -o the kind writes",)),
    # Hosting (model/hosted.py, plan/hosted.py). They manage no parameter for every policy: a
    # `set` of one they write is refused only when the statement is used (MP374), so an existing
    # `set relay_domains` or `set virtual_alias_maps` keeps compiling as before.
    StatementKind(
        "hosted_domains", "hosted domains",
        "hosted domains DOMAIN[, DOMAIN...]   e.g. hosted domains example1.com",
        lambda s: f"hosted domains {words(s.domains)}",
        imported_from=("virtual_mailbox_domains", "virtual_mailbox_maps")),
    StatementKind(
        "mailboxes", "mailboxes",
        "mailboxes ADDRESS[, ADDRESS...]   e.g. mailboxes alice@example1.com, bob@example1.com",
        lambda s: f"mailboxes {words(s.addresses)}",
        imported_from=("virtual_mailbox_maps", "relay_recipient_maps")),
    StatementKind(
        "alias", "alias",
        "alias ADDRESS to ADDRESS[, ADDRESS...]   e.g. alias info@example1.com to alice@example1.com",
        lambda s: f"alias {word(s.address)} to {words(s.targets)}",
        imported_from=("virtual_alias_maps",)),
    StatementKind(
        "deliver_lmtp", "deliver to lmtp",
        "deliver to lmtp SOCKET   e.g. deliver to lmtp private/dovecot-lmtp",
        lambda s: f"deliver to lmtp {word(s.socket)}",
        once=True, imported_from=("virtual_transport",)),
    StatementKind(
        "backup_mx", "backup mx for",
        "backup mx for DOMAIN[, DOMAIN...]   e.g. backup mx for example2.net",
        lambda s: f"backup mx for {words(s.domains)}",
        imported_from=("relay_domains", "relay_recipient_maps")),
    # PostgreSQL (model/database.py, plan/database.py).
    StatementKind(
        "database", "database",
        'database NAME postgresql://USER@HOST[:PORT]/DBNAME password "FILE"   '
        'e.g. database maildb postgresql://postfix@127.0.0.1/mail password "maildb.password"',
        lambda s: f"database {word(s.name)} {word(s.url)} password {quote(s.password.text)}",
        not_imported=_PGSQL_NOT_IMPORTED),
    _from_database("owners_from", "owners from", "sender_owners"),
    # A login map the site maintains (analyze/database.py): after `owners from`, so the usage hint
    # of a broken `owners from ...` line is the database form's (parse/usage.py: first wins).
    StatementKind(
        "owners_map", "owners from map",
        "owners from map [proxy:]TYPE:/absolute/path (or a socketmap:/tcp: service)   e.g. owners from map ldap:/etc/postfix/ldap-senders.cf",
        lambda s: f"owners from map {word(s.map)}",
        manages=("smtpd_sender_login_maps",), imported_from=("smtpd_sender_login_maps",)),
    _from_database("aliases_from", "aliases from", "aliases"),
    _from_database("mailboxes_from", "mailboxes from", "mailboxes"),
    _from_database("hosted_domains_from", "hosted domains from", "domains"),
    StatementKind(
        "set_parameter", "set",
        "set [privileged] PARAMETER = VALUE      e.g. set smtpd_tls_security_level = may",
        lambda s: render_set(s)[0],
        imported_from=("every other main.cf parameter",)),
    StatementKind(
        "include", "include",
        'include "other.mailpolicy"',
        lambda s: f"include {quote(s.path.text)}",
        not_imported="import writes one file"),
    StatementKind(
        "expect", "expect",
        "expect accept|reject|defer anonymous|trusted|user LOGIN sending as ADDRESS to ADDRESS [on SERVICE]",
        lambda s: (f"expect {s.verdict.text} {_client(s.client)} sending as {word(s.sender)} "
                   f"to {word(s.recipient)}" + (f" on {word(s.service)}" if s.service else "")),
        imported_from=("the relay test every import adds",)),
)

# By the name of the syntax tree class: a statement's kind is found without making every class.
BY_CLASS_NAME: dict[str, StatementKind] = {kind.class_name: kind for kind in STATEMENTS}


def managed_parameters() -> dict[str, tuple[StatementKind, ...]]:
    """Return each parameter a statement manages, with the statements that decide it, in registry order."""
    managed: dict[str, tuple[StatementKind, ...]] = {}
    for kind in STATEMENTS:
        for name in kind.manages:
            managed[name] = (*managed.get(name, ()), kind)
    return managed


def render_statement(statement: st.Statement) -> str | None:
    """Return the canonical text of a statement, or None for a kind the registry does not know."""
    kind = BY_CLASS_NAME.get(type(statement).__name__)
    return kind.render(statement) if kind else None
