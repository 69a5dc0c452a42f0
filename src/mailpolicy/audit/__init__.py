"""Audit an existing Postfix configuration (main.cf, master.cf, the sender login map) with the compiler's checks."""
