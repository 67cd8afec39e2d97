"""Reading a rule's could-not-know message the way tests compare it."""

from __future__ import annotations

from kit import INCONCLUSIVE_PREFIX


def unordered(message: str) -> tuple[str, list[str]]:
    """A could-not-know message as its head (up to the prefix) and its items, sorted.

    The items follow the order the program's resources registered, which the order their
    outputs resolve in decides; a comparison must not depend on it.
    """
    head, found, items = message.partition(f"{INCONCLUSIVE_PREFIX} ")
    return head + found, sorted(items.split("; ")) if found else []
