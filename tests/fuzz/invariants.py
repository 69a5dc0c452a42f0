"""What must hold for every input: it compiles, or it fails with located diagnostics of our catalogue.

Never a traceback, never an output file on failure; and what compiles reads back as Postfix reads it.
Every checked input is counted (by outcome and by code) so a long run can report what it covered.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.cli.report import line_lookup
from mailpolicy.compiler import Compilation, compile_policy
from mailpolicy.diagnostics.catalogue import CATALOGUE
from mailpolicy.diagnostics.render_github import render_github
from mailpolicy.diagnostics.render_json import render_json
from mailpolicy.diagnostics.render_text import render_text
from mailpolicy.source import Span
from tests.injection.readback import main_cf_values, read_map
from tests.helpers import write_files

# Counts of every input checked in this process: "inputs", "compiled", "refused", "code:MPxxx".
STATS: collections.Counter = collections.Counter()


def write_folder(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write the files of a generated policy folder; return the top file.

    write_files writes text without newline translation: a generated "\r" must reach the file as
    it was drawn."""
    return write_files(folder, files) / next(iter(files))


def _lines(result: Compilation, path: str) -> list[str] | None:
    source = next((s for s in result.sources if s.path == path), None)
    return None if source is None else source.text.split("\n")


def check_span(result: Compilation, span: Span, what: str) -> None:
    """A span names a file read (or the top file) and a line and column inside it."""
    lines = _lines(result, span.path)
    if lines is None:
        # Only a file refused as a whole (too large, a line too long, an unsafe name) is not shown.
        assert what.split()[0] in ("MP109", "MP112"), f"{what}: {span} names a file that was not read"
        return
    assert 1 <= span.line <= len(lines), f"{what}: line {span.line} of {len(lines)}"
    text = lines[span.line - 1]
    assert 1 <= span.column <= len(text) + 1, f"{what}: column {span.column} on a line of {len(text)}"
    if span.end_column is not None:
        assert span.column <= span.end_column <= len(text) + 2, f"{what}: {span} ends past its line"


def check_compilation(result: Compilation) -> None:
    """Check every invariant of one compile and count it."""
    STATS["inputs"] += 1
    for d in result.diagnostics:
        assert d.code in CATALOGUE, f"{d.code} is not in the catalogue"
        STATS[f"code:{d.code}"] += 1
        if d.is_error:
            assert d.span is not None, f"{d.code} {d.message!r} has no location"
        if d.span is not None:
            check_span(result, d.span, f"{d.code} {d.message!r}")
        for related in d.related:
            check_span(result, related.span, f"{d.code} related {related.message!r}")
        assert d.message and "\n" not in d.message, f"{d.code}: message {d.message!r}"
    # Every renderer copes with every diagnostic.
    line_of = line_lookup(result.sources)
    render_text(result.diagnostics, line_of)
    json.loads(render_json(result.diagnostics))
    assert len(render_github(result.diagnostics).splitlines()) == len(result.diagnostics)
    if not result.ok:
        STATS["refused"] += 1
        assert result.outputs == {}, "output produced for a policy with errors"
        return
    STATS["compiled"] += 1
    assert "main.cf" in result.outputs
    main_cf_values(result.outputs["main.cf"])
    for name, text in result.outputs.items():
        if name != "main.cf":
            read_map(text)


def compile_folder(folder: Path, files: dict[str, str | bytes], stable: bool = False, **options) -> Compilation:
    """Write, compile and check a generated folder; with `stable`, compile it twice and compare."""
    top = write_folder(folder, files)
    result = compile_policy(top, **options)
    check_compilation(result)
    if stable:
        again = compile_policy(top, **options)
        assert again.diagnostics == result.diagnostics and again.outputs == result.outputs, "not deterministic"
    return result


def check_cli(folder: Path, files: dict[str, str | bytes], output_format: str = "text") -> None:
    """Run `mailpolicy compile` on a generated folder: exit 0 with files, or 1 with none; never a crash."""
    top = write_folder(folder / "policy", files)
    out = folder / "out"
    result = CliRunner().invoke(cli, ["compile", str(top), "-o", str(out), "--format", output_format])
    STATS["inputs"] += 1
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if result.exit_code == 0:
        STATS["compiled"] += 1
        assert "main.cf" in written
    else:
        STATS["refused"] += 1
        assert written == [], f"files written on failure: {written}"
    if output_format == "json":
        json.loads(result.stdout)


def dump_stats(path: Path) -> None:
    """Add this process's counts to the JSON file at `path`."""
    totals = collections.Counter(json.loads(path.read_text())) if path.exists() else collections.Counter()
    totals.update(STATS)
    path.write_text(json.dumps(dict(sorted(totals.items())), indent=1) + "\n")
