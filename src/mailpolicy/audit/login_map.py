"""Check who may send as which address: the sender login map, its entries, and the restriction that uses it.

smtpd_sender_login_maps says which login owns which MAIL FROM address; only a
reject_*sender_login_mismatch restriction makes smtpd enforce it. Either one without the other
protects nothing (MP317, MP318), and logins without any map may send as anyone (MP315, the
seed's fourth mistake). Where a map's source file is readable (`hash:/etc/postfix/x` is built
from /etc/postfix/x by postmap), its entries are checked like an owners table: the key an
address or `@domain` (a bare `user` key is valid Postfix and left alone), the value logins.
"""

from __future__ import annotations

import re
from typing import Iterator

import attrs

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView, Word
from mailpolicy.audit.files import ConfigFiles
from mailpolicy.audit.sasl import sasl_enabled
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_source
from mailpolicy.model.owner_table import read_owner_table
from mailpolicy.model.policy import Ownership
from mailpolicy.postfix.restriction_lists import LOGIN_MISMATCH_CHECKS, SMTPD_LISTS
from mailpolicy.postfix.tables import table_reference
from mailpolicy.simulate.tls_state import login_offered
from mailpolicy.source import SourceFile, Span

_BARE_KEY = re.compile(r"^([^\s#@]+)(\s|$)")


@frozen
class LoginTable:
    """One table of smtpd_sender_login_maps: where it is named, its source (None: unreadable) and owners."""

    word: Word
    type: str
    path: str
    source: SourceFile | None
    owners: tuple[Ownership, ...] = ()
    problems: tuple[Diagnostic, ...] = ()
    bare_keys: tuple[Span, ...] = ()  # `user` keys: valid Postfix, not addresses


def read_login_tables(files: ConfigFiles, view: ServiceView) -> tuple[LoginTable, ...]:
    """Read every text table of smtpd_sender_login_maps, as far as its source can be read."""
    tables = []
    for word in view.words("smtpd_sender_login_maps"):
        reference = table_reference(word.text)
        if reference is None:
            continue
        kind, path = reference
        where = files.readable_table(path)
        source = read_source(where, str(files.table_path(path)), None)[0] if where is not None else None
        if source is None:
            tables.append(LoginTable(word, kind, path, None))
            continue
        bare = _bare_keys(source)
        owners, problems = read_owner_table(_blanked(source, {span.line for span in bare}))
        tables.append(LoginTable(word, kind, path, source, tuple(owners), tuple(problems), bare))
    return tuple(tables)


