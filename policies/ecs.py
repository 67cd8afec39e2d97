"""Rules of the ecs area (see ../shared/policy-catalog.md)."""

POLICIES: list = []
