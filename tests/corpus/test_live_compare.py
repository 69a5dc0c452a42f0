"""Each real-world configuration and its compiled import, booted on the real Postfix and compared.

tests/corpus/live/ boots both sides once per configuration with the same stand-ins (STANDINS beside
each configuration; the rules in docs/audit.md, "Decides like the original") and sends both every
scenario on every public smtpd service. The verdicts are kept in `live.ref` beside the configuration
(`pytest tests/corpus/test_live_compare.py --update-goldens` rewrites them, and `python -m
tests.corpus.live.run --write` docs/audit.md's table as well), so a change of what either side
decides shows up in review; docs/audit.md explains every configuration whose import decides
differently, citing the warning the import gives for it.
"""

from __future__ import annotations

import re

import pytest

from tests.corpus.live.run import AUDIT_DOC, CORPUS, PROJECTS, TABLE_IN_DOC, compare, reference, table
from tests.references import matches_reference

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

# docs/audit.md's explanation of one configuration's differences: "- **project**: ... (MPnnn ...)".
_EXPLAINED = re.compile(r"^- \*\*(?P<project>[\w-]+)\*\*:(?P<text>.*?)(?=^- \*\*|^<!--|\Z)", re.M | re.S)


@pytest.fixture(scope="module")
def comparisons() -> dict:
    """Every configuration compared once for the module (about 15 s each: two boots, all sessions)."""
    return {project: compare(project) for project in PROJECTS}


@pytest.mark.parametrize("project", PROJECTS)
def test_the_verdicts_of_both_sides_match_the_reference(project: str, comparisons: dict, update_goldens: bool) -> None:
    folder = CORPUS / project
    assert matches_reference(folder / "live.ref", reference(comparisons[project]), update_goldens), (
        f"{project}: the live verdicts changed; see {folder / 'live.actual'}")


def test_at_least_one_scenario_ran_on_every_compiled_import(comparisons: dict) -> None:
    for project, comparison in comparisons.items():
        assert not comparison.compiled or comparison.rows, f"{project}: nothing was sent"


def test_the_docs_table_is_the_comparison_as_it_runs_now(comparisons: dict) -> None:
    found = TABLE_IN_DOC.search(AUDIT_DOC.read_text(encoding="utf-8"))
    assert found, "docs/audit.md lost its live-table markers"
    assert found.group(2) == table([comparisons[p] for p in PROJECTS]), (
        "docs/audit.md's live table is stale: python -m tests.corpus.live.run --write")


def test_every_difference_is_explained_with_the_warning_the_import_gives(comparisons: dict) -> None:
    explained = {m.group("project"): m.group("text") for m in _EXPLAINED.finditer(AUDIT_DOC.read_text(encoding="utf-8"))}
    for project, comparison in comparisons.items():
        if not comparison.differences:
            continue
        assert project in explained, f"{project}: the import decides differently and docs/audit.md does not say why"
        # "(MP709 at main.cf:38)": the import's own warning, located at the line that causes the difference.
        cited = re.findall(r"(MP\d{3}) at ((?:main|master)\.cf:\d+)", explained[project])
        assert cited, f"{project}: docs/audit.md's explanation cites no located warning of the import"
        warnings = (CORPUS / project / "import.ref").read_text(encoding="utf-8")
        for code, place in cited:
            assert re.search(rf"^{re.escape(project)}/{re.escape(place)}:\d+: warning\[{code}\]", warnings, re.M), (
                f"{project}: docs/audit.md cites {code} at {place}, which import.ref does not hold")
