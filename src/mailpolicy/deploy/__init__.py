"""`mailpolicy deploy`: install a compiled build into a Postfix configuration folder, or put the old files back.

build.py reads and vouches for the build, merge.py merges its main.cf into the deployed one,
proof.py proves the merged main.cf is no open relay, tables.py finds which maps need postmap,
postfix_commands.py runs postmap/postfix, transaction.py keeps backups and restores them, run.py
puts the steps in order (docs/deploy.md).
"""
