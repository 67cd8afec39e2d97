"""A pull-request comment: verdict and summary table, violations by policy, resources collapsed."""

from __future__ import annotations

from collections import Counter

from ..report import Report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(report: Report) -> str:
    summary = report.summary
    verdict = "❌ blocked: mandatory policy violations" if summary["mandatory"] else "✅ no mandatory violation"
    lines = [
        f"### preflight: `{report.project}` / `{report.stack}` ({report.mode})",
        "",
        f"**{verdict}**",
        "",
        "| resources | mandatory | advisory | inconclusive |",
        "|---:|---:|---:|---:|",
        f"| {summary['resources']} | {summary['mandatory']} | {summary['advisory']} | {summary['inconclusive']} |",
        "",
    ]
    if report.diagnostics:
        lines += ["#### Violations", "", "| level | policy | resource | message |", "|---|---|---|---|"]
        for diagnostic in report.diagnostics:
            level = diagnostic["enforcement"] + (" (inconclusive)" if diagnostic["inconclusive"] else "")
            resource = f"`{diagnostic['urn'].rsplit('::', 1)[-1]}`" if diagnostic["urn"] else "(stack)"
            lines.append(f"| {level} | `{diagnostic['policy']}` | {resource} | {_cell(diagnostic['message'])} |")
        lines.append("")
    counts = Counter(resource["type"] for resource in report.resources)
    lines += [
        f"<details><summary>Resources ({len(report.resources)})</summary>",
        "",
        "| type | count |",
        "|---|---:|",
        *[f"| `{type_}` | {count} |" for type_, count in sorted(counts.items())],
        "",
        "</details>",
        "",
        f"<sub>program {report.timings['program_s']:.2f} s · policies {report.timings['policies_s']:.2f} s · "
        f"total {report.timings['total_s']:.2f} s</sub>",
    ]
    return "\n".join(lines) + "\n"
