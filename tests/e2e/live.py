"""Boot a compiled policy once and send requests to it as the policy's client kinds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from mailpolicy.compiler import Compilation
from mailpolicy.parse.statements import ClientKind
from mailpolicy.sandbox import Attempt, Sandbox
from mailpolicy.verify import SandboxInputs, sandbox_inputs
from tests.helpers import compile_text
from tests.postfix_support import booted_sandbox

# The recipient every relay test aims at: a domain no policy here receives mail for.
VICTIM = "victim@gmail.test"


@attrs.frozen
class LivePolicy:
    """A compiled policy running in a sandbox."""

    compilation: Compilation
    inputs: SandboxInputs
    sandbox: Sandbox

    def send(self, client: str, sender: str, recipient: str = VICTIM) -> Attempt:
        """Send MAIL FROM/RCPT TO as `anonymous`, `trusted` or a login name (from outside)."""
        kind = ClientKind(client) if client in ("anonymous", "trusted") else ClientKind.USER
        login = client if kind is ClientKind.USER else None
        password = self.inputs.logins[login] if login else None
        return self.sandbox.try_send(self.inputs.stand_ins.source_for(kind), login, password, sender, recipient,
                                     timeout=5)


def compiled(folder: Path, text: str, name: str = "site.mailpolicy") -> Compilation:
    """Compile policy text written into folder; fail loudly if it does not compile."""
    compilation = compile_text(folder, text, name)
    assert compilation.ok, [str(d) for d in compilation.diagnostics]
    return compilation


def live_policy(compilation: Compilation, extra_logins: Iterable[str] = ()) -> Iterator[LivePolicy]:
    """Yield the compiled policy booted in a sandbox (for module-scoped fixtures)."""
    yield from live_inputs(compilation, sandbox_inputs(compilation, extra_logins))


def live_inputs(compilation: Compilation, inputs: SandboxInputs) -> Iterator[LivePolicy]:
    """Yield a sandbox booted with these inputs: a compiled policy's, changed to show what it guards against."""
    for sandbox in booted_sandbox(inputs.main_cf, **inputs.sandbox_kwargs()):
        yield LivePolicy(compilation, inputs, sandbox)


def verified_case(policy: Path):
    """Compile a case policy, send every `expect` line to a real Postfix, and return (verification, table).

    Fails when it does not compile or when the server does not honour a line; the table (expected,
    got, the server's reply) is the message of every assertion a test adds.
    """
    from mailpolicy.compiler import compile_policy
    from mailpolicy.verify import render_table, verify_compilation

    compilation = compile_policy(policy)
    assert compilation.ok, [str(d) for d in compilation.diagnostics]
    verification = verify_compilation(compilation)
    table = render_table(verification, compilation.policy, compilation.path, "Postfix")
    assert verification.confirmed, table
    return verification, table
