"""Import smtpd_sender_restrictions as `refuse senders` lines, and say what the compile changes in it.

The compiled list is `reject_sender_login_mismatch` (when the import gives addresses owners),
the checks every client runs, the permits of the exemption, then the exempted checks
(plan/sender_checks.py). A list in use is read in that shape: a permit_mynetworks or
permit_sasl_authenticated before a check is its `unless`; a final `permit` is what the end of a
list does anyway. What else the list holds (check_sender_access, reject_unverified_sender, a
permit between checks ...) the language cannot say: it is left out with an MP709 warning at the
list's line, and so is any change of order or of the login check the compile makes.
"""

from __future__ import annotations

from mailpolicy.audit.effective import ServiceView
from mailpolicy.frozen import frozen
from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.importer.statements import Translator
from mailpolicy.model.sender_checks import RESTRICTIONS, SenderCheck, SenderChecks
from mailpolicy.parse.statements import Forgers, SenderCheckKind, SenderExemption
from mailpolicy.plan.restrictions import LOGIN_CHECK
from mailpolicy.plan.sender_checks import EXEMPTION_PERMITS, first_check_entries, sender_check_entries
from mailpolicy.postfix.restriction_lists import LOGIN_MISMATCH_CHECKS, entries, split_words
from mailpolicy.source import Span

# The check each restriction is, by name: the model's table read backwards, and reject_unknown_address,
# the old name smtpd 3.7 still runs as reject_unknown_sender_domain in a sender list
# (smtpd_check.c generic_checks: it checks the sender's domain there; simulate/restrictions.py, measured).
_CHECKS = {restriction: kind for kind, restriction in RESTRICTIONS.items()}
_CHECKS["reject_unknown_address"] = SenderCheckKind.UNKNOWN_DOMAIN
# The exemption a list's permits say, whatever their order.
_EXEMPTIONS = {tuple(sorted(permits)): exemption for exemption, permits in EXEMPTION_PERMITS.items()}
# Where the checks a reading builds were stated: nowhere a diagnostic could point to, and none is made.
_READ = Span("<import>", 1, 1)
NAME = "smtpd_sender_restrictions"


@frozen
class Reading:
    """A sender list as `refuse senders` reads it: the checks before and after the permits, and the rest."""

    written: tuple[str, ...]
    plain: tuple[tuple[SenderCheckKind, str | None], ...]     # (the check, its DNS list or None)
    exempted: tuple[tuple[SenderCheckKind, str | None], ...]
    permits: tuple[str, ...]
    left_out: tuple[str, ...]                     # what the language cannot say
    login_checks: tuple[str, ...]                 # reject_*sender_login_mismatch: the owners decide
    first: tuple[tuple[SenderCheckKind, str | None], ...] = ()  # checks before the login check: `before ownership`

    @property
    def unless(self) -> SenderExemption | None:
        return _EXEMPTIONS.get(tuple(sorted(self.permits))) if self.exempted else None

    def statements(self, on: str | None = None) -> tuple[str, ...]:
        said = [say.refuse_senders(self.first, on=on, first=True)] if self.first else []
        said += [say.refuse_senders(self.plain, on=on)] if self.plain else []
        if self.exempted:
            said.append(say.refuse_senders(self.exempted, self.unless, on))
        return tuple(said)

    def compiled(self, owners: bool, forgers: Forgers | None = None) -> list[str]:
        """Return the elements the compile writes for this list.

        The login check first when addresses have owners (plan/restrictions.py owner_guard: the one
        LOGIN_CHECK names for `forgers`), then what plan/sender_checks.py writes for these checks,
        asked of the plan itself.
        """
        scope = SenderChecks(None, _model_checks(self.plain), _model_checks(self.exempted), self.unless, _READ,
                             _model_checks(self.first))
        first = [word for entry in first_check_entries(scope) for word in entry.name.split(" ")]
        checks = [word for entry in sender_check_entries(scope) for word in entry.name.split(" ")]
        guard = LOGIN_CHECK[forgers] if owners else None
        return first + ([guard] if guard else []) + checks

    def kept(self, owners: bool, forgers: Forgers | None = None) -> bool:
        """Tell whether the compile writes the list as it is (a final `permit` is what the end does anyway)."""
        effective = [w.lower() for w in self.written]
        if effective and effective[-1] == "permit":
            effective.pop()
        return effective == self.compiled(owners, forgers)


