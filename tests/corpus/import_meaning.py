"""Does an import keep what the configuration means? Postfix's own reading of both sides decides.

For one configuration folder this imports it (the library, so each warning keeps its location),
compiles the imported policy into a scratch build (`--base-master` with the original master.cf
when the policy states services; otherwise the original master.cf is copied beside the build,
as `mailpolicy deploy` leaves it in place), then asks the real `postconf` for every parameter of
both: `postconf -c DIR` (the values as written, with Postfix's defaults for the rest) and
`postconf -x -c DIR` (the same, `$name` expanded), and `postconf -P -c DIR` for master.cf's
per-service `-o` overrides.

A parameter differs when its written value differs *and* its expanded value differs after
normalising what Postfix does not care about (see `_normal`). Comparing the written value first
attributes every difference to the parameter that causes it: a default such as
`smtpd_client_event_limit_exceptions = ${smtpd_client_connection_limit_exceptions:$mynetworks}`
is the same text on both sides, so a changed mynetworks is reported once, as mynetworks.
Every differing parameter must be *announced*: an import warning with a location that names it.

    python -m tests.corpus.import_meaning [PROJECT...]   prints the differences per configuration
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from pathlib import Path

import attrs
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.importer.run import import_config
from mailpolicy.postfix.tables import read_text_table, table_reference
# postconf in a UTS namespace with a dotted host name: without one it asks the resolver for
# myhostname's default, 1.5 s a call here (tests/fuzz/postconf_oracle.py measured it).
from tests.fuzz.postconf_oracle import _prefix

CORPUS = Path(__file__).parent / "realworld"
POSTCONF = shutil.which("postconf") or "/usr/sbin/postconf"

# Parameters that say where the configuration is or describe the running process, not what it does.
_NOT_CONFIGURATION = frozenset({"config_directory", "process_id", "process_name"})
# Lists whose order Postfix ignores: address and domain sets matched as a whole (docs/audit.md,
# "Round trip"). Restriction lists and table lists keep their order.
_ORDER_FREE = frozenset({"mynetworks", "mydestination"})
_WORDS = re.compile(r"[\s,]+")


@attrs.frozen
class Difference:
    """One parameter (or master.cf `service/type/name` override) whose meaning the import changed."""

    name: str
    original: str
    compiled: str
    announced_by: tuple[str, ...]  # the codes of the located warnings that name it


@attrs.frozen
class Comparison:
    project: str
    compiled: bool
    compile_output: str
    differences: tuple[Difference, ...] = ()

    @property
    def unannounced(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if not d.announced_by)

    def reference(self) -> str:
        """The text kept as tests/corpus/realworld/<project>/meaning.ref."""
        if not self.compiled:
            return "the imported policy does not compile:\n" + self.compile_output
        lines = [f"{len(self.differences)} parameter(s) differ, "
                 f"{len(self.unannounced)} not announced by an import warning"]
        for d in self.differences:
            by = ", ".join(d.announced_by) or "NOT ANNOUNCED"
            lines += [f"{d.name} [{by}]", f"  original: {d.original}", f"  compiled: {d.compiled}"]
        return "\n".join(lines) + "\n"


def compare(folder: Path, scratch: Path) -> Comparison:
    """Import `folder`, compile the import into `scratch`, and compare Postfix's reading of both."""
    refused = subprocess.run([*_prefix(), POSTCONF, "-c", str(folder)], capture_output=True, text=True,
                             errors="replace")
    if refused.returncode != 0:  # no reading of Postfix's to compare with
        return Comparison(folder.name, False, "postconf refuses the original: " + refused.stderr)
    imported = import_config(folder)
    scratch.mkdir(parents=True, exist_ok=True)
    policy = scratch / "imported.mailpolicy"
    # A main.cf byte that is not UTF-8 stays in the policy as it was (the CLI writes it the same way).
    policy.write_bytes(imported.text.encode("utf-8", "surrogateescape"))
    build = scratch / "build"
    master = folder / "master.cf"
    args = ["--color", "never", "compile", str(policy), "-o", str(build)]
    if master.is_file() and re.search(r"^service ", imported.text, re.M):
        args += ["--base-master", str(master)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    project = folder.name
    if result.exit_code != 0:
        return Comparison(project, False, result.output.replace(str(scratch) + os.sep, ""))
    if master.is_file() and not (build / "master.cf").exists():
        shutil.copyfile(master, build / "master.cf")
    located = [d for d in imported.diagnostics if d.span is not None]
    differences = []
    for name, (before, after) in _differing(folder, build).items():
        if _same_entries(imported.audit.files, build, before, after):
            continue
        codes = tuple(dict.fromkeys(d.code for d in located if _names(d.message, name)))
        differences.append(Difference(name, before, after, codes))
    return Comparison(project, True, "", tuple(differences))


def _names(message: str, name: str) -> bool:
    """Tell whether a warning's message names the parameter (or, for an override, the service's override)."""
    parameter = name.rpartition("/")[2]
    return re.search(rf"(?<![\w$]){re.escape(parameter)}(?!\w)", message) is not None


def _differing(original: Path, compiled: Path) -> dict[str, tuple[str, str]]:
    written = _postconf(original, "-c"), _postconf(compiled, "-c")
    expanded = _postconf(original, "-x", "-c"), _postconf(compiled, "-x", "-c")
    found = {}
    for name in sorted(set(written[0]) | set(written[1])):
        if name in _NOT_CONFIGURATION:
            continue
        if written[0].get(name) == written[1].get(name):
            continue
        before, after = expanded[0].get(name, ""), expanded[1].get(name, "")
        if _normal(name, before) != _normal(name, after):
            found[name] = (before, after)
    # postconf -P stops when there is no master.cf: then neither side has a per-service override.
    overrides = ((_postconf(original, "-P", "-c"), _postconf(compiled, "-P", "-c"))
                 if (original / "master.cf").is_file() else ({}, {}))
    for name in sorted(set(overrides[0]) | set(overrides[1])):
        before, after = overrides[0].get(name, "(not set)"), overrides[1].get(name, "(not set)")
        if _normal(name, before) != _normal(name, after):
            found[name] = (before, after)
    return found


def _same_entries(files, build: Path, before: str, after: str) -> bool:
    """Tell whether two single-table values name tables with the same entries: the original's source read
    where the audit reads it (inside the folder), the compiled one the compile wrote beside main.cf.

    An import that turns a readable alias table into `alias` lines compiles them into a table of its
    own name (virtual_aliases): Postfix's reading differs in the path only, and the rows decide.
    """
    if len(before.split()) != 1 or len(after.split()) != 1:
        return False
    original, compiled = table_reference(before), table_reference(after)
    if original is None or compiled is None or original[0] != compiled[0]:
        return False
    source = files.readable_table(original[1])
    written = build / Path(compiled[1]).name
    if source is None or not source.is_file() or not written.is_file():
        return False
    return _rows(source) == _rows(written)


def _rows(path: Path) -> dict[str, list[str]]:
    """A table source's entries: keys lower-cased (as postmap does), each value's words."""
    return {key.lower(): _WORDS.split(value.strip()) for key, value in
            read_text_table(path.read_text(encoding="utf-8")).items()}


def _postconf(folder: Path, *options: str) -> dict[str, str]:
    out = subprocess.run([*_prefix(), POSTCONF, *options, str(folder)], capture_output=True, text=True,
                         errors="replace", check=True).stdout
    values = {}
    for line in out.splitlines():
        name, _, value = line.partition(" = ")
        values[name.strip()] = value.strip()
    return values


def _normal(name: str, value: str) -> tuple[str, ...]:
    """A value as Postfix uses it: words regardless of separators, networks in canonical form."""
    words = tuple(_network(w) for w in _WORDS.split(value) if w)
    return tuple(sorted(set(words))) if name.rpartition("/")[2] in _ORDER_FREE else words


def _network(word: str) -> str:
    """`[::ffff:127.0.0.0]/104` and `[::ffff:7f00:0]/104` are one network; other words stay as written."""
    try:
        return str(ipaddress.ip_network(word.replace("[", "").replace("]", ""), strict=False))
    except ValueError:
        return word


def main() -> None:
    import sys
    import tempfile

    projects = sys.argv[1:] or sorted(p.name for p in CORPUS.iterdir() if (p / "main.cf").is_file())
    for project in projects:
        with tempfile.TemporaryDirectory() as scratch:
            comparison = compare(CORPUS / project, Path(scratch))
        print(f"=== {project}\n{comparison.reference()}")


if __name__ == "__main__":
    main()
