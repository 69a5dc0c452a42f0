"""Import a configuration in use as a policy: the statements it means, `set` lines for the rest.

The import reads the configuration exactly as the audit does (and runs the audit), translates
what the policy statements manage (importer/statements.py), copies every other main.cf
parameter as a `set` line (`set privileged` for one Postfix uses as root, with a note saying so), and comments what it cannot say: master.cf overrides, table-driven
values, lists `relay` cannot express. Each audit error or warning is written as a comment above
the statement it concerns, so the reader sees why compiling the import refuses it.
"""

from __future__ import annotations

import os
import posixpath

import attrs

from mailpolicy.audit.run import Audit, audit_config
from mailpolicy.audit.services import DECISIVE, unread_override_effect
from mailpolicy.audit.simulation import model_for
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic, Severity, sort_key
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block, Section, render_policy
from mailpolicy.importer.hosting import hosting_blocks
from mailpolicy.importer.forgery import forgery_block, main_forgers
from mailpolicy.importer.sender_checks import sender_checks_block, service_block
from mailpolicy.importer.services import ImportedServices, import_services, logins_only_on_submission
from mailpolicy.importer.statements import Translator
from mailpolicy.plan.config import MANAGED
from mailpolicy.postfix.main_cf import Definition
from mailpolicy.postfix.privileged import is_inert, is_privileged, risk
from mailpolicy.postfix.service_kinds import port_kind
from mailpolicy.simulate import Request, Verdict

# What every import checks at each compile: no anonymous outside client relays.
RELAY_TEST = ("spam@relay-test.invalid", "victim@relay-test.invalid")


@frozen
class Imported:
    """The policy text, the warnings about what it could not say, and the audit it was made with."""

    text: str
    diagnostics: tuple[Diagnostic, ...]
    audit: Audit


def import_config(path: str | os.PathLike, *, version: str = "3.7") -> Imported:
    """Import the configuration at `path` (a folder or a main.cf); raise ConfigUnreadable if there is none."""
    audit = audit_config(path, version=version)
    ctx = audit.context
    view = next((v for v in ctx.views if v.label == "smtp/inet"), ctx.views[0])
    t = Translator(ctx, view)
    listeners = import_services(t)
    identity = [t.version(), t.hostname(), t.local_domains()]
    # `sasl` first: logins turned on only by master.cf services make `relay` an authenticated one.
    sasl = _sasl(t, listeners)
    relay = [t.trusted_networks(), t.relay()]
    logins = [sasl, *t.senders(ctx.login_tables)]
    owners = bool(sasl and sasl.statements) and (t.owners_imported or t.owner_maps_imported)
    forgers = main_forgers(t) if owners else None
    logins.append(forgery_block(t, forgers))
    logins.append(sender_checks_block(t, owners, forgers))
    logins += [service_block(t, v, port_kind(v.service.name), owners, forgers) for v in listeners.views]
    for name, note in t.data_restrictions(owners, forgers):
        logins.append(Block((), (note,), (view.origin(name).span,)))
    hosting, hosting_parameters = hosting_blocks(t)
    sections = [
        Section("who this server is", _present(identity)),
        Section("hosted domains, their mailboxes and aliases, backup MX", tuple(hosting)),
        Section("who may relay", _present(relay)),
        Section("who may log in and send as whom", _present(logins)),
        Section("listeners (master.cf) and TLS", listeners.blocks),
        Section("other main.cf parameters, as set", tuple(_settings(t, set(hosting_parameters) | listeners.main_names))),
        Section("not imported: master.cf overrides", tuple(_overrides(t, listeners.views))),
        Section("tests run at every compile", (Block((say.expect_anonymous_refused(
            *RELAY_TEST, _relay_test_verdict(audit, view, t.relay_later)),)),)),
    ]
    sections = [attrs.evolve(s, blocks=_with_findings(s.blocks, audit)) for s in sections]
    names = [posixpath.basename(s.path) for s in audit.files.sources]
    header = (f"Imported by mailpolicy from {' and '.join(names)} (Postfix {version}).",
              "It says what that configuration does. Compile it and read every diagnostic before",
              "deploying: comments below say what could not be imported and what the audit found.")
    return Imported(render_policy(header, sections), tuple(sorted(dict.fromkeys(t.warnings), key=sort_key)), audit)


