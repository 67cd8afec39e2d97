"""Reading nested stack config with exact errors: every problem names the key path, the value and the fix.

A `Section` reads one mapping of config. Each field is read with a `Kind` that converts and
checks the value; a bad value becomes one problem and the field reads as None, so all
problems of a stack file are reported together. Keys nobody asked for are reported by
`finish()` with the closest known key as a suggestion.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

REQUIRED = object()


class SettingsError(ValueError):
    """The stack's settings are invalid; `problems` holds one line per invalid key."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Invalid(Exception):
    """Raised by a Kind: the text after the key path, e.g. `4096 is not valid ...; use ...`."""


def shown(value: Any) -> str:
    """A config value as the user wrote it, quoted when it is a string."""
    return json.dumps(value, sort_keys=True)


def english_list(items: Iterable[Any], conjunction: str = "or") -> str:
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


Kind = Callable[[Any], Any]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def wrong_type(value: Any, expected: str) -> Invalid:
    return Invalid(f"{shown(value)} is {_type_name(value)}; expected {expected}")


def string(example: str = "") -> Kind:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise wrong_type(value, f"a string{', e.g. ' + shown(example) if example else ''}")
        if not value.strip():
            raise Invalid(f"{shown(value)} is empty; set a value{', e.g. ' + shown(example) if example else ''}")
        return value

    return convert


def boolean() -> Kind:
    def convert(value: Any) -> bool:
        if not isinstance(value, bool):
            raise wrong_type(value, "true or false")
        return value

    return convert


def integer(low: int, high: int, unit: str = "") -> Kind:
    suffix = f" {unit}" if unit else ""

    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong_type(value, f"an integer from {low} to {high}{suffix}")
        if not low <= value <= high:
            raise Invalid(f"{value} is out of range; use an integer from {low} to {high}{suffix}")
        return value

    return convert


def one_of(options: Iterable[str], meaning: str = "") -> Kind:
    choices = list(options)

    def convert(value: Any) -> str:
        if value not in choices:
            guess = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.75)
            fix = f"did you mean {shown(guess[0])}?" if guess else f"use one of them{meaning}"
            raise Invalid(f"{shown(value)} is not one of {english_list(choices)}; {fix}")
        return value

    return convert


def matching(pattern: str, what: str, example: str) -> Kind:
    regex = re.compile(pattern)

    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise wrong_type(value, f"{what}, e.g. {shown(example)}")
        if not regex.fullmatch(value):
            raise Invalid(f"{shown(value)} is not {what}; use the form {shown(example)}")
        return value

    return convert


def list_of(item: Kind, minimum: int = 0, what: str = "items") -> Kind:
    def convert(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise wrong_type(value, f"a list of {what}")
        if len(value) < minimum:
            raise Invalid(f"{shown(value)} has {len(value)} {what}; list at least {minimum}")
        converted = []
        for index, element in enumerate(value):
            try:
                converted.append(item(element))
            except Invalid as problem:
                raise Invalid(f"item {index}: {problem}") from None
        if len(set(map(shown, converted))) != len(converted):
            raise Invalid(f"{shown(value)} lists the same value twice; list each once")
        return converted

    return convert


class Section:
    """One mapping of config at `path` (e.g. `berth:services.web`)."""

    def __init__(self, path: str, data: Any, problems: list[str], *, separator: str = "."):
        self.path = path
        self.separator = separator
        self.problems = problems
        self.read: set[str] = set()
        self.valid = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    def key(self, key: str) -> str:
        return f"{self.path}{self.separator}{key}"

    def problem(self, key: str | None, text: str) -> None:
        where = self.key(key) if key is not None else self.path
        self.problems.append(f"`{where}` {text}")

    def has(self, key: str) -> bool:
        return key in self.data

    def field(self, key: str, kind: Kind, default: Any = None, *, missing: str = "") -> Any:
        """The converted value; `default` when absent (REQUIRED: a problem saying `missing`)."""
        self.read.add(key)
        if key not in self.data:
            if default is REQUIRED:
                self.problem(key, f"is missing; {missing}")
                return None
            return default
        try:
            return kind(self.data[key])
        except Invalid as problem:
            self.problem(key, str(problem))
            return None

    def section(self, key: str, *, required: bool = False, missing: str = "") -> Section:
        self.read.add(key)
        value = self.data.get(key, None if required else {})
        child = Section(self.key(key), value, self.problems)
        if key not in self.data and required:
            self.problem(key, f"is missing; {missing}")
        elif not isinstance(value, dict):
            self.problem(key, f"{shown(value)} is {_type_name(value)}; expected a mapping of settings")
        return child

    def entries(self) -> dict[str, Any]:
        """Every key of a free-form mapping (service names, environment variables)."""
        self.read.update(self.data)
        return dict(self.data)

    def finish(self) -> None:
        """Report keys that no field read, with the closest known key."""
        for key in self.data:
            if key in self.read:
                continue
            guess = difflib.get_close_matches(key, sorted(self.read), n=1, cutoff=0.6)
            if guess:
                self.problem(key, f"is not a setting; did you mean `{self.key(guess[0])}`?")
            else:
                self.problem(key, f"is not a setting; the settings here are {english_list(sorted(self.read), 'and')}")
