"""Rules of the cost area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
