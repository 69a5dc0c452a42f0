"""Find the grammar file and build the LALR parser once per process, from a cache when one is valid.

Building the LALR tables takes about 150 ms, most of a small compile's run time; loading them
takes under 2 ms. The tables are cached per user (never beside the package, which may be
read-only), keyed by the grammar text, the lark and Python versions and the parser options,
so a changed grammar or an upgraded lark simply misses the cache and writes a new entry.

The cache holds `marshal` data (dicts, lists, strings and numbers only), not a pickle: loading
it cannot run code, so a planted file can at worst make the parser rebuild. A cache folder is
used only if it is a real folder owned by the current user and not writable by others, and every
folder on its way belongs to root or the current user and is writable by nobody else (a root-owned
sticky folder such as /tmp excepted).
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

GRAMMAR_NAME = "mailpolicy.lark"

# How the tables are built (part of the cache key) and how the parser runs (given again on load:
# lark does not store run-time options such as propagate_positions with the tables).
BUILD_OPTIONS = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False}
RUN_OPTIONS = {"propagate_positions": True}
# Options lark wants at load time rather than in the stored tables (lark.lark._LOAD_ALLOWED_OPTIONS).
_RUN_TIME = frozenset({"postlex", "transformer", "lexer_callbacks", "use_bytes", "debug", "g_regex_flags",
                       "regex", "propagate_positions", "tree_class", "_plugins"})
# Bump when the layout of a cache entry changes.
CACHE_FORMAT = "1"


def grammar_path() -> Path:
    """Return the grammar file: beside this module when installed, else the repository's grammar/."""
    installed = Path(__file__).with_name(GRAMMAR_NAME)
    if installed.is_file():
        return installed
    return Path(__file__).resolve().parents[3] / "grammar" / GRAMMAR_NAME


@functools.lru_cache(maxsize=None)
def build_parser() -> Lark:
    """Return the parser: loaded from the cache when its entry matches the grammar, else built and cached."""
    return make_parser(grammar_path().read_text(encoding="utf-8"), cache_dir())


def make_parser(grammar: str, folder: Path | None) -> Lark:
    """Return a parser for `grammar`, using and filling the cache in `folder` (None: no cache)."""
    entry = folder / f"parser-{cache_key(grammar)}.marshal" if folder else None
    if entry is not None:
        cached = _load(entry)
        if cached is not None:
            return cached
    parser = Lark(grammar, **BUILD_OPTIONS, **RUN_OPTIONS)
    if entry is not None:
        _store(parser, entry)
    return parser


def cache_key(grammar: str) -> str:
    """Return the hex digest naming the cache entry for this grammar, lark, Python and options."""
    parts = (CACHE_FORMAT, grammar, lark.__version__, f"{sys.version_info[0]}.{sys.version_info[1]}",
             repr(sorted(BUILD_OPTIONS.items())))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def cache_dir() -> Path | None:
    """Return a private folder for the parser cache, or None when no safe one can be had."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    candidates = [Path(xdg) / "mailpolicy"] if os.path.isabs(xdg) else []
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        candidates.append(Path(home) / ".cache" / "mailpolicy")
    # Last resort for users without a writable home; the checks below refuse a folder someone
    # else created in the shared temp folder first.
    candidates.append(Path(tempfile.gettempdir()) / f"mailpolicy-cache-{os.geteuid()}")
    for folder in candidates:
        if _private_folder(folder):
            return folder
    return None


def _private_folder(folder: Path) -> bool:
    if not _trusted_ancestors(folder):
        return False  # checked before mkdir: nothing is created under a folder another user controls
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and os.access(folder, os.W_OK)
            and _trusted_ancestors(folder))


def _trusted_ancestors(folder: Path) -> bool:
    """Tell whether only root and the current user can change which folder `folder` names.

    Whoever can write a folder on the way can rename the next one and put their own in its
    place (with a cache entry that makes a different parser). So every existing folder on the
    way must belong to root or the current user and not be writable by group or others, except
    a root-owned sticky folder such as /tmp, where others cannot rename what is not theirs.
    Both the path as written (following links, so each link's target counts) and its resolved
    form (each link's own folder) are checked.
    """
    written = Path(os.path.abspath(folder))
    resolved = Path(os.path.realpath(folder))
    chain = {*written.parents, written, *resolved.parents, resolved}
    for path in chain:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue  # made below by mkdir, as this user, 0700
        except OSError:
            return False
        if not _trusted_folder(info):
            return False
    return True


def _trusted_folder(info: os.stat_result) -> bool:
    if not stat.S_ISDIR(info.st_mode) or info.st_uid not in (0, os.geteuid()):
        return False
    if not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return True
    return info.st_uid == 0 and bool(info.st_mode & stat.S_ISVTX)


def _load(entry: Path) -> Lark | None:
    """Return the parser stored in `entry`, or None when it is missing, foreign or unreadable."""
    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid()
                    or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
                return None
            stored = marshal.loads(handle.read())
        # A damaged or foreign entry can fail in many ways inside lark; each only means "rebuild".
        return Lark._load_from_dict(stored["data"], stored["memo"], **RUN_OPTIONS)
    except Exception:  # noqa: BLE001 - see above
        return None


def _store(parser: Lark, entry: Path) -> None:
    """Write the parser's tables to `entry` atomically; a failure only costs the next start-up."""
    try:
        data, memo = parser.memo_serialize([TerminalDef, Rule])
        data["options"] = {k: v for k, v in data["options"].items() if k not in _RUN_TIME}
        blob = marshal.dumps({"data": data, "memo": memo})
    except (ValueError, TypeError, AttributeError):
        return
    try:
        fd, temp = tempfile.mkstemp(prefix=".parser-", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        # Readers see the old entry or the whole new one, never a half-written file.
        os.replace(temp, entry)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
