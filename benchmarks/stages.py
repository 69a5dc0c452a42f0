"""Time each stage of one compile in this process and print the timings as JSON.

    python benchmarks/stages.py POLICY

Stages are those of `mailpolicy.compiler.compile_policy`: load (read and parse), build, plan,
every analysis check in `mailpolicy.analyze.CHECKS` by name (so a new check, such as the
open-relay proof, is timed as soon as it is registered), and emit. Used by run.py to show which
stage grows faster than the input.
"""

from __future__ import annotations

import gc
import json
import sys
import time


def main() -> None:
    """Compile the policy named on the command line, stage by stage."""
    gc.disable()  # as `mailpolicy` itself runs (cli.main)
    from mailpolicy.analyze import CHECKS, AnalysisContext
    from mailpolicy.compiler import emit
    from mailpolicy.load.loader import load_policy
    from mailpolicy.model.build import build_policy
    from mailpolicy.plan import plan_config

    path = sys.argv[1]
    timings: dict[str, float] = {}
    clock = time.perf_counter

    start = clock()
    loaded = load_policy(path)
    timings["load"] = clock() - start
    start = clock()
    policy, problems = build_policy(loaded)
    timings["build"] = clock() - start
    start = clock()
    plan = plan_config(policy)
    timings["plan"] = clock() - start
    context = AnalysisContext(policy, plan)
    found = len(loaded.diagnostics) + len(problems)
    for check in CHECKS:
        # One run, as a compile makes it: the first simulator check also builds the model the
        # others reuse, and that cost belongs in the table.
        start = clock()
        found += len(list(check(context)))
        timings[f"check:{check.__name__}"] = clock() - start
    start = clock()
    emit(plan, path)
    timings["emit"] = clock() - start
    owners = len(policy.owners)
    print(json.dumps({"timings": timings, "owners": owners, "diagnostics": found}))


if __name__ == "__main__":
    main()
