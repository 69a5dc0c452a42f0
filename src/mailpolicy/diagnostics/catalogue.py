"""The catalogue of every diagnostic mailpolicy can report, each under a stable code.

Codes never change meaning once released; a retired code stays reserved. Ranges:
  MP1xx  reading input: syntax, files, includes, limits
  MP2xx  values and statements: addresses, domains, logins, networks, paths, duplicates
  MP3xx  safety: open relay, trusted networks, restriction order, SASL and chroot
  MP4xx  main.cf parameter names and values (`set`, audits)
  MP5xx  expectations (`expect` lines)
  MP6xx  writing outputs: drift, hand edits, file system
  MP7xx  auditing and importing an existing main.cf / master.cf
"""

from __future__ import annotations

from mailpolicy.diagnostics.diagnostic import Diagnostic, Related, Severity
from mailpolicy.frozen import frozen
from mailpolicy.source import Span

ERROR, WARNING, NOTE = Severity.ERROR, Severity.WARNING, Severity.NOTE


@frozen
class Code:
    """A catalogue entry: the stable code, a short slug, its severity and what it means."""

    code: str
    slug: str
    severity: Severity
    summary: str

    def at(
        self,
        span: Span | None,
        message: str,
        hint: str | None = None,
        related: tuple[Related, ...] = (),
        severity: Severity | None = None,
    ) -> Diagnostic:
        """Make a diagnostic of this code at a location."""
        return Diagnostic(self.code, severity or self.severity, message, span, hint, related)


CATALOGUE: dict[str, Code] = {}


def _code(code: str, slug: str, severity: Severity, summary: str) -> Code:
    entry = Code(code, slug, severity, summary)
    assert code not in CATALOGUE, f"duplicate diagnostic code {code}"
    CATALOGUE[code] = entry
    return entry


# --- MP1xx: reading input ----------------------------------------------------------------------
SYNTAX_ERROR = _code("MP101", "syntax-error", ERROR, "a line is not a statement of the language")
UNKNOWN_STATEMENT = _code("MP102", "unknown-statement", ERROR, "a line starts with a word that begins no statement")
UNTERMINATED_STRING = _code("MP103", "unterminated-string", ERROR, "a quoted string is not closed on its line")
FILE_UNREADABLE = _code("MP104", "file-unreadable", ERROR, "a policy file cannot be read or is not UTF-8")
INCLUDE_NOT_FOUND = _code("MP105", "include-not-found", ERROR, "an included file does not exist")
INCLUDE_CYCLE = _code("MP106", "include-cycle", ERROR, "files include each other in a cycle")
INCLUDE_ESCAPE = _code("MP107", "include-escape", ERROR, "an include points outside the folder of the top policy file")
INCLUDE_TOO_DEEP = _code("MP108", "include-too-deep", ERROR, "includes are nested deeper than the limit")
INPUT_TOO_LARGE = _code("MP109", "input-too-large", ERROR, "a file or a line is larger than the limit")
CONTROL_CHARACTER = _code("MP110", "control-character", ERROR, "a control character (NUL, CR, ...) is in the text")
INCLUDE_REPEATED = _code("MP111", "include-repeated", ERROR, "a file is included or read as an owners table twice")
UNSAFE_FILE_NAME = _code("MP112", "unsafe-file-name", ERROR, "a file name holds a control character or look-alike letters")
MAIN_CF_AS_POLICY = _code("MP116", "main-cf-as-policy", ERROR, "a file given as a policy is a Postfix main.cf or master.cf: `mailpolicy audit` reads those")
POLICY_AS_MAIN_CF = _code("MP117", "policy-as-main-cf", ERROR, "a file given as a Postfix configuration is a .mailpolicy file: `mailpolicy check` reads those")
EMPTY_POLICY = _code("MP118", "empty-policy", ERROR, "a policy states nothing: it would compile to a main.cf with no host name and no domains")

