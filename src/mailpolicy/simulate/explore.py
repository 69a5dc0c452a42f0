"""Decide a request once for every answer DNS and unknown tables could give.

A restriction that needs DNS (an RBL, a domain's records) or a table whose contents are not
known offers its possible outcomes, "not listed / not found" first. The request is decided
along every combination (depth first, the all-"not found" run first); when all runs agree the
decision stands, otherwise it is DEPENDS, naming the first unknown it met and listing what
each alternative answer leads to.
"""

from __future__ import annotations

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.simulate.request import Decision, Verdict

# More combinations than this and the decision is DEPENDS without looking further.
MAX_RUNS = 256


@frozen
class Branch:
    """One combination of answers and the decision it leads to; `answers` lists the non-nominal ones."""

    decision: Decision
    answers: tuple[str, ...]


@frozen
class _Choice:
    label: str
    where: tuple
    index: int
    count: int
    note: str


def explore(run, limit: int = MAX_RUNS) -> Decision:
    """Call `run(choose)` for every combination of answers; combine the decisions."""
    results, truncated = _runs(run, limit)
    return _combine(results, truncated)


def branches(run, limit: int = MAX_RUNS) -> list[Branch]:
    """Return the decision of every combination of answers, the all-nominal one first."""
    results, _truncated = _runs(run, limit)
    return [Branch(decision, tuple(c.note for c in taken if c.index)) for decision, taken in results]


def _runs(run, limit: int) -> tuple[list, bool]:
    results: list[tuple[Decision, list[_Choice]]] = []
    pending: list[tuple[int, ...]] = [()]
    truncated = False
    while pending:
        prefix = pending.pop()
        taken: list[_Choice] = []

        def choose(key, options, prefix=prefix, taken=taken):
            label, where = key
            index = prefix[len(taken)] if len(taken) < len(prefix) else 0
            taken.append(_Choice(label, where, index, len(options), options[index].note))
            return options[index]

        results.append((run(choose), taken))
        for depth in range(len(prefix), len(taken)):
            base = tuple(c.index for c in taken[:depth])
            pending.extend(base + (alternative,) for alternative in range(taken[depth].count - 1, 0, -1))
        if len(results) >= limit and pending:
            truncated = True
            break
    return results, truncated


def _combine(results: list[tuple[Decision, list[_Choice]]], truncated: bool) -> Decision:
    nominal, choices = results[0]
    if len(results) == 1:
        return nominal
    labels = ", ".join(dict.fromkeys(c.label for _, taken in results for c in taken))
    verdicts = frozenset(d.verdict for d, _ in results)
    if len(verdicts) == 1 and not truncated:
        note = f"the same whatever {labels} answer ({len(results)} cases)"
        return attrs.evolve(nominal, trace=nominal.trace + (note,))
    alternatives = []
    for decision, taken in results[1:]:
        answers = "; ".join(c.note for c in taken if c.index) or "other answers"
        alternatives.append(f"if {answers}: {decision.reply}")
    if truncated:
        alternatives.append(f"... more combinations not explored (over {len(results)})")
    first = choices[0] if choices else None
    parameter, restriction, position = first.where if first else (nominal.parameter, nominal.restriction, None)
    trace = nominal.trace + (f"depends on {labels}:",) + tuple("  " + a for a in dict.fromkeys(alternatives))
    return Decision(Verdict.DEPENDS, parameter, restriction, nominal.reply, trace, position, nominal.sources,
                    verdicts | ({Verdict.ACCEPT, Verdict.REJECT, Verdict.DEFER} if truncated else frozenset()),
                    f"the outcome depends on {labels}")
