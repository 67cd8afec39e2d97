"""Paths to preflight's fixture projects and packs."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "preflight"
PROJECTS = FIXTURES / "projects"
PACKS = FIXTURES / "packs"
POLICY_CONFIGS = FIXTURES / "policy-configs"


@pytest.fixture(autouse=True)
def short_pack_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fixture packs start in well under a second; a hang is detected after two.
    monkeypatch.setenv("PREFLIGHT_PACK_TIMEOUT", "5")
    monkeypatch.delenv("FIXTURE_PACK_MISBEHAVIOUR", raising=False)
