"""A committed or planted `.mailpolicy-journal` must never make compile touch a file outside the folder.

Each case is an attack from issue 18 (or a variant): before the journal was checked, compile
overwrote a file outside the folder with the attacker's content, moved a 0600 secret into build/,
deleted a file by its hash, printed "restored the previous ..." and exited 0. Now each is refused
with MP611, nothing in the journal is acted on, and every file involved is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.output import atomic
from mailpolicy.output.folder import OutputFolder, Refused
from mailpolicy.output.journal import JOURNAL, MAX_ENTRIES, MAX_JOURNAL_BYTES, encode, read_journal
from tests.helpers import SMALL_POLICY
from tests.postfix_support import missing_prerequisite

MAP = "controlled_envelope_senders"
ATTACKER = "attacker's content\n"


def _entry(name, temp=None, backup=None, sha256=None) -> dict:
    return {"name": name, "temp": temp, "backup": backup, "sha256": sha256}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Each journal names something outside the folder, or is not what mailpolicy writes. `victim` is
# a file beside the folder, `secret` a 0600 file beside it, `plant` a file committed in build/.
ATTACKS = {
    "overwrite a file outside with a committed backup": [_entry("../victim", backup=".mailpolicy-backup-plant")],
    "absolute name overwritten by a committed backup": [_entry("{tmp}/victim", backup=".mailpolicy-backup-plant")],
    "move a 0600 secret into the folder": [_entry("main.cf", backup="../secret")],
    "move a secret named absolutely": [_entry("main.cf", backup="{tmp}/secret")],
    "delete a file outside by its hash": [_entry("../victim", sha256=_sha("victim\n"))],
    "delete by hash through a sub-path": [_entry("sub/../../victim", sha256=_sha("victim\n"))],
    "a temporary outside the folder": [_entry("main.cf", temp="../victim")],
    "the folder itself": [_entry("..")],
    "the journal itself": [_entry(JOURNAL)],
    "a backup of another name": [_entry("main.cf", backup=f".mailpolicy-backup-{MAP}")],
    "a name with a newline": [_entry("main.cf\n")],
    "a name that is not a string": [_entry(["main.cf"])],
    "a second entry for one name": [_entry("main.cf"), _entry("main.cf")],
    "an unknown key": [{**_entry("main.cf"), "chmod": "0777"}],
    "a hash that is not one": [_entry("main.cf", sha256="../victim")],
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A compiled build/ beside a victim file and a 0600 secret; returns the folder holding them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").write_text(SMALL_POLICY)
    assert _compile().exit_code == 0
    (tmp_path / "victim").write_text("victim\n")
    (tmp_path / "secret").write_text("secret\n")
    (tmp_path / "secret").chmod(0o600)
    (tmp_path / "build" / ".mailpolicy-backup-plant").write_text(ATTACKER)
    return tmp_path


def _compile(*args: str):
    return CliRunner().invoke(cli, ["compile", *args, "site.mailpolicy", "-o", "build"])


def _everything(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _write_journal(site: Path, entries) -> None:
    text = json.dumps({"version": 1, "entries": entries}).replace("{tmp}", str(site))
    (site / "build" / JOURNAL).write_text(text)
    (site / "build" / JOURNAL).chmod(0o600)


@pytest.mark.parametrize("entries", ATTACKS.values(), ids=ATTACKS.keys())
@pytest.mark.parametrize("mode", [[], ["--check"], ["--force"]])
def test_a_journal_naming_anything_but_plain_output_names_is_refused_and_not_acted_on(
        site: Path, entries, mode) -> None:
    _write_journal(site, entries)
    before = _everything(site)
    result = _compile(*mode)
    assert result.exit_code == 1, result.output
    assert "error[MP611]" in result.stderr and "nothing in it was acted on" in result.stderr
    assert "restored" not in result.stderr and "MP606" not in result.stderr
    assert _everything(site) == before, "no file inside or outside the folder changed"


def test_the_real_killed_write_journal_is_still_acted_on(site: Path) -> None:
    # The counterpart: the journal a killed compile leaves holds plain names and is rolled back.
    build = site / "build"
    old = (build / MAP).read_bytes()
    os.link(build / MAP, build / f".mailpolicy-backup-{MAP}")
    (build / MAP).unlink()
    (build / MAP).write_text("new, from the killed write\n")
    _write_journal(site, [_entry(MAP, backup=f".mailpolicy-backup-{MAP}")])
    result = _compile()
    assert result.exit_code == 0, result.output
    assert f"restored the previous {MAP}" in result.stderr
    assert (build / MAP).read_bytes() == old


def _other_owner(path: Path) -> None:
    os.chown(path, 65534, 65534, follow_symlinks=False)


JOURNAL_FILES = {
    "owned by another user":
        lambda j: _other_owner(j) if os.geteuid() == 0 else missing_prerequisite("needs root to chown"),
    "writable by group": lambda j: j.chmod(0o620),
    "writable by everyone": lambda j: j.chmod(0o666),
    "a symlink to a journal elsewhere": lambda j: (j.rename(j.parent.parent / "elsewhere"),
                                                  j.symlink_to(j.parent.parent / "elsewhere")),
    "a FIFO": lambda j: (j.unlink(), os.mkfifo(j)),
    "not JSON": lambda j: j.write_text("{"),
    "another version": lambda j: j.write_text(json.dumps({"version": 2, "entries": []})),
    # Not a list: refused, not a crash on len() (a mutation survivor, docs/mutation.md).
    "entries that are a number": lambda j: j.write_text(json.dumps({"version": 1, "entries": 5})),
}


@pytest.mark.parametrize("spoil", JOURNAL_FILES.values(), ids=JOURNAL_FILES.keys())
def test_a_journal_file_not_owned_by_the_user_or_shared_is_refused(site: Path, spoil) -> None:
    # The entries are the real kind (the map's own backup, committed with attacker content): only
    # the file's owner, mode or kind says that the user's own compile did not write it.
    (site / "build" / f".mailpolicy-backup-{MAP}").write_text(ATTACKER)
    _write_journal(site, [_entry(MAP, backup=f".mailpolicy-backup-{MAP}")])
    spoil(site / "build" / JOURNAL)
    before = (site / "build" / MAP).read_text()
    result = _compile()
    assert result.exit_code == 1, result.output
    assert "error[MP611]" in result.stderr and "restored" not in result.stderr
    assert (site / "build" / MAP).read_text() == before


def test_a_backup_that_is_a_symlink_is_refused_before_anything_is_restored(site: Path) -> None:
    # A plain name, a real backup name, but the backup is a committed link to the secret: restoring
    # it would put a link to the secret at main.cf (and let the next --diff print the secret).
    build = site / "build"
    os.symlink(site / "secret", build / ".mailpolicy-backup-main.cf")
    (build / f".mailpolicy-backup-{MAP}").write_text(ATTACKER)
    _write_journal(site, [_entry(MAP, backup=f".mailpolicy-backup-{MAP}"),
                          _entry("main.cf", backup=".mailpolicy-backup-main.cf")])
    before = _everything(site)
    result = _compile()
    assert result.exit_code == 1 and "error[MP611]" in result.stderr and "not a regular file" in result.stderr
    assert _everything(site) == before
    assert not (build / "main.cf").is_symlink()


def test_recover_raises_a_refusal_for_a_journal_outside_the_folder(site: Path) -> None:
    _write_journal(site, ATTACKS["delete a file outside by its hash"])
    with pytest.raises(Refused) as caught:
        atomic.recover(site / "build")
    assert caught.value.diagnostic().code == "MP611"
    assert (site / "victim").read_text() == "victim\n"
    assert stat.S_ISREG((site / "build" / JOURNAL).lstat().st_mode), "the journal is left for a person to read"


def test_a_journal_of_exactly_the_most_entries_is_read(tmp_path: Path) -> None:
    # The bound is inclusive: a write of MAX_ENTRIES files must still be recoverable (one more is refused,
    # refusals.ref). Reading only: every entry here names a file that does not exist.
    entries = [_entry(f"f{n}") for n in range(MAX_ENTRIES)]
    (tmp_path / JOURNAL).write_bytes(encode(entries))
    (tmp_path / JOURNAL).chmod(0o600)
    with OutputFolder.open(tmp_path, check_owner=False) as out:
        assert read_journal(out) == entries


def _read_journal_file(folder: Path, data: bytes):
    (folder / JOURNAL).write_bytes(data)
    (folder / JOURNAL).chmod(0o600)
    with OutputFolder.open(folder, check_owner=False) as out:
        return read_journal(out)


def test_a_journal_of_exactly_the_most_bytes_is_read(tmp_path: Path) -> None:
    document = encode([_entry("main.cf")])
    padded = document[:-1] + b" " * (MAX_JOURNAL_BYTES - len(document)) + document[-1:]
    assert len(padded) == MAX_JOURNAL_BYTES
    assert _read_journal_file(tmp_path, padded) == [_entry("main.cf")]


def test_a_journal_owned_by_another_user_is_refused_saying_whose(tmp_path: Path, monkeypatch) -> None:
    # As any user: the journal's real owner is not the uid this process is made to believe it has.
    owner = os.getuid()
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    with pytest.raises(Refused) as raised:
        _read_journal_file(tmp_path, encode([]))
    assert raised.value.path == str(tmp_path / JOURNAL)
    assert raised.value.message == (f"{tmp_path / JOURNAL} is not a journal mailpolicy wrote here: it is owned by "
                                    f"uid {owner}, not by you (uid {owner + 1}); nothing in it was acted on")


def test_a_journal_that_grows_after_its_size_was_checked_is_refused(tmp_path: Path, monkeypatch) -> None:
    # A racer appending between open_regular's fstat and the read: only MAX_JOURNAL_BYTES + 1 bytes
    # are read, and the refusal names the journal (the size check is skipped here to stand for the race).
    @contextlib.contextmanager
    def unchecked(self, name, limit):
        with open(self.path / name, "rb") as handle:
            yield handle

    monkeypatch.setattr(OutputFolder, "open_regular", unchecked)
    with pytest.raises(Refused) as raised:
        _read_journal_file(tmp_path, encode([]) + b" " * MAX_JOURNAL_BYTES)
    assert raised.value.path == str(tmp_path / JOURNAL)
    assert raised.value.message == (f"{tmp_path / JOURNAL} is not a journal mailpolicy wrote here: it is over "
                                    f"{MAX_JOURNAL_BYTES:,} bytes; nothing in it was acted on")
