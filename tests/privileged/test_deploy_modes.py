"""deploy stages each file with the old file's own mode, never a set-id, sticky or group/other-write bit.

Before, the staged file took `stat()` of the old name (a link's target) and chmod-ed by name,
copying set-id and group/other-write bits.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(("mode", "kept"), [(0o4755, 0o755), (0o2640, 0o640), (0o1644, 0o644), (0o666, 0o644),
                                            (0o775, 0o755), (0o640, 0o640), (0o600, 0o600)])
def test_a_staged_file_never_gets_set_id_sticky_or_group_other_write_bits(tmp_path: Path, mode: int,
                                                                         kept: int) -> None:
    from mailpolicy.deploy import transaction

    (tmp_path / "main.cf").write_text("old\n")
    (tmp_path / "main.cf").chmod(mode)
    staged = transaction.stage(tmp_path, "main.cf", "new\n")
    assert staged.read_text() == "new\n"
    assert staged.stat().st_mode & 0o7777 == kept


def test_a_link_in_place_of_the_old_file_lends_its_target_neither_mode_nor_owner(tmp_path: Path) -> None:
    from mailpolicy.deploy import transaction

    target = tmp_path / "elsewhere"
    target.write_text("x\n")
    target.chmod(0o4777)
    (tmp_path / "main.cf").symlink_to(target)
    staged = transaction.stage(tmp_path, "main.cf", "new\n")
    assert staged.stat().st_mode & 0o7777 == 0o644
    assert target.stat().st_mode & 0o7777 == 0o4777  # and the target itself is left alone
