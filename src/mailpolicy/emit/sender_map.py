"""Render the sender login map as a postmap source file: `address owner[, owner]` a line, sorted."""

from __future__ import annotations

from mailpolicy.emit.provenance import Provenance
from mailpolicy.emit.tables import table_header
from mailpolicy.plan.model import SenderMapPlan


_SLICE = 1 << 16


def render_sender_map(table: SenderMapPlan, provenance: Provenance) -> str:
    """Return the map source text; keys are already lower case and sorted by the plan."""
    header = table_header(provenance, "smtpd_sender_login_maps", table,
                          "address (or @domain for every address of it)  login[, login...]")
    owners, keys = table.owners, table.keys
    # Joined a slice of keys at a time: a list of one line per key would, for a million owners,
    # hold twice the memory of the text it makes.
    return "".join([header, *("".join([f"{key}\t{owners[key]}\n" for key in keys[start:start + _SLICE]])
                              for start in range(0, len(keys), _SLICE))])
