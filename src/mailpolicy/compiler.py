"""The pipeline, start to end: load -> build the model -> plan -> analyze -> emit."""

from __future__ import annotations

import os

import attrs

from mailpolicy.analyze import AnalysisContext, analyze
from mailpolicy.diagnostics import Diagnostic, finalize, has_errors
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.loader import load_policy
from mailpolicy.model.build import build_policy
from mailpolicy.model.policy import Policy
from mailpolicy.parse import statements as st
from mailpolicy.plan import ConfigPlan, plan_config
from mailpolicy.source import SourceFile, Span

MAIN_CF = "main.cf"


@frozen
class Compilation:
    """What compiling one policy produced: diagnostics always, output files only when clean."""

    path: str
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    policy: Policy | None = None
    plan: ConfigPlan | None = None
    outputs: dict[str, str] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def compile_policy(path: str | os.PathLike, *, warnings_as_errors: bool = False,
                   read_database: bool = False, render: bool = True) -> Compilation:
    """Compile the policy at `path`; never raises for bad input, reports it as diagnostics.

    `render=False` (`check`, which writes nothing) leaves the output files unrendered: every
    diagnostic comes from the stages before, and rendering them would cost `check` the time of
    writing a large site's sender map and the import of every renderer.
    """
    path = str(path)
    loaded = load_policy(path)
    diagnostics = list(loaded.diagnostics)
    wrong = _wrong_kind(path, loaded)
    if wrong is not None and wrong.code == cat.MAIN_CF_AS_POLICY.code:
        return Compilation(path, loaded.sources, (wrong,))
    if has_errors(diagnostics) and not loaded.statements:
        return Compilation(path, loaded.sources, finalize(diagnostics, warnings_as_errors))
    if wrong is not None:
        diagnostics.append(wrong)  # an empty policy: still planned (the defaults), never written
    policy, problems = build_policy(loaded)
    diagnostics.extend(problems)
    if wrong is None:
        diagnostics.extend(_missing_hostname(loaded))
    # The statements are a third of a large compile's memory and the policy holds what they said.
    sources = loaded.sources
    del loaded
    plan = plan_config(policy)
    if read_database and plan.sql_tables:
        # `check --db`: the proof decides with the rows as they are now (model/database_rows.py).
        from mailpolicy.model.database_rows import read_owner_rows

        rows, problems = read_owner_rows(plan.sql_tables)
        diagnostics.extend(problems)
        plan = attrs.evolve(plan, database_rows=rows)
    diagnostics.extend(analyze(AnalysisContext(policy, plan)))
    ordered = finalize(diagnostics, warnings_as_errors)
    if has_errors(ordered):
        return Compilation(path, sources, ordered, policy, plan)
    return Compilation(path, sources, ordered, policy, plan, emit(plan, path) if render else {})


def _wrong_kind(path: str, loaded) -> Diagnostic | None:
    """Return one error for a Postfix file given as a policy (instead of a syntax error a line), or
    for a policy that states nothing at all."""
    top = loaded.sources[0] if loaded.sources else None
    if top is None:
        return None
    syntax = {cat.SYNTAX_ERROR.code, cat.UNKNOWN_STATEMENT.code}
    if any(d.code in syntax for d in loaded.diagnostics):
        from mailpolicy.load.file_kind import looks_like_postfix_config  # only a file that did not parse

        kind = looks_like_postfix_config(top.text)
        if kind is not None:
            folder = os.path.dirname(top.path) or "."
            audit = (f"`mailpolicy audit {folder}` (its folder) or `mailpolicy audit {top.path}`" if kind == "main.cf"
                     else f"`mailpolicy audit {folder}` (the folder of main.cf and master.cf)")
            return cat.MAIN_CF_AS_POLICY.at(
                Span(top.path, 1, 1), f"{top.path} is a Postfix {kind}, not a .mailpolicy file",
                hint=f"audit it with {audit}; `mailpolicy import` turns a configuration into a policy")
    if not loaded.statements and not loaded.diagnostics:
        return cat.EMPTY_POLICY.at(
            Span(top.path, 1, 1), f"{top.path} states nothing: it would compile to a main.cf with no host "
            "name, no domains and Postfix's defaults for the rest",
            hint="start with `postfix 3.7`, `hostname mx.example.com` and `local domains example.com` "
                 "(docs/language.md)")
    return None


def _missing_hostname(loaded) -> list[Diagnostic]:
    """Return MP216 when no file of the policy has a `hostname` line.

    Without myhostname in main.cf Postfix takes the machine's own name (mail_params.c,
    check_myhostname: get_hostname(), the kernel's name, with .$mydomain or .localdomain appended
    when it has no dot), and mydestination's `$myhostname`, smtpd's greeting and every Received:
    line follow it: not what the policy said, and different on each machine the build is deployed to. A policy is judged as a whole, its includes with it, so a
    fragment only ever included is never refused for this (docs/language.md#hostname). A
    `hostname` line that is present but invalid has its own error (MP2xx from the builder).
    """
    # A file that could not be read (an include refused, a syntax error) may be where the
    # hostname is: its own error says what is wrong, and this one would be a guess.
    if has_errors(loaded.diagnostics) or any(st.is_a(s, "Hostname") for s in loaded.statements):
        return []
    top = loaded.sources[0] if loaded.sources else None
    if top is None:
        return []
    return [cat.MISSING_HOSTNAME.at(
        Span(top.path, 1, 1), f"{top.path} has no `hostname`: Postfix would take the name of whatever "
        "machine runs it for myhostname, and mydestination's $myhostname with it",
        hint="add a line such as `hostname mx.example.com` (the name this server greets and is known by)")]


def emit(plan: ConfigPlan, path: str) -> dict[str, str]:
    """Render every output file of a plan: name in the output folder -> text."""
    from mailpolicy.emit.main_cf import render_main_cf  # not for `check` (compile_policy's render)
    from mailpolicy.emit.master_cf import MASTER_CF, render_master_cf
    from mailpolicy.emit.provenance import Provenance
    from mailpolicy.emit.sender_map import render_sender_map
    from mailpolicy.emit.sql_tables import render_sql_table
    from mailpolicy.emit.tables import render_table

    provenance = Provenance(path)
    outputs = {MAIN_CF: render_main_cf(plan, provenance)}
    if plan.sender_map is not None:
        outputs[plan.sender_map.filename] = render_sender_map(plan.sender_map, provenance)
    if plan.services:
        outputs[MASTER_CF] = render_master_cf(plan.services, provenance)
    for table in plan.tables:
        outputs[table.filename] = render_table(table, provenance)
    for sql in plan.sql_tables:
        outputs[sql.filename] = render_sql_table(sql, provenance)
    return outputs