def _relay_test_verdict(audit: Audit, view, later: bool) -> str:
    """`defer` when the relay list ends in defer_unauth_destination and the relay test gets 4xx, else `reject`.

    The simulator decides it on the main service, nominally (no DNS list lists the client, unknown
    tables hold none of its keys): a relay list ending in defer_unauth_destination answers 454
    (imported as `relay ..., others try later`), unless a list before it refuses for good first
    (docker-mailserver's reject_unauth_destination in smtpd_client_restrictions: 554). An open
    relay's test stays `reject`: the import closes it.
    """
    model = model_for(audit.context, view)
    if model.fatal:
        return "reject"
    decision = model.branches(Request(OUTSIDE_CLIENT, None, *RELAY_TEST))[0].decision
    # Only with `others try later`: a 4xx of another check (modoboa's reject_unverified_recipient
    # in the recipient list) is not what the compiled relay list, which runs first, answers.
    return "defer" if later and decision.verdict is Verdict.DEFER else "reject"


def _present(blocks: list[Block | None]) -> tuple[Block, ...]:
    return tuple(b for b in blocks if b is not None and (b.statements or b.notes))


def _sasl(t: Translator, listeners: ImportedServices) -> Block | None:
    """Return the `sasl` statement, from the MX's view, else from an imported submission service's.

    A master.cf whose submission service turns SASL on with -o relies on main.cf's
    smtpd_sasl_type and smtpd_sasl_path: a `service submission` needs them said by `sasl`.
    """
    block = t.sasl()
    if block is not None:
        return block
    for view in listeners.views:
        block = Translator(t.ctx, view).sasl()
        if block is not None:
            return block
    block = _sasl_of_services(t, listeners)
    if block is not None:
        return block
    named = [d for d in map(t.ctx.main.get, ("smtpd_sasl_type", "smtpd_sasl_path")) if d is not None]
    if not named:
        return None
    said = ", ".join(f"{d.name} = {d.value}" for d in named)
    # master.cf may turn logins on for one service (-o smtpd_sasl_auth_enable=yes) and rely on
    # these; `sasl` would turn them on in main.cf for every service, so the import cannot say them.
    note = t.lossy(named[0].name_span, f"main.cf has {said}, but logins are off in main.cf, so the import writes no "
                                       "`sasl` and the compiled main.cf leaves them to Postfix's defaults",
                   "if a master.cf service turns logins on with -o, give it smtpd_sasl_type and smtpd_sasl_path "
                   "with -o as well, or state it with `service submission`")
    return Block((), (note,), tuple(d.name_span for d in named))


def _sasl_of_services(t: Translator, listeners: ImportedServices) -> Block | None:
    """Return `sasl` as the master.cf services that turn logins on with -o have it (Mail-in-a-Box, docker-mailserver).

    main.cf says `smtpd_sasl_auth_enable = no` and submission and submissions say `-o
    smtpd_sasl_auth_enable=yes`, with main.cf's smtpd_sasl_type and smtpd_sasl_path or their own
    -o. Without `sasl` the compiled main.cf has Postfix's defaults there (cyrus, smtpd) and those
    services answer AUTH with 535. The statement turns logins on in main.cf, for every service it
    serves: port 25 too, on purpose (docs/language.md "Why the MX does not turn SASL off": with
    SASL off smtpd ignores every *_sender_login_mismatch there). The warning says so, unless port
    25 is imported as `service inbound without logins` (importer/services.py), which keeps AUTH off
    there as the original has it.
    """
    enabling = logins_only_on_submission(t)
    if not enabling:
        return None
    block = Translator(t.ctx, enabling[0]).sasl()
    if block is None or not block.statements or block.statements[0].startswith("#"):
        return block
    t.sasl_from_services = True
    labels = ", ".join(view.label for view in enabling)
    switch = t.ctx.main.get("smtpd_sasl_auth_enable")
    where = switch.name_span if switch else t.located("smtpd_sasl_auth_enable")
    said = f"smtpd_sasl_auth_enable is off in main.cf and master.cf turns logins on for {labels} with -o; `sasl` turns them on in main.cf"
    if any(c.without_logins for c in listeners.configs):
        note = t.lossy(where, f"{said}, and `service inbound without logins` keeps them off on port 25 with -o "
                              "smtpd_discard_ehlo_keywords=...,auth: AUTH is answered 503 there as before, while SASL "
                              "stays on so sender ownership is checked", "read docs/language.md#service")
        return attrs.evolve(block, notes=(*block.notes, note))
    note = t.lossy(where,
                   f"{said}, so every service main.cf serves offers AUTH, port 25 included "
                   "(after STARTTLS where smtpd_tls_auth_only = yes): the language keeps logins on there so "
                   "sender ownership is checked (smtpd ignores every *_sender_login_mismatch without SASL)",
                   "read docs/language.md, \"Why the MX does not turn SASL off\"")
    return attrs.evolve(block, notes=(*block.notes, note))


