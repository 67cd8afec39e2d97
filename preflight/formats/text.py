"""The terminal report: resources by type, diagnostics by policy, a summary line and timings."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..report import Report

RED, YELLOW, GREEN, DIM, BOLD, RESET = "\033[31m", "\033[33m", "\033[32m", "\033[2m", "\033[1m", "\033[0m"


def render(report: Report, *, colour: bool = False) -> str:
    def paint(code: str, value: str) -> str:
        return f"{code}{value}{RESET}" if colour else value

    lines = [paint(BOLD, f"preflight {report.project} / {report.stack} ({report.mode})"), ""]
    counts = Counter(resource["type"] for resource in report.resources)
    lines.append(f"Resources ({len(report.resources)}):")
    width = max((len(type_) for type_ in counts), default=0)
    for type_, count in sorted(counts.items()):
        lines.append(f"  {type_.ljust(width)}  {count}")
    lines.append("")

    by_policy: dict[str, list[dict]] = defaultdict(list)
    for diagnostic in report.diagnostics:
        by_policy[diagnostic["policy"]].append(diagnostic)
    if by_policy:
        lines.append("Policy diagnostics:")
    for policy, diagnostics in by_policy.items():
        level = diagnostics[0]["enforcement"]
        code = RED if level == "mandatory" else YELLOW
        lines.append(f"  {paint(code, f'[{level}]')} {policy} ({diagnostics[0]['pack']}): {len(diagnostics)}")
        for diagnostic in diagnostics:
            marker = " (inconclusive)" if diagnostic["inconclusive"] else ""
            if diagnostic["enforcement"] != level:
                marker += f" [{diagnostic['enforcement']}]"
            lines.append(f"    - {diagnostic['urn'] or '(stack)'}{marker}")
            for message_line in diagnostic["message"].splitlines() or [""]:
                lines.append(f"      {message_line}")
    if by_policy:
        lines.append("")

    verdicts = report.policy_verdicts()
    if verdicts:
        lines.append(f"Policies ({report.pack.name} {report.pack.version}, {len(verdicts)}):")
        colours = {"violated": RED, "inconclusive": YELLOW, "passed": GREEN}
        for item in verdicts:
            verdict = item["verdict"].ljust(14)
            detail = f"  {item['detail']}" if item["detail"] else ""
            lines.append(f"  {paint(colours.get(item['verdict'], DIM), verdict)} {item['enforcement'].ljust(9)} "
                         f"{item['policy']}{detail}")
        lines.append("")

    summary = report.summary
    verdict = paint(RED, "FAIL") if summary["mandatory"] else paint(GREEN, "PASS")
    lines.append(
        f"{verdict}: {summary['resources']} resources, {summary['mandatory']} mandatory, "
        f"{summary['advisory']} advisory, {summary['inconclusive']} inconclusive"
    )
    timings = report.timings
    lines.append(paint(DIM, f"program {timings['program_s']:.2f} s, policies {timings['policies_s']:.2f} s, "
                            f"total {timings['total_s']:.2f} s"))
    return "\n".join(lines) + "\n"
