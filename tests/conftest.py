"""Shared pytest configuration: golden-file updating and the repository root."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite the expected files of golden tests from the current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Every test marked `postfix` skips without a real Postfix, and fails under CI=true.
    from tests.postfix_support import skip_unless_postfix

    skip_unless_postfix(item)
