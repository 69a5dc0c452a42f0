"""Explain a compiled policy: the restriction lists with their reasons, and who may do what.

Plain text, the same bytes for the same policy: every restriction list the compiled main.cf
holds, in the order smtpd evaluates them, each entry with the reason it stands there and the
policy line it comes from; then the decision table the simulator computes on that main.cf:
client classes (an anonymous outside client, a trusted one, each login up to MAX_LOGINS) x
sender ownership (unowned, owned by this login, owned by another) x recipient (local, remote, the
bare postmaster, which smtpd accepts at RCPT TO without the lists: only smtpd_data_restrictions,
at DATA, sees that mail).
"""

from __future__ import annotations

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.analyze.database import MAP_ASSUMPTION, database_assumption, rows_named
from mailpolicy.checks.sender_rewriting import SENDER_ASSUMPTION_PREFIX
from mailpolicy.analyze.simulation import OUTSIDE_CLIENT, trusted_client
from mailpolicy.compiler import Compilation
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.plan.service_views import views_of
from mailpolicy.plan.simulator_model import model_from_plan
from mailpolicy.postfix.restriction_lists import SMTPD_LISTS, entries, split_words
from mailpolicy.simulate import Decision, Request, Verdict
from mailpolicy.simulate.decide import DATA_LIST

MAX_LOGINS = 10
REMOTE = "friend@gmail.test"
UNOWNED_LOCAL = "nobody-owns-this"


def explain(compilation: Compilation) -> str:
    """Return the whole explanation of a compiled policy."""
    plan = compilation.plan
    lines = [f"mailpolicy explain {compilation.path} (Postfix {plan.version})", "",
             "Restriction lists, in the order smtpd evaluates them (at RCPT TO; smtpd_data_restrictions at "
             "DATA, the only one mail to the bare postmaster meets):", ""]
    lines.extend(_lists(plan))
    lines.extend(_this_host(plan))
    lines.extend(["Decisions, simulated on the compiled main.cf (and sender map):", ""])
    lines.extend(_table(compilation.policy, plan))
    lines.extend(_services(compilation))
    lines.extend(["", "Assumed: every local recipient exists (passwd and aliases are not read); no DNS list lists "
                      "the client; the login's password is right."])
    lines.extend(_proof_assumptions(compilation))
    lines.extend(_transport_assumptions(compilation))
    lines.extend(_sender_assumptions(compilation))
    lines.extend(_database_assumptions(compilation))
    lines.extend(_owner_map_assumptions(compilation))
    return "\n".join(lines) + "\n"


def _proof_assumptions(compilation: Compilation) -> list[str]:
    """List what the open-relay proof assumes of tables it cannot read (MP326), each with its line."""
    return _assumptions(compilation, cat.RELAY_ASSUMPTION.code, "the open-relay proof assumes that ",
                        "The open-relay proof holds only if these tables, which it cannot read, answer as said:")


def _transport_assumptions(compilation: Compilation) -> list[str]:
    """List what the open-relay proof assumes of routes it cannot read or place (MP385), each with its line."""
    return _assumptions(compilation, cat.TRANSPORT_ASSUMPTION.code, "the open-relay proof assumes that ",
                        "The open-relay proof holds only if these routes after acceptance, which it cannot "
                        "read or place, are as said:")


def _sender_assumptions(compilation: Compilation) -> list[str]:
    """List what sender ownership assumes of rewriting tables it cannot read (MP327), each with its line."""
    return _assumptions(compilation, cat.SENDER_REWRITING_ASSUMPTION.code, SENDER_ASSUMPTION_PREFIX,
                        "Sender ownership holds only if these rewriting tables, which the check cannot read, "
                        "answer as said:")


def _database_assumptions(compilation: Compilation) -> list[str]:
    """List what the proof takes the rows of the policy's database tables to mean (MP380), unless it read them."""
    stated = {d.span for d in compilation.diagnostics if d.code == cat.OWNERS_IN_DATABASE.code}
    tables = sorted((t.source for t in compilation.plan.sql_tables if t.source.span in stated),
                    key=lambda source: source.span.line)
    if not tables:
        return []
    lines = ["", "The proof takes the rows of these database tables, which `check --db` reads, to mean:"]
    for source in tables:
        lines.append(f"  - {rows_named(source)}: {database_assumption(source)} ({source.span.short})")
    return lines


def _owner_map_assumptions(compilation: Compilation) -> list[str]:
    """List the login maps the site maintains (MP334), which the proof takes as they answer."""
    stated = [d.span for d in compilation.diagnostics if d.code == cat.OWNERS_IN_MAP.code]
    maps = [m for m in compilation.policy.owner_maps if m.span in stated]
    if not maps:
        return []
    return ["", "The site maintains these login maps, which the compiler cannot read; the proof:",
            *(f"  - {m.reference} {MAP_ASSUMPTION} ({m.span.short})" for m in maps)]


def _assumptions(compilation: Compilation, code: str, prefix: str, heading: str) -> list[str]:
    found = [d for d in compilation.diagnostics if d.code == code]
    if not found:
        return []
    lines = ["", heading]
    for diagnostic in found:
        where = f" ({diagnostic.span.short})" if diagnostic.span is not None else ""
        lines.append(f"  - {diagnostic.message.removeprefix(prefix)}{where}")
    return lines