# --- MP2xx: values and statements ---------------------------------------------------------------
INVALID_ADDRESS = _code("MP201", "invalid-address", ERROR, "an e-mail address or @domain is malformed")
INVALID_DOMAIN = _code("MP202", "invalid-domain", ERROR, "a domain name is malformed")
INVALID_LOGIN = _code("MP203", "invalid-login", ERROR, "a SASL login name contains characters that would change the map")
INVALID_NETWORK = _code("MP204", "invalid-network", ERROR, "a network is not an IPv4 or IPv6 address or CIDR block")
INVALID_PATH = _code("MP205", "invalid-path", ERROR, "a path is malformed")
INVALID_MAP = _code("MP206", "invalid-map", ERROR, "a sender map is not TYPE:/absolute/path of a supported type")
INVALID_VERSION = _code("MP207", "invalid-version", ERROR, "a Postfix version is malformed or not supported")
INVALID_HOSTNAME = _code("MP208", "invalid-hostname", ERROR, "the hostname is not a fully qualified domain name")
DUPLICATE_STATEMENT = _code("MP209", "duplicate-statement", ERROR, "a statement that may appear once appears twice")
CONFLICTING_RELAY = _code("MP210", "conflicting-relay", ERROR, "two relay statements say different things")
DUPLICATE_VALUE = _code("MP211", "duplicate-value", WARNING, "the same value is listed twice")
INVALID_SET_VALUE = _code("MP212", "invalid-set-value", ERROR, "a set value contains characters that would add lines or parameters")
INVALID_SASL = _code("MP213", "invalid-sasl", ERROR, "a sasl statement names an unsupported type or lacks its socket")
DUPLICATE_ALLOW = _code("MP214", "duplicate-allow", WARNING, "a login is allowed the same address twice")
INVALID_OWNER_TABLE = _code("MP215", "invalid-owner-table", ERROR, "a line of an owners table is malformed")
MISSING_HOSTNAME = _code("MP216", "missing-hostname", ERROR, "a policy has no `hostname`: Postfix would take the machine's name for myhostname and mydestination")
INVALID_SERVICE = _code("MP217", "invalid-service", ERROR, "a service statement names no known listener (inbound, submission, submissions) or a malformed listen address")
DUPLICATE_SERVICE = _code("MP218", "duplicate-service", ERROR, "the same listener (service kind and address) is stated twice")
INVALID_TLS_FILE = _code("MP219", "invalid-tls-file", ERROR, "a tls certificate, key or chain is not an absolute file path")
LOGIN_SERVICE_WITHOUT_LOGINS = _code("MP221", "login-service-without-logins", ERROR, "`without logins` on a submission service, whose whole purpose is to take logins")
WITHOUT_LOGINS_WITHOUT_SASL = _code("MP222", "without-logins-without-sasl", NOTE, "`without logins` where the policy states no `sasl`: no service takes logins, so there is nothing to turn off")
UNKNOWN_SERVICE = _code("MP220", "unknown-service", ERROR, "an expect line's `on SERVICE` names a listener the policy does not state")
FORGERY_NO_SERVICE = _code("MP223", "forgery-no-service", ERROR, "`allow forged senders ... on SERVICE` names a listener the policy does not state")
FORGERY_STATED_TWICE = _code("MP224", "forgery-stated-twice", ERROR, "two `allow forged senders` lines choose for the same listeners")
ALIAS_TARGET_INVALID = _code("MP225", "alias-target-invalid", ERROR, "an alias target or a mailbox is not one address (user@domain)")
DUPLICATE_ALIAS = _code("MP226", "duplicate-alias", ERROR, "one address is aliased on two lines; postmap keeps only the first")
INVALID_DATABASE = _code("MP227", "invalid-database", ERROR, "a database statement's name, address, password file or table is malformed")
UNKNOWN_DATABASE = _code("MP228", "unknown-database", ERROR, "a statement names a database no `database` line states")

