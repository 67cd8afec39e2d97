"""Rules of the ecr area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
