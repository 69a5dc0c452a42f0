"""The LALR table cache: used when valid, rebuilt when not, never written beside the package."""

from __future__ import annotations

import marshal
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path


from mailpolicy.parse import grammar
from mailpolicy.parse.grammar import cache_dir, cache_key, grammar_path, make_parser
from tests.postfix_support import missing_prerequisite

TEXT = '  allow user "bob" as a@b.example, @c.example  # x\nsasl dovecot private/auth\nrelay nobody\n'


def tree_with_positions(parser) -> list:
    """Return every subtree's rule and its line and columns, so positions are compared too."""
    tree = parser.parse(TEXT)
    return [(t.data, t.meta.line, t.meta.column, t.meta.end_column) for t in tree.iter_subtrees()]


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("parser-*.marshal"))


def test_a_cached_parser_parses_like_a_built_one(tmp_path: Path) -> None:
    text = grammar_path().read_text()
    built = make_parser(text, tmp_path)
    (entry,) = entries(tmp_path)
    loaded = make_parser(text, tmp_path)
    assert loaded.source_path == "<deserialized>"  # it came from the cache, not from the grammar
    assert tree_with_positions(loaded) == tree_with_positions(built)
    assert entries(tmp_path) == [entry]


def test_a_damaged_entry_is_rebuilt_and_replaced(tmp_path: Path) -> None:
    text = grammar_path().read_text()
    make_parser(text, tmp_path)
    (entry,) = entries(tmp_path)
    good = entry.read_bytes()
    for damage in (b"", b"not marshal data", good[: len(good) // 2], b"\xfb\x00\x00",
                   marshal.dumps([1, 2]), marshal.dumps({"data": {}, "memo": {}})):
        entry.write_bytes(damage)
        parser = make_parser(text, tmp_path)
        assert parser.source_path != "<deserialized>"
        assert tree_with_positions(parser) == tree_with_positions(make_parser(text, None))
        assert make_parser(text, tmp_path).source_path == "<deserialized>"  # the entry was rewritten


def test_a_changed_grammar_misses_the_cache(tmp_path: Path) -> None:
    text = grammar_path().read_text()
    changed = text.replace('chroot: "chroot" value', 'chroot: "chroot" value\nunused_rule: "unused" value')
    assert cache_key(changed) != cache_key(text)
    make_parser(text, tmp_path)
    parser = make_parser(changed, tmp_path)
    assert len(entries(tmp_path)) == 2
    assert parser.source_path != "<deserialized>"


def test_a_folder_others_can_write_is_not_used(tmp_path: Path, monkeypatch) -> None:
    shared = tmp_path / "xdg" / "mailpolicy"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mailpolicy"
    assert stat.S_IMODE(os.stat(cache_dir()).st_mode) == 0o700


def test_a_symlinked_cache_folder_is_not_used(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "xdg").mkdir()
    (tmp_path / "xdg" / "mailpolicy").symlink_to(tmp_path / "elsewhere")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mailpolicy"


def test_without_any_usable_cache_folder_the_parser_is_built(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "x"))
    monkeypatch.setenv("HOME", str(blocker / "y"))
    monkeypatch.setattr(grammar.tempfile, "gettempdir", lambda: str(blocker / "z"))
    assert cache_dir() is None
    assert make_parser(grammar_path().read_text(), cache_dir()).parse(TEXT)


def test_a_read_only_installed_package_parses_and_is_left_untouched(tmp_path: Path) -> None:
    # An installed copy: the package with its grammar beside the parser, every folder read-only.
    site = tmp_path / "site"
    package = Path(grammar.__file__).resolve().parents[1]
    shutil.copytree(package, site / "mailpolicy", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(grammar_path(), site / "mailpolicy" / "parse" / grammar.GRAMMAR_NAME)
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    for path in [site, *site.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    script = ("import mailpolicy.parse.grammar as g, sys; assert g.__file__.startswith(sys.argv[1]); "
              "print(len(g.build_parser().parse(sys.argv[2]).children))")
    try:
        for _ in range(2):  # the first run fills the cache, the second reads it
            run = subprocess.run([sys.executable, "-c", script, str(site), TEXT], env=env,
                                 capture_output=True, text=True, check=False)
            assert run.returncode == 0, run.stderr
            assert run.stdout.strip() == "3"
    finally:
        for path in [site, *site.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert len(entries(tmp_path / "cache" / "mailpolicy")) == 1


def test_a_cache_folder_under_a_folder_others_can_write_is_not_used(tmp_path: Path, monkeypatch) -> None:
    # The cache folder itself is ours and 0700, but whoever can write `shared` can rename it and
    # put a folder of theirs, with an entry that builds another parser, in its place.
    shared = tmp_path / "shared"
    (shared / "mailpolicy").mkdir(parents=True, mode=0o700)
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mailpolicy"


def test_a_cache_folder_reached_through_a_link_into_a_shared_folder_is_not_used(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    shared = tmp_path / "shared"
    (shared / "cache" / "mailpolicy").mkdir(parents=True, mode=0o700)
    shared.chmod(0o777)
    (tmp_path / "xdg").symlink_to(shared / "cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mailpolicy"


def test_a_cache_folder_under_another_users_folder_is_not_used(tmp_path: Path, monkeypatch) -> None:
    if os.geteuid() != 0:
        missing_prerequisite("giving a folder to another user needs root (CI runs as root for Postfix)")
    import pwd

    theirs = tmp_path / "theirs"
    (theirs / "mailpolicy").mkdir(parents=True, mode=0o700)
    os.chown(theirs, pwd.getpwnam("nobody").pw_uid, -1)  # 0755: only nobody can rename inside
    monkeypatch.setenv("XDG_CACHE_HOME", str(theirs))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mailpolicy"


def test_an_entry_others_can_write_is_not_loaded(tmp_path: Path) -> None:
    text = grammar_path().read_text()
    make_parser(text, tmp_path)
    (entry,) = entries(tmp_path)
    entry.chmod(0o666)
    assert make_parser(text, tmp_path).source_path != "<deserialized>"