# --- MP3xx: safety ------------------------------------------------------------------------------
OPEN_RELAY = _code("MP301", "open-relay", ERROR, "an unauthenticated outside client could relay mail")
TRUSTED_EVERYONE = _code("MP302", "trusted-everyone", ERROR, "trusted networks include every address (0.0.0.0/0 or ::/0)")
TRUSTED_TOO_WIDE = _code("MP303", "trusted-too-wide", ERROR, "a trusted network holds more public addresses than a /12 (IPv4) or a /32 (IPv6)")
TRUSTED_HOST_BITS = _code("MP304", "trusted-host-bits", ERROR, "a trusted network has host bits set")
TRUSTED_TYPO = _code("MP305", "trusted-typo", ERROR, "a trusted network looks like a typo of a well-known prefix")
TRUSTED_WIDE_PRIVATE = _code("MP306", "trusted-wide-private", WARNING, "a trusted private network is wider than usually meant")
SHADED_RESTRICTION = _code("MP307", "shaded-restriction", ERROR, "a reject_* can never fire because an earlier permit_* always matches first")
ALLOW_WITHOUT_SASL = _code("MP308", "allow-without-sasl", ERROR, "allow user needs SASL: without a login nobody can own an address")
RELAY_WITHOUT_SASL = _code("MP309", "relay-without-sasl", ERROR, "relaying by logged-in clients needs a sasl statement")
SASL_PATH_OUTSIDE_CHROOT = _code("MP310", "sasl-path-outside-chroot", ERROR, "an absolute SASL socket path outside the chroot cannot be reached by smtpd")
SASL_PATH_MADE_RELATIVE = _code("MP311", "sasl-path-made-relative", NOTE, "an absolute SASL path under the chroot was made chroot-relative")
DOVECOT_SOCKET_NOT_PRIVATE = _code("MP312", "dovecot-socket-not-private", ERROR, "a Dovecot SASL socket must be under private/")
SASL_PATH_RELATIVE_UNCHROOTED = _code("MP313", "sasl-path-relative-unchrooted", NOTE, "a relative SASL path without chroot is relative to the queue directory")
FOREIGN_DOMAIN_ADDRESS = _code("MP314", "foreign-domain-address", WARNING, "a login is allowed an address of a domain this server does not handle")
SASL_WITHOUT_USERS = _code("MP315", "sasl-without-owners", WARNING, "SASL is enabled but no address has an owner, so any login may send as anyone")
UNKNOWN_RESTRICTION = _code("MP316", "unknown-restriction", ERROR, "a restriction name Postfix does not know")
LOGIN_MAP_WITHOUT_MISMATCH = _code("MP317", "login-map-unused", WARNING, "a service where clients log in has a sender login map but no reject_sender_login_mismatch uses it")
MISMATCH_WITHOUT_LOGIN_MAP = _code("MP318", "mismatch-without-map", ERROR, "reject_sender_login_mismatch is used but no sender login map is set")
CHROOT_INVALID = _code("MP319", "chroot-invalid", ERROR, "the chroot is not an absolute path or off")
# MP320 was retired before release (its meaning is MP703); it stays reserved.
RELAY_WIDER_THAN_STATED = _code("MP321", "relay-wider-than-stated", ERROR, "trusted or logged-in clients can relay although the relay statement does not allow it")
SASL_ANONYMOUS = _code("MP322", "sasl-anonymous", ERROR, "SASL security options without noanonymous let anyone log in as `anonymous`, and that login owns an address")
SENDER_REWRITTEN_AFTER_LOGIN_CHECK = _code("MP323", "sender-rewritten-after-login-check", ERROR, "sender rewriting (sender_canonical_maps, canonical_maps) can turn an address a client may use into one another login owns")
RELAY_DOMAIN_NOT_OWN = _code("MP324", "relay-domain-not-own", ERROR, "relay_domains names a public suffix or a domain that is not the policy's own, so anyone can relay mail for it")
TRUSTED_UNION_TOO_WIDE = _code("MP325", "trusted-union-too-wide", ERROR, "the trusted networks together hold more public addresses than a /12 (IPv4) or a /32 (IPv6)")
EXPECTATION_DEPENDS_ON_DNS = _code("MP328", "expectation-depends-on-dns", NOTE, "an expect line's verdict depends on what DNS answers (a sender domain's records, a DNS list): neither proved nor refused")
INVALID_SENDER_CHECK = _code("MP329", "invalid-sender-check", ERROR, "a `refuse senders` check names a DNS list or reply filter Postfix cannot use")
SENDER_EXEMPTION_CONFLICT = _code("MP330", "sender-exemption-conflict", ERROR, "two `refuse senders` lines of one listener exempt different clients; one smtpd_sender_restrictions list exempts one kind")
SENDER_CHECKS_NO_SERVICE = _code("MP331", "sender-checks-no-service", ERROR, "`refuse senders ... on SERVICE` names a listener the policy does not state")
EXEMPTS_NOBODY = _code("MP332", "exempts-nobody", WARNING, "`refuse senders ..., unless authenticated` in a policy without `sasl`: nobody logs in, so the exemption exempts nobody")
FORGED_SENDER_ACCEPTED = _code("MP360", "forged-sender-accepted", WARNING, "a client may send as an address the sender login map gives another owner (or any owner, when not logged in): ownership is not checked for it")
FORGERY_WITHOUT_OWNERS = _code("MP361", "forgery-without-owners", WARNING, "`allow forged senders` in a policy where no address has an owner changes nothing")
BARE_POSTMASTER_FORGERY = _code("MP336", "bare-postmaster-forgery", ERROR, "sender ownership is checked, but not in smtpd_data_restrictions: an anonymous client can send as an owned address to the bare postmaster")
OWNED_MAILBOX_BY_ANOTHER_NAME = _code("MP387", "owned-mailbox-by-another-name", ERROR, "an owned address of a local domain is unowned under another local name (localhost, $myhostname, another local domain, an address literal, the bare user): an anonymous client sends as that mailbox")
RELAY_ASSUMPTION = _code("MP326", "relay-assumption", NOTE, "the open-relay proof holds only if a table it cannot read (SQL, LDAP, socketmap, tcp, a policy server, a file not given) does not answer as named")
SENDER_REWRITING_ASSUMPTION = _code("MP327", "sender-rewriting-assumption", NOTE, "sender ownership holds only if a sender rewriting table it cannot read (SQL, LDAP, socketmap, tcp, a pattern file) never turns an address a client may use into one another login owns")
# Services and TLS (analyze/service_checks.py, analyze/services.py)
LOGIN_WITHOUT_TLS = _code("MP350", "login-without-tls", ERROR, "a service offers login before TLS: a password could cross the network in clear")
TLS_REQUIRED_INBOUND = _code("MP351", "tls-required-inbound", ERROR, "TLS is required on the inbound port 25: servers that do not speak it cannot deliver")
LOGIN_WITHOUT_CERTIFICATE = _code("MP352", "login-without-certificate", ERROR, "login needs TLS (smtpd_tls_auth_only or a submission service) but no certificate is configured, so nobody can ever log in")
TLS_KEY_READABLE = _code("MP353", "tls-key-readable", WARNING, "the TLS private key file is readable by other users")
SUBMISSION_WITHOUT_SASL = _code("MP354", "submission-without-sasl", ERROR, "a submission service requires a login but the policy has no sasl statement")
TLS_MANAGED = _code("MP355", "tls-managed", ERROR, "set of a TLS or service parameter the tls/service statements manage")
EXPECT_LOGIN_NOT_OFFERED = _code("MP356", "expect-login-not-offered", ERROR, "an expect line logs in on a service that offers no login")
DISCARD_MAP_UNDOES_NO_LOGINS = _code("MP358", "discard-map-undoes-no-logins", ERROR, "`without logins` while smtpd_discard_ehlo_keyword_address_maps is set: a client the map finds gets the map's keywords instead, AUTH included")
OVERRIDE_NOT_READ = _code("MP357", "override-not-read", WARNING, "a master.cf -o gives an smtpd service a parameter only trivial-rewrite or cleanup reads: it changes nothing, those daemons run with their own values")

