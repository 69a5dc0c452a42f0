"""The live comparison: each real-world configuration and its compiled import, booted side by side.

standins.py makes both sides runnable in the sandbox the same way (tables, policy services,
milters, the SASL socket, mynetworks); scenarios.py says what is sent; run.py boots, sends and
compares; tests/corpus/test_live_compare.py asserts the result.
"""
