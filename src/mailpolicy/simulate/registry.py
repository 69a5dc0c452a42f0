"""The table of restriction evaluators: name -> function, and which part of a request each reads."""

from __future__ import annotations

from typing import Callable

from mailpolicy.simulate.context import Context, Outcome, Step

Evaluator = Callable[[Context, Step], Outcome]
EVALUATORS: dict[str, Evaluator] = {}
# The part of the request each restriction reads (the shading and proof analyses group by it).
READS: dict[str, str] = {}


def restriction(*names: str, reads: str = "none") -> Callable[[Evaluator], Evaluator]:
    """Register an evaluator under one or more restriction names."""
    def register(function: Evaluator) -> Evaluator:
        for name in names:
            EVALUATORS[name] = function
            READS[name] = reads
        return function
    return register
