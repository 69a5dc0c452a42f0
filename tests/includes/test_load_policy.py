"""load_policy and the loader's name checks, exactly: what comes back for a top file that cannot be
read, a relative top file, an over-budget policy, and names with look-alike letters or odd spaces.

Written for the sixth mutation run (docs/mutation.md): `load_policy`'s and `safe_name`'s changes
that kept every other test passing are pinned here by what the code is for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.load import loader
from mailpolicy.load.loader import LoadedPolicy, load_policy
from mailpolicy.parse import lookalikes
from mailpolicy.source import SourceFile, Span


def located(policy: LoadedPolicy) -> list[tuple]:
    return [(d.code, str(d.span), d.span.end_column, d.message, d.hint) for d in policy.diagnostics]


@pytest.mark.parametrize(("name", "reason"), [
    ("none.mailpolicy", "does not exist"),
    ("folder", "is not a regular file"),
    ("file/site.mailpolicy", "cannot be read: Not a directory"),
    ("x" * 300 + ".mailpolicy", "cannot be read: File name too long"),
])
def test_a_top_file_that_cannot_be_read_is_one_error_and_nothing_else(tmp_path: Path, monkeypatch, name: str,
                                                                      reason: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("relay nobody\n")
    policy = load_policy(name)  # as typed on the command line: messages say it the same way
    assert located(policy) == [("MP104", f"{name}:1:1", None, f"the policy file {name} {reason}", "check the path")]
    assert (policy.sources, policy.statements, policy.tables) == ((), (), {})


def test_a_relative_top_file_keeps_its_name_in_every_place(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p" / "sub").mkdir(parents=True)
    (tmp_path / "p" / "site.mailpolicy").write_text('relay nobody\ninclude "sub/more.mailpolicy"\n'
                                                    'allow users from "sub/owners.tsv"\n')
    (tmp_path / "p" / "sub" / "more.mailpolicy").write_text("sasl dovecot private/auth\n")
    (tmp_path / "p" / "sub" / "owners.tsv").write_text("a@example0.com alice\n")
    policy = load_policy(Path("p/site.mailpolicy"))
    assert policy.diagnostics == ()
    assert [s.path for s in policy.sources] == ["p/site.mailpolicy", "p/sub/more.mailpolicy", "p/sub/owners.tsv"]
    assert [type(s).__name__ for s in policy.statements] == ["Relay", "Sasl", "AllowUsersFrom"]
    [(span, table)] = policy.tables.items()
    assert span == policy.statements[2].span and span.path == "p/site.mailpolicy"
    assert table == SourceFile("p/sub/owners.tsv", "a@example0.com alice\n")


def test_an_over_budget_policy_keeps_what_it_read_and_states_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "MAX_LINES", 3)
    (tmp_path / "site.mailpolicy").write_text('relay nobody\ninclude "more.mailpolicy"\n')
    (tmp_path / "more.mailpolicy").write_text("sasl dovecot private/auth\n\n")
    policy = load_policy(tmp_path / "site.mailpolicy")
    # Checking the part read would report what the unread part may say: only the limit is reported.
    assert [d.code for d in policy.diagnostics] == ["MP109"]
    assert [s.path for s in policy.sources] == [str(tmp_path / "site.mailpolicy"), str(tmp_path / "more.mailpolicy")]
    assert (policy.statements, policy.tables) == ((), {})


@pytest.mark.parametrize(("name", "word"), [("usеrs.mailpolicy", "usеrs"), ("sub/usеrs.mailpolicy", "usеrs"),
                                            ("раypal/users.mailpolicy", "раypal")])
def test_a_name_with_look_alike_letters_is_refused_and_not_read(tmp_path: Path, name: str, word: str) -> None:
    # A reviewer reading `include "users.mailpolicy"` must not get a file of another script's letters.
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("relay nobody\n")
    (tmp_path / "site.mailpolicy").write_text(f'include "{name}"\n')
    policy = load_policy(tmp_path / "site.mailpolicy")
    [refusal] = policy.diagnostics
    assert (refusal.code, refusal.span.line, refusal.span.column) == ("MP112", 1, 9)
    # Only the part below the policy's folder is judged (the folder's own path is not the author's).
    assert refusal.message == f"the file name {tmp_path / name}: {lookalikes.problem(word)}"
    assert lookalikes.problem(word)
    assert refusal.hint == "rename the file in plain letters of one script"
    assert [s.path for s in policy.sources] == [str(tmp_path / "site.mailpolicy")]


@pytest.mark.parametrize("name", ["users list.mailpolicy", "пользователи/список.mailpolicy", "users2.mailpolicy"])
def test_a_plain_name_is_read(tmp_path: Path, name: str) -> None:
    # A space is printable and one script per word is no look-alike: nothing to refuse.
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("relay nobody\n")
    (tmp_path / "site.mailpolicy").write_text(f'include "{name}"\n')
    policy = load_policy(tmp_path / "site.mailpolicy")
    assert policy.diagnostics == () and len(policy.sources) == 2


def test_the_top_file_is_not_judged_for_look_alikes_but_for_control_characters(tmp_path: Path) -> None:
    # Named on the command line, not in a reviewed policy: only what would break main.cf's comments counts.
    (tmp_path / "sіte.mailpolicy").write_text("relay nobody\n")  # a Cyrillic і
    assert load_policy(tmp_path / "sіte.mailpolicy").diagnostics == ()
    (tmp_path / "a\u2028b.mailpolicy").write_text("relay nobody\n")
    [refusal] = load_policy(tmp_path / "a\u2028b.mailpolicy").diagnostics
    assert refusal.code == "MP112" and refusal.message.endswith("holds U+2028")
    assert refusal.span == Span(str(tmp_path / "a\u2028b.mailpolicy"), 1, 1)