def read_list(written: tuple[str, ...]) -> Reading:
    """Read a smtpd_sender_restrictions value (its elements) as `refuse senders` lines."""
    plain: list[tuple[str, str | None]] = []
    exempted: list[tuple[str, str | None]] = []
    permits: list[str] = []
    left_out: list[str] = []
    login_checks: list[str] = []
    first: list[tuple[str, str | None]] = []
    listed = entries(written)
    for position, entry in enumerate(listed):
        name = entry.name
        if name in LOGIN_MISMATCH_CHECKS:
            if not login_checks and not permits:
                first, plain = plain, []  # the checks before it: `before ownership` (plan/sender_checks.py)
            login_checks.append(name)
        elif name in ("permit_mynetworks", "permit_sasl_authenticated"):
            if exempted:
                left_out.append(f"{name} after an exempted check")
            elif name not in permits:
                permits.append(name)
        elif name == "permit" and position == len(listed) - 1:
            continue  # the end of the list permits anyway
        elif name in _CHECKS and (name != "reject_rhsbl_sender" or entry.argument):
            (exempted if permits else plain).append((_CHECKS[name], entry.argument))
        else:
            left_out.append(entry.shown)
    return Reading(tuple(written), tuple(plain), tuple(exempted), tuple(permits), tuple(left_out),
                   tuple(login_checks), tuple(first))


def sender_checks_block(t: Translator, owners: bool, forgers: Forgers | None = None) -> Block | None:
    """Return the `refuse senders` lines main.cf's sender list means, with a note for what changes."""
    reading = read_list(tuple(w.text for w in t.view.words(NAME)))
    statements = reading.statements()
    if reading.kept(owners, forgers):
        return Block(statements, origins=(t.located(NAME),)) if statements else None
    return Block(statements, (_lossy(t, t.located(NAME), reading, owners, forgers),), (t.located(NAME),))


def service_says(value: str) -> bool:
    """Tell whether a service's `-o smtpd_sender_restrictions` is one `refuse senders ... on KIND` can say.

    It must hold a check (an `on` line says at least one) and nothing the language cannot say;
    importer/services.py then recognises the service with it.
    """
    reading = read_list(split_words(value))
    return bool(reading.first or reading.plain or reading.exempted) and not reading.left_out


def service_block(t: Translator, view: ServiceView, kind: str, owners: bool,
                  forgers: Forgers | None = None) -> Block | None:
    """Return the `refuse senders ... on KIND` lines of an imported service's own sender list, if it has one."""
    override = next((o for o in reversed(view.service.overrides) if o.name == NAME), None)
    if override is None:
        return None
    reading = read_list(split_words(override.value))
    statements = reading.statements(on=kind)
    if reading.kept(owners, forgers):
        return Block(statements, origins=(override.span,))
    return Block(statements, (_lossy(t, override.span, reading, owners, forgers),), (override.span,))


def _lossy(t: Translator, span, reading: Reading, owners: bool, forgers: Forgers | None) -> str:
    hint = ("a check the language cannot say can be a `set smtpd_recipient_restrictions` entry, after the "
            "permits it needs (docs/language.md#refuse-senders)" if reading.left_out else
            "the `allow user` and `refuse senders` lines decide this list (docs/language.md#refuse-senders)")
    return t.lossy(span, _change(list(reading.written), reading.compiled(owners, forgers), list(reading.left_out),
                                 list(reading.login_checks), owners, forgers), hint)


def _model_checks(checks: tuple[tuple[SenderCheckKind, str | None], ...]) -> tuple[SenderCheck, ...]:
    """Return the model's checks for a reading's (check, DNS list) pairs, as model/sender_checks.py builds them."""
    return tuple(SenderCheck(kind, f"{RESTRICTIONS[kind]} {dns_list}" if dns_list else RESTRICTIONS[kind], _READ)
                 for kind, dns_list in checks)


def _change(written: list[str], compiled: list[str], left_out: list[str], login_checks: list[str],
            owners: bool, forgers: Forgers | None) -> str:
    said = [f"{NAME} = {_shown(written)} becomes {_shown(compiled)} in the compiled main.cf"]
    if left_out:
        said.append(f"left out, as the language cannot say them: {', '.join(left_out)}")
    guard = LOGIN_CHECK[forgers] if owners else None
    changed = [n for n in login_checks if n != guard]
    if owners and changed and guard == "reject_sender_login_mismatch":
        said.append(f"{', '.join(changed)} becomes reject_sender_login_mismatch, first in the list: anonymous "
                    "clients may no longer use an owned address either")
    elif owners and changed:
        said.append(f"{', '.join(changed)} becomes {guard or 'nothing'}, as `allow forged senders from "
                    f"{forgers.value}` states for every listener")
    elif login_checks and not owners:
        said.append(f"{', '.join(login_checks)} is left out: the import gives no address an owner the policy "
                    "can check")
    return "; ".join(said)


def _shown(words: list[str]) -> str:
    return ", ".join(entry.shown for entry in entries(words)) or "(empty)"
