"""The real-world corpus: audit, import and check of configurations restated from public projects.

Reference files beside each configuration (tests/corpus/realworld/<project>/*.ref) hold what each
command prints; a change in any of them is a change a reviewer sees in the pull request. Run
`pytest tests/corpus/test_realworld.py --update-goldens` to rewrite them; a mismatch writes
the output beside its reference (tests/references.py: `audit.ref` -> `audit.actual`). docs/audit.md's "Real configurations" table is checked against the same runs.
"""

from __future__ import annotations

import re

import pytest

from tests.corpus.realworld_run import AUDIT_DOC, CORPUS, PROJECTS, TABLE_IN_DOC, counts, run, table
from tests.references import matches_reference



def test_the_corpus_holds_at_least_twelve_configurations_each_with_its_sources() -> None:
    assert len(PROJECTS) >= 12, PROJECTS
    for project in PROJECTS:
        sources = (CORPUS / project / "SOURCES").read_text(encoding="utf-8")
        assert re.search(r"commit\s+[0-9a-f]{40}|package \S+ \S+", sources), f"{project}: SOURCES names no commit"
        assert "rendering:" in sources, f"{project}: SOURCES does not say how it was rendered"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every configuration run once for the module: the reference and table tests read the same runs."""
    scratch = tmp_path_factory.mktemp("realworld")
    return {project: run(project, scratch) for project in PROJECTS}


@pytest.mark.parametrize("project", PROJECTS)
def test_audit_import_and_check_match_their_references(project: str, runs: dict, update_goldens: bool) -> None:
    result = runs[project]
    folder = CORPUS / project
    mismatched = [name for name, text in result.references().items()
                  if not matches_reference(folder / name, text, update_goldens)]
    assert not mismatched, f"{project}: {mismatched} differ; see the .actual files in {folder}"


def test_docs_table_is_the_corpus_as_it_runs_now(runs: dict) -> None:
    expected = table([counts(p, runs[p]) for p in PROJECTS])
    found = TABLE_IN_DOC.search(AUDIT_DOC.read_text(encoding="utf-8"))
    assert found, "docs/audit.md lost its realworld-table markers"
    assert found.group(2) == expected, "docs/audit.md's table is stale: python -m tests.corpus.realworld_run --write"