def _settings(t: Translator, translated: set[str]) -> list[Block]:
    """Return one `set` line per main.cf parameter no statement manages, in file order."""
    blocks = []
    for name, definition in t.ctx.main.parameters.items():
        if name in MANAGED or name in translated:
            continue
        value = definition.value
        problem = _unsayable(name, value)
        if problem:
            note = t.lossy(definition.name_span, f"{name} cannot be a `set` line: {problem}",
                           "keep it in main.cf beside the compiled parameters")
            # main.cf's line as it is: no statement can hold it (the registry would quote or cut it).
            blocks.append(Block((f"# main.cf: {name} = {value}".rstrip(),), (note,), (definition.name_span,)))
        elif is_privileged(name) and not is_inert(name, " ".join(value.split())):
            blocks.append(_privileged(t, definition, say.set_parameter(name, value, privileged=True)))
        else:
            blocks.append(Block((say.set_parameter(name, value),), origins=(definition.name_span,)))
    return blocks


def _privileged(t: Translator, definition: Definition, statement: str) -> Block:
    """Return the `set privileged` line the deployed server's value needs, with a note saying why."""
    # The deployed server runs with this value (a Postfix built into /usr/local needs its own
    # daemon_directory), so dropping it would change what the import means; a plain `set` would
    # be MP409. The import is run by root on root's configuration: it may acknowledge, but says so
    # on the line (MP413) so the reviewer of the imported policy decides whether it stays.
    name = definition.name
    t.warnings.append(cat.PRIVILEGED_IMPORTED.at(
        definition.name_span, f"{name} {risk(name)}: imported as `set privileged`",
        hint="keep the line only if this server needs that value; delete it to use Postfix's default"))
    note = f"{name} {risk(name)}; imported as `set privileged` because this server sets it: keep it only if needed"
    return Block((statement,), (note,), (definition.name_span,))


def _unsayable(name: str, value: str) -> str | None:
    if not name.replace("_", "a").isalnum() or not name.isascii() or not name[0].isalpha():
        return "the name holds characters other than letters, digits and _"
    if "#" in value and any(value[i - 1].isspace() for i in range(1, len(value)) if value[i] == "#"):
        return "` #` starts a comment in a policy, but is part of this value"
    return None


def _overrides(t: Translator, imported: tuple = ()) -> list[Block]:
    blocks = []
    for view in t.ctx.views:
        if view in imported:
            continue  # a `service` statement says it
        for override in view.service.overrides:
            unread = unread_override_effect(view, override)
            if unread:
                # trivial-rewrite or cleanup acts on it with its own value (the audit's MP357), and the
                # compile keeps master.cf as it is, so leaving it there loses nothing: no MP709.
                blocks.append(Block((f"# master.cf {view.label}: -o {override.name}={override.value}",),
                                    (f"{view.label}'s -o {override.name} {unread} (audit MP357); "
                                     "master.cf keeps it",)))
                continue
            if override.name not in DECISIVE:
                continue
            note = t.lossy(override.span, f"{view.label} overrides {override.name} in master.cf; the policy "
                                          "describes main.cf, so the import leaves the override out",
                           "keep master.cf as it is, or remove the override so main.cf decides")
            blocks.append(Block((f"# master.cf {view.label}: -o {override.name}={override.value}",), (note,)))
    return blocks


def _with_findings(blocks: tuple[Block, ...], audit: Audit) -> tuple[Block, ...]:
    """Write each audit error and warning as a comment above the block made from the line it is about."""
    main_path = audit.files.main_cf.path
    starts = _definition_starts(audit.files.main_cf.definitions)
    # Each finding's definition is found once, so the work is linear in blocks plus findings.
    by_line: dict[int, list[int]] = {}
    for index, d in enumerate(audit.diagnostics):
        if d.severity is not Severity.NOTE and d.span is not None and d.span.path == main_path:
            start = starts.get(d.span.line)
            if start is not None:
                by_line.setdefault(start, []).append(index)
    placed = []
    for block in blocks:
        lines = {starts.get(span.line) for span in block.origins if span is not None and span.path == main_path}
        found = [audit.diagnostics[i] for i in sorted({i for line in lines for i in by_line.get(line, ())})]
        notes = tuple(f"audit: {d.severity.value} {d.code} at line {d.span.line}: {d.message}" for d in found)
        placed.append(attrs.evolve(block, notes=(*notes, *block.notes)) if notes else block)
    return tuple(placed)


def _definition_starts(definitions: tuple[Definition, ...]) -> dict[int, int]:
    """Map every line of a definition (continuation lines and comments between included) to its first line."""
    starts: dict[int, int] = {}
    for definition in definitions:
        for line in range(definition.line, definition.last_line + 1):
            starts.setdefault(line, definition.line)
    return starts


