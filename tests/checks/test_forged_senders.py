"""MP360 (checks/forged_senders.py): one check, the same finding on a policy and on the main.cf it compiles to.

The compiled main.cf and sender map of each form of `allow forged senders` are audited as a deployed
configuration: the audit must name the same clients with the same witness, in the same words. A
policy without the line (every client held to the owners) gets no MP360 on either host.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import config_folder
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD + """sasl dovecot private/auth
relay only authenticated
allow user alice as alice@example0.com
"""

FORMS = {
    "every client checked": ("", []),
    "anonymous clients may forge": ("allow forged senders from anonymous clients\n",
                                    ["a client that is not logged in may send as <alice@example0.com>"]),
    "any client may forge": ("allow forged senders from any client\n",
                             ["a client that is not logged in may send as <alice@example0.com>",
                              "a client logged in as `nobody-owns-this-login`, which does not own it, "
                              "may send as <alice@example0.com>"]),
}


def _findings(diagnostics):
    return sorted((d.code, d.message, d.severity.value) for d in diagnostics if d.code == "MP360")


@pytest.mark.parametrize("form", FORMS)
def test_the_policy_and_its_compiled_main_cf_get_the_same_mp360(tmp_path, form) -> None:
    line, witnesses = FORMS[form]
    (tmp_path / "policy").mkdir()
    (tmp_path / "etc").mkdir()
    policy = compile_text(tmp_path / "policy", HEAD + line)
    assert policy.ok, [str(d) for d in policy.diagnostics]
    compiled = _findings(policy.diagnostics)
    assert [w for w in witnesses if not any(w in message for _, message, _ in compiled)] == []
    assert len(compiled) == (1 if witnesses else 0)
    main_cf = policy.outputs["main.cf"]
    senders = policy.outputs["controlled_envelope_senders"]
    audit = audit_config(config_folder(tmp_path / "etc", main_cf, controlled_envelope_senders=senders))
    assert _findings(audit.diagnostics) == compiled
