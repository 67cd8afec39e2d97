"""Rules of the lb area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
