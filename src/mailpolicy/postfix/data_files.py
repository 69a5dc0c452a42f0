"""The Postfix data files (`postfix/data`) as start-up reads them: parsed once, when the package is built.

`mailpolicy check` reads the parameter list (`postfix-X.Y.params`) and postconf(5)'s history and
restrictions (`*.json`) at every start; parsing them is a millisecond or two, and the JSON ones
need the `json` module, whose import costs `check` more than both (docs/benchmarks.md). So the
build (`hatch_build.py`, or `python src/mailpolicy/postfix/data_files.py`) writes
`postfix/built/data.marshal`: each file's parsed form beside the exact bytes it was parsed from.
At run time a file's built form is used only when those bytes are the file's bytes now and the
built file was written by this interpreter (marshal's format is the interpreter's: its first
line names both); otherwise the file is parsed now, as before. A stale build costs time, never
meaning. This module imports only the standard library, so the build hook can load it by path.
"""

from __future__ import annotations

import functools
import marshal
import os
import re
import sys
from pathlib import Path

DATA = Path(__file__).with_name("data")
BUILT = Path(__file__).with_name("built") / "data.marshal"

# Texts, compiled by re's own cache when a data file is parsed: the package is built with its data
# parsed (BUILT), so `check` never needs them (0.3 ms of start-up to compile).
_PARAM_LINE = r"([A-Za-z0-9][A-Za-z0-9_.-]*) =(?: (.*))?\Z"
# The same, for every line of a block at once (no part of it matches a newline).
_PARAM_LINES = r"^([A-Za-z0-9][A-Za-z0-9_.-]*) =(?: (.*))?$"


def parse_params_text(text: str) -> dict[str, str]:
    """Parse a ``postfix-X.Y.params`` file: ``# comments`` and ``name = default`` lines.

    Raises ValueError on any other line, and on a name given twice.
    """
    # One pass of the pattern over all lines is a third of a loop over them. The loop below runs
    # only when a line is bad, to say which.
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    found = re.findall(_PARAM_LINES, "\n".join(entries), re.MULTILINE)
    params = dict(found)
    if len(found) == len(entries) == len(params):
        return params
    params = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        match = re.match(_PARAM_LINE, line)
        if not match:
            raise ValueError(f"line {number}: not 'name = default': {line!r}")
        name = match.group(1)
        if name in params:
            raise ValueError(f"line {number}: {name} given twice")
        params[name] = match.group(2) or ""
    return params


def _parse(name: str, data: bytes):
    if name.endswith(".json"):
        import json  # only when the built form cannot be used

        return json.loads(data)
    return parse_params_text(data.decode("utf-8"))


def header() -> bytes:
    """Return the first line of data.marshal: its format and the interpreter whose marshal reads it."""
    return f"mailpolicy-data 1 {sys.implementation.cache_tag} marshal {marshal.version}\n".encode()


@functools.lru_cache(maxsize=None)
def _built() -> dict:
    try:
        with open(BUILT, "rb") as handle:
            if handle.readline() != header():
                return {}
            built = marshal.loads(handle.read())  # one read: marshal.load reads a file piece by piece
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return built if isinstance(built, dict) else {}


def parsed(name: str):
    """Return data file `name` parsed (JSON, or a parameter list as a dict): as built when it is
    still the file's content, else parsed now."""
    data = (DATA / name).read_bytes()
    built = _built().get(name)
    if built is not None and built[0] == data:
        return built[1]
    return _parse(name, data)


def write(target: Path = BUILT) -> None:
    """Write every data file parsed, with its bytes, into `target`, atomically."""
    files = sorted(path for path in DATA.iterdir() if path.suffix in (".json", ".params"))
    payload = marshal.dumps({path.name: [path.read_bytes(), _parse(path.name, path.read_bytes())] for path in files})
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}")
    temp.write_bytes(header() + payload)
    os.replace(temp, target)


if __name__ == "__main__":
    write()
    sys.exit(0)
