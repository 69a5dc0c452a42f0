"""Which values `postconf -n` and `postconf -nx` expand, so which broken expansions stop them.

postconf does not expand every value of main.cf: a broken `$name` reference or a malformed
compatibility level in a value it never evaluates costs nothing, while the same text in a value
it does evaluate ends it with "fatal: macro processing error". The values it evaluates, read from
Postfix 3.7's source (`git show v3.7.10:postfix/src/postconf/...`):

1. postconf_user.c (pcf_scan_user_parameter_namespace, built with -DLEGACY_DBMS_SUPPORT, see
   postconf/Makefile.in): every parameter main.cf sets that is built in or per-service is expanded
   whole (postconf_dbms.c pcf_register_dbms_parameters -> postconf_lookup.c
   pcf_expand_parameter_value, which is fatal on MAC_PARSE_ERROR), looking names up in main.cf,
   then in the defaults. Read-only parameters (process_id, process_name, service_name:
   postconf_builtin.c "adhoc" entries) are deleted first; "raw" ones (the CONFIG_RAW_TABLE
   entries of the daemons) are skipped. User-defined parameters are only *scanned*
   (MAC_EXP_FLAG_SCAN: mac_expand.c evaluates no relation and the result is ignored).
2. `-x` (postconf_main.c pcf_print_parameter) expands every parameter it prints; besides the
   built-in ones that includes user-defined parameters made "valid" by a `$name` in any value
   (pcf_flag_user_parameter) or by smtpd_restriction_classes.
3. postconf_user.c pcf_lookup_eval: smtpd_restriction_classes, when main.cf sets it, is expanded
   with main.cf alone (dict_eval: a name main.cf does not set is empty, its default is not used).
4. postconf_user.c pcf_scan_default_parameter_values computes the defaults of the parameters
   main.cf leaves out. mynetworks' default (postconf_builtin.c pcf_mynetworks) evaluates
   inet_interfaces, mynetworks_style and inet_protocols: main.cf's value with main.cf alone
   (mail_conf_lookup_eval), else the default with the defaults - and mynetworks_style's default
   is `${{$compatibility_level} <level {2} ? {subnet} : {host}}`. That is why a malformed
   compatibility_level alone is fatal to postconf, and harmless once main.cf sets mynetworks or
   mynetworks_style (oracle run D, seed 5004; measured cases in test_postconf_oracle.py).
5. mydomain's default (pcf_check_mydomainname -> pcf_get_myhostname) evaluates main.cf's
   myhostname with main.cf alone. myhostname's default is the machine's name, which the oracle
   makes `vm.localdomain` (it has a dot, so mydomain is not consulted for it).

master.cf `-o` values are expanded the same way in their service's scope; the oracle's master.cf
has no `$` in them, so they can stop nothing and are not modelled here.
"""

from __future__ import annotations

from typing import Callable, Iterator

from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError, reference_sites
from mailpolicy.postfix.restriction_lists import split_words

Lookup = Callable[[str], "str | None"]

# postconf_builtin.c: pcf_adhoc_procname, pcf_adhoc_servname, pcf_adhoc_pid (PCF_PARAM_FLAG_READONLY).
READ_ONLY = frozenset({"process_name", "service_name", "process_id"})
# Every CONFIG_RAW_TABLE of Postfix 3.7 (local.c, smtpd.c, postscreen.c): values never expanded.
RAW = pf.RAW_PARAMETERS
# postconf_builtin.c pcf_mynetworks: what the default of mynetworks is computed from, in this order.
MYNETWORKS_INPUTS = ("inet_interfaces", "mynetworks_style", "inet_protocols")


def postconf_stops(mine: dict[str, str], known: dict[str, str], lookup: Lookup) -> str | None:
    """Return why postconf -n or -nx stops on main.cf `mine` ("name: reason"), or None.

    `known` holds every parameter postconf knows with its raw default (built-in and per-service
    ones, `postconf -d` with the same master.cf); `lookup` looks a name up in main.cf, then in
    the defaults, as pcf_lookup_parameter_value does.
    """
    for name, value, look in _expanded_values(mine, known, lookup):
        try:
            Expander(look).expand(value)
        except ExpansionError as error:
            return f"{name}: {error}"
    return None


def _expanded_values(mine: dict[str, str], known: dict[str, str],
                     lookup: Lookup) -> Iterator[tuple[str, str, Lookup]]:
    """Yield (name, value, lookup) for each value postconf expands; the numbers are the module's."""
    main_cf_alone: Lookup = mine.get
    # 1 and 2: built-in and per-service parameters main.cf sets.
    for name, value in mine.items():
        if name in known and name not in READ_ONLY and name not in RAW:
            yield name, value, lookup
    # 2: user-defined parameters that a `$name` somewhere in main.cf makes valid (printed by -nx).
    referenced = {site.name for value in mine.values() for site in reference_sites(value) if site.name}
    # 3: smtpd_restriction_classes, with main.cf alone; its names are valid too.
    if "smtpd_restriction_classes" in mine:
        yield "smtpd_restriction_classes", mine["smtpd_restriction_classes"], main_cf_alone
        try:
            referenced |= set(split_words(Expander(main_cf_alone).expand(mine["smtpd_restriction_classes"])))
        except ExpansionError:
            pass  # already yielded above: postconf stops there
    for name in sorted(referenced):
        if name in mine and name not in known:
            yield name, mine[name], lookup
    # 4: mynetworks' default.
    if "mynetworks" not in mine:
        for name in MYNETWORKS_INPUTS:
            if name in mine:
                yield name, mine[name], main_cf_alone
            elif name in known:
                yield name, known[name], lookup
    # 5: mydomain's default.
    if "mydomain" not in mine and "myhostname" in mine:
        yield "myhostname", mine["myhostname"], main_cf_alone