def _this_host(plan: ConfigPlan) -> list[str]:
    """Say who counts as this host: the trusted networks and the local destinations, with why."""
    lines = ["Who is this host (clients in mynetworks are trusted; mail to mydestination is delivered here):", ""]
    for name in ("mynetworks", "mydestination"):
        parameter = plan.parameter(name)
        if parameter is None:
            lines.append(f"{name} = (not set: Postfix's default, $myhostname, localhost.$mydomain, localhost)")
            continue
        lines.append(f"{name} = {parameter.value or '(empty)'}")
        lines.append(f"    why: {parameter.reason}{_at(parameter.source)}")
    return [*lines, ""]


def _lists(plan: ConfigPlan) -> list[str]:
    lines: list[str] = []
    for name in (*SMTPD_LISTS, DATA_LIST):
        parameter = plan.parameter(name)
        if parameter is None:
            lines.extend([f"{name} = (not set: Postfix's default)", ""])
            continue
        lines.append(f"{name} = {parameter.value or '(empty)'}")
        lines.append(f"    why: {parameter.reason}{_at(parameter.source)}")
        if parameter.entries is not None:
            for index, entry in enumerate(parameter.entries, start=1):
                lines.append(f"  {index}. {entry.name}")
                lines.append(f"       {entry.reason}{_at(entry.source)}")
        else:
            for entry in entries(split_words(parameter.value)):
                lines.append(f"  {entry.position + 1}. {entry.shown}")
                lines.append(f"       written by the author{_at(parameter.source)}")
        lines.append("")
    return lines


def _at(source) -> str:
    return f" ({source.short})" if source is not None else ""


def _services(compilation: Compilation) -> list[str]:
    """Return, per stated service, its master.cf overrides and the decision table smtpd runs there."""
    lines: list[str] = []
    for view in views_of(compilation.plan) if compilation.plan.services else ():
        service = view.service
        lines.extend(["", f"Service {service.word} ({', '.join(service.endpoints())}, port {service.kind.port}): "
                          f"{service.kind.purpose}{_at(service.span)}"])
        lines.extend(f"    -o {o.name}={o.value}: {o.reason}" for o in service.overrides)
        if not service.overrides:
            lines.append("    no -o overrides: main.cf's lists and settings, as above")
        login = "logins possible (inside TLS)" if view.can_log_in() else "no login possible"
        lines.extend([f"Decisions on service {service.word} ({login}):", ""])
        lines.extend(_table(compilation.policy, view.plan))
    return lines


def _table(policy, plan: ConfigPlan) -> list[str]:
    model = model_from_plan(plan)
    ctx = AnalysisContext(policy, plan)
    owners = _owners(plan)
    domain = policy.local_domains[0].value if policy.local_domains else plan.values().get("myhostname", "localhost")
    local = f"someone@{domain}"
    unowned = next(f"{UNOWNED_LOCAL}{n or ''}@{domain}" for n in range(len(owners) + 1)
                   if f"{UNOWNED_LOCAL}{n or ''}@{domain}" not in owners)
    logins = sorted({login for names in owners.values() for login in names})
    anyone_owned = next(iter(owners), None)
    rows: list[tuple[str, str, str, str]] = []
    clients = [("anonymous", OUTSIDE_CLIENT, None), ("trusted", trusted_client(ctx), None)]
    clients += [(f"user {login}", OUTSIDE_CLIENT, login) for login in logins[:MAX_LOGINS]]
    for label, address, login in clients:
        senders = [("unowned", unowned)]
        if login is None and anyone_owned:
            senders.append(("owned by a login", anyone_owned))
        if login is not None:
            own = next((a for a, names in owners.items() if login in names), None)
            other = next((a for a, names in owners.items() if login not in names), None)
            senders += [("own address", own)] if own else []
            senders += [("another's address", other)] if other else []
        for ownership, sender in senders:
            for where, recipient in (("local", local), ("remote", REMOTE), ("bare", "postmaster")):
                request = Request(address, login, sender, recipient)
                decision = model.decide(request)
                cell = _cell(decision)
                if decision.verdict is Verdict.DEPENDS:
                    # Say what happens with the nominal answers (nothing listed, nothing found).
                    cell = f"DEPENDS ({decision.reason}); else {_cell(model.branches(request)[0].decision)}"
                rows.append((f"{label} ({address})", f"{ownership} <{sender}>", f"{where} <{recipient}>", cell))
    header = ("client", "MAIL FROM", "RCPT TO", "verdict, decided by, reply")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    lines = ["  " + "  ".join(text.ljust(widths[i]) if i < 3 else text for i, text in enumerate(row)).rstrip()
             for row in (header, *rows)]
    if len(logins) > MAX_LOGINS:
        lines.append(f"  ... and {len(logins) - MAX_LOGINS} more logins, not shown")
    return lines


def _owners(plan: ConfigPlan) -> dict[str, tuple[str, ...]]:
    """Return each owned address (an `@domain` key as someone@domain) and its logins."""
    if plan.sender_map is None:
        return {}
    table = plan.sender_map
    # Addresses first: a local user's bare key (plan/sender_map.py) repeats an owned address of a
    # local domain, which is the sample a reader recognises.
    keys = sorted(table.keys, key=lambda key: "@" not in key)
    return {(f"someone{key}" if key.startswith("@") else key): table.owners_of(key) for key in keys}


def _cell(decision: Decision) -> str:
    by = f"{decision.restriction} ({decision.parameter})" if decision.restriction else "no restriction"
    return f"{decision.verdict.value.upper()}, {by}: {decision.reply}"
