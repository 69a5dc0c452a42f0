"""main.cf parameters that choose what Postfix runs, loads or writes as root, or as whom it runs.

A value of one of these is not mail policy: it decides which program `postfix start` executes
as root, which shared library root loads, which environment master's root-started daemons get,
which user owns the queue, or where root creates, chowns or appends to files. A policy may set
one only with `set privileged NAME = VALUE` (docs/language.md), and the verify sandbox always
replaces them with Postfix's built-in defaults (sandbox/mainconf.py). docs/security.md says why
each parameter is in this table and why its neighbours are not; the facts come from Postfix's
source, named per entry.
"""

from __future__ import annotations

PROGRAMS = "chooses a program or shared library that runs as root"
ENVIRONMENT = "chooses the environment of programs that run as root (LD_PRELOAD=...)"
USERS = "chooses the user or group Postfix gives its files or runs deliveries as"
CONFIGS = "chooses which configuration folders set-gid Postfix commands accept from any user"
ROOT_WRITES = "chooses where Postfix creates, chowns or writes files as root"

# name -> (risk, where Postfix does it). Paths are in vdukhovni/postfix, postfix/.
PRIVILEGED: dict[str, tuple[str, str]] = {
    # src/postfix/postfix.c: execs $daemon_directory/postfix-script as root (or
    # multi_instance_wrapper when multi_instance_directories is not empty);
    # conf/postfix-script then runs $daemon_directory/master and $command_directory/post*.
    "daemon_directory": (PROGRAMS, "src/postfix/postfix.c, conf/postfix-script"),
    "command_directory": (PROGRAMS, "conf/postfix-script"),
    "multi_instance_wrapper": (PROGRAMS, "src/postfix/postfix.c"),
    "multi_instance_directories": (PROGRAMS, "src/postfix/postfix.c"),
    # src/util/dynamicmaps.c: $meta_directory/dynamicmaps.cf names the shared objects
    # (relative to $shlib_directory) that postconf, postmap and the daemons dlopen().
    "meta_directory": (PROGRAMS, "src/util/dynamicmaps.c"),
    "shlib_directory": (PROGRAMS, "src/util/dynamicmaps.c"),
    # conf/postfix-tls-script (`postfix tls ...`, run as root) executes $openssl_path.
    "openssl_path": (PROGRAMS, "conf/postfix-tls-script"),
    # src/global/debug_process.c: a daemon started with -D (master.cf) runs this shell command.
    "debugger_command": (PROGRAMS, "src/global/debug_process.c"),
    # conf/postfix-script `logrotate` (root) runs $maillog_file_compressor on the old log.
    "maillog_file_compressor": (PROGRAMS, "conf/postfix-script"),
    # src/postfix/postfix.c and src/master/master.c keep only these variables (clean_env)
    # and add NAME=VALUE ones: LD_PRELOAD=/x.so reaches master and every daemon, all root.
    "import_environment": (ENVIRONMENT, "src/postfix/postfix.c, src/util/clean_env.c"),
    "export_environment": (ENVIRONMENT, "src/global/pipe_command.c"),
    # src/global/mail_params.c: check_mail_owner/check_default_privs refuse uid 0, but any
    # other account becomes the owner of the queue (mail_owner), of postdrop's setgid
    # programs (setgid_group) or the identity of root-addressed deliveries (default_privs).
    "mail_owner": (USERS, "src/global/mail_params.c, conf/postfix-files"),
    "setgid_group": (USERS, "src/global/mail_params.c, conf/postfix-files"),
    "default_privs": (USERS, "src/global/mail_params.c, src/local/local.c"),
    # src/virtual/mailbox.c refuses a uid below this one; 0 lets a map make virtual(8) write as root.
    "virtual_minimum_uid": (USERS, "src/virtual/mailbox.c"),
    # conf/post-install create-missing (run by every `postfix start`) mkdirs and chowns
    # $queue_directory and $data_directory to $mail_owner (conf/postfix-files, flag c).
    "config_directory": (ROOT_WRITES, "src/postfix/postfix.c, conf/post-install"),
    "queue_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "data_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    # src/global/mail_conf.c: the other configuration folders set-gid commands (postdrop,
    # postqueue) accept from an unprivileged caller's -c or MAIL_CONFIG.
    "alternate_config_directories": (CONFIGS, "src/global/mail_conf.c"),
    # postlogd runs unprivileged = n in master.cf (as root) and appends to maillog_file,
    # which must start with one of maillog_file_prefixes (src/postlogd/postlogd.c).
    "maillog_file": (ROOT_WRITES, "src/postlogd/postlogd.c"),
    "maillog_file_prefixes": (ROOT_WRITES, "src/postlogd/postlogd.c"),
    # conf/post-install set-permissions / upgrade-package chown and chmod these (root, 0755)
    # as listed in conf/postfix-files; a value of `no` means "not installed" and is skipped.
    "sendmail_path": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "mailq_path": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "newaliases_path": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "manpage_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "sample_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "readme_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
    "html_directory": (ROOT_WRITES, "conf/post-install, conf/postfix-files"),
}

# conf/post-install skips a postfix-files path that is `no` ("Skip uninstalled files"), and
# Debian's stock main.cf says `readme_directory = no`: that value asks Postfix to do nothing.
_NOT_INSTALLED = frozenset({"manpage_directory", "sample_directory", "readme_directory", "html_directory"})


def is_privileged(name: str) -> bool:
    """Tell whether a main.cf parameter chooses programs, libraries, users or root-written places."""
    return name in PRIVILEGED


def is_inert(name: str, value: str) -> bool:
    """Tell whether this value of a privileged parameter makes Postfix do nothing with it."""
    return name in _NOT_INSTALLED and value.strip() == "no"


def risk(name: str) -> str:
    """Return what a privileged parameter decides, in words for a diagnostic."""
    return PRIVILEGED[name][0]
