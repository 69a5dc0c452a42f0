"""Turn a compiled policy into what the sandbox boots: main.cf, the sender map, logins."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import attrs

from mailpolicy.compiler import Compilation
from mailpolicy.emit.main_cf import render_main_cf
from mailpolicy.emit.provenance import Provenance
from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import ConfigPlan, Parameter
from mailpolicy.postfix.daemons import SCREEN_PREFIX
from mailpolicy.verify.owner_maps import with_stand_ins
from mailpolicy.verify.standins import StandIns, stand_ins

# The site's mailboxes are not on this machine: by default (local_recipient_maps =
# proxy:unix:passwd.byname $alias_maps) smtpd would answer "550 5.1.1 User unknown in local
# recipient table" for every local address that is no Unix user here. An empty value makes
# smtpd accept every address of mydestination (postconf(5), local_recipient_maps), so the
# verdicts are the policy's, not this machine's user list. A policy that sets it keeps its own.
LOCAL_RECIPIENTS = Parameter("local_recipient_maps", "",
                             "mailpolicy verify: every address of the local domains exists in the sandbox", None)
# Where the sandbox's Dovecot listens when the policy's Dovecot is reached over TCP.
SANDBOX_SASL_SOCKET = "private/auth"
EVERY_RECIPIENT_EXISTS = ("recipients: every address of the local domains exists "
                          "(the sandbox's local_recipient_maps is empty)")


@frozen
class SandboxInputs:
    """Everything `Sandbox(...)` needs for one policy, and how its clients are stood in for."""

    main_cf: str
    maps: dict[str, str]
    logins: dict[str, str]
    chroot: bool
    stand_ins: StandIns
    notes: tuple[str, ...] = ()
    # (name, -o overrides) of every service the policy states, each booted on its own port.
    services: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # The host name of the throwaway certificate, when the policy states `tls`.
    tls_hostname: str | None = None
    # postscreen's -o when the sandbox's smtpd runs behind postscreen(8) (None: it does not).
    postscreen: tuple[tuple[str, str], ...] | None = None
    # The services (None: the one smtpd of a policy without `service` lines) whose clients start with
    # a PROXY header, as the proxy in front of them would send it (smtpd_/postscreen_upstream_proxy_protocol).
    proxied: tuple[str | None, ...] = ()

    def sandbox_kwargs(self) -> dict:
        """Return the keyword arguments of `Sandbox` for these inputs."""
        return {"maps": self.maps, "logins": self.logins, "chroot": self.chroot, "services": self.services,
                "tls_hostname": self.tls_hostname, "postscreen": self.postscreen}

    def proxy_for(self, service: str | None, source: str) -> str | None:
        """Return the address a PROXY header names for a client from `source` on `service` (None: no header)."""
        # The proxy names the client it took the connection from: the stand-in client's own address.
        return source if service in self.proxied else None


def sandbox_inputs(compilation: Compilation, extra_logins: Iterable[str] = (),
                   owner_rows: dict[str, str] | None = None) -> SandboxInputs:
    """Return the sandbox inputs of a clean compilation (every login gets a fresh password).

    `owner_rows`: the rows standing in for each of the site's login maps (verify/owner_maps.py).
    """
    if not compilation.ok or compilation.plan is None or compilation.policy is None:
        raise ValueError(f"{compilation.path} did not compile; there is nothing to boot")
    plan, policy = compilation.plan, compilation.policy
    mynetworks = plan.parameter("mynetworks")
    standins = stand_ins(mynetworks.value if mynetworks else "")
    maps = {}
    if plan.sender_map is not None:
        maps[plan.sender_map.path] = compilation.outputs[plan.sender_map.filename]
    for table in plan.tables:
        maps[table.path] = compilation.outputs[table.filename]
    logins = {login: secrets.token_hex(12) for login in _logins(policy, extra_logins)}
    sandbox_plan = _with_stand_ins(plan, standins)
    notes = [standins.describe()]
    sandbox_plan, maps, owner_notes = with_stand_ins(sandbox_plan, maps, owner_rows or {})
    notes += owner_notes
    sasl_path = plan.parameter("smtpd_sasl_path")
    if sasl_path is not None and sasl_path.value.startswith("inet:"):
        # The sandbox's Dovecot answers on a UNIX socket of its own, never on the site's TCP port.
        sandbox_plan = _with_value(sandbox_plan, "smtpd_sasl_path", SANDBOX_SASL_SOCKET,
                                   f"mailpolicy verify's Dovecot, in place of `{sasl_path.value}`")
        notes.append(f"logins: the sandbox's Dovecot answers on {SANDBOX_SASL_SOCKET} in place of "
                     f"`{sasl_path.value}` (Postfix's Dovecot client speaks the same protocol on both)")
    if plan.parameter(LOCAL_RECIPIENTS.name) is None:
        sandbox_plan = attrs.evolve(sandbox_plan, parameters=(*sandbox_plan.parameters, LOCAL_RECIPIENTS))
        notes.append(EVERY_RECIPIENT_EXISTS)
    tls_hostname = (policy.hostname.value if policy.hostname else "mail.example.invalid") if policy.tls else None
    notes += _login_limits(plan.values(), tls_hostname is not None)
    services = tuple((s.word, tuple((o.name, o.value) for o in s.overrides)) for s in plan.services)
    if services:
        notes.append("services: " + ", ".join(f"{s.word} (port {s.kind.port} in the policy)" for s in plan.services)
                     + " each on its own loopback port, as master.cf writes them")
    if tls_hostname:
        notes.append(f"tls: a throwaway certificate for {tls_hostname} stands in for the policy's; the client "
                     "starts TLS wherever it is offered")
    screened = not services and any(p.name.startswith(SCREEN_PREFIX) for p in plan.parameters)
    if screened:
        notes.append("postscreen: the policy sets postscreen_* parameters and states no service, so its smtpd runs "
                     "behind postscreen(8), as a master.cf with postscreen on port 25 has it; a client it has not "
                     "seen waits postscreen_greet_wait before the greeting")
        if plan.parameter("postscreen_dnsbl_sites") is not None:
            # As every DNS list of the live tests: no list names a loopback client, and the sandbox
            # must not ask the network.
            sandbox_plan = _with_value(sandbox_plan, "postscreen_dnsbl_sites", "",
                                       "mailpolicy verify: no DNS list names a loopback client")
            notes.append("postscreen: its DNS lists (postscreen_dnsbl_sites) list nobody here")
    proxied = _proxied(plan.values(), services, screened)
    if proxied:
        notes.append("proxy: the client starts each session with a PROXY header naming its own address, as the "
                     "proxy in front of " + ("postscreen" if screened else "smtpd") + " would")
    return SandboxInputs(
        main_cf=render_main_cf(sandbox_plan, Provenance(compilation.path)),
        maps=maps,
        logins=logins,
        # `chroot off` is master.cf's chroot column "n"; any chroot folder is the sandbox's queue.
        chroot=policy.chroot.value is not None,
        stand_ins=standins,
        notes=tuple(notes),
        services=services,
        tls_hostname=tls_hostname,
        postscreen=() if screened else None,
        proxied=proxied,
    )


def _proxied(values: dict[str, str], services, screened: bool) -> tuple[str | None, ...]:
    """Return the services whose daemon reads a PROXY header first (smtpd's setting, or postscreen's in front)."""
    if screened:
        return (None,) if values.get("postscreen_upstream_proxy_protocol", "").strip() == "haproxy" else ()
    main = values.get("smtpd_upstream_proxy_protocol", "")
    if not services:
        return (None,) if main.strip() == "haproxy" else ()
    return tuple(name for name, overrides in services
                 if dict(overrides).get("smtpd_upstream_proxy_protocol", main).strip() == "haproxy")


def _login_limits(values: dict[str, str], client_does_tls: bool) -> list[str]:
    """Say up front why `user LOGIN` lines cannot log in to this sandbox, when they cannot."""
    limits = []
    if values.get("smtpd_sasl_auth_enable") == "yes" and values.get("smtpd_sasl_type", "cyrus") != "dovecot":
        limits.append("logins: the sandbox runs Dovecot as its only SASL server; with `sasl cyrus` no "
                      "`user LOGIN` line can log in")
    if values.get("smtpd_tls_auth_only", "no").strip().lower() == "yes" and not client_does_tls:
        # smtpd offers AUTH only after STARTTLS then, and without `tls` smtpd has no certificate.
        limits.append("logins: smtpd_tls_auth_only = yes without a `tls` statement: the sandbox makes no "
                      "certificate of its own, so smtpd likely offers no TLS and no `user LOGIN` line can log in")
    return limits


def _logins(policy: Policy, extra: Iterable[str]) -> list[str]:
    """Return every login an `allow` or `expect` line names, in order of first mention."""
    named = list(policy.owners.logins)
    named += [e.login for e in policy.expectations if e.login is not None]
    return list(dict.fromkeys([*named, *extra]))


def _with_stand_ins(plan: ConfigPlan, standins: StandIns) -> ConfigPlan:
    """Return the plan with the sandbox's mynetworks, its reason saying why."""
    if not standins.changed:
        return plan
    return _with_value(plan, "mynetworks", standins.sandbox_mynetworks,
                       f"mailpolicy verify's loopback stand-ins for `{standins.policy_mynetworks}`")


def _with_value(plan: ConfigPlan, name: str, value: str, reason: str) -> ConfigPlan:
    """Return the plan with one parameter's value replaced, its reason saying why."""
    parameters = tuple(attrs.evolve(p, value=value, reason=reason) if p.name == name else p for p in plan.parameters)
    return attrs.evolve(plan, parameters=parameters)
