"""The pack's name and contents, for the engine's entry point (__main__.py), the docs and the tests."""

from pulumi_policy import Policy

from rules import POLICIES

PACK_NAME = "berth"


def all_policies() -> list[Policy]:
    return list(POLICIES)
