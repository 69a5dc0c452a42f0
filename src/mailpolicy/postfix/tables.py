"""Lookup tables main.cf names as `type:/path`: which of them are read from a `key value` text source."""

from __future__ import annotations

# Table types built from (or, for texthash, read as) a text file of `key value` lines: postmap(1)
# builds the indexed file of the others from that source, so the source says what they hold.
TEXT_TABLE_TYPES = frozenset({"hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash"})


def table_reference(text: str, types: frozenset[str] = TEXT_TABLE_TYPES) -> tuple[str, str] | None:
    """Return (type, path) of a reference such as hash:/etc/postfix/x to a table of `types` (proxy: stripped)."""
    kind, sep, path = text.removeprefix("proxy:").partition(":")
    if not sep or kind not in types or not path.startswith("/"):
        return None
    return kind, path
