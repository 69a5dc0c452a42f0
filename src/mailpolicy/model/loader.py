"""Read a policy file and everything it includes, confined to the top file's folder."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import statements as st
from mailpolicy.parse import parse_text
from mailpolicy.source import SourceFile, Span

# Limits that turn a runaway input into an error instead of memory exhaustion.
MAX_INCLUDE_DEPTH = 16
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_LINE_CHARS = 1024 * 1024


@attrs.frozen
class LoadedPolicy:
    """Every statement of a policy and its includes, in reading order, with the files read."""

    sources: tuple[SourceFile, ...]
    statements: tuple[st.Statement, ...]
    tables: dict  # Span of an `allow users from` -> SourceFile of the table
    diagnostics: tuple[Diagnostic, ...]


def read_source(path: Path, display: str, span: Span | None) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read a UTF-8 text file within the size limits; report why not, at `span` (the line that named it)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [cat.INPUT_TOO_LARGE.at(span, f"{display} is {size:,} bytes, over the limit of "
                                                 f"{MAX_FILE_BYTES:,}", hint="split it into smaller files")]
        data = path.read_bytes()
    except OSError as error:
        return None, [cat.FILE_UNREADABLE.at(span, f"cannot read {display}: {error.strerror or error}",
                                             hint="check the path and its permissions")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [cat.FILE_UNREADABLE.at(Span(display, line, column), f"{display} is not UTF-8 text "
                                             f"(byte 0x{data[error.start]:02x})", hint="save the file as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            return None, [cat.INPUT_TOO_LARGE.at(Span(display, number, 1), f"line {number} is {len(line):,} characters "
                                                 f"long, over the limit of {MAX_LINE_CHARS:,}",
                                                 hint="split the statement over several lines")]
    return SourceFile(display, text), []


class _Loader:
    def __init__(self, top: Path) -> None:
        self.root = top.resolve().parent
        self.sources: list[SourceFile] = []
        self.statements: list[st.Statement] = []
        self.tables: dict = {}
        self.diagnostics: list[Diagnostic] = []

    def load(self, path: Path, display: str, chain: tuple[Path, ...], span: Span | None) -> None:
        source, problems = read_source(path, display, span)
        self.diagnostics.extend(problems)
        if source is None:
            return
        self.sources.append(source)
        parsed = parse_text(source.text, display)
        self.diagnostics.extend(parsed.diagnostics)
        for statement in parsed.statements:
            if isinstance(statement, st.Include):
                self.include(statement, path, display, chain)
            elif isinstance(statement, st.AllowUsersFrom):
                self.table(statement, path, display)
                self.statements.append(statement)
            else:
                self.statements.append(statement)

    def resolve(self, word: st.Word, parent: Path, parent_display: str, what: str) -> tuple[Path, str] | None:
        """Return the file a relative name points at, if it stays inside the top file's folder."""
        if os.path.isabs(word.text) or word.text.startswith("~"):
            self.diagnostics.append(cat.INCLUDE_ESCAPE.at(
                word.span, f"{what} `{word.text}` is an absolute path",
                hint="name it relative to the including file, inside the policy's folder"))
            return None
        target = (parent.parent / word.text)
        resolved = target.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            self.diagnostics.append(cat.INCLUDE_ESCAPE.at(
                word.span, f"{what} `{word.text}` resolves to {resolved}, outside {self.root}",
                hint="keep every included file in the folder of the top policy file or below it"))
            return None
        display = os.path.normpath(os.path.join(os.path.dirname(parent_display), word.text))
        return resolved, display

    def include(self, statement: st.Include, parent: Path, parent_display: str, chain: tuple[Path, ...]) -> None:
        found = self.resolve(statement.path, parent, parent_display, "include")
        if found is None:
            return
        resolved, display = found
        if resolved in chain:
            names = " -> ".join(p.name for p in (*chain, resolved))
            self.diagnostics.append(cat.INCLUDE_CYCLE.at(statement.path.span, f"include cycle: {names}",
                                                         hint="remove one of the includes"))
            return
        if len(chain) >= MAX_INCLUDE_DEPTH:
            self.diagnostics.append(cat.INCLUDE_TOO_DEEP.at(
                statement.path.span, f"includes nest deeper than {MAX_INCLUDE_DEPTH} files",
                hint="flatten the include chain"))
            return
        if not resolved.is_file():
            self.diagnostics.append(cat.INCLUDE_NOT_FOUND.at(statement.path.span, f"no file {display}",
                                                             hint="check the name; it is relative to the including file"))
            return
        self.load(resolved, display, (*chain, resolved), statement.path.span)

    def table(self, statement: st.AllowUsersFrom, parent: Path, parent_display: str) -> None:
        found = self.resolve(statement.path, parent, parent_display, "owners table")
        if found is None:
            return
        resolved, display = found
        if not resolved.is_file():
            self.diagnostics.append(cat.INCLUDE_NOT_FOUND.at(statement.path.span, f"no file {display}",
                                                             hint="check the name; it is relative to the policy file"))
            return
        source, problems = read_source(resolved, display, statement.path.span)
        self.diagnostics.extend(problems)
        if source is not None:
            self.tables[statement.span] = source
            self.sources.append(source)


def load_policy(path: str | os.PathLike) -> LoadedPolicy:
    """Read `path` and its includes; report unreadable files and include problems as diagnostics."""
    top = Path(path)
    loader = _Loader(top)
    display = str(path)
    if not top.is_file():
        loader.diagnostics.append(cat.FILE_UNREADABLE.at(None, f"no policy file {display}",
                                                         hint="check the path"))
    else:
        loader.load(top, display, (top.resolve(),), None)
    return LoadedPolicy(tuple(loader.sources), tuple(loader.statements), loader.tables, tuple(loader.diagnostics))
