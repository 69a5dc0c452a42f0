"""Import never drops meaning silently: Postfix's own reading of each corpus configuration and of
its compiled import differ only in parameters an import warning names (tests/corpus/import_meaning.py).

The comparison covers every parameter Postfix knows (`postconf -c`, defaults included, and
`postconf -x` for the expanded values) and every master.cf `-o` override (`postconf -P`), so a
change anywhere is found, not only in the parameters the importer translates. What remains
announced is kept per configuration in tests/corpus/realworld/<project>/meaning.ref, so a
reviewer sees each change the import makes; `--update-goldens` rewrites them.
"""

from __future__ import annotations

import pytest

from tests.corpus.import_meaning import CORPUS, Comparison, Difference, _normal, _same_entries, compare
from tests.corpus.realworld_run import PROJECTS
from tests.references import matches_reference


@pytest.fixture(scope="module")
def comparisons(requires_postconf, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Comparison]:
    """Every configuration compared once for the module."""
    scratch = tmp_path_factory.mktemp("meaning")
    return {project: compare(CORPUS / project, scratch / project) for project in PROJECTS}


@pytest.mark.parametrize("project", PROJECTS)
def test_every_parameter_the_import_changes_is_named_by_a_located_warning(
        project: str, comparisons: dict[str, Comparison], update_goldens: bool) -> None:
    comparison = comparisons[project]
    assert matches_reference(CORPUS / project / "meaning.ref", comparison.reference(), update_goldens), \
        f"{project}: see {CORPUS / project / 'meaning.actual'}"
    assert not comparison.unannounced, [d.name for d in comparison.unannounced]


def test_most_of_the_corpus_compiles_so_the_comparison_is_not_vacuous(comparisons: dict[str, Comparison]) -> None:
    # Debian's stock main.cf names the host `vm`, which the policy refuses (MP208): a true refusal.
    compiled = [p for p, c in comparisons.items() if c.compiled]
    assert len(compiled) >= len(PROJECTS) - 1, compiled
    assert sum(len(c.differences) for c in comparisons.values()) > 0, "nothing compared"


def test_a_difference_without_a_warning_is_reported_as_not_announced() -> None:
    silent = Difference("smtpd_data_restrictions", "reject_unauth_pipelining", "", ())
    assert "NOT ANNOUNCED" in _reference_of(silent)


def _reference_of(difference: Difference) -> str:
    return Comparison("x", True, "", (difference,)).reference()


@pytest.mark.parametrize(("name", "before", "after", "same"), [
    ("mynetworks", "127.0.0.0/8 [::ffff:127.0.0.0]/104", "[::ffff:7f00:0]/104, 127.0.0.0/8", True),
    ("mydestination", "a.example, a.example, localhost", "localhost a.example", True),
    ("smtpd_relay_restrictions", "permit_mynetworks reject_unauth_destination",
     "reject_unauth_destination, permit_mynetworks", False),
    ("smtpd_relay_restrictions", "permit_mynetworks,reject_unauth_destination",
     "permit_mynetworks reject_unauth_destination", True),
])
def test_normalising_ignores_only_what_postfix_ignores(name: str, before: str, after: str, same: bool) -> None:
    assert (_normal(name, before) == _normal(name, after)) is same


# The seed's configurations (the five mistakes and the fixed server), the Debian and hosting
# fixtures, and the import cases: small configurations written to reach each branch of the importer.
_REPO = CORPUS.parents[2]
_SMALL = sorted([_REPO / "tests/fixtures/debian", _REPO / "tests/fixtures/hosted",
                 *(p for p in (_REPO / "tests/fixtures/seed").iterdir() if (p / "main.cf").is_file()),
                 *(p for p in (_REPO / "tests/cases/import").iterdir() if (p / "main.cf").is_file())])


@pytest.mark.parametrize("folder", _SMALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_seed_fixtures_and_import_cases_change_nothing_unannounced(folder, requires_postconf, tmp_path) -> None:
    comparison = compare(folder, tmp_path)
    assert not comparison.unannounced, comparison.reference()


def test_mutated_main_cfs_of_the_fuzz_run_change_nothing_unannounced(requires_postconf, tmp_path) -> None:
    # The postconf oracle's inputs (tests/fuzz/postconf_oracle.py: its seed files, then random
    # edits, derandomized): most do not compile or Postfix refuses them; each one that compiles
    # must change nothing a warning does not name, and none may crash the import.
    from tests.fuzz.postconf_oracle import MASTER_CF, inputs

    compiled = 0
    for number, data in enumerate(inputs(7, 24)):
        folder = tmp_path / f"input-{number}"
        folder.mkdir()
        (folder / "main.cf").write_bytes(data)
        (folder / "master.cf").write_bytes(MASTER_CF)
        comparison = compare(folder, tmp_path / f"scratch-{number}")
        assert not comparison.unannounced, (data, comparison.reference())
        compiled += comparison.compiled
    assert compiled >= 3, "too few of the inputs compiled for the comparison to say anything"


class _Folder:
    """The audit's reading of tables inside one folder (audit/files.py readable_table), for _same_entries."""

    def __init__(self, folder):
        self.folder = folder

    def readable_table(self, path: str):
        return self.folder / path.rpartition("/")[2]


@pytest.mark.parametrize(("compiled_rows", "same"), [
    ("b@example0.com\tb@example0.com\na@example0.com\ta@example0.com\n", True),  # order and layout ignored
    ("a@example0.com\ta@example0.com\n", False),  # a row lost
    ("a@example0.com\tb@example0.com\nb@example0.com\tb@example0.com\n", False),  # a target changed
])
def test_a_table_the_import_renames_is_the_same_only_with_the_same_rows(tmp_path, compiled_rows: str,
                                                                         same: bool) -> None:
    (tmp_path / "virtual").write_text("a@example0.com a@example0.com\nb@example0.com b@example0.com\n")
    build = tmp_path / "build"
    build.mkdir()
    (build / "virtual_aliases").write_text(compiled_rows)
    assert _same_entries(_Folder(tmp_path), build, "hash:/etc/postfix/virtual",
                         "hash:/etc/postfix/virtual_aliases") is same
