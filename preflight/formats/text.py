"""The terminal report: resources by type, diagnostics by policy (each at its `file:line`), every
policy's verdict with its reason, what the run could not see, a summary line and timings."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..report import Report, location_text

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
            where = location_text(diagnostic)
            lines.append(f"    - {diagnostic['urn'] or '(stack)'}{marker}{f'  ({where})' if where else ''}")
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
            if item.get("pulumiPreview"):
                detail += "  [pulumi preview: inconclusive]"
            lines.append(f"  {paint(colours.get(item['verdict'], DIM), verdict)} {item['enforcement'].ljust(9)} "
                         f"{item['policy']}{detail}")
        lines.append("")

    lines += _context(report)

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


def _context(report: Report) -> list[str]:
    """How the run went and what it could not see, each as a short paragraph."""
    lines: list[str] = []
    if report.mode == "update":
        how = "every resource and the stack analysed (--evaluate-all)" if report.evaluation == "everything" else \
            "as `pulumi up`: the preview, then the update"
        lines.append(f"Update evaluated {how}.")
        if report.update_skipped:
            lines.append(f"The update does not run: its preview has {report.stages[0].mandatory} mandatory "
                         "violation(s); the verdicts are the preview's.")
    if report.stopped_at:
        lines.append(f"Not evaluated: the deployment stops at {report.stopped_at} "
                     f"({len(report.not_evaluated)} later resource(s) and the stack policies).")
    if report.preview_inconclusive:
        lines.append("[pulumi preview: inconclusive]: decided by preflight's see-through preview; "
                     "`pulumi preview` would leave these inconclusive.")
    for component in report.remote_components():
        hidden = ", ".join(report.hidden_by_remote()) or "none"
        lines.append(f"Remote component {component['urn']} ({component['type']}): its children are created by a "
                     f"provider preflight does not run; rules that may miss them: {hidden}.")
    for urn in report.created_in_apply():
        lines.append(f"Created inside apply: {urn} (`pulumi preview` would not show it).")
    for note in report.notes:
        lines.append(f"Note: {note}.")
    return [*lines, ""] if lines else []
