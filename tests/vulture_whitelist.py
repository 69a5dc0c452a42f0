"""Names vulture cannot see used: each is called by a framework, not by our code (tests/test_lint.py).

Read by vulture only, never imported. The methods of parse/statement_builder.py (one per grammar
rule, called by the rule's name) are not listed here: tests/test_lint.py adds every rule and alias
name of grammar/mailpolicy.lark.
"""

# click calls a Group's format_commands to print `--help` (cli/lazy.py overrides it).
_.format_commands
# The context-manager protocol passes the exception triple to __exit__ (sandbox/sandbox.py).
_.exc_info
# tests/perf/test_frozen.py defines a class only to see the decorator refuse it.
_.Folded
# Issue 14's services (F1, in progress): a field of the listener kinds no check reads yet.
_.login_required
# psycopg's Connection.read_only: setting it makes every transaction READ ONLY (model/database_rows.py).
_.read_only
# socketserver calls a request handler's handle() and reads a server's daemon_threads (tests/corpus/live/policy.py).
_.handle
_.daemon_threads
# A Deferred is applied as a decorator (@later, parse/statements.py); dir(module) calls the module's
# __dir__ (PEP 562), which lists the statement classes not made yet.
_.__call__
_.__dir__
