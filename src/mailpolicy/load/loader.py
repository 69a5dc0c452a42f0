"""Read a policy file and everything it includes, confined to the top file's folder.

Confinement: an include or owners table is named relative to the file that names it and must
resolve, symlinks followed, to a regular file in the folder the top policy file really lives in
(or below it). Absolute names, `~`, `..` escapes and symlinks that lead out are refused; the
checked path is the one opened, without following a symlink planted after the check.

Limits: every file and line is size-checked before it is parsed, and lines and values are
counted across all files before each one is parsed, so a runaway input (a huge file, a very long
line, a wide or deep include tree) ends in MP108/MP109, not in memory exhaustion.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from pathlib import Path

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_source, too_large
from mailpolicy.parse import lookalikes, parse_text
from mailpolicy.parse import statements as st
from mailpolicy.source import SourceFile, Span

# Limits that turn a runaway input into an error instead of memory exhaustion. They sit well
# above real policies: the largest benchmarked one has 1,000,000 `allow user` lines (~100 MB).
# One file and one line are limited where every file is read (load/files.py: MAX_FILE_BYTES,
# MAX_LINE_CHARS).
MAX_INCLUDE_DEPTH = 16                 # files in one include chain, the top file included
MAX_FILES = 1024                       # policy files and owners tables read for one compile
MAX_TOTAL_BYTES = 256 * 1024 * 1024    # all files of one compile together
MAX_LINES = 4_000_000                  # lines of all policy files: every statement is one line
MAX_VALUES = 8_000_000                 # lines of policies and owners tables plus commas: bounds tokens

# Lines of an owners table with a control character that are reported; the rest are not.
_MAX_TABLE_PROBLEMS = 50



@frozen
class LoadedPolicy:
    """Every statement of a policy and its includes, in reading order, with the files read."""

    sources: tuple[SourceFile, ...]
    statements: tuple[st.Statement, ...]
    tables: dict  # Span of an `allow users from` -> SourceFile of the table
    diagnostics: tuple[Diagnostic, ...]


@frozen
class _Link:
    """One file of an include chain: its real path, its name in messages, and the line naming it."""

    path: Path
    display: str
    span: Span | None


class _Loader:
    def __init__(self, top: Path, top_display: str) -> None:
        # The top file's folder is the one it really lives in: a symlinked top file includes
        # the files beside its target, like a script finds its modules.
        self.root = top.resolve().parent
        self.top_display = top_display
        self.sources: list[SourceFile] = []
        self.statements: list[st.Statement] = []
        self.tables: dict = {}
        self.diagnostics: list[Diagnostic] = []
        self.read: dict[Path, Span | None] = {}  # every file read -> the line that named it
        self.total_bytes = 0
        self.total_lines = 0
        self.total_values = 0
        self.exhausted = False  # a budget ran out: read nothing more

    # --- budgets -------------------------------------------------------------------------------
    def admit(self, path: Path, display: str, span: Span | None) -> bool:
        """Count a file about to be read against the per-compile budgets; report the one it breaks."""
        where = span or Span(display, 1, 1)
        if self.exhausted:
            return False
        if len(self.read) >= MAX_FILES:
            self.exhausted = True
            self.diagnostics.append(too_large(where, f"more than {MAX_FILES:,} files are included",
                                               "merge small included files"))
            return False
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the read reports it
        if self.total_bytes + size > MAX_TOTAL_BYTES:
            self.exhausted = True
            self.diagnostics.append(too_large(where, f"reading {display} would take the policy over "
                                               f"{MAX_TOTAL_BYTES:,} bytes in all files together",
                                               "split the policy or move owners to fewer, smaller files"))
            return False
        self.total_bytes += size
        return True

    def count(self, source: SourceFile, span: Span | None, table: bool = False) -> bool:
        """Count the lines and values of a file before parsing it; refuse it over budget.

        A statement is one line, and its tokens are a few keywords and its values, so the two
        bound the parser's work; both are counted at C speed (a million-line policy costs
        milliseconds). An owners-table line is one value (an address), not a statement: tables
        are read by a simple split, not by the parser.
        """
        lines = source.text.count("\n") + 1
        self.total_lines += 0 if table else lines
        self.total_values += lines + source.text.count(",")
        over = None
        if self.total_lines > MAX_LINES:
            over = f"over {MAX_LINES:,} lines"
        elif self.total_values > MAX_VALUES:
            over = f"over {MAX_VALUES:,} values"
        if over is None:
            return True
        self.exhausted = True
        self.diagnostics.append(too_large(span or Span(source.path, 1, 1),
                                           f"with {source.path} the policy has {over} in all files together",
                                           "split the policy into separate policies"))
        return False

    # --- reading -------------------------------------------------------------------------------
    def safe_name(self, link: _Link) -> bool:
        """Refuse a file name with a control character or look-alike letters."""
        where = link.span or Span(link.display, 1, 1)
        odd = next((ch for ch in link.display if not ch.isprintable()), None)  # a space is printable
        if odd is not None:
            shown = link.display.encode("unicode_escape").decode("ascii")
            # main.cf and the map cite files in comments, `# reason (name:3)`: a newline in a
            # name would start a main.cf line of its own.
            self.diagnostics.append(cat.UNSAFE_FILE_NAME.at(where, f"the file name {shown} holds U+{ord(odd):04X}",
                                                            hint="rename the file with printable characters only"))
            return False
        if link.span is None:
            return True  # the top file was named on the command line, not in a reviewed policy
        # Word by word, so that `пользователи.mailpolicy` is one Cyrillic and one Latin word.
        for word in re.findall(r"[^\W\d_]+", str(link.path.relative_to(self.root))):
            found = lookalikes.problem(word)
            if found:
                # A reviewer reading `include "users.mailpolicy"` must not get `usеrs.mailpolicy`.
                self.diagnostics.append(cat.UNSAFE_FILE_NAME.at(where, f"the file name {link.display}: {found}",
                                                                hint="rename the file in plain letters of one script"))
                return False
        return True

    def open(self, link: _Link) -> tuple[SourceFile | None, list[Diagnostic]] | None:
        """Read a file the policy names, within the limits, and record it; None when it may not be read."""
        if not self.safe_name(link) or not self.admit(link.path, link.display, link.span):
            return None
        self.read[link.path] = link.span
        source, problems = read_source(link.path, link.display, link.span)
        self.diagnostics.extend(problems)
        if source is not None:
            self.sources.append(source)
        return source, problems

    def load(self, link: _Link, chain: tuple[_Link, ...]) -> None:
        opened = self.open(link)
        if opened is None:
            return
        source, problems = opened
        if problems or not self.count(source, link.span):
            return
        parsed = parse_text(source.text, link.display)
        self.diagnostics.extend(parsed.diagnostics)
        chain = (*chain, link)
        for statement in parsed.statements:
            if st.is_a(statement, "Include"):
                self.include(statement, chain)
            elif st.is_a(statement, "AllowUsersFrom"):
                self.table(statement, chain)
                self.statements.append(statement)
            else:
                self.statements.append(statement)

    def resolve(self, word: st.Word, parent: _Link, what: str) -> _Link | None:
        """Return the file a relative name points at, if it stays inside the top file's folder."""
        name = word.text
        if not name:
            self.diagnostics.append(cat.INCLUDE_NOT_FOUND.at(word.span, f"the {what} names no file",
                                                             hint='write a file name, e.g. "users.mailpolicy"'))
            return None
        if os.path.isabs(name) or name.startswith("~"):
            self.diagnostics.append(cat.INCLUDE_ESCAPE.at(
                word.span, f"{what} `{name}` is an absolute path",
                hint="name it relative to the including file, inside the policy's folder"))
            return None
        try:
            resolved = (parent.path.parent / name).resolve()
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop (Python < 3.13)
            self.diagnostics.append(cat.INCLUDE_NOT_FOUND.at(
                word.span, f"cannot resolve {what} `{name}`: {getattr(error, 'strerror', None) or error}",
                hint="check the name and any symlinks on the way"))
            return None
        if resolved != self.root and self.root not in resolved.parents:
            via = " through a symlink" if ".." not in Path(name).parts else ""
            self.diagnostics.append(cat.INCLUDE_ESCAPE.at(
                word.span, f"{what} `{name}` leads{via} to {resolved}, outside {self.root}",
                hint="keep every included file in the folder of the top policy file or below it"))
            return None
        relative = resolved.relative_to(self.root)
        display = os.path.normpath(os.path.join(os.path.dirname(self.top_display), relative))
        return _Link(resolved, display, word.span)

    def include(self, statement: st.Include, chain: tuple[_Link, ...]) -> None:
        link = self.resolve(statement.path, chain[-1], "include")
        if link is None or not self.regular_file(link, "include"):
            return
        names = [c.path for c in chain]
        if link.path in names:
            cycle = " -> ".join(c.display for c in (*chain[names.index(link.path):], link))
            self.diagnostics.append(cat.INCLUDE_CYCLE.at(statement.path.span, f"include cycle: {cycle}",
                                                         hint="remove one of the includes"))
            return
        if link.path in self.read:
            self.repeated(link, "included")
            return
        if len(chain) >= MAX_INCLUDE_DEPTH:
            path = " -> ".join(c.display for c in (*chain, link))
            self.diagnostics.append(cat.INCLUDE_TOO_DEEP.at(
                statement.path.span, f"includes nest deeper than {MAX_INCLUDE_DEPTH} files: {path}",
                hint="include the inner files from a shallower file"))
            return
        self.load(link, chain)

    def table(self, statement: st.AllowUsersFrom, chain: tuple[_Link, ...]) -> None:
        link = self.resolve(statement.path, chain[-1], "owners table")
        if link is None or not self.regular_file(link, "owners table"):
            return
        if link.path in self.read:
            self.repeated(link, "read")
            return
        opened = self.open(link)
        if opened is None:
            return
        source, problems = opened
        if not problems and self.count(source, link.span, table=True) and self.printable(source):
            self.tables[statement.span] = source

    def printable(self, source: SourceFile) -> bool:
        """Refuse an owners table holding control or invisible characters (the parser does this for policies)."""
        # Checked on the whole text first: a million-line table is almost always clean.
        if source.text.replace("\r\n", "\n").replace("\n", "").replace("\t", "").isprintable():
            return True
        found = 0
        for number, line in enumerate(source.text.split("\n"), start=1):
            line = line[:-1] if line.endswith("\r") else line
            column = next((i for i, ch in enumerate(line) if not ch.isprintable() and ch != "\t"), None)
            if column is not None and found < _MAX_TABLE_PROBLEMS:
                found += 1
                self.diagnostics.append(cat.CONTROL_CHARACTER.at(
                    Span(source.path, number, column + 1, column + 2),
                    f"U+{ord(line[column]):04X} {unicodedata.name(line[column], '(a control character)')} "
                    "in the owners table",
                    hint="remove it; a table line may hold only printable text, spaces and tabs"))
        return False

    def regular_file(self, link: _Link, what: str) -> bool:
        problem = _not_a_file(link.path)
        if problem is None:
            return True
        self.diagnostics.append(cat.INCLUDE_NOT_FOUND.at(link.span, f"the {what} {link.display} {problem}",
                                                         hint="check the name; it is relative to the file naming it"))
        return False

    def repeated(self, link: _Link, how: str) -> None:
        # Reading a file twice would state each of its lines twice (duplicate statements at
        # best); refusing it also keeps a diamond-shaped include tree from growing exponentially.
        first = self.read[link.path]
        related = (Related(first, "first named here"),) if first is not None else ()
        self.diagnostics.append(cat.INCLUDE_REPEATED.at(
            link.span, f"{link.display} is already {how}", hint="name each file once", related=related))


