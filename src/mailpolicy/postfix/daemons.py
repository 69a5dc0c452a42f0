"""Which Postfix daemon reads which parameter, where a master.cf `-o` could make them disagree.

A `-o name=value` in master.cf changes `name` for that one service (master(8)). smtpd decides
whether to accept a recipient, but the address class its relay check reads (final, relay,
default) comes from trivial-rewrite over the rewrite service, and what happens to a message
after acceptance (alias expansion, canonical mapping, masquerading, BCC, header checks) is
cleanup's work. So an smtpd `-o relay_domains=...` changes nothing, while the same `-o` on the
`rewrite` service makes every smtpd relay for that domain, and an `-o virtual_alias_maps=...` on
the `cleanup` service rewrites every message an smtpd hands it (measured on Postfix 3.7:
tests/corpus/test_audit_attacks_live.py).
"""

from __future__ import annotations

# Read by trivial-rewrite (src/trivial-rewrite/resolve.c resolve_addr(), transport.c,
# rewrite.c) and never by smtpd: src/smtpd/smtpd_check.c builds its own relay_domains,
# virtual_alias_domains and virtual_mailbox_domains lists only for its test stub of
# resolve_clnt() (#ifdef TEST) and the deprecated check_relay_domains, which asks
# permit_auth_destination() - the resolver's RESOLVE_CLASS_* flags - like every relay check.
# One exception, not modelled: up to Postfix 3.8 check_relay_domains first permits a client whose
# verified host name matches smtpd's own relay_domains (v3.7.10 smtpd_check.c
# check_relay_domains(): domain_list_match(relay_domains, state->name)); 3.9 removed the
# restriction. permit_mx_backup asks the resolver only. None of the rest appears in src/smtpd/ at all. mydestination is not here: smtpd reads it
# too (resolve_local() in mail_addr_find.c and permit_mx_backup).
RESOLVER_PARAMETERS = frozenset({
    "relay_domains", "virtual_alias_domains", "virtual_mailbox_domains",
    "transport_maps", "local_transport", "virtual_transport", "relay_transport", "default_transport",
    "relayhost", "sender_dependent_relayhost_maps", "sender_dependent_default_transport_maps",
    "swap_bangpath", "allow_percent_hack", "resolve_dequoted_address", "resolve_null_domain",
    "resolve_numerical_domain", "append_dot_mydomain", "append_at_myorigin",
})

# Read by cleanup (src/cleanup/cleanup_init.c) and never by smtpd. virtual_alias_maps and the
# canonical maps are not here: smtpd reads them too, to tell whether a recipient is listed
# (smtpd_check.c check_rcpt_maps()), with its own values.
CLEANUP_PARAMETERS = frozenset({
    "masquerade_domains", "masquerade_exceptions", "masquerade_classes", "always_bcc",
    "sender_bcc_maps", "recipient_bcc_maps", "header_checks", "mime_header_checks",
    "nested_header_checks", "body_checks", "canonical_classes", "sender_canonical_classes",
    "recipient_canonical_classes",
})

# Read by both: smtpd looks a recipient up in them to tell whether it is listed (check_rcpt_maps(),
# with smtpd's values), cleanup rewrites the message's addresses with them (cleanup_map1n.c,
# cleanup_map11.c, with cleanup's values).
READ_BY_BOTH = ("virtual_alias_maps", "canonical_maps", "recipient_canonical_maps", "sender_canonical_maps")

# The services smtpd asks (mail_params.c: rewrite_service_name, cleanup_service_name) and the
# master.cf command each must run.
RESOLVER_SERVICE = ("rewrite_service_name", "rewrite", "trivial-rewrite")
CLEANUP_SERVICE = ("cleanup_service_name", "cleanup", "cleanup")

# postscreen(8) screens a client before smtpd sees it, then hands the connection to the `pass`
# service private/$smtpd_service_name (postscreen.c, with its own value: its -o, else main.cf,
# else `smtpd`). It reads the postscreen_* parameters, smtpd none of them; the client address that
# smtpd behind it judges is the one postscreen passes on (smtpd_peer.c smtpd_peer_from_pass_attr),
# the PROXY header's when postscreen_upstream_proxy_protocol = haproxy (postscreen_endpt.c).
SCREEN_PREFIX = "postscreen_"
SCREEN_SERVICE = ("smtpd_service_name", "smtpd", "postscreen")
