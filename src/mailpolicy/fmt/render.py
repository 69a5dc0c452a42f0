"""Write one statement in the canonical form: single spaces, `, ` between list items, quotes only when needed.

Keywords are written in lower case, as the grammar spells them. A value is quoted when it
cannot stand bare (it is empty, or holds whitespace, `,`, `#`, `"` or `=`) or when it was quoted
and is one of the language's words, where the quotes can carry meaning (`chroot "off"` names a
folder, `chroot off` turns the chroot off). File names of `include` and `allow users from` are
always quoted, as the documentation writes them.
"""

from __future__ import annotations

import re
from typing import Callable

from mailpolicy.model import statements as st

_BARE = re.compile(r'[^\s,#"=]+')  # the grammar's VALUE terminal
_WORDS = frozenset(
    "postfix hostname local domains trusted networks sasl chroot relay only authenticated or nobody "
    "sender map allow user users from as set include expect accept reject anonymous sending to off".split())


def quote(text: str) -> str:
    """Return `text` as a STRING token (`\\` and `"` escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def word(value: st.Word) -> str:
    """Return a value bare when it can stand bare, quoted otherwise."""
    if not _BARE.fullmatch(value.text) or (value.quoted and value.text in _WORDS):
        return quote(value.text)
    return value.text


def words(values: tuple[st.Word, ...]) -> str:
    return ", ".join(word(v) for v in values)


def _client(client: st.Client) -> str:
    return f"user {word(client.login)}" if client.kind is st.ClientKind.USER else client.kind.value


_RENDER: dict[type, Callable] = {
    st.PostfixVersion: lambda s: f"postfix {word(s.version)}",
    st.Hostname: lambda s: f"hostname {word(s.name)}",
    st.LocalDomains: lambda s: f"local domains {'only ' if s.only else ''}{words(s.domains)}",
    st.TrustedNetworks: lambda s: f"trusted networks {'only ' if s.only else ''}{words(s.networks)}",
    st.Sasl: lambda s: f"sasl {word(s.kind)}" + (f" {word(s.path)}" if s.path else ""),
    st.Chroot: lambda s: f"chroot {word(s.path)}",
    st.Relay: lambda s: f"relay {s.mode.value}",
    st.SenderMap: lambda s: f"sender map {word(s.map)}",
    st.AllowUser: lambda s: f"allow user {word(s.login)} as {words(s.addresses)}",
    st.AllowUsersFrom: lambda s: f"allow users from {quote(s.path.text)}",
    st.Include: lambda s: f"include {quote(s.path.text)}",
    st.Expect: lambda s: (f"expect {s.verdict.text} {_client(s.client)} sending as {word(s.sender)} "
                          f"to {word(s.recipient)}"),
}


def render_statement(statement: st.Statement) -> str | None:
    """Return the canonical text of a statement, or None for a kind this formatter does not know."""
    render = _RENDER.get(type(statement))
    return render(statement) if render else None


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
