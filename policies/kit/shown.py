"""How messages show a property value: in words a user reads, never as a Python literal.

A stack can hold any JSON shape where a rule expects a string or a number; a message that
says `healthCheck.port None` or `containers: []` makes the user decode Python. Numbers arrive
from the engine as doubles (8080.0) and are shown as the integers they are.

The words live in the model (`model.values.in_words`), which the model's own messages use
and which may not import the kit; rules reach them here as `shown`.
"""

from __future__ import annotations

from model.values import in_words as shown

__all__ = ["shown"]
