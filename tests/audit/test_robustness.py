"""Audit and import never fail on what a main.cf or master.cf may hold: every input gives diagnostics."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailpolicy.audit.run import audit_config
from mailpolicy.diagnostics.render_text import render_text
from mailpolicy.importer.run import import_config
from tests.audit.config_folder import config_folder

NAMES = st.sampled_from([
    "mynetworks", "mydestination", "myhostname", "smtpd_relay_restrictions", "smtpd_recipient_restrictions",
    "smtpd_sender_restrictions", "smtpd_sender_login_maps", "smtpd_sasl_auth_enable", "smtpd_sasl_type",
    "smtpd_sasl_path", "compatibility_level", "relay_domains", "smtpd_restriction_classes", "smtp_x", "bogus",
])
WORDS = st.sampled_from([
    "permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination", "defer_unauth_destination",
    "reject_sender_login_mismatch", "permit", "reject", "check_client_access", "hash:/etc/postfix/senders",
    "inline:{ a=OK }", "0.0.0.0/0", "127.0.0.0/8", "[::1]/128", "[::fff:1.2.3.4]/104", "10.0.0.1/8",
    "$myhostname", "${mydestination}", "${x?{y}:{z}}", "${", "$", "{", "}", "yes", "dovecot", "private/auth",
    "/var/spool/postfix/private/auth", "example0.com", "3.6", "0", "#", "=", ",", "\u00e9", "",
])
LINES = st.one_of(
    st.builds(lambda n, ws: f"{n} = {' '.join(ws)}", NAMES, st.lists(WORDS, max_size=5)),
    st.builds(lambda ws: "    " + ", ".join(ws), st.lists(WORDS, min_size=1, max_size=3)),
    st.sampled_from(["# comment", "", "=oops", "no equals sign", "\t"]),
)
MASTER = st.lists(st.sampled_from([
    "smtp inet n - y - - smtpd", "submission inet n - - - - smtpd", "  -o mynetworks=0.0.0.0/0",
    "  -o { smtpd_relay_restrictions = permit_mynetworks, reject }", "  -o", "  -o broken",
    "127.0.0.1:10025 inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes", "bad line", "# comment",
]), max_size=5)


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINES, max_size=12), MASTER, st.text(max_size=40))
def test_any_configuration_is_audited_and_imported(tmp_path_factory, main_lines, master_lines, senders):
    folder = config_folder(tmp_path_factory.mktemp("cfg"), "\n".join(main_lines) + "\n",
                           "\n".join(master_lines) + "\n", senders=senders)
    audit = audit_config(folder)
    texts = {s.path: s for s in audit.sources}
    render_text(audit.diagnostics, lambda path, line: texts[path].line_text(line) if path in texts else None)
    for d in audit.diagnostics:  # every location is a line of a file the report can show
        assert d.span is None or 1 <= d.span.line <= len(texts[d.span.path].text.split("\n")), d
    imported = import_config(folder)
    assert imported.text.endswith("\n")
