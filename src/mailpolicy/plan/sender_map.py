"""Plan the sender login map: one key per address, every owner of it merged, keys sorted."""

from __future__ import annotations

from mailpolicy.model.policy import Policy
from mailpolicy.plan.local_owners import add_local_keys
from mailpolicy.plan.model import SenderMapPlan


def plan_sender_map(policy: Policy) -> SenderMapPlan | None:
    """Return the map for the policy's owners, or None when nobody owns an address."""
    if not policy.owners:
        return None
    # Most addresses have one owner: their value is the login string itself, shared with the
    # policy. An address with several owners collects them in a list until all are seen.
    owners: dict[str, str | list[str]] = {}
    pairs = 0
    for address, login in zip(policy.owners.addresses, policy.owners.logins):
        first = owners.get(address)
        if first is None:
            owners[address] = login
            pairs += 1
        elif type(first) is str:
            if first != login:
                owners[address] = [first, login]
                pairs += 1
        elif login not in first:
            first.append(login)
            pairs += 1
    add_local_keys(policy, owners)
    for address, found in owners.items():
        if type(found) is list:
            # postmap(1) reads the value as written; smtpd splits it at commas and spaces.
            owners[address] = ", ".join(found)
    # smtpd_sender_login_maps is looked up as user@domain, then user, then @domain (postconf(5));
    # a bare `@domain` key therefore owns every address of the domain without its own key.
    kind, path = policy.sender_map.value
    return SenderMapPlan(kind, path, sorted(owners), owners, pairs)
