"""Rules of the iam area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
