"""Prove a compiled policy on a real Postfix: its `expect` lines, sent to a sandboxed server.

    verification = verify_compilation(compile_policy("site.mailpolicy"))
    print(render_table(verification, compilation.policy, compilation.path, server_versions()))
"""

from mailpolicy.verify.inputs import SandboxInputs, sandbox_inputs
from mailpolicy.verify.runner import Outcome, Verification, run_expectations, server_versions, verify_compilation
from mailpolicy.verify.standins import OUTSIDE_SOURCE, TRUSTED_SOURCE, StandIns, stand_ins
from mailpolicy.verify.table import render_table, reply_text, summary

__all__ = [
    "OUTSIDE_SOURCE", "TRUSTED_SOURCE", "Outcome", "SandboxInputs", "StandIns", "Verification",
    "render_table", "reply_text", "run_expectations", "sandbox_inputs", "server_versions", "stand_ins",
    "summary", "verify_compilation",
]
