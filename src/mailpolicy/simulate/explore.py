"""Decide a request once for every answer DNS and unknown tables could give.

A restriction that needs DNS (an RBL, a domain's records) or a table whose contents are not
known offers its possible outcomes, "not listed / not found" first. The request is decided
along every combination (depth first, the all-"not found" run first); when all runs agree the
decision stands, otherwise it is DEPENDS, naming the first unknown it met and listing what
each alternative answer leads to.

A run that takes another answer at a choice does not decide the request again from the start:
the runner (simulate/runner.py) tells its Tape where each top-level restriction begins and
what state it begins in, and the run for the other answer starts at that restriction, the
lists before it standing as they ended. A list of N DNS lists or unknown tables then costs N
evaluations plus a few per alternative, not N per alternative. A choice made outside a
top-level restriction (none is, today) is still reached by replaying from the start.
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


@frozen(eq=False)
class _Saved:
    """Where a run stood just before a top-level restriction: another run may start there."""

    ordinal: int  # which top-level list (the runner numbers them as it runs them)
    index: int  # the restriction's position in that list
    state: tuple  # what the runner needs to restore (trace so far, flags)
    count: int  # how many choices the run had made before it
    ended: list  # how the run's earlier top-level lists ended (append-only; the first `ordinal` count)


@frozen
class _Choice:
    label: str
    where: tuple
    index: int
    count: int
    note: str
    saved: _Saved | None = attrs.field(default=None, eq=False)


class Tape:
    """The `choose` of one run: the answers it must give, then nominal ones; and where it may start.

    Called as `choose((label, where), options)`. A runner that knows the protocol (`resume`,
    `mark`, `unmark`, `ended`) lets the run skip what an earlier run already did; one that does
    not simply runs from the start.
    """

    __slots__ = ("taken", "ended", "_forced", "_next", "_saved", "_mark", "_at")

    def __init__(self, taken: list[_Choice], forced: tuple[int, ...], saved: _Saved | None) -> None:
        self.taken = taken
        self.ended: list = saved.ended[:saved.ordinal] if saved is not None else []
        self._forced = forced
        self._next = 0
        self._saved = saved
        self._mark: tuple | None = None
        self._at: _Saved | None = None

    def __call__(self, key, options):
        label, where = key
        forced = self._forced
        index = forced[self._next] if self._next < len(forced) else 0
        self._next += 1
        at = self._at
        if at is None and self._mark is not None:
            at = self._at = _Saved(*self._mark, self.ended)
        self.taken.append(_Choice(label, where, index, len(options), options[index].note, at))
        return options[index]

    def resume(self, ordinal: int):
        """Return how top-level list `ordinal` starts: None (from its first restriction), the
        Ended an earlier run saw (the list is done), or (position, state) to start from."""
        saved = self._saved
        if saved is None or ordinal > saved.ordinal:
            return None
        if ordinal < saved.ordinal:
            return self.ended[ordinal]
        return saved.index, saved.state

    def mark(self, ordinal: int, index: int, state: tuple) -> None:
        """Note that top-level list `ordinal` is about to evaluate its restriction `index`, in `state`."""
        self._mark = (ordinal, index, state, len(self.taken))
        self._at = None

    def unmark(self) -> None:
        """Note that no top-level restriction is being evaluated (choices now have no start point)."""
        self._mark = self._at = None

    def list_ended(self, ordinal: int, ended) -> None:
        """Record how top-level list `ordinal` ended."""
        if ordinal == len(self.ended):
            self.ended.append(ended)


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
    # Each run still to make: the run it branches from, the choice it answers otherwise, and how.
    pending: list[tuple[list[_Choice], int, int]] = []
    tape, free = Tape([], (), None), 0
    truncated = False
    while True:
        results.append((run(tape), tape.taken))
        taken = tape.taken
        # Depth first, the first alternative of the deepest choice next (as `pending.pop()` takes them).
        for depth in range(free, len(taken)):
            pending.extend((taken, depth, alternative) for alternative in range(taken[depth].count - 1, 0, -1))
        if not pending:
            break
        if len(results) >= limit:
            truncated = True
            break
        tape, free = _branch(*pending.pop())
    return results, truncated


def _branch(taken: list[_Choice], depth: int, alternative: int) -> tuple[Tape, int]:
    """Return the tape of the run that answers choice `depth` of `taken` with `alternative`, and its first free choice."""
    saved = taken[depth].saved
    start = saved.count if saved is not None else 0
    forced = tuple(c.index for c in taken[start:depth]) + (alternative,)
    return Tape(taken[:start], forced, saved), depth + 1


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
