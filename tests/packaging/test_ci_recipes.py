"""docs/ci.md's recipes, as written there, on a throwaway repository of policies.

Each recipe is read out of docs/ci.md (its YAML block, found by the file name in its first line),
only `https://…/mailpolicy` replaced by a clone of this repository, which is tagged with the tag
the docs name (`v` + pyproject's version) when it does not carry it already: a fresh CI clone
may carry no tags. The GitHub Actions and GitLab CI runners cannot run here, so their shell steps
(`run:` / `script:`) are run in order in a fresh virtual environment, the steps' own shell; the
`uses:` steps (checkout, setup-python) are what the throwaway repository and that environment
are. pre-commit runs itself, installing the hooks from the tagged clone.
Each recipe passes on a repository whose build/ is up to date and fails when it is not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.packaging.helpers import PLACEHOLDER_URL, REPO, clone, env_with, fresh_venv, git, run, tag_release

DOCS = (REPO / "docs" / "ci.md").read_text()

MX1 = """\
postfix 3.7
hostname mx1.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
include "common/owners.mailpolicy"
"""
MX2 = MX1.replace("mx1", "mx2")
# Only ever included: on its own it is no complete policy (allow user without SASL), hence the
# recipe's `exclude: ^hosts/common/` for mailpolicy-check.
OWNERS = "allow user jimminey as jcricket@example0.com\n"


def yaml_block(first_line: str) -> str:
    """Return the ```yaml block of docs/ci.md whose first line is `first_line`."""
    for block in re.findall(r"```yaml\n(.*?)```", DOCS, re.S):
        if block.splitlines()[0].strip() == first_line:
            return block
    raise AssertionError(f"docs/ci.md has no yaml block starting with {first_line!r}")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository carrying the release tag the docs name."""
    repo = clone(tmp_path_factory.mktemp("upstream") / "mailpolicy")
    tag = tag_release(repo)
    assert f"rev: {tag} " in DOCS and f"/mailpolicy@{tag}\"" in DOCS, "docs/ci.md must name the current version's tag"
    return repo


def local_url(text: str, upstream: Path) -> str:
    assert PLACEHOLDER_URL in text
    return text.replace(PLACEHOLDER_URL, f"file://{upstream}")


def site_repo(folder: Path, env: dict[str, str] | None = None, compiled_by: Path | None = None) -> Path:
    """A repository of two host policies and a shared owners fragment, build/ compiled and committed."""
    (folder / "hosts" / "common").mkdir(parents=True)
    (folder / "hosts" / "mx1.mailpolicy").write_text(MX1)
    (folder / "hosts" / "mx2.mailpolicy").write_text(MX2)
    (folder / "hosts" / "common" / "owners.mailpolicy").write_text(OWNERS)
    git(folder, "init", "-q")
    if compiled_by is not None:
        result = run([str(compiled_by / "mailpolicy"), "compile", "hosts/mx1.mailpolicy", "hosts/mx2.mailpolicy",
                      "-o", "build/"], folder, env)
        assert result.returncode == 0, result.stderr
    return folder


def run_steps(steps: list[str], repo: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """Run shell steps in order as a CI runner does, stopping at the first that fails."""
    done = []
    for step in steps:
        result = run(step, repo, env)
        done.append((step, result.returncode, result.stdout + result.stderr))
        if result.returncode != 0:
            break
    return done


def add_a_user_without_compiling(repo: Path) -> None:
    (repo / "hosts" / "common" / "owners.mailpolicy").write_text(OWNERS + "allow user alice as alice@example0.com\n")


def steps_of_github(upstream: Path) -> list[str]:
    workflow = yaml.safe_load(local_url(yaml_block("# .github/workflows/mailpolicy.yml"), upstream))
    steps = workflow["jobs"]["policy"]["steps"]
    assert [s["uses"].split("@")[0] for s in steps if "uses" in s] == ["actions/checkout", "actions/setup-python"]
    return [s["run"] for s in steps if "run" in s]


def steps_of_gitlab(upstream: Path) -> list[str]:
    pipeline = yaml.safe_load(local_url(yaml_block("# .gitlab-ci.yml"), upstream))
    assert pipeline["mailpolicy"]["image"].startswith("python:3")
    return pipeline["mailpolicy"]["script"]


@pytest.mark.parametrize("steps_of", [steps_of_github, steps_of_gitlab], ids=["github-actions", "gitlab-ci"])
def test_ci_recipe_passes_in_step_and_fails_on_a_stale_build(upstream: Path, tmp_path: Path, steps_of) -> None:
    steps = steps_of(upstream)
    assert steps[0].startswith("pip install ")
    bin_dir = fresh_venv(tmp_path / "venv")  # setup-python / the python image: no mailpolicy yet
    env = env_with(bin_dir)
    repo = site_repo(tmp_path / "site")
    installed = run_steps(steps[:1], repo, env)
    assert installed[0][1] == 0, installed[0][2][-3000:]
    result = run([str(bin_dir / "mailpolicy"), "compile", "hosts/mx1.mailpolicy", "hosts/mx2.mailpolicy", "-o", "build/"],
                 repo, env)
    assert result.returncode == 0, result.stderr

    done = run_steps(steps[1:], repo, env)
    assert [(step, status) for step, status, _ in done] == [(step, 0) for step in steps[1:]], done

    add_a_user_without_compiling(repo)
    done = run_steps(steps[1:], repo, env)
    failed = [(step, output) for step, status, output in done if status != 0]
    assert len(failed) == 1 and "compile --check" in failed[0][0], done
    assert "+alice@example0.com\talice" in failed[0][1]  # the log shows the diff to commit
    if steps_of is steps_of_github:
        assert "::error file=build/mx1/controlled_envelope_senders" in failed[0][1]


def test_pre_commit_recipe_installs_the_hooks_at_the_tag_and_runs_them(upstream: Path, tmp_path: Path) -> None:
    config = local_url(yaml_block("# .pre-commit-config.yaml"), upstream)
    local_hook = yaml_block("- repo: local")
    config += local_hook  # "To keep build/ in step on every commit too, add a local hook"
    assert yaml.safe_load(config)["repos"][1]["repo"] == "local"
    # The local hook is `language: system`: mailpolicy installed as the docs' install line does.
    bin_dir = fresh_venv(tmp_path / "venv")
    env = env_with(bin_dir, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
                   GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@example0.com",
                   GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@example0.com")
    install_line = re.search(r'pip install "git\+https://…/mailpolicy@v[0-9.]+"', DOCS).group(0)
    installed = run(local_url(install_line, upstream), tmp_path, env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    repo = site_repo(tmp_path / "site", env, compiled_by=bin_dir)
    (repo / ".pre-commit-config.yaml").write_text(config)
    pre_commit = [str(Path(__import__("sys").executable).parent / "pre-commit")]
    git(repo, "add", "-A")

    clean = run([*pre_commit, "run", "--all-files"], repo, env)
    assert clean.returncode == 0, clean.stdout[-4000:]
    assert re.search(r"mailpolicy fmt\.+Passed", clean.stdout) and re.search(r"mailpolicy check\.+Passed", clean.stdout)
    assert re.search(r"mailpolicy compile --check\.+Passed", clean.stdout), clean.stdout
    git(repo, "commit", "-q", "-m", "policies and their build")

    # A policy laid out by hand, with an error, and a build not recompiled: each hook objects.
    (repo / "hosts" / "mx2.mailpolicy").write_text(MX2.replace("relay only authenticated", "relay   only authenticated")
                                                    + "allow user mallory as not-an-address\n")
    git(repo, "add", "-A")
    dirty = run([*pre_commit, "run"], repo, env)
    assert dirty.returncode == 1
    assert re.search(r"mailpolicy fmt\.+Failed", dirty.stdout), dirty.stdout
    assert "relay only authenticated\n" in (repo / "hosts" / "mx2.mailpolicy").read_text()  # reformatted
    assert re.search(r"mailpolicy check\.+Failed", dirty.stdout) and "error[MP201]" in dirty.stdout, dirty.stdout
    assert re.search(r"mailpolicy compile --check\.+Failed", dirty.stdout), dirty.stdout