def _not_a_file(path: Path) -> str | None:
    """Return why `path` is not a regular file, or None when it is one."""
    try:
        info = path.stat()
    except OSError as error:  # Path.is_file() raises for some errors, e.g. a name too long
        return "does not exist" if error.errno == errno.ENOENT else f"cannot be read: {error.strerror or error}"
    return None if stat.S_ISREG(info.st_mode) else "is not a regular file"


def load_policy(path: str | os.PathLike) -> LoadedPolicy:
    """Read `path` and its includes; report unreadable files and include problems as diagnostics."""
    top = Path(path)
    display = str(path)
    problem = _not_a_file(top)
    if problem is not None:
        return LoadedPolicy((), (), {}, (cat.FILE_UNREADABLE.at(Span(display, 1, 1), f"the policy file {display} "
                                                                f"{problem}", hint="check the path"),))
    loader = _Loader(top, display)
    loader.load(_Link(top.resolve(), display, None), ())
    if loader.exhausted:
        # Part of an over-budget policy was not read; checking the rest would report what the
        # unread part may well say (a missing `sasl`, an unowned address), so report only the limit.
        return LoadedPolicy(tuple(loader.sources), (), {}, tuple(loader.diagnostics))
    return LoadedPolicy(tuple(loader.sources), tuple(loader.statements), loader.tables, tuple(loader.diagnostics))
