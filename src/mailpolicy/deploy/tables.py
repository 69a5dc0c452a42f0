"""Which table each built map is, where main.cf looks it up, and which files postmap makes of it.

A map source in the build is looked up by main.cf as `TYPE:/path/NAME`; deploy installs it as
`NAME` in the configuration folder, so that path must be that folder's (else Postfix would keep
reading another file and the deploy would change nothing it claims to). The indexed types are
the ones postmap(1) builds a file for, with the suffixes Postfix's dict_*.c give them
(src/util/dict_db.c ".db", dict_lmdb.c ".lmdb", dict_cdb.c ".cdb", dict_dbm.c/dict_sdbm.c
".dir" and ".pag"); `texthash:` and the like are read from the source itself.
"""

from __future__ import annotations

import os
from pathlib import Path


from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.sandbox.mainconf import find_table_refs

INDEX_SUFFIXES = {
    "hash": (".db",), "btree": (".db",), "lmdb": (".lmdb",), "cdb": (".cdb",),
    "dbm": (".dir", ".pag"), "sdbm": (".dir", ".pag"),
}


@frozen
class BuiltMap:
    """One map of the build: its file name and every indexed table type main.cf reads it as."""

    name: str
    types: tuple[str, ...]  # table types that need postmap, in main.cf's order

    def index_files(self, name: str | None = None) -> list[str]:
        """Return the names of the indexed files postmap makes of `name` (default: the map's own)."""
        base = name or self.name
        return [base + suffix for t in self.types for suffix in INDEX_SUFFIXES[t]]


def locate_maps(main_cf: str, map_names: list[str], target: Path) -> tuple[list[BuiltMap], list[Diagnostic]]:
    """Return each built map with its indexed types, or the maps main.cf looks up outside `target`."""
    refs = find_table_refs(main_cf)
    real_target = os.path.realpath(target)
    maps: list[BuiltMap] = []
    problems: list[Diagnostic] = []
    for name in map_names:
        mine = [(kind, path) for kind, path in refs if os.path.basename(path) == name]
        elsewhere = [path for _, path in mine if os.path.realpath(os.path.dirname(path)) != real_target]
        if elsewhere:
            problems.append(cat.DEPLOY_MAP_ELSEWHERE.at(
                None, f"main.cf looks the map {name} up at {elsewhere[0]}, but deploy installs it in {target}",
                hint=f"compile with `sender map TYPE:{os.path.join(str(target), name)}`, "
                     f"or deploy into {os.path.dirname(elsewhere[0])}"))
            continue
        types = tuple(dict.fromkeys(kind for kind, _ in mine if kind in INDEX_SUFFIXES))
        maps.append(BuiltMap(name, types))
    return maps, problems
