"""Regular expressions compiled when the package is built, and remade at start-up from their code.

`re.compile` parses a pattern and generates its code in Python (re/_parser.py, re/_compiler.py),
then hands the code, a list of integers, to the C engine (`_sre.compile`). For the statements'
expressions that `parse/lines.py` reads (composed from the grammar, 150-500 characters each) the
Python part is 99% of the time: about 0.5 ms an expression, 7 ms of `check` on the seed. So
`parse/generate.py` stores each expression's code beside its text in lines.marshal (`code_of`),
and `compiled` here hands it straight to `_sre.compile`, as re/_compiler.py's `compile` does once
it has generated the code. That code is the engine's private format: it is used only by the
interpreter that wrote it (lines.marshal's first line names its cache tag and the engine's code
version, `_sre.MAGIC`), and a text without stored code is compiled by `re.compile`.
`tests/parse/test_built_tables.py` holds every stored pattern equal to `re.compile` of its text
(CPython's Pattern equality compares the flags, the text and the code) with the same groups.

Imports only the standard library: the build hook loads generate.py, and with it this module, by path.
"""

from __future__ import annotations

import re
from array import array

import _sre

# The array type whose items are the engine's code units (_sre.CODESIZE bytes: 4 on CPython).
_CODE_TYPE = next(kind for kind in "IL" if array(kind).itemsize == _sre.CODESIZE)

# Each stored expression's text -> [flags, code, groups, groupindex, indexgroup] (`use`, from lines.marshal).
_STORED: dict[str, list] = {}


def code_of(text: str) -> list:
    """Return what `_sre.compile` needs to make `text`'s pattern, generated as re/_compiler.py's `compile` does."""
    try:
        from re import _compiler, _parser
    except ImportError:  # Python 3.10: the same functions, before they moved into the re package
        import sre_compile as _compiler
        import sre_parse as _parser
    parsed = _parser.parse(text, 0)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    # As bytes: one object to read, where a list is an object a number (the statements' expressions
    # would double what lines.marshal takes to load); made a list only for an expression in use.
    code = array(_CODE_TYPE, _compiler._code(parsed, 0)).tobytes()
    return [int(parsed.state.flags), code, parsed.state.groups - 1, groupindex, indexgroup]


def use(stored: dict[str, list]) -> None:
    """Keep the stored code of these expressions for `compiled` (built with the package, for this interpreter)."""
    _STORED.update(stored)


def compiled(text: str) -> re.Pattern:
    """Return `re.compile(text)`, made from its stored code when there is some."""
    stored = _STORED.get(text)
    if stored is None:
        return re.compile(text)
    flags, code, groups, groupindex, indexgroup = stored
    return _sre.compile(text, flags, array(_CODE_TYPE, code).tolist(), groups, groupindex, tuple(indexgroup))