DOMAIN_TWO_CLASSES = _code("MP370", "domain-two-classes", ERROR, "one domain is in two address classes (local, hosted, backup MX): Postfix uses one and warns only when mail arrives")
HOSTED_WITHOUT_DELIVERY = _code("MP371", "hosted-without-delivery", ERROR, "hosted domains need `deliver to lmtp SOCKET`: Postfix's default virtual(8) agent would need settings the policy does not give")
MAILBOX_NOT_RECEIVED = _code("MP372", "mailbox-not-received", ERROR, "a mailbox is in a domain that is neither hosted nor backed up")
BACKUP_WITHOUT_RECIPIENTS = _code("MP373", "backup-without-recipients", ERROR, "a backup MX domain has no mailboxes: every recipient would be accepted and unknown ones bounced later (backscatter)")
SET_DECIDED_BY_HOSTING = _code("MP374", "set-decided-by-hosting", ERROR, "a `set` names a parameter a hosting statement decides")
ALIAS_NOT_RECEIVED = _code("MP375", "alias-not-received", WARNING, "an alias is in a domain this server does not receive mail for")
LMTP_OUTSIDE_CHROOT = _code("MP376", "lmtp-outside-chroot", ERROR, "an absolute LMTP socket outside the chroot cannot be reached by the lmtp client")
LMTP_MADE_RELATIVE = _code("MP377", "lmtp-made-relative", NOTE, "an absolute LMTP socket under the chroot was made queue-relative")
HOSTED_DOMAIN_EMPTY = _code("MP378", "hosted-domain-empty", WARNING, "a hosted domain has no mailbox and no alias: every recipient of it is refused")
ALIAS_GRANTS_NO_SENDING = _code("MP379", "alias-grants-no-sending", NOTE, "an alias address has no owner: being a target of an alias does not let a login send as it")
OWNERS_IN_DATABASE = _code("MP380", "owners-in-database", NOTE, "the proof assumes what a database table answers: its rows are read only by `check --db`")
EXPECTATION_NEEDS_DATABASE = _code("MP381", "expectation-needs-database", NOTE, "an expect line depends on rows of a database table: `check --db` or `verify` decides it")
DATABASE_UNREADABLE = _code("MP382", "database-unreadable", ERROR, "`check --db` could not read a database table the policy names")
DATABASE_ROWS_UNREACHABLE = _code("MP383", "database-rows-unreachable", WARNING, "rows of a database table can never be found: Postfix looks addresses up in lower case")
TRANSPORT_RELAY = _code("MP384", "transport-relay", ERROR, "a domain accepted from anyone is handed by smtp or lmtp to that domain's own mail servers, and it is not the policy's own: anyone can relay mail to it")
TRANSPORT_ASSUMPTION = _code("MP385", "transport-assumption", NOTE, "where a transport sends mail for a domain accepted from anyone cannot be judged here (a table not read, a host or transport of unknown owner): the open-relay proof assumes it stays with the administrator")
POSSIBLE_TRANSPORT_RELAY = _code("MP386", "possible-transport-relay", ERROR, "a transport_maps pattern rule the proof cannot solve may hand a domain accepted from anyone to that domain's own mail servers")
IGNORED_WITHOUT_SASL = _code("MP337", "ignored-without-sasl", WARNING, "a login restriction on a service without SASL: smtpd ignores it (\"no SASL support\")")
OWNERS_IN_MAP = _code("MP334", "owners-in-map", NOTE, "the proof assumes what a login map the site maintains answers (`owners from map`): the compiler cannot read it")
EXPECTATION_NEEDS_OWNER_MAP = _code("MP335", "expectation-needs-owner-map", NOTE, "an expect line depends on a login map the compiler cannot read: `verify` with a stand-in for it decides it")
OWNER_MAP_OVERWRITTEN = _code("MP338", "owner-map-overwritten", ERROR, "`owners from map` names a file the compile writes itself (the sender map or a table beside it): deploying would replace the site's map")
PROXY_MAP_NOT_APPROVED = _code("MP339", "proxy-map-not-approved", ERROR, "a `proxy:` login map that proxy_read_maps does not list: proxymap refuses it and smtpd stops at every connection")
STARTUP_VALUE = _code("MP341", "startup-value", ERROR, "a main.cf value with which no Postfix program starts (mail_params.c; `postfix check` says so)")
CLASS_LOOP = _code("MP340", "class-loop", WARNING, "a restriction class reaches itself: smtpd dies, or answers 451, on every request that gets there")

