"""Turn the parameters a policy statement manages back into that statement.

Each function reads the effective configuration of the main smtpd service (main.cf with
Postfix's defaults; master.cf decides the chroot) and returns the blocks of policy text that
say the same, and MP709 warnings for what the language cannot say exactly. Unsafe values are
kept as they are (`mynetworks = 0.0.0.0/0` becomes `trusted networks 0.0.0.0/0`), so compiling
the import refuses them just as the audit reported them.
"""

from __future__ import annotations

import functools
import posixpath
import re

import attrs

from mailpolicy.audit.context import AuditContext
from mailpolicy.postfix.restriction_lists import LOGIN_MISMATCH_CHECKS
from mailpolicy.audit.effective import ServiceView, Word
from mailpolicy.audit.login_map import LoginTable
from mailpolicy.audit.sasl import sasl_enabled
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.importer.login_keys import lost_bare_keys
from mailpolicy.model import values
from mailpolicy.model.policy import DEFAULT_CHROOT
from mailpolicy.plan.config import LOOPBACK, compatibility_level
from mailpolicy.plan.restrictions import LOGIN_CHECK
from mailpolicy.plan.sasl_path import resolve_dovecot_path
from mailpolicy.postfix.table_refs import through_proxy
from mailpolicy.postfix.tables import table_reference
from mailpolicy.source import Span

# Written for a main.cf without a usable myhostname: not fully qualified, so it never compiles.
HOSTNAME_PLACEHOLDER = "CHANGE-ME"
# A myhostname written back as it is only when it is one plain word (no `#`, space or `$`).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")

UNAUTH_DESTINATION = ("reject_unauth_destination", "defer_unauth_destination")
RELAY_PERMITS = ("permit_mynetworks", "permit_sasl_authenticated")


