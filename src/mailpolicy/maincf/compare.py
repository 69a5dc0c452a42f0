"""Compare what is deployed with what a policy compiles to, by meaning rather than by text.

Parameter by parameter (layout, commas and line breaks do not count: Postfix splits lists at
commas and whitespace); restriction lists entry by entry, with their order, because order is
what decides a restriction list (the seed's reject_sender_login_mismatch after a permit); other
lists (mynetworks, mydestination) as sets; the sender login map key by key.

Compared are the parameters the plan emits and the ones the policy manages (plan.config.MANAGED);
other deployed parameters are not the policy's business and are only counted. A parameter the
deployed file does not set counts as its Postfix default (postconf -d of the target version).
"""

from __future__ import annotations

import posixpath


from mailpolicy.frozen import frozen
from mailpolicy.plan.config import MANAGED
from mailpolicy.plan.model import ConfigPlan, Parameter, SenderMapPlan
from mailpolicy.postfix.main_cf import MainCf
from mailpolicy.postfix.parameters import parameter as postfix_parameter
from mailpolicy.postfix.restriction_lists import entries, split_words
from mailpolicy.postfix.tables import read_text_table, table_reference
from mailpolicy.source import Span


@frozen
class ParameterChange:
    """One parameter whose deployed value and policy value differ in meaning."""

    name: str
    deployed: str | None      # None: not set where deployed (its default applies)
    policy: str | None        # None: the policy manages it but leaves it to Postfix's default
    removed: tuple[str, ...]  # entries deployed that the policy drops
    added: tuple[str, ...]    # entries the policy adds
    reordered: bool           # the same entries in another order (meaningful in restriction lists)
    is_list: bool
    default: str              # Postfix's default, what applies where a side is None
    deployed_at: Span | None
    policy_at: Span | None


@frozen
class MapChange:
    """The sender login map, deployed against compiled: keys added, removed, and owners changed."""

    source: str
    added: tuple[tuple[str, tuple[str, ...]], ...]
    removed: tuple[tuple[str, tuple[str, ...]], ...]
    changed: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@frozen
class SemanticDiff:
    """Everything that differs, and what was left out of the comparison."""

    parameters: tuple[ParameterChange, ...]
    sender_map: MapChange | None
    notes: tuple[str, ...] = ()
    unrelated: int = 0  # deployed parameters the policy neither manages nor sets
    services: tuple = ()  # master.cf services deploying would add, change or drop (maincf/service_compare.py)

    @property
    def empty(self) -> bool:
        return not self.parameters and (self.sender_map is None or self.sender_map.empty) and not self.services


def restriction_entries(value: str) -> tuple[str, ...]:
    """Split a restriction list into entries, each with its argument (`check_sender_access hash:/x`)."""
    words = split_words(value)
    return tuple(" ".join(words[e.index:e.index + (1 if e.argument is None else 2)])
                 for e in entries(words, guess_unknown=True))


def compare_parameters(deployed: MainCf, plan: ConfigPlan) -> tuple[list[ParameterChange], int]:
    """Return the parameters that differ, and how many deployed parameters were not compared."""
    planned = {p.name: p for p in plan.parameters}
    names = list(planned) + [n for n in MANAGED if n not in planned and deployed.get(n) is not None]
    changes = [change for name in names
               if (change := _compare(name, deployed, planned.get(name), plan.version)) is not None]
    unrelated = sum(1 for name in deployed.parameters if name not in planned and name not in MANAGED)
    return changes, unrelated


def _compare(name: str, deployed: MainCf, planned: Parameter | None, version: str) -> ParameterChange | None:
    definition = deployed.get(name)
    info = postfix_parameter(name, version)
    default = info.default if info else ""
    old = definition.value if definition else default
    new = planned.value if planned else default
    restriction_list = planned is not None and planned.entries is not None
    split = restriction_entries if restriction_list else split_words
    before, after = split(old), split(new)
    if before == after:
        return None
    removed = tuple(e for e in before if e not in after)
    added = tuple(e for e in after if e not in before)
    return ParameterChange(
        name, definition.value if definition else None, planned.value if planned else None,
        removed, added, not removed and not added, restriction_list or len(before) > 1 or len(after) > 1, default,
        definition.name_span if definition else None, planned.source if planned else None)


def read_map_entries(text: str) -> dict[str, tuple[str, ...]]:
    """Read a postmap source as postmap does: key (lower case, as postmap stores it) -> sorted owners."""
    return {key.lower(): tuple(sorted(split_words(value))) for key, value in read_text_table(text).items()}


def compare_map(deployed: dict[str, tuple[str, ...]], table: SenderMapPlan | None, source: str) -> MapChange:
    """Return the keys the policy's map adds, removes, or gives other owners than `deployed`."""
    compiled = {key: tuple(sorted(table.owners_of(key))) for key in table.keys} if table else {}
    return MapChange(
        source,
        tuple((k, compiled[k]) for k in sorted(compiled) if k not in deployed),
        tuple((k, deployed[k]) for k in sorted(deployed) if k not in compiled),
        tuple((k, deployed[k], compiled[k]) for k in sorted(compiled) if k in deployed and deployed[k] != compiled[k]))


def deployed_map_path(deployed: MainCf, plan: ConfigPlan) -> str | None:
    """Return the path of the deployed sender login map source: the policy's own, else the first text table."""
    paths = []
    for word in split_words(deployed.value("smtpd_sender_login_maps") or ""):
        reference = table_reference(word)
        if reference is not None:
            paths.append(posixpath.normpath(reference[1]))
    if plan.sender_map is not None and plan.sender_map.path in paths:
        return plan.sender_map.path
    return paths[0] if paths else None
