"""Whether to colour output: `mailpolicy --color auto|always|never` and NO_COLOR (no-color.org).

Kept apart from report.py so the command group can take `--color` without importing the
diagnostics renderers at start-up.
"""

from __future__ import annotations

import os
import sys

import click

COLOUR_CHOICES = ("auto", "always", "never")
_colour_mode = ["auto"]  # set by `mailpolicy --color` for the command that runs


def set_colour_mode(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Remember `--color` (a click callback: it runs on every invocation, the default included)."""
    _colour_mode[0] = value
    return value


def use_colour(stream=None) -> bool:
    """Decide colour: `--color always/never` wins; `auto` colours a terminal unless NO_COLOR is set.

    no-color.org: NO_COLOR "when present and not an empty string" disables colour, so an empty
    `NO_COLOR=` is ignored.
    """
    mode = _colour_mode[0]
    if mode != "auto":
        return mode == "always"
    stream = stream or sys.stderr
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()
