"""The start-up of `mailpolicy check` held in place by what it imports, not by a stopwatch.

`check` runs in pre-commit hooks; its target is at most 1.3x `python -c "import lark, attrs,
click"` (docs/benchmarks.md, measured as CPU time by benchmarks/startup_cpu.py). Time is not
asserted here (it measures the machine's load); what it is made of is: every module of the
package that `check` on the seed example imports is listed in check_seed_modules.ref, so a module
that joins the path (an eager import where a lazy one would do) fails this test until the list is
regenerated on purpose (`pytest tests/perf/test_startup_modules.py --update-goldens`, then
re-measure). The standard-library modules whose set-up cost showed in the measurements must not
come back at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from mailpolicy.parse import parse_text
from tests.conftest import REPO

SEED = str(REPO / "examples" / "seed.mailpolicy")
REFERENCE = Path(__file__).with_name("check_seed_modules.ref")
# Measured on the seed's check (docs/benchmarks.md): lark (its import and tables: the floor's
# largest part), hashlib (OpenSSL set-up, was the grammar shape's stamp), importlib.resources and
# zipfile (were how the Postfix parameter data was found), json (parsed its data and the grammar shape:
# both are parsed when the package is built now), the regexp/pcre table reader and its solver
# (pattern_witness: interegular, threading, signal), the renderers of the output files (`check`
# writes nothing: compile_policy(render=False)), and tempfile (only for a policy on stdin; with shutil,
# random, bz2 and lzma 3.7 ms).
NEVER = ("lark", "hashlib", "_hashlib", "importlib.resources", "zipfile", "json", "mailpolicy.simulate.pattern_table",
         "mailpolicy.simulate.pattern_witness", "interegular", "mailpolicy.load.file_kind", "mailpolicy.parse.usage",
         "mailpolicy.emit", "tempfile")


def check_in_a_fresh_interpreter() -> tuple[list[str], list[str]]:
    """Run `mailpolicy check` on the seed in a fresh interpreter; return every module it imported and
    the statement classes it made (parse/statements.py makes each on first use)."""
    # The probe itself imports nothing more than sys: its answer is printed with repr().
    script = ("import sys\nfrom mailpolicy.cli import cli\n"
              "try:\n    cli.main(sys.argv[1:], prog_name='mailpolicy')\nexcept SystemExit as done:\n"
              "    assert not done.code, done.code\n"
              "st = sys.modules['mailpolicy.parse.statements']\n"
              "print(repr((sorted(sys.modules), sorted(n for n in st.later.names() if n in vars(st)))), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", script, "check", SEED], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return ast.literal_eval(run.stderr.strip().splitlines()[-1])


def modules_of_check() -> list[str]:
    return check_in_a_fresh_interpreter()[0]


def test_check_imports_only_the_listed_modules_of_the_package(update_goldens: bool) -> None:
    found = "".join(f"{name}\n" for name in modules_of_check() if name.split(".")[0] == "mailpolicy")
    actual = REFERENCE.with_suffix(".actual")
    if update_goldens:
        REFERENCE.write_text(found)
    if found != REFERENCE.read_text():
        actual.write_text(found)
        raise AssertionError(f"`check` on the seed imports other modules than {REFERENCE.name} lists (see "
                             f"{actual.name}); if the new ones are needed, regenerate it with --update-goldens "
                             "and re-measure the start-up (benchmarks/startup_cpu.py, docs/benchmarks.md)")
    actual.unlink(missing_ok=True)


def test_check_never_imports_what_its_start_up_cannot_afford() -> None:
    loaded = modules_of_check()
    assert not [name for name in loaded if name.split(".")[0] in NEVER or name.startswith(NEVER)]


def test_check_makes_only_the_statement_classes_the_seed_uses() -> None:
    # Each statement class costs about 0.3 ms to make; a test of every statement against a class
    # (isinstance(s, st.Include)) would make it for every policy: statements.is_a does not.
    text = Path(SEED).read_text(encoding="utf-8")
    used = sorted({type(statement).__name__ for statement in parse_text(text, SEED).statements})
    assert check_in_a_fresh_interpreter()[1] == used
