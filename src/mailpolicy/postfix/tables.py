"""Lookup tables main.cf names as `type:/path`: which of them are read from a `key value` text source."""

from __future__ import annotations

from mailpolicy.postfix.table_refs import table_ref

# Table types built from (or, for texthash, read as) a text file of `key value` lines: postmap(1)
# builds the indexed file of the others from that source, so the source says what they hold.
TEXT_TABLE_TYPES = frozenset({"hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash"})


def table_reference(text: str, types: frozenset[str] = TEXT_TABLE_TYPES) -> tuple[str, str] | None:
    """Return (type, path) of a reference such as hash:/etc/postfix/x to a table of `types` (through proxy:)."""
    ref = table_ref(text)
    if ref is None or ref.type not in types or not ref.name.startswith("/"):
        return None
    return ref.type, ref.name


def read_text_table(text: str) -> dict[str, str]:
    """Read a postmap source as postmap(1) does: key -> value, keys as first written.

    `key value` a line; `#` lines and blank lines are skipped; a line that starts with
    whitespace continues the previous one; a key without a value is skipped (postmap warns
    "expected format: key whitespace value" and leaves it out); a key seen again (postmap
    compares them lower-cased) is a duplicate postmap warns about and ignores: the first wins.
    Measured on Postfix 3.7.
    """
    entries: dict[str, str] = {}
    seen: set[str] = set()
    current = None
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace():
            if current is not None:
                entries[current] = f"{entries[current]} {stripped}".strip()
            continue
        key, *value = stripped.split(None, 1)
        current = None if key.lower() in seen else key
        seen.add(key.lower())
        if current is not None:
            entries[current] = value[0] if value else ""
    return {k: v for k, v in entries.items() if v}
