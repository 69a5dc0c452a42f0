"""Includes and owners tables stay in the top file's folder: escapes, symlinks, cycles, repeats."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from tests.fifo_guard import bounded_fifo
from tests.helpers import write_files

BASE = "relay nobody\n"


def only(compilation, code: str):
    """Return the one diagnostic of `code`, failing if there is none or several."""
    found = [d for d in compilation.diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in compilation.diagnostics]
    return found[0]


def compile_in(folder: Path, files: dict[str, str], top: str = "site.mailpolicy"):
    write_files(folder, files)
    return compile_policy(folder / top)


# --- escapes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../secret.mailpolicy", "sub/../../secret.mailpolicy", "./../secret.mailpolicy"])
def test_dot_dot_escape_is_refused_at_the_include(tmp_path, name):
    (tmp_path / "secret.mailpolicy").write_text("relay authenticated or trusted\n")
    policy = tmp_path / "policy"
    (policy / "sub").mkdir(parents=True)
    result = compile_in(policy, {"site.mailpolicy": f'{BASE}include "{name}"\n'})
    found = only(result, "MP107")
    assert (found.span.path, found.span.line, found.span.column) == (str(policy / "site.mailpolicy"), 2, 9)
    assert "outside" in found.message and str(policy) in found.message
    assert not result.outputs
    # The escaped file was never read.
    assert all("secret" not in s.path for s in result.sources)


@pytest.mark.parametrize("name", ["/etc/passwd", "~/x.mailpolicy", "~root/x.mailpolicy"])
def test_absolute_names_are_refused(tmp_path, name):
    result = compile_in(tmp_path, {"site.mailpolicy": f'{BASE}include "{name}"\n'})
    assert "absolute path" in only(result, "MP107").message
    assert [s.path for s in result.sources] == [str(tmp_path / "site.mailpolicy")]


def test_dot_dot_that_stays_inside_is_allowed(tmp_path):
    result = compile_in(tmp_path, {"site.mailpolicy": 'include "sub/../users.mailpolicy"\nhostname mx.example0.com\n',
                                   "users.mailpolicy": BASE})
    assert result.ok, result.diagnostics
    assert result.policy.relay.span.path == str(tmp_path / "users.mailpolicy")


def test_owners_table_escape_is_refused(tmp_path):
    (tmp_path / "owners.tsv").write_text("a@example0.com bob\n")
    policy = tmp_path / "policy"
    result = compile_in(policy, {"site.mailpolicy": 'sasl dovecot private/auth\nallow users from "../owners.tsv"\n'})
    found = only(result, "MP107")
    assert found.span.line == 2 and "owners table" in found.message


# --- symlinks ----------------------------------------------------------------------------------
def test_symlink_leading_out_is_refused(tmp_path):
    (tmp_path / "outside.mailpolicy").write_text("relay authenticated or trusted\n")
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "inner.mailpolicy").symlink_to(tmp_path / "outside.mailpolicy")
    result = compile_in(policy, {"site.mailpolicy": f'{BASE}include "inner.mailpolicy"\n'})
    found = only(result, "MP107")
    assert "through a symlink" in found.message and str(tmp_path / "outside.mailpolicy") in found.message


def test_symlinked_folder_leading_out_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.mailpolicy").write_text(BASE)
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = compile_in(policy, {"site.mailpolicy": 'include "linked/x.mailpolicy"\n'})
    assert only(result, "MP107").span.line == 1


def test_symlink_inside_the_folder_is_followed(tmp_path):
    write_files(tmp_path, {"real/users.mailpolicy": BASE})
    (tmp_path / "users.mailpolicy").symlink_to(tmp_path / "real" / "users.mailpolicy")
    result = compile_in(tmp_path, {"site.mailpolicy": 'include "users.mailpolicy"\nhostname mx.example0.com\n'})
    assert result.ok, result.diagnostics
    # Named in messages by where it really is.
    assert result.policy.relay.span.path == str(tmp_path / "real" / "users.mailpolicy")


def test_symlinked_top_file_includes_from_its_real_folder(tmp_path):
    write_files(tmp_path, {"repo/site.mailpolicy": 'include "users.mailpolicy"\nhostname mx.example0.com\n', "repo/users.mailpolicy": BASE})
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "site.mailpolicy").symlink_to(tmp_path / "repo" / "site.mailpolicy")
    result = compile_policy(tmp_path / "etc" / "site.mailpolicy")
    assert result.ok, result.diagnostics


def test_symlink_loop_is_a_diagnostic(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = compile_in(tmp_path, {"site.mailpolicy": f'{BASE}include "a"\n'})
    found = only(result, "MP105")
    assert found.span.line == 2 and "a" in found.message


def test_fifo_is_refused_without_hanging(tmp_path):
    with bounded_fifo(tmp_path / "pipe.mailpolicy"):  # were O_NONBLOCK lost: a failure, not a hung suite
        result = compile_in(tmp_path, {"site.mailpolicy": f'{BASE}include "pipe.mailpolicy"\n'})
    assert "not a regular file" in only(result, "MP105").message


def test_folder_is_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    result = compile_in(tmp_path, {"site.mailpolicy": 'include "sub"\n'})
    assert "not a regular file" in only(result, "MP105").message


def test_empty_name_is_refused(tmp_path):
    result = compile_in(tmp_path, {"site.mailpolicy": 'include ""\n'})
    assert "names no file" in only(result, "MP105").message


# --- cycles and repeats ------------------------------------------------------------------------
def test_cycle_is_reported_with_the_whole_chain(tmp_path):
    result = compile_in(tmp_path, {
        "site.mailpolicy": f'{BASE}include "a.mailpolicy"\n',
        "a.mailpolicy": 'include "sub/b.mailpolicy"\n',
        "sub/b.mailpolicy": 'include "../site.mailpolicy"\n',
    })
    found = only(result, "MP106")
    top = str(tmp_path / "site.mailpolicy")
    chain = f"{top} -> {tmp_path / 'a.mailpolicy'} -> {tmp_path / 'sub' / 'b.mailpolicy'} -> {top}"
    assert found.message == f"include cycle: {chain}"
    assert (found.span.path, found.span.line) == (str(tmp_path / "sub" / "b.mailpolicy"), 1)


def test_self_include_is_a_cycle(tmp_path):
    result = compile_in(tmp_path, {"site.mailpolicy": 'include "site.mailpolicy"\n'})
    top = str(tmp_path / "site.mailpolicy")
    assert only(result, "MP106").message == f"include cycle: {top} -> {top}"


def test_file_included_twice_is_refused_with_both_places(tmp_path):
    result = compile_in(tmp_path, {
        "site.mailpolicy": 'include "a.mailpolicy"\ninclude "b.mailpolicy"\n',
        "a.mailpolicy": 'include "common.mailpolicy"\n',
        "b.mailpolicy": 'include "common.mailpolicy"\n',
        "common.mailpolicy": BASE,
    })
    found = only(result, "MP111")
    assert found.span.path == str(tmp_path / "b.mailpolicy")
    assert [(r.span.path, r.span.line) for r in found.related] == [(str(tmp_path / "a.mailpolicy"), 1)]
    # The file's statements were taken once: no duplicate `relay`.
    assert not [d for d in result.diagnostics if d.code == "MP209"]


def test_diamond_tree_does_not_grow_exponentially(tmp_path):
    # Each level includes the next one twice: 2**30 reads without the repeat check.
    files = {f"l{i}.mailpolicy": f'include "l{i + 1}.mailpolicy"\ninclude "l{i + 1}.mailpolicy"\n' for i in range(30)}
    files["l30.mailpolicy"] = BASE
    files["site.mailpolicy"] = 'include "l0.mailpolicy"\n'
    result = compile_in(tmp_path, files)
    assert len(result.sources) <= 16  # the depth limit ends the chain long before l30
    assert {d.code for d in result.diagnostics} <= {"MP108", "MP111"}


def test_owners_table_read_twice_is_refused(tmp_path):
    result = compile_in(tmp_path, {
        "site.mailpolicy": 'sasl dovecot private/auth\nallow users from "o.tsv"\nallow users from "./o.tsv"\n',
        "o.tsv": "a@example0.com bob\n",
    })
    assert only(result, "MP111").span.line == 3


# --- the command line writes nothing ---------------------------------------------------------------
def test_cli_writes_nothing_when_an_include_escapes(tmp_path):
    (tmp_path / "evil.mailpolicy").write_text(BASE)
    policy = tmp_path / "policy"
    write_files(policy, {"site.mailpolicy": 'include "../evil.mailpolicy"\n'})
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compile", str(policy / "site.mailpolicy"), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "MP107" in result.output
    assert not out.exists()
