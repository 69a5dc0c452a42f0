"""Table references in main.cf: which name a text source the audit, import and diff can read."""

from __future__ import annotations

from mailpolicy.postfix.tables import TEXT_TABLE_TYPES, table_reference


def test_text_tables_by_absolute_path_with_or_without_proxy() -> None:
    assert table_reference("hash:/etc/postfix/senders") == ("hash", "/etc/postfix/senders")
    assert table_reference("proxy:lmdb:/etc/postfix/x") == ("lmdb", "/etc/postfix/x")
    assert table_reference("texthash:/etc/postfix/x") == ("texthash", "/etc/postfix/x")


def test_other_types_relative_paths_and_plain_words_are_not_text_tables() -> None:
    for word in ("mysql:/etc/postfix/senders.cf", "hash:etc/senders", "cidr:/etc/postfix/clients",
                 "permit_mynetworks", "inline:{ a=b }", "{hash:/etc/x}"):
        assert table_reference(word) is None, word
    assert table_reference("cidr:/etc/postfix/clients", TEXT_TABLE_TYPES | {"cidr"}) == ("cidr", "/etc/postfix/clients")