# --- MP4xx: main.cf parameters ------------------------------------------------------------------
UNKNOWN_PARAMETER = _code("MP401", "unknown-parameter", ERROR, "a main.cf parameter Postfix does not know (it would be ignored silently)")
WRONG_DAEMON_PARAMETER = _code("MP402", "wrong-daemon-parameter", ERROR, "an smtp_ parameter where the smtpd_ one exists, or the reverse")
PARAMETER_TOO_NEW = _code("MP403", "parameter-too-new", ERROR, "a parameter not available in the target Postfix version")
PARAMETER_REMOVED = _code("MP404", "parameter-removed", ERROR, "a parameter the target Postfix version no longer has")
PARAMETER_DEPRECATED = _code("MP405", "parameter-deprecated", WARNING, "a deprecated parameter with a replacement")
MANAGED_PARAMETER = _code("MP406", "managed-parameter", ERROR, "set of a parameter the policy itself manages")
DUPLICATE_SET = _code("MP407", "duplicate-set", ERROR, "the same parameter is set twice")
# MP408 (set-reenables) was retired before release, never emitted: a `set` that re-opens relaying
# or forgery is found by the simulator's proof and reported where it acts (MP301, MP321, MP324)
# at the `set` line; it stays reserved.
PRIVILEGED_PARAMETER = _code("MP409", "privileged-parameter", ERROR, "set of a parameter that chooses programs, libraries, users or folders Postfix uses as root, without `privileged`")
NOT_PRIVILEGED = _code("MP410", "not-privileged", ERROR, "`set privileged` on a parameter that needs no acknowledgement")
PRIVILEGED_ACKNOWLEDGED = _code("MP411", "privileged-acknowledged", NOTE, "a privileged parameter is set with `set privileged`; verify replaces it with Postfix's default")
PRIVILEGED_DEPLOYED = _code("MP412", "privileged-deployed", WARNING, "a deployed main.cf sets a parameter that chooses programs, libraries, users or folders Postfix uses as root")
UNUSED_PARAMETER = _code("MP414", "unused-parameter", WARNING, "a parameter Postfix does not know and no `$name` refers to: Postfix ignores it (postconf: \"unused parameter\")")
PRIVILEGED_IMPORTED = _code("MP413", "privileged-imported", WARNING, "import wrote a parameter Postfix uses as root as `set privileged`, because the imported main.cf sets it")

