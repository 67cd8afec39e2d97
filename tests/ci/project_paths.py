"""Where the files the CI tests check live (the repository, ../shared beside it), and the schema checker."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
PROJECT_SCHEMA = SHARED / "schemas" / "pulumi-project.schema.json"
FIELD_NOTES = SHARED / "field-notes.md"
POLICY_CATALOG = SHARED / "policy-catalog.md"
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
README = REPO_ROOT / "README.md"
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def shared_file(path: Path) -> Path:
    """A file from ../shared; its absence is an error that says where it is expected."""
    if not path.is_file():
        raise AssertionError(
            f"{path} is missing: the tests expect the shared design folder as ../shared next to the repository"
        )
    return path


def check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    """The check-jsonschema CLI from the project's virtualenv, as `make lint` runs it."""
    return subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), *args], capture_output=True, text=True, timeout=60
    )
