"""How a value is spelled in canonical policy text: bare when it can stand bare, quoted otherwise.

A value is quoted when it cannot stand bare (it is empty, or holds whitespace, `,`, `#`, `"` or
`=`: the characters the grammar's VALUE terminal excludes) or when it was quoted and is one of
the language's words, where the quotes can carry meaning (`chroot "off"` names a folder,
`chroot off` turns the chroot off).
"""

from __future__ import annotations

import re

from mailpolicy.parse import statements as st

_BARE = re.compile(r'[^\s,#"=]+')  # the grammar's VALUE terminal
# The grammar's keywords, its VERDICT words, and `off`, the one value a statement reads as a word.
LANGUAGE_WORDS = frozenset(
    "postfix hostname local domains trusted networks sasl chroot relay only authenticated or nobody "
    "sender map allow user users from as set include expect accept reject anonymous sending to off tls certificate "
    "key chain service on hosted mailboxes alias deliver lmtp backup mx for database password owners table aliases".split())


def quote(text: str) -> str:
    """Return `text` as a STRING token (`\\` and `"` escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def word(value: st.Word) -> str:
    """Return a value bare when it can stand bare, quoted otherwise."""
    if not _BARE.fullmatch(value.text) or (value.quoted and value.text in LANGUAGE_WORDS):
        return quote(value.text)
    return value.text


def words(values: tuple[st.Word, ...]) -> str:
    return ", ".join(word(v) for v in values)


def split_set_value(raw: str) -> tuple[str, str]:
    """Split a `set` line's raw value into the value and a trailing comment, as the model builder does."""
    cut = [i for i in (raw.find(" #"), raw.find("\t#")) if i >= 0]
    if not cut:
        return raw.rstrip(), ""
    return raw[:min(cut)].rstrip(), raw[min(cut):].strip()


def render_set(statement: st.SetParameter) -> tuple[str, str]:
    """Return a `set` line's canonical text and its trailing comment."""
    value, comment = split_set_value(statement.value.text)
    marker = "privileged " if statement.privileged is not None else ""
    head = f"set {marker}{word(statement.name)} ="
    return (f"{head} {value}" if value else head), comment
