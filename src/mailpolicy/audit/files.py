"""Find and read the files of a Postfix configuration: main.cf, master.cf, and the tables they name.

`mailpolicy audit /etc/postfix` reads a configuration folder; `mailpolicy audit path/main.cf`
reads that file and the master.cf beside it. A folder without master.cf is still audited, with a
note (MP706), as if it held Debian's stock smtpd service. Tables are named by absolute path in
main.cf; one under the configuration's config_directory (default /etc/postfix) is read from the
audited folder, so a copy of a server's /etc/postfix in a repository audits like the original.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path


from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_bytes
from mailpolicy.postfix.main_cf import MainCf, read_main_cf
from mailpolicy.postfix.master_cf import MasterCf, read_master_cf
from mailpolicy.source import SourceFile, Span

DEFAULT_CONFIG_DIRECTORY = "/etc/postfix"

# What smtpd runs with when there is no master.cf to say: Debian's stock line.
STOCK_SMTPD_LINE = "smtp      inet  n       -       y       -       -       smtpd\n"


class ConfigUnreadable(Exception):
    """The configuration cannot be read at all (a usage or I/O error, exit 2); the message says why."""


@frozen
class ConfigFiles:
    """A configuration as read: its folder, main.cf, master.cf (None when absent) and problems."""

    folder: Path
    main_cf: MainCf
    master_cf: MasterCf | None
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]

    def table_path(self, path: str) -> Path:
        """Return where to read a table named `path` in main.cf (see the module docstring)."""
        return table_path(self.main_cf, self.folder, path)

    def readable_table(self, path: str) -> Path | None:
        """Return where to read table `path`, or None when that is outside the audited folder.

        A table's lines appear in diagnostics, and main.cf is not trusted to name what the audit
        may show: `hash:/etc/shadow` must not print the shadow file. So only a table inside the
        folder audited (after config_directory is mapped onto it, symlinks resolved) is read;
        another is reported as not read (MP705). The file itself is opened with O_NOFOLLOW.
        """
        where = self.table_path(path)
        folder = os.path.realpath(self.folder)
        parent = os.path.realpath(where.parent)
        if parent != folder and not parent.startswith(folder.rstrip("/") + "/"):
            return None
        return Path(parent) / where.name


def table_path(main_cf: MainCf, folder: Path, path: str) -> Path:
    """Return where to read a table `main_cf` names as `path`: from `folder` when under config_directory."""
    # So a copy of a server's /etc/postfix (in a repository, a backup) reads like the server itself.
    config_directory = posixpath.normpath(main_cf.value("config_directory") or DEFAULT_CONFIG_DIRECTORY)
    normal = posixpath.normpath(path)
    if normal.startswith(config_directory + "/"):
        return folder / normal[len(config_directory) + 1:]
    return Path(normal)


def read_config(path: str | os.PathLike) -> ConfigFiles:
    """Read the configuration at `path` (a folder or a main.cf); raise ConfigUnreadable if main.cf cannot be read."""
    given = Path(path)
    if given.is_dir():
        folder, main_path = given, given / "main.cf"
    elif given.exists():
        folder, main_path = given.parent, given
    else:
        raise ConfigUnreadable(f"{given}: no such file or folder")
    if not main_path.is_file():
        raise ConfigUnreadable(f"{folder}: no main.cf in this folder")
    main_source = _read(main_path)
    main_cf = read_main_cf(main_source.text, main_source.path)
    sources = [main_cf.source]
    diagnostics: list[Diagnostic] = []
    master_path = folder / "master.cf"
    master_cf = None
    if master_path.is_file():
        master_source = _read(master_path)
        master_cf = read_master_cf(master_source.text, master_source.path)
        sources.append(master_cf.source)
        diagnostics.extend(master_cf.diagnostics)
    else:
        diagnostics.append(cat.NO_MASTER_CF.at(
            None, f"{folder} has no master.cf: audited as if smtpd ran as Debian's stock `smtp inet` "
                  "service, chrooted to the queue directory, without -o overrides",
            hint="audit the folder that holds both main.cf and master.cf to check every smtpd service"))
    return ConfigFiles(folder, main_cf, master_cf, tuple(sources), tuple(diagnostics))


def stock_master_cf() -> MasterCf:
    """Return the master.cf assumed when there is none: Debian's stock smtpd service alone."""
    return read_master_cf(STOCK_SMTPD_LINE, "(Debian's stock master.cf)")


def _read(path: Path) -> SourceFile:
    """Read main.cf or master.cf as Postfix does: bytes, whatever they are, within the size limit.

    O_NOFOLLOW and regular files only (files.read_bytes): a symlink or a FIFO planted as
    main.cf is refused, not followed or waited on. Postfix reads bytes, so bytes that are not
    UTF-8 and a byte-order mark are kept (surrogateescape: every byte round-trips, and the
    renderers print undecodable ones as \\xNN); there is no line length limit, as readlline.c
    has none - only the file size is bounded.
    """
    data, problem = read_bytes(path, str(path), Span(str(path), 1, 1))
    if problem is not None:
        raise ConfigUnreadable(problem.message)
    return SourceFile(str(path), data.decode("utf-8", "surrogateescape"))
