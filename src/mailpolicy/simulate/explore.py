"""Decide a request once for every answer DNS and unknown tables could give.

A restriction that needs DNS (an RBL, a domain's records) or a table whose contents are not
known offers its possible outcomes, "not listed / not found" first. The request is decided
along every combination (depth first, the all-"not found" run first); when all runs agree the
decision stands, otherwise it is DEPENDS, naming the first unknown it met and listing what
each alternative answer leads to.

A run that takes another answer at a choice does not decide the request again from the start:
the runner (simulate/runner.py) tells its Tape where each restriction begins and what state it
begins in, and the run for the other answer starts at that restriction (inside a restriction
class, or a list an access table answered with, too), the top-level lists before it standing
as they ended. A list of N DNS lists or unknown tables then costs N evaluations plus a few per
alternative, not N per alternative. A choice made outside every list (none is, today) is still
reached by replaying from the start.
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
    # Each non-nominal choice's label and where it was made: (parameter, restriction, position).
    choices: tuple[tuple[str, tuple], ...] = ()


@frozen(eq=False)
class _Saved:
    """Where a run stood just before a restriction: another run may start there."""

    # From the top-level list down to the list holding the restriction, one (key, position,
    # state, choices made) per list: a top-level list's key is its number among top-level
    # lists, a nested list's its number among those its enclosing restriction ran.
    path: tuple[tuple[int, int, tuple, int], ...]
    ended: list  # how the run's earlier top-level lists ended (append-only; the first path[0][0] count)

    @property
    def count(self) -> int:
        """How many choices the run had made before the restriction."""
        return self.path[-1][3]


@frozen
class _Choice:
    label: str
    where: tuple
    index: int
    count: int
    note: str
    saved: _Saved | None = attrs.field(default=None, eq=False)


class _Frame:
    """A list being evaluated: its key, the restriction it is at and the state before it."""

    __slots__ = ("key", "start", "position", "state", "count", "nested", "override")

    def __init__(self, key: int, start: int) -> None:
        self.key = key
        self.start = start  # choices made before the list began
        self.position: int | None = None
        self.state: tuple = ()
        self.count = start
        self.nested = 0  # lists the current restriction has run so far
        self.override: tuple | None = None  # on the way to a start point: the earlier run's state here


class Tape:
    """The `choose` of one run: the answers it must give, then nominal ones; and where it may start.

    Called as `choose((label, where), options)`. A runner that knows the protocol (`enter`,
    `mark`, `leave`) lets the run skip what an earlier run already did; one that does not simply
    runs from the start. The start point is the restriction whose choice this run answers
    otherwise, in the innermost list entered since the enclosing restriction began without a
    choice on the way (so that evaluating the enclosing restrictions again up to that list makes
    the same choices: none); failing that, the enclosing restriction.
    """

    __slots__ = ("taken", "ended", "_forced", "_next", "_path", "_follow", "_frames", "_lists")

    def __init__(self, taken: list[_Choice], forced: tuple[int, ...], saved: _Saved | None) -> None:
        self.taken = taken
        self.ended: list = saved.ended[:saved.path[0][0]] if saved is not None else []
        self._forced = forced
        self._next = 0
        self._path = saved.path if saved is not None else ()
        self._follow = 0 if saved is not None else -1  # path levels entered so far; -1: none to follow
        self._frames: list[_Frame] = []
        self._lists = 0

    def __call__(self, key, options):
        label, where = key
        forced = self._forced
        index = forced[self._next] if self._next < len(forced) else 0
        self._next += 1
        self.taken.append(_Choice(label, where, index, len(options), options[index].note, self._here()))
        return options[index]

    def _here(self) -> _Saved | None:
        frames = self._frames
        if not frames or frames[0].position is None:
            return None  # outside every list: only a run from the start gets here
        deepest = 1
        while (deepest < len(frames) and frames[deepest].position is not None
               and frames[deepest].start == frames[deepest - 1].count):
            deepest += 1
        return _Saved(tuple((f.key, f.position, f.state, f.count) for f in frames[:deepest]), self.ended)

    def enter(self, top: bool):
        """Begin a list (a top-level one, or one a restriction evaluates); return where it starts.

        None: at its first restriction. An Ended (top-level lists only): an earlier run with
        the same answers saw it end so; it is not evaluated. (position, state): at that
        restriction; `state` (what the runner saved there) when the runner must restore it,
        None when a list inside that restriction holds the start point.
        """
        if top:
            key = self._lists
            self._lists += 1
            if self._path and key < self._path[0][0]:
                return self.ended[key]
        else:
            parent = self._frames[-1]
            key = parent.nested
            parent.nested += 1
        frame = _Frame(key, len(self.taken))
        level = len(self._frames)
        self._frames.append(frame)
        path = self._path
        if self._follow != level or path[level][0] != key:
            return None
        if level and self._frames[-2].position != path[level - 1][1]:
            return None
        if level:
            frame.start = self._frames[-2].count  # as in the earlier run: no choice between the two
        if level == len(path) - 1:
            self._follow = -1
            return path[level][1], path[level][2]
        self._follow = level + 1
        frame.override = path[level]
        return path[level][1], None

    def mark(self, position: int, state: tuple) -> None:
        """Note that the innermost list is about to evaluate its restriction `position`, in `state`."""
        frame = self._frames[-1]
        override = frame.override
        if override is not None and override[1] == position:
            # Entered only to reach a start point inside: the state here is the earlier run's.
            state, count = override[2], override[3]
        else:
            count = len(self.taken)
        frame.position, frame.state, frame.count, frame.nested = position, state, count, 0

    def leave(self, ended) -> None:
        """End the innermost list; a top-level list's end is kept for later runs."""
        frame = self._frames.pop()
        if not self._frames and frame.key == len(self.ended):
            self.ended.append(ended)


def explore(run, limit: int = MAX_RUNS) -> Decision:
    """Call `run(choose)` for every combination of answers; combine the decisions."""
    results, truncated = _runs(run, limit)
    return _combine(results, truncated)


def branches(run, limit: int = MAX_RUNS) -> list[Branch]:
    """Return the decision of every combination of answers, the all-nominal one first."""
    results, _truncated = _runs(run, limit)
    return [Branch(decision, tuple(c.note for c in taken if c.index), tuple((c.label, c.where) for c in taken if c.index))
            for decision, taken in results]


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
    """Return the tape of the run answering choice `depth` of `taken` with `alternative`, and its first free choice."""
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
