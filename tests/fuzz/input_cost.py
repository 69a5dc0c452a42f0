"""What one fuzz input costs mailpolicy, and the limit it must stay under (issue 19: "no input takes
more than 2 s").

The limit is on CPU time, not wall time: the fuzz runs on cores shared with other work, where a
wall time measures the load as much as the work (docs/audit.md runs A-E: audit + import up to
8.5 s wall at load 12-16). The work is measured in this process with time.process_time (user +
system CPU of this process only: the postconf runs the oracle starts are children, not counted),
as audit and import run in-process here; wall time is recorded beside it. An input over the limit
is a failure like a disagreement: the run counts and prints it, and keeps the slowest inputs so
they can be re-timed one by one (tests/fuzz/retime.py).
"""

from __future__ import annotations

import heapq
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LIMIT_SECONDS = 2.0  # CPU seconds per input, for the reading and for audit + import together


@dataclass(frozen=True)
class Cost:
    cpu: float
    wall: float


def measure(work: Callable[[], object]) -> tuple[object, Cost]:
    """Run `work`; return its result and what it cost (CPU time of this process, and wall time)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, Cost(time.process_time() - cpu, time.perf_counter() - wall)


@dataclass
class Costs:
    """The costs of every input of a run: the reading (mailpolicy's side of the oracle) and audit +
    import, the inputs over the limit, and the `keep` inputs whose audit + import cost the most CPU."""

    keep: int = 50
    reading: list[Cost] = field(default_factory=list)
    commands: list[Cost] = field(default_factory=list)
    over_limit: list[tuple[bytes, str]] = field(default_factory=list)
    _slowest: list[tuple[float, int, bytes, Cost]] = field(default_factory=list)

    def add_reading(self, data: bytes, cost: Cost) -> None:
        self.reading.append(cost)
        if cost.cpu > LIMIT_SECONDS:
            self.over_limit.append((data, f"reading took {cost.cpu:.2f} s of CPU (limit {LIMIT_SECONDS} s)"))

    def add_commands(self, data: bytes, cost: Cost) -> None:
        self.commands.append(cost)
        if cost.cpu > LIMIT_SECONDS:
            self.over_limit.append((data, f"audit + import took {cost.cpu:.2f} s of CPU (limit {LIMIT_SECONDS} s)"))
        entry = (cost.cpu, len(self.commands), data, cost)
        if len(self._slowest) < self.keep:
            heapq.heappush(self._slowest, entry)
        else:
            heapq.heappushpop(self._slowest, entry)

    def slowest(self) -> list[tuple[bytes, Cost]]:
        """Return the kept inputs, costliest audit + import first."""
        return [(data, cost) for _, _, data, cost in sorted(self._slowest, reverse=True)]

    def summary(self) -> dict[str, float | int]:
        return {"max_reading_cpu": _top(self.reading, "cpu"), "max_reading_wall": _top(self.reading, "wall"),
                "max_command_cpu": _top(self.commands, "cpu"), "max_command_wall": _top(self.commands, "wall"),
                "median_command_cpu": _median(self.commands), "commands_run": len(self.commands),
                "over_limit": len(self.over_limit)}

    def write_slowest(self, folder: Path, master_cf: bytes) -> None:
        """Write the kept inputs as configuration folders folder/NN (NN by rank), for tests/fuzz/retime.py.

        Written again at each progress line of a run (so a run cut short still leaves them): the
        folder is filled beside and then put in place of the previous one.
        """
        fresh = folder.with_name(folder.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        for rank, (data, cost) in enumerate(self.slowest(), 1):
            target = fresh / f"{rank:02d}"
            target.mkdir(parents=True)
            (target / "main.cf").write_bytes(data)
            (target / "master.cf").write_bytes(master_cf)
            (target / "cost.txt").write_text(f"audit + import in the run: {cost.cpu:.3f} s CPU, {cost.wall:.3f} s wall\n")
        shutil.rmtree(folder, ignore_errors=True)
        fresh.rename(folder)


def _top(costs: list[Cost], kind: str) -> float:
    return round(max((getattr(cost, kind) for cost in costs), default=0.0), 3)


def _median(costs: list[Cost]) -> float:
    ordered = sorted(cost.cpu for cost in costs)
    return round(ordered[len(ordered) // 2], 3) if ordered else 0.0
