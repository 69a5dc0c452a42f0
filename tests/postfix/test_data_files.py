"""The Postfix data files as the package build parsed them (postfix/data_files.py): up to date, and
used only while they are the files' content."""

from __future__ import annotations

import json

from mailpolicy.postfix import data_files
from mailpolicy.postfix.data_files import DATA, parse_params_text, parsed


def test_the_built_data_is_every_data_file_parsed_as_it_is_now() -> None:
    built = data_files._built()
    assert built, "postfix/built/data.marshal is missing or for another interpreter: reinstall"
    names = sorted(path.name for path in DATA.iterdir() if path.suffix in (".json", ".params"))
    assert sorted(built) == names
    for name in names:
        data = (DATA / name).read_bytes()
        assert built[name][0] == data, f"{name} changed since the build: reinstall"
        fresh = json.loads(data) if name.endswith(".json") else parse_params_text(data.decode("utf-8"))
        assert built[name][1] == fresh
        assert parsed(name) is built[name][1]


def test_a_data_file_changed_since_the_build_is_parsed_again(tmp_path, monkeypatch) -> None:
    # A stale build costs time, never meaning: the file's own content wins.
    for path in DATA.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "restrictions.json").write_text(json.dumps({"restrictions": {"x": {}}, "obsolete": {}}))
    monkeypatch.setattr(data_files, "DATA", tmp_path)
    assert parsed("restrictions.json") == {"restrictions": {"x": {}}, "obsolete": {}}
    assert parsed("history.json") is data_files._built()["history.json"][1]


def test_a_build_for_another_interpreter_is_not_read(tmp_path, monkeypatch) -> None:
    target = tmp_path / "data.marshal"
    data_files.write(target)
    target.write_bytes(target.read_bytes().replace(b"mailpolicy-data 1 ", b"mailpolicy-data 1 other-", 1))
    monkeypatch.setattr(data_files, "BUILT", target)
    data_files._built.cache_clear()
    try:
        assert data_files._built() == {}
        assert parsed("history.json") == json.loads((DATA / "history.json").read_bytes())
    finally:
        data_files._built.cache_clear()
