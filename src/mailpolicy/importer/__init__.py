"""Import a Postfix configuration in use (main.cf, master.cf, the sender login map) as a .mailpolicy."""