# --- MP5xx: expectations ------------------------------------------------------------------------
EXPECTATION_FAILED = _code("MP501", "expectation-failed", ERROR, "an expect line does not hold for the compiled configuration")
EXPECTATION_INVALID = _code("MP502", "expectation-invalid", ERROR, "an expect line cannot be evaluated as written")

# --- MP6xx: writing outputs ---------------------------------------------------------------------
OUTPUT_DRIFT = _code("MP601", "output-drift", ERROR, "a file in the output folder differs from what the policy compiles to")
HAND_EDITED = _code("MP602", "hand-edited", ERROR, "a generated file was edited by hand since it was written")
WRITE_FAILED = _code("MP603", "write-failed", ERROR, "an output file could not be written")
BASE_CONFLICT = _code("MP604", "base-conflict", WARNING, "a base main.cf parameter contradicts the policy and is replaced")
FOREIGN_OUTPUT = _code("MP605", "foreign-output", ERROR, "a file in the output folder was not written by mailpolicy (no marker) and would be overwritten")
INTERRUPTED_WRITE = _code("MP606", "interrupted-write", ERROR, "an earlier write into the output folder was killed midway; its journal is still there")
BASE_INVALID = _code("MP607", "base-invalid", ERROR, "a line of the base main.cf is one Postfix refuses")
BASE_KEEPS_MANAGED = _code("MP608", "base-keeps-managed", WARNING, "the base sets a parameter the policy manages but leaves unset; the base's value stays")
OUTPUT_NOT_REGULAR = _code("MP609", "output-not-regular", ERROR, "an output file is a symlink, FIFO, device or folder; mailpolicy reads and replaces only regular files")
OUTPUT_TOO_LARGE = _code("MP610", "output-too-large", ERROR, "an existing file in the output folder is over the size limit, so it is not read")
JOURNAL_REFUSED = _code("MP611", "journal-refused", ERROR, "the journal of an interrupted write is not one mailpolicy wrote here (a name outside the folder, another owner, writable by others, malformed); it is not acted on")
BASE_PRIVILEGED = _code("MP612", "base-privileged", ERROR, "a base main.cf sets a parameter Postfix uses as root that the policy does not state with `set privileged`")
OUTPUT_FOLDER_UNSAFE = _code("MP613", "output-folder-unsafe", ERROR, "the output folder is a symlink, or, as root, owned or writable by another user")
OUTPUT_RACED = _code("MP614", "output-raced", ERROR, "a file being written was replaced by someone else during the write; the previous files were put back")
# deploy (src/mailpolicy/deploy/): installing a build into a Postfix configuration folder
DEPLOY_BAD_BUILD = _code("MP621", "deploy-bad-build", ERROR, "the folder to deploy is not a complete, unedited compile output")
DEPLOY_MAP_ELSEWHERE = _code("MP622", "deploy-map-elsewhere", ERROR, "main.cf looks a built map up outside the configuration folder deployed to")
DEPLOY_POSTMAP_FAILED = _code("MP623", "deploy-postmap-failed", ERROR, "postmap refused (or warned about) a map; nothing was installed")
DEPLOY_CHECK_FAILED = _code("MP624", "deploy-check-failed", ERROR, "postfix check refused the installed files; the previous files were put back")
DEPLOY_RELOAD_FAILED = _code("MP625", "deploy-reload-failed", ERROR, "postfix reload failed or master stopped; the previous files were put back and reloaded")
DEPLOY_RESTORED = _code("MP626", "deploy-restored", WARNING, "an earlier deploy was killed midway; its backups were put back first")
DEPLOY_FAILED = _code("MP627", "deploy-failed", ERROR, "deploy could not lock, read, write or run Postfix in the configuration folder")
DEPLOY_NOT_RUNNING = _code("MP628", "deploy-not-running", NOTE, "Postfix is not running: the files are installed and checked, not loaded")
DEPLOY_PRIVILEGED = _code("MP629", "deploy-privileged", ERROR, "the build changes a parameter Postfix uses as root; deploy installs it only with --privileged")
DEPLOY_MASTER_CF = _code("MP630", "deploy-master-cf", ERROR, "the build carries a master.cf, which chooses the programs master runs as root; deploy installs it only with --privileged")
OUTPUT_CONFLICTED = _code("MP631", "output-conflicted", ERROR, "a generated file holds merge conflict markers; recompile instead of merging it by hand")

