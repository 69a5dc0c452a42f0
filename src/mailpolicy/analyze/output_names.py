"""Check that the sender map's file name cannot collide with another output of the compile.

The map source is written into the output folder under the basename of its path, beside main.cf:
`sender map hash:/etc/postfix/main.cf` would overwrite the compiled main.cf with the map, and a
name of the folder's own bookkeeping (the write journal and its backups) would corrupt a write.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat

# Names the output folder already uses: main.cf, master.cf (Postfix's other file: a map there
# would be mistaken for it when the folder is installed), and the atomic writer's own files.
RESERVED = ("main.cf", "master.cf")
RESERVED_PREFIX = ".mailpolicy-"
# Files Postfix itself reads, as root, from $meta_directory, which is the configuration folder on
# Debian (meta_directory = /etc/postfix): a map written there by `compile -o /etc/postfix` or by
# deploy would be read as one of them. dynamicmaps.cf lines name shared objects that every
# Postfix program loads (src/util/dynamicmaps.c; a two-field map line is fatal to all of them);
# postfix-files drives the chown/chmod of `post-install` (conf/post-install); the rest are
# Postfix's own scripts and prototypes in that folder (conf/postfix-files).
POSTFIX_META = ("dynamicmaps.cf", "postfix-files", "postfix-script", "post-install", "main.cf.proto",
                "master.cf.proto", "makedefs.out")


def check_sender_map_name(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse a sender map whose file name is main.cf, master.cf, one Postfix reads as root, or the writer's own."""
    table = ctx.plan.sender_map
    if table is None:
        return
    name = table.filename
    if name in POSTFIX_META:
        yield cat.INVALID_MAP.at(
            ctx.policy.sender_map.span or ctx.policy.owners[0].span,
            f"the sender map's file name `{name}` is one Postfix reads as root from its configuration "
            "folder: written there, the map would be read as that file",
            hint="name the map file for what it holds, e.g. `sender map hash:/etc/postfix/controlled_envelope_senders`")
        return
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        yield cat.INVALID_MAP.at(
            ctx.policy.sender_map.span or ctx.policy.owners[0].span,
            f"the sender map's file name `{name}` is taken: the map source is written into the output "
            "folder under that name, where it would replace "
            + ("the compiled main.cf" if name == "main.cf" else "Postfix's master.cf" if name == "master.cf"
               else "the writer's own bookkeeping"),
            hint="name the map file for what it holds, e.g. `sender map hash:/etc/postfix/controlled_envelope_senders`")
