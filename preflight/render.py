"""Report formats: text (terminal), json (the contract), markdown (PR comment), sarif (code scanning)."""

from __future__ import annotations

import json

from .formats import markdown, sarif, text
from .report import Report


def render(report: Report, format_name: str, *, colour: bool = False) -> str:
    if format_name == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    if format_name == "text":
        return text.render(report, colour=colour)
    if format_name == "markdown":
        return markdown.render(report)
    if format_name == "sarif":
        return json.dumps(sarif.render(report), indent=2) + "\n"
    raise ValueError(f"unknown format {format_name!r}")
