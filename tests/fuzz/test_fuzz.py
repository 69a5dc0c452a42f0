"""Property tests: every input compiles, or fails with a located diagnostic of our catalogue; never a traceback.

CI runs a bounded, derandomized number of examples per property (`FUZZ`); a long run sets
MAILPOLICY_FUZZ_EXAMPLES (see tests/fuzz/run_long.py), which also makes the runs random.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.fuzz import strategies as fs
from tests.fuzz.invariants import check_cli, compile_folder

_LONG = int(os.environ.get("MAILPOLICY_FUZZ_EXAMPLES", "0"))


def fuzz(examples: int):
    """Settings for one property: `examples` in CI, derandomized; the long run's count, random, otherwise."""
    return settings(max_examples=_LONG or examples, derandomize=not _LONG, deadline=None, database=None)


def _compile(files: dict[str, str | bytes], **options):
    with tempfile.TemporaryDirectory(prefix="mailpolicy-fuzz-") as folder:
        return compile_folder(Path(folder), files, **options)


@fuzz(150)
@given(text=fs.grammar_policies(), strict=hs.booleans())
def test_grammar_statements(text: str, strict: bool) -> None:
    _compile({fs.TOP: text}, warnings_as_errors=strict)


@fuzz(60)
@given(text=fs.raw_grammar_policies())
def test_grammar_with_any_unicode(text: str) -> None:
    _compile({fs.TOP: text})


@fuzz(100)
@given(text=fs.junk_policies())
def test_junk_text(text: str) -> None:
    _compile({fs.TOP: text})


@fuzz(60)
@given(data=hs.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _compile({fs.TOP: data})


@fuzz(100)
@given(text=fs.mutated_examples())
def test_mutated_examples(text: str) -> None:
    _compile({fs.TOP: text}, stable=True)


@fuzz(80)
@given(files=fs.policy_folders())
def test_folders_with_includes_and_tables(files) -> None:
    _compile(files)


@fuzz(30)
@given(files=fs.policy_folders(), output_format=hs.sampled_from(["text", "json", "github"]))
def test_command_line_writes_all_or_nothing(files, output_format) -> None:
    with tempfile.TemporaryDirectory(prefix="mailpolicy-fuzz-") as folder:
        check_cli(Path(folder), files, output_format)
