"""The output folder as a hostile place: links, FIFOs, devices, modes, racers, shared folders (issue 18).

Each test is an attack that worked before the folder was worked on by descriptor; each asserts
what an attacker would have gained (a secret printed or moved, a mode widened, a link left as
main.cf) is not gained, so removing the protection fails it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.output import folder as folder_module
from mailpolicy.output.folder import OutputFolder
from tests.helpers import SMALL_POLICY
from tests.postfix_support import require_postfix
from tests.postfix_support import missing_prerequisite

MAP = "controlled_envelope_senders"
SECRET = "root:$6$secret-hash:19000:0:99999:7:::\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").write_text(SMALL_POLICY)
    (tmp_path / "secret").write_text(SECRET)
    (tmp_path / "secret").chmod(0o400)  # a mode no output or journal has: any chmod through a link shows
    return tmp_path


def _compile(*args: str, output: str = "build"):
    return CliRunner().invoke(cli, ["compile", *args, "site.mailpolicy", "-o", output])


def _secret_untouched(site: Path) -> None:
    info = (site / "secret").stat()
    assert (site / "secret").read_text() == SECRET and stat.S_IMODE(info.st_mode) == 0o400


def _check_in_a_child(site: Path) -> subprocess.CompletedProcess:
    # A child with a timeout: a hang (or a read that never ends) would otherwise hang pytest itself.
    return subprocess.run([sys.executable, "-c", "from mailpolicy.cli import main; main()", "compile", "--check",
                           "site.mailpolicy", "-o", "build"], cwd=site, capture_output=True, text=True, timeout=60)


# --- reads of existing outputs: O_NOFOLLOW, regular files only, bounded -------------------------

@pytest.mark.parametrize("name", ["main.cf", MAP])
@pytest.mark.parametrize("mode", [["--check", "--diff", "--format", "github"], ["--diff"], ["--check"], [],
                                  ["--force"]])
def test_an_output_that_is_a_symlink_to_a_secret_is_never_printed_or_followed(site: Path, name: str, mode) -> None:
    (site / "build").mkdir()
    (site / "build" / name).symlink_to(site / "secret")
    result = _compile(*mode)
    assert result.exit_code == 1, result.output
    assert "MP609" in result.output + result.stderr and "is a symlink" in result.output + result.stderr
    assert "secret-hash" not in result.output + result.stderr, "the secret leaked into the output"
    assert (site / "build" / name).is_symlink(), "a refused link is left alone, even with --force"
    _secret_untouched(site)


def test_a_fifo_does_not_hang_check(site: Path) -> None:
    (site / "build").mkdir()
    os.mkfifo(site / "build" / "main.cf")
    child = _check_in_a_child(site)
    assert child.returncode == 1, child.stderr
    assert "error[MP609]" in child.stderr and "is a FIFO" in child.stderr


def test_dev_zero_behind_a_link_is_refused_without_reading(site: Path) -> None:
    (site / "build").mkdir()
    (site / "build" / MAP).symlink_to("/dev/zero")
    child = _check_in_a_child(site)
    assert child.returncode == 1 and "error[MP609]" in child.stderr


def test_an_output_over_the_size_limit_is_refused_without_reading_it(site: Path) -> None:
    (site / "build").mkdir()
    with open(site / "build" / MAP, "wb") as sparse:
        sparse.truncate(folder_module.MAX_OUTPUT_BYTES + 1)  # sparse: no disk used
    for mode in (["--check"], []):
        result = _compile(*mode)
        assert result.exit_code == 1 and "error[MP610]" in result.stderr
    assert (site / "build" / MAP).stat().st_size == folder_module.MAX_OUTPUT_BYTES + 1


def test_a_symlinked_output_folder_is_refused(site: Path) -> None:
    # A committed `build -> /etc/postfix` (here: -> elsewhere) must not redirect the write.
    (site / "elsewhere").mkdir()
    (site / "build").symlink_to(site / "elsewhere")
    for mode in ([], ["--check"], ["--diff"]):
        result = _compile(*mode)
        assert result.exit_code == 1 and "error[MP613]" in result.stderr and "is a symlink" in result.stderr
    assert list((site / "elsewhere").iterdir()) == []


# --- modes: nothing copied that widens access, umask respected ----------------------------------

def test_new_files_respect_the_umask_and_the_map_is_not_world_readable(site: Path) -> None:
    old = os.umask(0o022)
    try:
        assert _compile().exit_code == 0
        assert stat.S_IMODE((site / "build" / "main.cf").stat().st_mode) == 0o644
        assert stat.S_IMODE((site / "build" / MAP).stat().st_mode) == 0o640
        os.umask(0o077)
        assert _compile(output="private").exit_code == 0
    finally:
        os.umask(old)
    for name in ("main.cf", MAP):
        assert stat.S_IMODE((site / "private" / name).stat().st_mode) == 0o600, name


@pytest.mark.parametrize("mode", [0o4755, 0o6644, 0o1666, 0o666, 0o777, 0o2775])
def test_a_replaced_file_never_keeps_set_id_execute_or_group_other_write_bits(site: Path, mode: int) -> None:
    assert _compile().exit_code == 0
    for name in ("main.cf", MAP):
        (site / "build" / name).write_text("# hand-made\n")
        os.chmod(site / "build" / name, mode)
    assert _compile("--force").exit_code == 0
    for name in ("main.cf", MAP):
        assert stat.S_IMODE((site / "build" / name).stat().st_mode) == mode & 0o644, (name, oct(mode))


def test_a_chosen_private_or_world_readable_mode_is_kept(site: Path) -> None:
    # How to ask for another mode: chmod the file once; every later compile keeps it.
    assert _compile().exit_code == 0
    (site / "build" / MAP).chmod(0o644)
    (site / "build" / "main.cf").chmod(0o600)
    (site / "site.mailpolicy").write_text(SMALL_POLICY + "allow user bob as bob@example0.com\n")
    assert _compile().exit_code == 0
    assert stat.S_IMODE((site / "build" / MAP).stat().st_mode) == 0o644
    assert stat.S_IMODE((site / "build" / "main.cf").stat().st_mode) == 0o600


# --- a racer who can write the folder ------------------------------------------------------------

def test_a_temporary_swapped_for_a_link_neither_chmods_the_target_nor_becomes_main_cf(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _compile().exit_code == 0
    before = {name: (site / "build" / name).read_bytes() for name in ("main.cf", MAP)}
    real = OutputFolder._create_temp

    def racer(self):
        # The racer replaces each temporary by a link to the secret the moment it is created:
        # a chmod by name would make the secret 0644, a rename would make main.cf that link.
        fd, name = real(self)
        os.unlink(name, dir_fd=self.fd)
        os.symlink(site / "secret", name, dir_fd=self.fd)
        return fd, name

    real_replace, links_renamed = OutputFolder.replace, []

    def replace(self, source, target):
        if stat.S_ISLNK(os.stat(source, dir_fd=self.fd, follow_symlinks=False).st_mode):
            links_renamed.append(target)
        real_replace(self, source, target)

    monkeypatch.setattr(OutputFolder, "_create_temp", racer)
    monkeypatch.setattr(OutputFolder, "replace", replace)
    (site / "site.mailpolicy").write_text(SMALL_POLICY.replace("mx.example0.com", "mx2.example0.com")
                                          + "allow user bob as bob@example0.com\n")
    result = _compile()
    assert links_renamed == [], "a racer's link was never, even for a moment, an output"
    assert result.exit_code == 1 and "error[MP614]" in result.stderr
    assert "wrote" not in result.stderr
    _secret_untouched(site)
    for name in ("main.cf", MAP):
        assert not (site / "build" / name).is_symlink()
        assert (site / "build" / name).read_bytes() == before[name], "the previous files were put back"


def test_main_cf_swapped_after_its_rename_is_caught_and_rolled_back(site: Path, monkeypatch) -> None:
    assert _compile().exit_code == 0
    before = (site / "build" / "main.cf").read_bytes()
    real, raced = OutputFolder.replace, []

    def racer(self, source, target):
        real(self, source, target)
        if target == "main.cf" and not raced:  # right after the last rename, before compile says "wrote"
            raced.append(target)
            os.unlink(target, dir_fd=self.fd)
            os.symlink(site / "secret", target, dir_fd=self.fd)

    monkeypatch.setattr(OutputFolder, "replace", racer)
    (site / "site.mailpolicy").write_text(SMALL_POLICY.replace("mx.example0.com", "mx2.example0.com"))
    result = _compile()
    assert result.exit_code == 1 and "error[MP614]" in result.stderr and "wrote" not in result.stderr, \
        (result.stderr, raced)
    assert not (site / "build" / "main.cf").is_symlink()
    assert (site / "build" / "main.cf").read_bytes() == before


# --- a folder other users can change, when running as root --------------------------------------

def _as_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real when the tests run as root; otherwise the check is made to apply to this user.
    monkeypatch.setattr(folder_module, "running_as_root", lambda: True)


SHARED = {
    "writable by everyone": lambda f: f.chmod(0o777),
    "sticky and writable by everyone": lambda f: f.chmod(0o1777),
    "writable by a group that is not root's": lambda f: (os.chown(f, -1, 65534) if os.geteuid() == 0 else None,
                                                         f.chmod(0o770)),
    "owned by another user":
        lambda f: os.chown(f, 65534, -1) if os.geteuid() == 0 else missing_prerequisite("needs root"),
}


@pytest.mark.parametrize("share", SHARED.values(), ids=SHARED.keys())
@pytest.mark.parametrize("mode", [[], ["--check"]])
def test_as_root_a_folder_others_can_change_is_refused(site: Path, monkeypatch, share, mode) -> None:
    _as_root(monkeypatch)
    (site / "build").mkdir()
    share(site / "build")
    result = _compile(*mode)
    assert result.exit_code == 1, result.output
    assert "error[MP613]" in result.stderr and "mailpolicy runs as root" in result.stderr
    assert list((site / "build").iterdir()) == []


def test_as_root_a_folder_only_root_can_change_is_written(site: Path, monkeypatch) -> None:
    _as_root(monkeypatch)
    (site / "build").mkdir(mode=0o755)
    (site / "build").chmod(0o775 if os.geteuid() == 0 and (site / "build").stat().st_gid == 0 else 0o755)
    assert _compile().exit_code == 0
    assert (site / "build" / "main.cf").is_file()


# --- what Postfix makes of the map's mode (postmap.c: umask(022 | (~st.st_mode & 077))) ----------

@pytest.mark.postfix
def test_postmap_gives_the_table_the_private_mode_of_the_compiled_map_and_root_still_reads_it(site: Path) -> None:
    require_postfix()
    assert _compile().exit_code == 0
    source = site / "build" / MAP
    assert stat.S_IMODE(source.stat().st_mode) == 0o640
    subprocess.run(["postmap", f"hash:{source}"], check=True, capture_output=True, timeout=60)
    table = Path(f"{source}.db")
    assert stat.S_IMODE(table.stat().st_mode) == 0o640, "postmap keeps the source's group/other read bits"
    # smtpd opens the table as root before dropping privileges (smtpd_check_init in pre_jail_init).
    found = subprocess.run(["postmap", "-q", "jcricket@example0.com", f"hash:{source}"],
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and found.stdout.strip() == "jimminey", found


@pytest.mark.parametrize("mode", [[], ["--check"]])
def test_several_policies_do_not_write_through_a_linked_output_folder(site: Path, mode) -> None:
    # `-o build` with several policies writes build/site/ and build/other/: `build` itself, a
    # committed link, must not lead the host folders elsewhere.
    (site / "other.mailpolicy").write_text(SMALL_POLICY)
    (site / "elsewhere").mkdir()
    (site / "build").symlink_to(site / "elsewhere")
    result = CliRunner().invoke(cli, ["compile", *mode, "site.mailpolicy", "other.mailpolicy", "-o", "build"])
    assert result.exit_code == 1 and "error[MP613]" in result.stderr and "is a symlink" in result.stderr
    assert list((site / "elsewhere").iterdir()) == []


def test_a_host_folder_that_is_a_link_is_refused(site: Path) -> None:
    (site / "elsewhere").mkdir()
    (site / "build").mkdir()
    (site / "build" / "site").symlink_to(site / "elsewhere")
    result = _compile("--per-host")
    assert result.exit_code == 1 and "error[MP613]" in result.stderr
    assert list((site / "elsewhere").iterdir()) == []
    assert _compile("--per-host", output="fresh").exit_code == 0
    assert (site / "fresh" / "site" / "main.cf").is_file()


def _unix_socket(path: Path) -> None:
    import socket

    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()


DEVICES = {
    "a socket": _unix_socket,
    # /dev/zero's numbers, in the folder itself (needs root to create; a link to it is tested above).
    "a character device": lambda p: os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5)) if os.geteuid() == 0
    else missing_prerequisite("creating a device node needs root"),
}


@pytest.mark.parametrize("kind, make", DEVICES.items(), ids=DEVICES.keys())
def test_a_device_or_socket_in_the_folder_is_refused_without_being_opened(site: Path, kind: str, make) -> None:
    (site / "build").mkdir()
    make(site / "build" / MAP)
    child = _check_in_a_child(site)
    assert child.returncode == 1 and "error[MP609]" in child.stderr and f"is {kind}" in child.stderr, child.stderr
