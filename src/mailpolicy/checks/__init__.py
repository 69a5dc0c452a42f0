"""The check core: each check written once, run on the compiled policy and on a deployed configuration.

A check is a function of a `Host` (checks/host.py) that yields `Diagnostic`s; it reads only the
host interface, the simulator and Postfix's facts, never a host's own classes. Each host runs
the checks of `CHECKS` after its own (analyze.CHECKS for a compile, audit.run.CHECKS for an
audit), in the order given here. Add a check by writing a module here and naming its function
below (docs/architecture.md, "The check core").
"""

from __future__ import annotations

from typing import Callable, Iterable

from mailpolicy.checks.class_loops import check_class_loops
from mailpolicy.checks.forged_senders import check_forged_senders
from mailpolicy.checks.host import Host
from mailpolicy.checks.local_names import check_local_names
from mailpolicy.checks.no_sasl_support import check_no_sasl_support
from mailpolicy.checks.names import check_parameter_names, check_restriction_names
from mailpolicy.checks.open_relay import check_open_relay
from mailpolicy.checks.proxy_maps import check_proxy_maps
from mailpolicy.checks.sender_rewriting import check_sender_rewriting
from mailpolicy.checks.shading import check_shading
from mailpolicy.checks.startup_values import check_startup_values
from mailpolicy.checks.transports import check_transports
from mailpolicy.checks.trusted_networks import check_trusted_networks
from mailpolicy.diagnostics import Diagnostic

Check = Callable[[Host], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    check_sender_rewriting,  # MP323, MP327: cleanup rewriting a sender after smtpd checked its owner
    check_local_names,  # MP387: an owned local mailbox unowned under another local name
    check_parameter_names,  # MP401-MP405: names the target Postfix lacks, has under another name or deprecates
    check_restriction_names,  # MP316, MP702, MP703: restriction names in every restriction list
    check_trusted_networks,  # MP302-MP306, MP325: networks that trust everyone, too much, or a typo
    check_open_relay,  # MP301 (MP712): no anonymous client can relay
    check_transports,  # MP384, MP385: mail accepted from anyone handed on to another domain's own servers
    check_shading,  # MP307: a rejection an earlier permit always beats
    check_class_loops,  # MP340: a restriction class that reaches itself
    check_forged_senders,  # MP360: a client may use an owned address it does not own
    check_no_sasl_support,  # MP337: a login restriction smtpd ignores on a service without SASL
    check_startup_values,  # MP341: a main.cf value with which no Postfix program starts
    check_proxy_maps,  # MP339: a proxy: login map proxymap does not serve, after which smtpd stops
)
