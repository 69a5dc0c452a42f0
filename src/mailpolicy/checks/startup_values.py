"""main.cf values with which no Postfix program starts (MP341).

Every Postfix program (`postfix start`, master, smtpd, `postfix check`) calls mail_params_init()
(src/global/mail_params.c, read at v3.7.22), which stops with a fatal error on the values below,
whatever the machine: each rule is one of its checks that does not depend on the machine's users,
groups or network. The checks that do (an unknown user or group name, two users sharing an ID)
are left to `postfix check` on the server itself. tests/checks/test_startup_values_postfix.py runs
the real `postfix -c COPY check` on every case of this module and requires the same verdict.

- A string parameter of mail_params.c's tables with a minimum length of 1, set to nothing after
  `$name` expansion (get_mail_conf_str_table: "bad string length 0 < 1: setgid_group = "), and
  default_verp_delimiters of other than exactly two characters (its bounds are 2, 2).
- myorigin with more than one value (a comma or white space; a value starting with `/` names
  Debian's file, read later).
- myhostname equal to relayhost, ignoring case.
- default_privs naming the same user as mail_owner; mail_owner or default_privs `root`, or
  setgid_group `root` (user and group root have ID 0 on every system Postfix runs on:
  "has privileged user ID" / "has privileged group ID"; where no group is called root, "unknown
  group name").

Only values a line sets are judged: a default is Postfix's own and starts.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat

# mail_params.c first_str_defaults, other_str_defaults and function_str_defaults entries with a
# minimum length of 1 (read-only ones left out: main.cf cannot set them).
NOT_EMPTY = (
    "syslog_facility", "maillog_file_prefixes", "maillog_file_compressor", "maillog_file_rotate_suffix",
    "postlog_service_name", "mail_name", "syslog_name", "mail_owner", "setgid_group", "myorigin",
    "daemon_directory", "data_directory", "command_directory", "meta_directory", "queue_directory",
    "shlib_directory", "process_id_directory", "double_bounce_sender", "default_privs", "default_database_type",
    "hash_queue_names", "mynetworks_style", "verp_delimiter_filter", "bounce_service_name",
    "cleanup_service_name", "defer_service_name", "pickup_service_name", "queue_service_name",
    "rewrite_service_name", "showq_service_name", "error_service_name", "flush_service_name",
    "address_verify_service_name", "trace_service_name", "proxymap_service_name", "proxywrite_service_name",
    "smtputf8_autodetect_classes", "info_log_address_format", "myhostname", "mydomain",
)
_COMMA_SPACE = ", \t\r\n"  # CHARS_COMMA_SP


def check_startup_values(host: Host) -> Iterator[Diagnostic]:
    """Report main.cf values with which mail_params_init() stops every Postfix program."""
    return host.per_service(_refused)


def _refused(service: Service) -> Iterator[Diagnostic]:
    config = service.model().config
    written = {name: config.value(name) for name in (*NOT_EMPTY, "default_verp_delimiters", "relayhost")
               if config.is_set(name)}

    def refused(name: str, fatal: str) -> Diagnostic:
        span = service.parameter_span(name) or service.fallback_span()
        return cat.STARTUP_VALUE.at(span, f"Postfix refuses to start with {name} = `{written[name]}`: "
                                          f"every program stops with \"fatal: {fatal}\" (mail_params.c)",
                                    hint="fix the value, or remove the line to use Postfix's default")

    for name in NOT_EMPTY:
        if name in written and not written[name]:
            yield refused(name, f"bad string length 0 < 1: {name} = ")
    delimiters = written.get("default_verp_delimiters")
    if delimiters is not None and len(delimiters) != 2:
        relation = f"{len(delimiters)} < 2" if len(delimiters) < 2 else f"{len(delimiters)} > 2"
        yield refused("default_verp_delimiters", f"bad string length {relation}: default_verp_delimiters = {delimiters}")
    origin = written.get("myorigin", "")
    if origin and not origin.startswith("/") and origin[_first_separator(origin):]:
        yield refused("myorigin", f"myorigin parameter setting must not contain multiple values: {origin}")
    hostname, relayhost = written.get("myhostname", ""), written.get("relayhost", "")
    if hostname and hostname.lower() == relayhost.lower():
        yield refused("relayhost", f"myhostname and relayhost parameter settings must not be identical: {hostname}")
    for name in ("mail_owner", "default_privs"):
        if written.get(name) == "root":
            yield refused(name, f"parameter {name}: user root has privileged user ID")
    if written.get("setgid_group") == "root":
        yield refused("setgid_group", "parameter setgid_group: group root has privileged group ID")
    # check_overlap(), with each one's default where a line does not set it.
    privs, owner = written.get("default_privs", "nobody"), written.get("mail_owner", "postfix")
    if privs and privs == owner and privs != "root":
        yield refused("default_privs" if "default_privs" in written else "mail_owner",
                      f"parameters default_privs and mail_owner specify the same user {privs}")


def _first_separator(value: str) -> int:
    """Return the index of the first comma or white space in a value (its length if none)."""
    return next((i for i, char in enumerate(value) if char in _COMMA_SPACE), len(value))
