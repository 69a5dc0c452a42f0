"""Plan the sender login map: one key per address, every owner of it merged, keys sorted.

Owned addresses of local domains: one Unix user answers at every local name, so one owner for all of them.

Every `local domains` domain, `$myhostname` and `localhost` are one namespace: trivial-rewrite
resolves `alice@` any of them to the local transport and the same Unix user `alice`
(ADDRESS_CLASS_README, "The local domain class"), and so do `alice@[an address of this host]` and
a bare `alice` (smtpd's resolver appends `@$myorigin`, src/trivial-rewrite/resolve.c). Owning
`alice@example0.com` must therefore own those spellings too, or a client that is not logged in
sends as alice through them (measured on Postfix 3.7.11: tests/e2e/test_local_names_live.py).

The key that does it is Postfix's own: smtpd looks a sender up in smtpd_sender_login_maps with
mail_addr_find() (src/smtpd/smtpd_check.c reject_auth_sender_login_mismatch and
reject_unauth_sender_login_mismatch, MA_FIND_DEFAULT), which after `user+ext@domain` and
`user@domain` tries the bare local part `user+ext`, then `user`, whenever the domain is $myorigin or
resolve_local() says it is local ($mydestination, $inet_interfaces, $proxy_interfaces;
src/global/mail_addr_find.c), and only then `@domain`. So each local part owned at a local domain
gets a bare key with the owners of that local part at every local domain. The key is never tried for
a hosted (virtual) domain, a namespace of its own. A bare key comes before `@domain` in that order,
so a local part owned at one local domain is no longer covered by another local domain's catch-all:
it has a key of its own, as the `@domain` rule says (docs/language.md "allow user").

A catch-all `@domain` of a local domain has no bare form: it is copied to the host's own names the
compiler adds to mydestination (`hostname`, `localhost`), which no statement gives owners of their
own. Another stated local domain without a catch-all keeps its statements: its unowned addresses
stay usable (an author who lists two domains and a catch-all for one says so). An address literal of
this host (`user@[192.0.2.1]`) cannot be spelled at compile time: a catch-all does not reach it
(docs/proof.md, "Owned names of local domains").
"""

from __future__ import annotations

from mailpolicy.model.policy import Policy
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


LOCALHOST = "localhost"


def host_names(policy: Policy) -> list[str]:
    """Return the names mydestination holds besides the stated local domains, as far as they can be spelled."""
    if policy.only_local_domains:
        return []
    hostname = policy.hostname.value.lower() if policy.hostname else None
    # plan/config.py writes `$myhostname, localhost` before the stated domains; without `local
    # domains` Postfix's default is `$myhostname, localhost.$mydomain, localhost` (postconf -d).
    host = [hostname] if hostname else []
    if not policy.local_domains and hostname and "." in hostname:
        host.append(f"{LOCALHOST}.{hostname.partition('.')[2]}")
    return list(dict.fromkeys([*host, LOCALHOST]))


def add_local_keys(policy: Policy, owners: dict[str, str | list[str]]) -> None:
    """Add to `owners` (key -> login or logins) the bare and catch-all keys of owned local addresses."""
    hosts = host_names(policy)
    local = {*hosts, *(d.value.lower() for d in policy.local_domains)}
    bare: dict[str, list[str]] = {}
    catch_all: list[str] = []
    for key, found in list(owners.items()):
        local_part, _at, domain = key.rpartition("@")
        if domain not in local:
            continue
        logins = [found] if type(found) is str else found
        merged = catch_all if not local_part else bare.setdefault(local_part, [])
        merged.extend(login for login in logins if login not in merged)
    for local_part, logins in bare.items():
        _merge(owners, local_part, logins)
    # A stated local domain without a catch-all is a statement of its own (its unowned addresses
    # stay usable by anyone); the host's names are not stated, they come with every local domain.
    if catch_all:
        for name in hosts:
            owners.setdefault(f"@{name}", catch_all[0] if len(catch_all) == 1 else list(catch_all))


def _merge(owners: dict[str, str | list[str]], key: str, logins: list[str]) -> None:
    """Give `key` these logins besides any it has."""
    first = owners.get(key)
    have = [] if first is None else [first] if type(first) is str else first
    merged = have + [login for login in logins if login not in have]
    owners[key] = merged[0] if len(merged) == 1 else merged