# --- MP7xx: auditing and importing an existing main.cf / master.cf ----------------------------
OVERRIDDEN_DEFINITION = _code("MP701", "overridden-definition", WARNING, "a main.cf parameter is defined again further down; only the last definition counts")
REMOVED_RESTRICTION = _code("MP702", "removed-restriction", ERROR, "a restriction name the target Postfix no longer accepts (e.g. check_relay_domains)")
DEPRECATED_RESTRICTION = _code("MP703", "deprecated-restriction", WARNING, "a restriction name the target Postfix still accepts under an old name")
MASTER_CF_OVERRIDE = _code("MP704", "master-cf-override", NOTE, "an smtpd service in master.cf overrides main.cf parameters that decide relaying or identity with -o (one note a service)")
MAP_SOURCE_UNREADABLE = _code("MP705", "map-source-unreadable", WARNING, "the source file of a lookup table cannot be read, so its entries are not checked")
NO_MASTER_CF = _code("MP706", "no-master-cf", NOTE, "no master.cf beside main.cf: Debian's stock smtpd service is assumed")
MASTER_CF_SYNTAX = _code("MP707", "master-cf-syntax", ERROR, "a master.cf line is not a service definition")
UNDEFINED_REFERENCE = _code("MP708", "undefined-reference", WARNING, "a $name refers to a parameter that is neither set nor a Postfix parameter")
NOT_IMPORTABLE = _code("MP709", "not-importable", WARNING, "a main.cf setting the policy language cannot say exactly; the import changes or drops it")
MAIN_CF_SYNTAX = _code("MP710", "main-cf-syntax", ERROR, "a main.cf line is one Postfix refuses (or ignores with a warning)")
IMPLICIT_MYNETWORKS = _code("MP711", "implicit-mynetworks", WARNING, "mynetworks is not set, so whom Postfix trusts depends on this host's interfaces (mynetworks_style)")
SMTPD_CANNOT_START = _code("MP712", "smtpd-cannot-start", ERROR, "smtpd stops with a fatal error at every connection (e.g. no working reject_unauth_destination)")

# Notes that are detail a reader asks for rather than findings: which service overrides what with
# -o (MP704, one a service), and an smtp_ client setting whose smtpd_ twin is absent (MP402 as a
# note: Debian's own main.cf carries smtp_tls_* lines). The text output of audit, check and
# compile leaves them out and counts them unless --verbose; machine formats always carry them.
DETAIL_NOTES = frozenset({MASTER_CF_OVERRIDE.code, WRONG_DAEMON_PARAMETER.code})


def is_detail(diagnostic: Diagnostic) -> bool:
    """Tell whether a diagnostic is a note of detail (DETAIL_NOTES), shown only with --verbose."""
    return diagnostic.severity is Severity.NOTE and diagnostic.code in DETAIL_NOTES
