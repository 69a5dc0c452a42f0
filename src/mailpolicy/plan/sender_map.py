"""Plan the sender login map: one key per address, every owner of it merged, keys sorted."""

from __future__ import annotations

from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import MapEntry, SenderMapPlan


def plan_sender_map(policy: Policy) -> SenderMapPlan | None:
    """Return the map for the policy's owners, or None when nobody owns an address."""
    if not policy.owners:
        return None
    owners: dict[str, dict[str, None]] = {}
    sources: dict[str, list] = {}
    for ownership in policy.owners:
        owners.setdefault(ownership.address, {})[ownership.login] = None
        sources.setdefault(ownership.address, []).append(ownership.span)
    # smtpd_sender_login_maps is looked up as user@domain, then user, then @domain (postconf(5));
    # a bare `@domain` key therefore owns every address of the domain without its own key.
    entries = tuple(MapEntry(key, tuple(owners[key]), tuple(sources[key])) for key in sorted(owners))
    kind, path = policy.sender_map.value
    return SenderMapPlan(kind, path, entries)
