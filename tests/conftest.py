"""Fixtures of the tests that build or break copies of the repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from repo_copy import copy_repository


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One copy of the repository's files (as git lists them) per module, never modified."""
    return copy_repository(tmp_path_factory.mktemp("pristine") / "repo")


@pytest.fixture
def repo(pristine, tmp_path) -> Path:
    """A copy of the pristine copy (fast: no git call) for a test to change."""
    return Path(shutil.copytree(pristine, tmp_path / "repo", symlinks=True))
