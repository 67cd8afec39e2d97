"""SARIF 2.1.0 for GitHub code scanning: one rule per policy of the pack, one result per diagnostic.

Each result is located at the source line where the program registered the resource
(`region.startLine`, the path relative to the repository root, so GitHub code scanning
annotates the pull request's diff); a result without one (a stack diagnostic, a host that
records no source position) is located at the program's file. The resource is also named as a
logical location by its URN. Each rule carries the policy's verdict (`properties.verdict`,
`properties.verdictDetail`). Levels: mandatory -> error,
advisory -> warning, and an inconclusive diagnostic -> note. `security-severity` follows
GitHub's bands for the policy's severity.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..report import Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SECURITY_SEVERITY = {"low": "2.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


def level_of(enforcement: str, inconclusive: bool = False) -> str:
    if inconclusive:
        return "note"
    return "error" if enforcement == "mandatory" else "warning"


def program_uri(report: Report) -> str:
    """The program file, relative to the working directory when it lies below it."""
    if not report.program_main:
        return "__main__.py"
    main = Path(report.program_main)
    target = main / "__main__.py" if main.is_dir() else main
    try:
        return Path(os.path.relpath(target, Path.cwd())).as_posix()
    except ValueError:
        return target.as_posix()


def render(report: Report) -> dict[str, Any]:
    policies = report.pack.policies if report.pack else []
    rule_index = {policy.name: index for index, policy in enumerate(policies)}
    rules = []
    for policy in policies:
        rule: dict[str, Any] = {
            "id": policy.name,
            "name": policy.name,
            "shortDescription": {"text": policy.description},
            "fullDescription": {"text": policy.description},
            "help": {"text": policy.remediation_steps or policy.description},
            "defaultConfiguration": {"level": level_of(policy.enforcement)},
            "properties": {"tags": ["pulumi-policy", policy.kind]},
        }
        if policy.url:
            rule["helpUri"] = policy.url
        if policy.severity:
            rule["properties"]["security-severity"] = SECURITY_SEVERITY[policy.severity]
        rules.append(rule)

    verdicts = {item["policy"]: item for item in report.policy_verdicts()}
    for rule in rules:
        item = verdicts.get(rule["id"])
        if item is not None:
            rule["properties"]["verdict"] = item["verdict"]
            rule["properties"]["verdictDetail"] = item["detail"]

    uri = program_uri(report)
    results = []
    for diagnostic in report.diagnostics:
        source = diagnostic.get("location")
        physical: dict[str, Any] = {"artifactLocation": {"uri": source["uri"] if source else uri}}
        if source:
            physical["region"] = {"startLine": source["line"]}
        location: dict[str, Any] = {"physicalLocation": physical}
        if diagnostic["urn"]:
            location["logicalLocations"] = [{
                "fullyQualifiedName": diagnostic["urn"],
                "name": diagnostic["urn"].rsplit("::", 1)[-1],
                "kind": "resource",
            }]
        fingerprint = hashlib.sha256(
            f"{diagnostic['policy']}|{diagnostic['urn'] or ''}|{diagnostic['message']}".encode()
        ).hexdigest()
        result: dict[str, Any] = {
            "ruleId": diagnostic["policy"],
            "level": level_of(diagnostic["enforcement"], diagnostic["inconclusive"]),
            "message": {"text": diagnostic["message"]},
            "locations": [location],
            "partialFingerprints": {"preflightDiagnostic/v1": fingerprint},
            "properties": {"enforcement": diagnostic["enforcement"], "inconclusive": diagnostic["inconclusive"],
                           "pack": diagnostic["pack"]},
        }
        if diagnostic["policy"] in rule_index:
            result["ruleIndex"] = rule_index[diagnostic["policy"]]
        results.append(result)

    driver: dict[str, Any] = {"name": "preflight", "rules": rules}
    if report.pack:
        driver["properties"] = {"policyPack": report.pack.name, "policyPackVersion": report.pack.version}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": f"preflight/{report.project}/{report.stack}/{report.mode}/"},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }
