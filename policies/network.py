"""Rules of the network area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
