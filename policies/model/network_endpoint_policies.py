"""VPC endpoint policies, evaluated on the calls a task makes through the endpoint at start.

An endpoint policy is a resource policy the endpoint applies to every request through it:
an explicit Deny wins, and a request no statement allows is denied (an endpoint created
without a policy gets the full-access default). It does not grant anything by itself: the
identity policies still decide, in their own rule.
(https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)

The calls: ECR's API endpoint serves `ecr:GetAuthorizationToken`; its Docker endpoint the
pull (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer` on the repository); the S3 gateway
endpoint the layer downloads from `prod-<region>-starport-layer-bucket`
(ECR User Guide, "Minimum Amazon S3 bucket permissions for Amazon ECR"); Logs, SSM and
Secrets Manager the awslogs and secrets calls. All but the layer download are signed with
the execution role's credentials. The layer URL is one ECR pre-signs, so only a statement
for every principal (`"*"`) is known to cover it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.iam_conditions import Tri, all_of, negate, unknown_token
from model.iam_eval import Request, shown, statement_applies
from model.network_records import Unsure
from model.values import Malformed, is_unknown, parse_json


@dataclass(frozen=True)
class Call:
    action: str
    resource: str


@dataclass(frozen=True)
class Caller:
    """Who signs the task's calls: the execution role (ARN and account; None when not known)."""

    role_arn: Any
    account: Any
    label: str


# Who signs a pre-signed layer URL is ECR's business: only "*" is known to cover it.
PRESIGNED = Caller(None, None, "the signer of ECR's pre-signed layer URLs")


@dataclass(frozen=True)
class PolicyAnswer:
    ok: bool | Unsure
    problem: str = ""


def _principal_covers(principal: Any, caller: Caller) -> tuple[Tri, str]:
    if is_unknown(principal):
        return Tri.MAYBE, "its Principal is not known yet"
    if principal == "*":
        return Tri.YES, ""
    if not isinstance(principal, dict):
        return Tri.NO, ""
    names = principal.get("AWS")
    if names is None:
        return Tri.NO, ""  # Service, Federated or CanonicalUser principals are not the caller
    results = []
    for name in names if isinstance(names, list) else [names]:
        if name == "*":
            return Tri.YES, ""
        if caller is PRESIGNED:
            results.append(Tri.MAYBE)
        elif is_unknown(name) or not isinstance(name, str):
            results.append(Tri.MAYBE if is_unknown(name) else Tri.NO)
        elif isinstance(caller.account, str) and name in (caller.account, f"arn:aws:iam::{caller.account}:root"):
            results.append(Tri.YES)
        elif isinstance(caller.role_arn, str) and not is_unknown(caller.role_arn):
            results.append(Tri.YES if name == caller.role_arn else Tri.NO)
        else:
            results.append(Tri.MAYBE)
    if Tri.YES in results:
        return Tri.YES, ""
    if Tri.MAYBE in results:
        return Tri.MAYBE, f"whether its Principal names {caller.label}"
    return Tri.NO, ""


def _statement(statement: dict, call: Call, caller: Caller, context: dict) -> tuple[Tri, str]:
    if "Principal" in statement:
        principal, why = _principal_covers(statement["Principal"], caller)
    elif "NotPrincipal" in statement:
        found, why = _principal_covers(statement["NotPrincipal"], caller)
        principal = negate(found)
    else:
        principal, why = Tri.YES, ""
    if principal is Tri.NO:
        return Tri.NO, ""
    applies, detail = statement_applies(statement, Request(call.action, call.resource, context), context)
    verdict = all_of([principal, applies])
    return verdict, "; ".join(d for d in (why, detail) if d)


def evaluate_endpoint_policy(endpoint_label: str, document: Any, calls: list[Call], caller: Caller,
                             context: dict) -> PolicyAnswer:
    """Whether the endpoint's policy lets every call through; the first call it stops, named."""
    if document is None or document == "":
        return PolicyAnswer(True)  # no policy: the endpoint's default allows full access
    if is_unknown(document):
        return PolicyAnswer(Unsure.of(f"the policy of {endpoint_label} (not known until update)"))
    parsed = parse_json(document) if isinstance(document, str) else document
    if isinstance(parsed, Malformed) or not isinstance(parsed, dict):
        return PolicyAnswer(Unsure.of(f"the policy of {endpoint_label} (not a policy document)"))
    statements = parsed.get("Statement")
    if is_unknown(statements):
        return PolicyAnswer(Unsure.of(f"the statements of the policy of {endpoint_label} (not known until update)"))
    statements = [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []
    context = {key.lower(): value for key, value in context.items()}
    unsure: list[str] = []
    for call in calls:
        what = f"{call.action} on {shown(call.resource)}"
        allowed = Tri.NO
        maybe_allow = ""
        for number, statement in enumerate(statements, start=1):
            name = _statement_name(number, statement)
            if is_unknown(statement) or not isinstance(statement, dict):
                if is_unknown(statement):
                    unsure.append(f"{name} of the policy of {endpoint_label} (not known until update)")
                continue
            applies, detail = _statement(statement, call, caller, context)
            effect = statement.get("Effect")
            if applies is Tri.NO:
                continue
            if effect == "Deny" and applies is Tri.YES:
                return PolicyAnswer(False, f"{name} of the policy of {endpoint_label} denies {what} "
                                           f"for {caller.label}")
            if effect == "Deny" or is_unknown(effect):
                unsure.append(f"{name} of the policy of {endpoint_label} may deny {what}"
                              + (f" ({detail})" if detail else ""))
            elif effect == "Allow":
                if applies is Tri.YES:
                    allowed = Tri.YES
                elif allowed is Tri.NO:
                    allowed, maybe_allow = Tri.MAYBE, f"{name} of the policy of {endpoint_label} may allow " \
                                                      f"{what}" + (f" ({detail})" if detail else "")
        if allowed is Tri.NO:
            return PolicyAnswer(False, f"no statement of the policy of {endpoint_label} allows {what} "
                                       f"for {caller.label}")
        if allowed is Tri.MAYBE:
            unsure.append(maybe_allow)
    return PolicyAnswer(Unsure(tuple(dict.fromkeys(unsure))) if unsure else True)


def _statement_name(number: int, statement: Any) -> str:
    if isinstance(statement, dict) and isinstance(statement.get("Sid"), str) and statement["Sid"]:
        return f"statement {number} ({statement['Sid']})"
    return f"statement {number}"


def partly(value: Any, what: str) -> str:
    """A known string, or a placeholder that matches any pattern inconclusively."""
    return value if isinstance(value, str) and value and not is_unknown(value) else unknown_token(what)

