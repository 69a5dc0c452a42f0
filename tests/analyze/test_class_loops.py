"""MP340: a restriction class that reaches itself is a warning at the entry closing the loop.

What smtpd does with such a class was measured on Postfix 3.7 (tests/e2e/test_simulator_causes_live.py):
a loop of class names kills smtpd (signal 11); a loop through an access table's result ends in
451 4.3.5 at smtpd's recursion limit. Postfix starts with either and says nothing.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import BASE
from tests.audit.config_folder import config_folder as folder
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD + "relay nobody\n"

# name -> (set lines after HEAD, [(line, column, "dies" or "451")] of every MP340 expected)
CASES = {
    "a class naming itself": (
        "set smtpd_restriction_classes = loop\nset loop = loop\n", [(6, 12, "dies")]),
    "two classes naming each other, after a permit": (
        "set smtpd_restriction_classes = one, two\nset one = permit_mynetworks, two\nset two = one\n",
        [(6, 30, "dies"), (7, 11, "dies")]),
    "a class reached again through an access table's result": (
        "set smtpd_restriction_classes = loop\nset loop = check_sender_access inline:{ a@x.test=loop }\n",
        [(6, 12, "451")]),
    "a class naming another that ends": (
        "set smtpd_restriction_classes = one, two\nset one = two\nset two = reject\n", []),
    "a table result naming the class as text of a REJECT": (
        "set smtpd_restriction_classes = loop\nset loop = check_sender_access inline:{ {a@x.test=REJECT loop} }\n", []),
}


@pytest.mark.parametrize(("lines", "expected"), CASES.values(), ids=CASES.keys())
def test_a_class_that_reaches_itself_is_a_located_warning(tmp_path, lines, expected) -> None:
    compilation = compile_text(tmp_path, HEAD + lines)
    found = [(d.span.line, d.span.column, "451" if "451" in d.message else "dies")
             for d in compilation.diagnostics if d.code == "MP340"]
    assert found == expected
    assert compilation.ok  # a warning: the policy still compiles


def test_audit_reports_it_where_main_cf_writes_the_entry(tmp_path) -> None:
    main_cf = BASE + "smtpd_restriction_classes = loop\nloop = permit_mynetworks,\n  loop\n"
    audit = audit_config(str(folder(tmp_path, main_cf)))
    found = [(d.span.path.rsplit("/", 1)[-1], d.span.line, d.span.column) for d in audit.diagnostics
             if d.code == "MP340"]
    assert found == [("main.cf", 7, 3)]