class Translator:
    """Collect blocks and warnings while translating one configuration."""

    def __init__(self, ctx: AuditContext, view: ServiceView) -> None:
        self.ctx = ctx
        self.view = view
        self.warnings: list[Diagnostic] = []
        self.owners_imported = False  # an `allow user` line was written
        self.owner_maps_imported = False  # an `owners from map` line was written
        # Set by the import when only master.cf services turn logins on (-o smtpd_sasl_auth_enable=yes)
        # and it writes `sasl`: the compiled main.cf turns them on for every service.
        self.sasl_from_services = False
        # Set by relay(): the relay guard is defer_unauth_destination, kept as `, others try later`.
        self.relay_later = False

    def lossy(self, span: Span | None, message: str, hint: str) -> str:
        """Record an MP709 warning and return its message for the comment beside the statement."""
        self.warnings.append(cat.NOT_IMPORTABLE.at(span, message, hint=hint))
        return message

    def origin_span(self, name: str) -> Span | None:
        return self.view.origin(name).span

    def located(self, name: str) -> Span:
        """Return where `name` is written, else main.cf's first line: a default is main.cf's choice too."""
        return self.origin_span(name) or Span(self.ctx.main.source.path, 1, 1)

    @functools.cached_property
    def main_view(self) -> ServiceView:
        """The main service as main.cf alone says: the policy describes main.cf, master.cf keeps its -o."""
        return attrs.evolve(self.view, service=attrs.evolve(self.view.service, overrides=()))

    def sasl_on(self) -> bool:
        """Tell whether logins are on in the main service or in main.cf (a -o turning them off stays in master.cf)."""
        return sasl_enabled(self.view) or sasl_enabled(self.main_view) or self.sasl_from_services

    # --- identity -------------------------------------------------------------------------------
    def version(self) -> Block:
        level = self.ctx.main.get("compatibility_level")
        emitted = compatibility_level(self.ctx.version)
        block = Block((say.postfix(self.ctx.version),), origins=(level.name_span,) if level else ())
        written = level.value.strip() if level else None
        if written == emitted or (written is None and emitted is None):
            return block
        was = f"compatibility_level = {written}" if written else "no compatibility_level (Postfix's default 0)"
        return block.with_notes(self.lossy(
            level.name_span if level else self.located("compatibility_level"),
            f"main.cf has {was}; the policy's `postfix {self.ctx.version}` compiles to "
            f"compatibility_level = {emitted or '(none)'}, which changes the defaults of parameters it does not set",
            "check the defaults COMPATIBILITY_README lists for the levels in between"))

    def hostname(self) -> Block:
        # Always a `hostname` line: a policy without one is refused (MP216). When main.cf gives no
        # fully qualified name, the line holds what it gives (or a placeholder) and the compile
        # refuses it (MP208) at that very line: the one the user must edit.
        definition = self.ctx.main.get("myhostname")
        if definition is None:
            note = self.lossy(None, "main.cf has no myhostname, so Postfix uses this machine's name; the policy "
                                    "must name the server: the compile refuses the placeholder below",
                              f"replace {HOSTNAME_PLACEHOLDER} with the server's full DNS name")
            return Block((say.hostname(HOSTNAME_PLACEHOLDER),), (note,))
        name = self.view.value("myhostname").strip()
        try:
            return Block((say.hostname(values.hostname(name)),), origins=(definition.name_span,))
        except values.ValueProblem as problem:
            note = self.lossy(definition.value_span, f"myhostname = {name}: {problem.message}; the policy "
                                                     "language needs a fully qualified name, so the compile "
                                                     "refuses the line below until it has one",
                              "write `hostname` with the server's full DNS name")
            shown = name if _PLAIN_NAME.fullmatch(name) else HOSTNAME_PLACEHOLDER
            return Block((say.hostname(shown),), (note,), (definition.name_span,))

    def local_domains(self) -> Block | None:
        if not self.view.is_set("mydestination"):
            return None
        domains, notes = [], []
        words = self.view.words("mydestination")
        # A policy keeps $myhostname and localhost unless it says `only` (plan/config.py): say
        # `only` when either is missing, so compiling gives back no more destinations than these.
        # The words come expanded ($myhostname is its value). The host name is dropped only when
        # the import keeps `hostname` (a fully qualified name): otherwise $myhostname would be
        # Postfix's default, this machine's name, and the name must stay listed.
        hostname = self.view.value("myhostname").strip().lower()
        texts = {w.text.lower() for w in words}
        keeps_host = "localhost" in texts and bool(hostname) and hostname in texts
        implied = {"localhost", hostname} if keeps_host and _qualified(hostname) else {"localhost"}
        for word in words:
            if keeps_host and word.text.lower() in implied:
                continue
            try:
                domain = values.domain(word.text)
            except values.ValueProblem as problem:
                notes.append(self.lossy(word.span, f"mydestination entry `{word.text}` cannot be imported: "
                                                   f"{problem.message}", "list the domains themselves"))
                continue
            if domain not in domains:
                domains.append(domain)
        if not words:
            notes.append(self.lossy(self.located("mydestination"), "mydestination is empty (no domain is delivered "
                                    "locally); the language has no `local domains` for none, so the compiled main.cf "
                                    "leaves Postfix's default ($myhostname, localhost.$mydomain, localhost)",
                                    "write `local domains only` with the domains this server delivers locally"))
        statements = (say.local_domains(domains, only=not keeps_host),) if domains else ()
        return Block(statements, tuple(notes), (self.origin_span("mydestination"),))

    def trusted_networks(self) -> Block:
        if not self.view.is_set("mynetworks"):
            # mynetworks' default is the machine's own (mynetworks.c reads its interfaces): the compiled
            # main.cf always writes mynetworks, so the trusted clients change unless they were loopback only.
            style = self.view.value("mynetworks_style").strip() or "host"
            note = self.lossy(self.located("mynetworks_style"),
                              f"mynetworks was not set: Postfix trusted what mynetworks_style = {style} derives from "
                              "this host's interfaces; the policy trusts only this host (127.0.0.0/8, [::1]/128)",
                              "list the networks to trust in `trusted networks`")
            return Block((), (note,), (self.origin_span("mynetworks_style"),) if self.view.is_set("mynetworks_style")
                         else ())
        networks, notes = [], []
        words = self.view.words("mynetworks")
        # This host stays trusted unless the policy says `only` (plan/config.py): drop the
        # loopback networks when both are listed, say `only` when they are not.
        loopback = [w for w in words if w.text in LOOPBACK.split()]
        keeps_host = len({w.text for w in loopback}) == len(LOOPBACK.split())
        for word in words:
            if keeps_host and word in loopback:
                continue
            try:
                values.network(word.text)
            except values.ValueProblem:
                notes.append(self.lossy(word.span, f"mynetworks entry `{word.text}` is not a network (a file, a "
                                                   "table or a host name) and cannot be imported",
                                        "list the networks it stands for in `trusted networks`"))
                continue
            networks.append(word.text)
        statements = (say.trusted_networks(networks, only=not keeps_host),) if networks else ()
        return Block(statements, tuple(notes), (self.origin_span("mynetworks"),))

    # --- logins ---------------------------------------------------------------------------------
    def sasl(self) -> Block | None:
        if not self.sasl_on():
            return None
        # A main service that turns logins off with -o (mailcow's postscreen-fed smtpd) leaves them
        # on for every other service main.cf serves: the statement says main.cf's values.
        view = self.view if sasl_enabled(self.view) else self.main_view
        kind = view.value("smtpd_sasl_type").strip() or "cyrus"
        path = view.value("smtpd_sasl_path").strip()
        span = view.origin("smtpd_sasl_auth_enable").span
        if kind not in values.SASL_TYPES:
            note = self.lossy(self.origin_span("smtpd_sasl_type"), f"smtpd_sasl_type = {kind} is not a SASL type "
                                                                   "the policy language supports",
                              "use Dovecot or Cyrus SASL")
            return Block((f"# {say.sasl(kind, path)}",), (note,), (span,))
        statements = [say.sasl(kind, path if kind == "dovecot" or path != "smtpd" else None)]
        if kind != "dovecot":
            return Block(tuple(statements), origins=(span,))
        chroot = self._chroot()
        if chroot != DEFAULT_CHROOT:
            statements.append(say.chroot(chroot or "off"))
        notes = ()
        # The compile writes the socket relative to smtpd's chroot (plan/sasl_path.py, MP311): an
        # absolute path under it, which a chrooted smtpd cannot open (the audit's MP310), changes.
        resolved = resolve_dovecot_path(path, chroot).value
        if resolved is not None and resolved != path:
            notes = (self.lossy(view.origin("smtpd_sasl_path").span or span,
                                f"smtpd_sasl_path = {path} becomes {resolved} in the compiled main.cf: smtpd "
                                f"opens it inside its chroot {chroot}", "read docs/language.md#sasl"),)
        return Block(tuple(statements), notes, (span,))

    def _chroot(self) -> str | None:
        """Return the folder master.cf's smtpd runs chrooted in, or None when it is not chrooted."""
        major, minor = self.ctx.version.split(".")
        if not self.view.service.chrooted((int(major), int(minor))):
            return None
        return posixpath.normpath(self.view.value("queue_directory").strip() or DEFAULT_CHROOT)

    def relay(self) -> Block:
        """Return the relay statement the effective relay list (or, when empty, the recipient list) means."""
        name = "smtpd_relay_restrictions"
        words = self.ctx.restrictions(self.view, name)
        if not words:
            name = "smtpd_recipient_restrictions"
            words = self.ctx.restrictions(self.view, name)
        span = self.origin_span(name)
        guard = next((i for i, w in enumerate(words) if w.text.lower() in UNAUTH_DESTINATION), None)
        before = words if guard is None else words[:guard]
        permits = {w.text.lower() for w in before}
        # permit_sasl_authenticated matches nobody while SASL is off (Debian's stock main.cf keeps
        # it in the default relay list), so it does not make the relay statement an `authenticated` one.
        trusted = "permit_mynetworks" in permits
        authenticated = "permit_sasl_authenticated" in permits and self.sasl_on()
        mode = ("authenticated or trusted" if trusted and authenticated else "only trusted" if trusted
                else "only authenticated" if authenticated else "nobody")
        notes = []
        if guard is None:
            notes.append(self.lossy(self.located(name), f"{name} has no reject_unauth_destination: whatever passes it may relay "
                                          "anywhere; the policy always ends the relay list with it",
                                    "this closes what the audit reports as an open relay (MP301)"))
        others = [w.text for w in before if w.text.lower() not in RELAY_PERMITS]
        if others and name == "smtpd_relay_restrictions":
            notes.append(self.lossy(span, f"smtpd_relay_restrictions also holds {', '.join(others)}, which `relay` "
                                          "cannot say; the import leaves them out",
                                    "move them to smtpd_recipient_restrictions (a `set` line)"))
        # defer_unauth_destination (Postfix's default relay list): `, others try later` keeps its 4xx,
        # unless the recipient list runs first and refuses for good (_recipient_list_refuses_first).
        self.relay_later = guard is not None and words[guard].text.lower() == "defer_unauth_destination"
        refused_first = self.relay_later and name == "smtpd_relay_restrictions" and self._recipient_list_refuses_first(permits)
        self.relay_later = self.relay_later and not refused_first
        changed = self._relay_change(trusted, authenticated, words if name == "smtpd_relay_restrictions" else [],
                                     refused_first)
        if changed and not any("smtpd_relay_restrictions" in note for note in notes):
            notes.append(self.lossy(self.located("smtpd_relay_restrictions"), changed,
                                    "the `relay` statement writes this list; read docs/language.md#relay"))
        return Block((say.relay(mode, self.relay_later),), tuple(notes), (span,) if span else ())

    def _recipient_list_refuses_first(self, relay_permits: set[str]) -> bool:
        """Tell whether smtpd_recipient_restrictions runs before the relay list and refuses relaying with 554 there.

        smtpd_check.c smtpd_check_rcpt(): with smtpd_relay_before_recipient_restrictions = no (the
        default below compatibility_level 3.6) the recipient list runs first, and a REJECT there ends
        the check, so its reject_unauth_destination answers a client neither list permits with 554
        before the relay list's defer_unauth_destination is reached (Zentyal, compatibility_level 2).
        Only when the recipient list permits, before that guard, exactly the clients the relay list
        permits (and nothing else comes first): then both lists let the same clients relay, and the
        others are refused for good.
        """
        if self.view.value("smtpd_relay_before_recipient_restrictions").strip().lower() in ("yes", "true"):
            return False
        words = self.ctx.restrictions(self.view, "smtpd_recipient_restrictions")
        guard = next((i for i, w in enumerate(words) if w.text.lower() in UNAUTH_DESTINATION), None)
        if guard is None or words[guard].text.lower() != "reject_unauth_destination":
            return False
        before = {w.text.lower() for w in words[:guard]}
        # permit_sasl_authenticated matches nobody while SASL is off, in either list.
        matching = set(RELAY_PERMITS) if self.sasl_on() else {"permit_mynetworks"}
        return before <= set(RELAY_PERMITS) and before & matching == relay_permits & matching

    def _relay_change(self, trusted: bool, authenticated: bool, written: list[Word],
                      refused_first: bool = False) -> str | None:
        """Say how the relay list the compile writes (plan/restrictions.py) differs from main.cf's, if it does."""
        guard = "defer_unauth_destination" if self.relay_later else "reject_unauth_destination"
        compiled = [*(["permit_mynetworks"] if trusted else []),
                    *(["permit_sasl_authenticated"] if authenticated else []), guard]
        original = [w.text.lower() for w in written]
        if original == compiled:
            return None
        why = []
        if "permit_sasl_authenticated" in original and not authenticated:
            why.append("permit_sasl_authenticated is left out: SASL is off, so it matched nobody")
        if not original:
            why.append("the relay guard moves from smtpd_recipient_restrictions into the relay list, where "
                       "Postfix 2.10 and later look first")
        if refused_first:
            why.append("below compatibility_level 3.6 smtpd_recipient_restrictions runs first, and its "
                       "reject_unauth_destination refuses (554) before defer_unauth_destination is reached")
        shown = ", ".join(w.text for w in written)
        was = (f"smtpd_relay_restrictions = {shown or '(empty)'}" if self.view.is_set("smtpd_relay_restrictions")
               else f"Postfix's default smtpd_relay_restrictions ({shown or 'empty'})")
        return f"{was} becomes {', '.join(compiled)} in the compiled main.cf" + (f": {'; '.join(why)}" if why else "")

    def senders(self, tables: tuple[LoginTable, ...]) -> list[Block]:
        """Return the statements the login maps mean, in their order: smtpd takes the first table that answers.

        The first map, when it is of a `sender map` type and its source is readable, becomes `sender
        map` and one `allow user` line per login (the compile writes the policy's own map first). Every
        other map the language can name becomes `owners from map`, kept as written (`proxy:` too):
        the site keeps maintaining it, and the proof states what it assumes of it (MP334).
        """
        words = self.view.words("smtpd_sender_login_maps")
        if not words:
            return []
        span = self.origin_span("smtpd_sender_login_maps")
        if not self.sasl_on():
            # smtpd_check.c runs the login checks only with smtpd_sasl_auth_enable (MP337), and the
            # language's owners need `sasl` (MP308): nothing on main.cf's services consults the map.
            note = self.lossy(span or self.located("smtpd_sender_login_maps"),
                              "smtpd_sender_login_maps is set, but logins are off in main.cf, so the policy states no "
                              "owners (they need `sasl`) and the compiled main.cf leaves the map out: a master.cf "
                              "service that turns logins on with -o no longer has it",
                              "give that service its own -o smtpd_sender_login_maps, or turn logins on in main.cf")
            return [Block((), (note,), (span,) if span else ())]
        first = _map_statement(words[0])
        table = next((t for t in tables if t.word.text == words[0].text), None) if first else None
        blocks: list[Block] = []
        rest = words
        if first is not None and table is not None and table.source is not None:
            blocks += [Block((first,), origins=(span,) if span else ()), self._allow_users(table)]
            rest = words[1:]
        for word in rest:
            try:
                reference = values.owner_map(word.text)
            except values.ValueProblem as problem:
                blocks.append(Block((), (self.lossy(word.span, f"smtpd_sender_login_maps: `{word.text}` cannot be "
                                                               f"imported: {problem.message}",
                                                    problem.hint or "merge its entries into another table"),)))
                continue
            # The audit's findings about the parameter are written once, above its first statement.
            origins = (span,) if span and not blocks else ()
            self.owner_maps_imported = True
            blocks.append(Block((say.owners_map(reference),), origins=origins))
        return blocks

    def _local_names(self) -> frozenset[str]:
        """Return mydestination's plain names, `$myhostname` read as the host name (the local namespace)."""
        hostname = " ".join(w.text for w in self.view.words("myhostname")).lower()
        names = {w.text.lower().rstrip(".") for w in self.view.words("mydestination")
                 if ":" not in w.text and not w.text.startswith("/")}
        return frozenset(hostname if name == "$myhostname" else name for name in names)

    def _allow_users(self, table: LoginTable) -> Block:
        by_login: dict[str, list[str]] = {}
        for owner in table.owners:
            addresses = by_login.setdefault(owner.login, [])
            if owner.address not in addresses:
                addresses.append(owner.address)
        notes = []
        if table.problems:
            notes.append(self.lossy(table.problems[0].span, f"{len(table.problems)} line(s) of {table.path} are "
                                                            "not ADDRESS LOGIN pairs and are left out",
                                    "see the audit's diagnostics for that file"))
        bare = lost_bare_keys(table, self._local_names())
        if bare:
            notes.append(self.lossy(bare[0], f"{len(bare)} key(s) of {table.path} are a bare user name, which the "
                                             "language cannot say; they are left out",
                                    "write `allow user LOGIN as USER@DOMAIN` for a local domain: the compile "
                                    "writes the bare key of a local user itself"))
        self.owners_imported = self.owners_imported or bool(by_login)
        statements = tuple(say.allow_user(login, addresses) for login, addresses in by_login.items())
        return Block(statements, tuple(notes), (table.word.span,) if table.word.span else ())

    def data_restrictions(self, owners: bool, forgers=None) -> list[tuple[str, str]]:
        """Say how the compile changes smtpd_data_restrictions, which the policy writes.

        `owners`: the import gives addresses owners and turns logins on, so plan/restrictions.py
        writes the login check alone there (its rule 4: the one LOGIN_CHECK names for `forgers`, the
        `allow forged senders` choice importer/forgery.py read); else nothing. The sender list is
        importer/sender_checks.py's.
        """
        note = self._owned_list("smtpd_data_restrictions", LOGIN_CHECK[forgers] if owners else None)
        return [("smtpd_data_restrictions", note)] if note else []

    def _owned_list(self, name: str, guard: str | None) -> str | None:
        written = [w.text for w in self.view.words(name)]
        if [w.lower() for w in written] == ([guard] if guard else []):
            return None
        extra = [w for w in written if w.lower() not in LOGIN_MISMATCH_CHECKS]
        if extra:
            kept = f"{guard} alone" if guard else "nothing"
            return self.lossy(self.located(name), f"{name} holds {', '.join(extra)}; the policy writes {kept} in "
                                                  "that list, so these are left out",
                              "move them to smtpd_recipient_restrictions (a `set` line), after the permits they need")
        becomes = (f"{guard}, which checks the owners the policy names there" if guard
                   else "empty: the import gives no address an owner the policy can check")
        return self.lossy(self.located(name), f"{name} = {', '.join(written) or '(empty)'} becomes {becomes}",
                          "the `allow user` lines decide this list (docs/language.md#allow-user)")


def _map_statement(word: Word) -> str | None:
    reference = table_reference(word.text)
    if reference is None or reference[0] not in values.MAP_TYPES or through_proxy(word.text):
        return None
    try:
        kind, path = values.sender_map(f"{reference[0]}:{reference[1]}")
    except values.ValueProblem:
        return None
    return say.sender_map(f"{kind}:{path}")


def _qualified(name: str) -> bool:
    """Tell whether a host name is one the `hostname` statement takes (and the import keeps)."""
    try:
        values.hostname(name)
    except values.ValueProblem:
        return False
    return True
