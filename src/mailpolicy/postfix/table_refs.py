"""`type:name` table references, read as Postfix reads them: the one reader every layer uses.

src/util/dict_open.c dict_open(): a reference is split at its first `:` (split_at); the type is
the text before it and the name the text after, and both must be non-empty ("expecting
\"type:name\" form"). dict_open_lookup() finds the type by its exact text in a hash table, so
types are case-sensitive: every type Postfix has is lower case, and `HASH:/x` or `INLINE:{...}` is
an "unsupported dictionary type", a stand-in table whose every lookup fails (measured on 3.7.11: a
check_recipient_access with one answers 451 4.3.5 Server configuration error;
tests/postfix/test_table_refs.py).

A name that starts with `{` holds the table's contents in main.cf: src/util/dict_stream.c
dict_stream_open() reads `regexp:{...}`, `pcre:{...}` and `cidr:{...}` that way, dict_inline.c
`inline:{...}`, dict_static.c `static:{...}`, and dict_union.c/dict_pipe.c take a `{...}` list of
references (unionmap:, pipemap:). `proxy:` hands its name, another reference, to proxymap(8), which
strips every leading `proxy:` (src/proxymap/proxymap.c: `while (strncmp(map, PROXY_COLON, ...))`)
and opens the rest as written; `Proxy:` is an unsupported type like any other.
"""

from __future__ import annotations

PROXY = "proxy"


class TableRef:
    """One `type:name` reference: the type as written (case matters) and the name after the first colon.

    A plain class rather than a frozen attrs one: it is on every `check`'s import path (start-up).
    """

    __slots__ = ("type", "name")

    def __init__(self, type: str, name: str) -> None:
        self.type = type
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableRef) and (self.type, self.name) == (other.type, other.name)

    def __hash__(self) -> int:
        return hash((self.type, self.name))

    def __repr__(self) -> str:
        return f"TableRef({self.type!r}, {self.name!r})"

    @property
    def inline(self) -> bool:
        """Whether the name is the table's contents written in main.cf (`{...}`)."""
        return self.name.startswith("{") and self.name.endswith("}")

    @property
    def body(self) -> str:
        """The contents of an inline table, without its braces ("" for a table that is not inline)."""
        return self.name[1:-1] if self.inline else ""

    @property
    def supported(self) -> bool:
        """False for a type no Postfix has: a type with a capital letter (dict_open_lookup is case-sensitive)."""
        return self.type == self.type.lower()

    def __str__(self) -> str:
        return f"{self.type}:{self.name}"


def parse_table_ref(text: str) -> TableRef | None:
    """Split one reference at its first colon (dict_open); None when it is not `type:name`."""
    kind, colon, name = text.strip().partition(":")
    if not colon or not kind or not name:
        return None
    return TableRef(kind, name)


def table_ref(text: str) -> TableRef | None:
    """Return the table a reference opens: its own, or through any number of `proxy:`, the one proxymap opens."""
    ref = parse_table_ref(text)
    while ref is not None and ref.type == PROXY:
        ref = parse_table_ref(ref.name)
    return ref


def through_proxy(text: str) -> bool:
    """Tell whether a reference opens its table through proxymap(8): its own type is `proxy` (not `Proxy`)."""
    ref = parse_table_ref(text)
    return ref is not None and ref.type == PROXY