def check_login_map(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report a login map nothing enforces, an enforcement without a map, and logins without a map."""
    yield from ctx.per_view(lambda view: _login_map(ctx, view))
    yield from _unconsulted_maps(ctx)


def _unconsulted_maps(ctx: AuditContext) -> Iterator[Diagnostic]:
    """MP317 once per kind of finding, naming the services it holds for and each one's -o line."""
    found: dict[str, list[tuple[str, Diagnostic]]] = {}
    for view in ctx.views:
        if view.words("smtpd_sender_login_maps") and sasl_enabled(view) and not _mismatch(ctx, view):
            diagnostic = _unconsulted_map(ctx, view, view.origin("smtpd_sender_login_maps").span)
            found.setdefault(diagnostic.message, []).append((view.label, diagnostic))
    for message, labelled in found.items():
        labels = [label for label, _ in labelled]
        first = labelled[0][1]
        prefix = "" if len(labels) == len(ctx.views) else f"{', '.join(labels)}: "
        yield attrs.evolve(first, message=prefix + message,
                           related=tuple(r for _, d in labelled for r in d.related))


def _mismatch(ctx: AuditContext, view: ServiceView) -> list[Word]:
    """Return the reject_*sender_login_mismatch restrictions of every smtpd list the service runs."""
    return [w for name in SMTPD_LISTS for w in ctx.restrictions(view, name)
            if w.text.lower() in LOGIN_MISMATCH_CHECKS]


def _login_map(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    maps = view.words("smtpd_sender_login_maps")
    mismatch = _mismatch(ctx, view)
    if mismatch and not maps and sasl_enabled(view):  # without SASL smtpd ignores them: MP337
        yield cat.MISMATCH_WITHOUT_LOGIN_MAP.at(
            mismatch[0].span, _without_map(mismatch[0].text.lower(), _reached_by_logins(ctx, view, mismatch[0])),
            hint="set smtpd_sender_login_maps = hash:/etc/postfix/controlled_envelope_senders "
                 "(ADDRESS LOGIN lines, built with postmap)")
    # Not where AUTH is discarded (`without logins`): nobody logs in there to use any MAIL FROM.
    if not maps and not any(w.text.lower() in _REFUSE_UNOWNED for w in mismatch) and login_offered(view.value):
        yield cat.SASL_WITHOUT_USERS.at(
            view.origin("smtpd_sasl_auth_enable").span,
            "SASL is enabled but no smtpd_sender_login_maps says who may send as which address: "
            "any logged-in client may use any MAIL FROM",
            hint="set smtpd_sender_login_maps to a table of ADDRESS LOGIN lines and add "
                 "`smtpd_sender_restrictions = reject_sender_login_mismatch`")


def _unconsulted_map(ctx: AuditContext, view: ServiceView, span: Span | None) -> Diagnostic:
    """MP317: a service where clients log in but no list it runs consults smtpd_sender_login_maps.

    Only the reject_*sender_login_mismatch restrictions read the map (smtpd_check.c: the two
    *_sender_login_mismatch functions are its only readers), so the service behaves exactly as one
    without a map: any login may use any MAIL FROM, an owned address included (MP315's warning).
    A service without SASL is not reported: there smtpd ignores those restrictions ("restriction
    ... ignored: no SASL support"), so the map could do nothing on it whatever its lists held.
    """
    message = ("smtpd_sender_login_maps is set, but no smtpd restriction list holds "
               "reject_sender_login_mismatch, so smtpd never consults it: any logged-in client may use "
               "any MAIL FROM, an address the map gives another owner included")
    related: list[Related] = []
    main_only = attrs.evolve(view, service=attrs.evolve(view.service, overrides=()))
    replaced = [name for name in SMTPD_LISTS if view.origin(name).override is not None
                and any(w.text.lower() in LOGIN_MISMATCH_CHECKS for w in ctx.restrictions(main_only, name))]
    if replaced:
        # main.cf's own list holds the check; this service's -o list replaced it (ISPConfig's
        # `-o smtpd_sender_restrictions=$mua_sender_restrictions`).
        message = (f"smtpd_sender_login_maps is set and main.cf's {', '.join(replaced)} holds "
                   "reject_sender_login_mismatch, but the service's own -o replaces that list, so it never "
                   "consults the map: any logged-in client may use any MAIL FROM, an address the map gives "
                   "another owner included")
        related = [Related(view.origin(name).span, f"{name} as this service runs it")
                   for name in replaced if view.origin(name).span is not None]
    return cat.LOGIN_MAP_WITHOUT_MISMATCH.at(
        span, message, related=tuple(related),
        hint="add reject_sender_login_mismatch to the service's smtpd_sender_restrictions (before any permit_*, "
             "so none can skip it)")


# The login-mismatch checks that also refuse a logged-in client an address nobody owns.
_REFUSE_UNOWNED = ("reject_sender_login_mismatch", "reject_authenticated_sender_login_mismatch")


def _reached_by_logins(ctx: AuditContext, view: ServiceView, word: Word) -> bool:
    """Tell whether a logged-in client reaches `word`: no `permit` or permit_sasl_authenticated before it."""
    for name in SMTPD_LISTS:
        restrictions = ctx.restrictions(view, name)
        if word in restrictions:
            before = restrictions[:restrictions.index(word)]
            return not any(w.text.lower() in ("permit", "permit_sasl_authenticated") for w in before)
    return True


def _without_map(restriction: str, reached_by_logins: bool) -> str:
    """Say what a login-mismatch restriction does when smtpd_sender_login_maps is empty."""
    if restriction in _REFUSE_UNOWNED and reached_by_logins:
        # Measured on Postfix 3.7: a logged-in client owns no address, so every MAIL FROM it
        # uses gets "553 5.7.1 <...>: Sender address rejected: not owned by user LOGIN".
        return (f"{restriction} is used but smtpd_sender_login_maps is empty: no address has an owner, so it "
                "refuses every sender of every logged-in client (not owned by user ...) and protects no address")
    # Anonymous clients: no address has an owner, so "not logged in" never applies; logged-in
    # ones: reject_unauthenticated_* skips them, or a permit before it ends the list for them
    # (emailwiz's permit_sasl_authenticated: shown live, tests/corpus/test_realworld_live.py).
    return (f"{restriction} is used but smtpd_sender_login_maps is empty: no address has an owner, "
            "so it never rejects anything")


def check_login_map_entries(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Check the entries of every readable login map source; say which ones cannot be read."""
    domains = _served_domains(ctx.views[0])
    for table in ctx.login_tables:
        if table.source is None:
            yield cat.MAP_SOURCE_UNREADABLE.at(
                table.word.span, f"cannot read {table.path}, the source of {table.word.text}: its "
                                 "entries are not checked",
                hint="audit on the server itself, or copy the file beside main.cf (tables outside the "
                     "audited folder are not read)")
            continue
        yield from table.problems
        reported: set[str] = set()
        for owner in table.owners:
            domain = owner.address.rpartition("@")[2]
            if domains and domain not in domains and domain not in reported:
                reported.add(domain)
                yield cat.FOREIGN_DOMAIN_ADDRESS.at(
                    owner.span, f"`{owner.address}` is in {domain}, which this server does not receive "
                                "mail for (mydestination, virtual or relay domains)",
                    hint=f"add {domain} to mydestination, or check the address for a typo")


def _served_domains(view: ServiceView) -> frozenset[str]:
    names = ("mydestination", "virtual_alias_domains", "virtual_mailbox_domains", "relay_domains")
    return frozenset(w.text.lower().rstrip(".") for name in names for w in view.words(name)
                     if ":" not in w.text and not w.text.startswith("/"))


def _bare_keys(source: SourceFile) -> tuple[Span, ...]:
    """Return the keys that are a bare `user` (valid in Postfix: user@ any local domain), located."""
    found = []
    for number, line in enumerate(source.text.split("\n"), start=1):
        match = _BARE_KEY.match(line)
        if match and not line[:1].isspace():
            found.append(Span(source.path, number, 1, len(match.group(1)) + 1))
    return tuple(found)


def _blanked(source: SourceFile, lines: set[int]) -> SourceFile:
    """Return the source with some lines emptied, every line number kept."""
    text = "\n".join("" if number in lines else line
                     for number, line in enumerate(source.text.split("\n"), start=1))
    return SourceFile(source.path, text)
