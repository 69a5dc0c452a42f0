"""Build hook: write the parser's LALR tables and the grammar's shape into the package.

Runs for every wheel and every editable install (`pip install -e .`), so the built files always
come from the grammar/mailpolicy.lark being packaged. They are written into
src/mailpolicy/parse/built/ (ignored by git) and shipped in the wheel; see
src/mailpolicy/parse/generate.py for what they hold and why.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
GENERATOR = ROOT / "src" / "mailpolicy" / "parse" / "generate.py"
DATA_FILES = ROOT / "src" / "mailpolicy" / "postfix" / "data_files.py"


class ParserTablesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        # Loaded by path: importing the package would need its dependencies, which a build
        # environment does not have (only lark, listed in build-system.requires).
        generate = _load(GENERATOR)
        folder = GENERATOR.parent / generate.BUILT
        generate.write(ROOT / "grammar" / "mailpolicy.lark", folder)
        data_files = _load(DATA_FILES)  # the Postfix data parsed (postfix/data_files.py)
        data_files.write()
        if version == "editable":
            return  # an editable install imports the package from src/, where the files now are
        for name in (generate.TABLES, generate.SHAPE, generate.LINES):
            build_data["force_include"][str(folder / name)] = f"mailpolicy/parse/{generate.BUILT}/{name}"
        build_data["force_include"][str(data_files.BUILT)] = "mailpolicy/postfix/built/data.marshal"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"_mailpolicy_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
