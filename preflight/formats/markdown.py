"""A pull-request comment: verdict and summary table, violations (each at its `file:line`), every
policy's verdict, what the run could not see, resources collapsed."""

from __future__ import annotations

from collections import Counter

from ..formats.text import _context
from ..report import Report, location_text


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
            where = location_text(diagnostic)
            if where:
                resource += f" at `{where}`"
            lines.append(f"| {level} | `{diagnostic['policy']}` | {resource} | {_cell(diagnostic['message'])} |")
        lines.append("")
    verdicts = report.policy_verdicts()
    if verdicts:
        lines += [f"<details><summary>Policies ({len(verdicts)})</summary>", "",
                  "| verdict | level | policy | reason |", "|---|---|---|---|"]
        for item in verdicts:
            reason = item["detail"] + (" (`pulumi preview`: inconclusive)" if item.get("pulumiPreview") else "")
            lines.append(f"| {item['verdict']} | {item['enforcement']} | `{item['policy']}` | {_cell(reason)} |")
        lines += ["", "</details>", ""]
    context = [line for line in _context(report) if line]
    if context:
        lines += [*[f"- {_cell(line)}" for line in context], ""]
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
