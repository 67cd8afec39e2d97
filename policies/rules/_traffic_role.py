"""The role ECS-native blue/green deployments shift traffic with (`advancedConfiguration.roleArn`).

ECS assumes it as `ecs.amazonaws.com` and calls Elastic Load Balancing with it: it moves the
production (and test) listener rule between the two target groups with
`elasticloadbalancing:ModifyRule` — the call without which no traffic moves — and reads and
registers with the other actions the AWS-managed `AmazonECSInfrastructureRolePolicyForLoadBalancers`
grants. AWS documents that policy as what the role needs, not which of its actions each
deployment calls, so a missing `ModifyRule` is a violation and another missing action of the
managed policy is inconclusive, naming it
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html).
"""

from __future__ import annotations

import json
from typing import Any

from kit import Findings
from kit.shown import shown
from model.aws_types import IAM_ROLE, LB_LISTENER, LB_LISTENER_RULE, LB_TARGET_GROUP
from model.iam_access import ORGANIZATION_ABSENT, Access, Caller, authorize
from model.iam_conditions import UNKNOWN_PART, partly_known
from model.iam_eval import Decision, Request, evaluate_trust
from model.iam_eval import shown as shown_arn
from model.iam_roles import Place, RoleReader, RoleView, partition_of
from model.load_balancing import ARN_KEYS
from model.stack_index import Ref, StackIndex
from model.values import Resource, is_unknown
from rules._ecs_services import LiveByRegion

ECS_SERVICE_PRINCIPAL = "ecs.amazonaws.com"
_READS = ("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth")
_REGISTERS = ("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets")
MODIFY_RULE = "elasticloadbalancing:ModifyRule"
MODIFY_LISTENER = "elasticloadbalancing:ModifyListener"


def traffic_role_ref(index: StackIndex, service: Resource, value: Any) -> Ref:
    """The role in advancedConfiguration.roleArn: matched by ARN, by the name at the end of a
    computed ARN (the role's own `arn` is unknown at preview), or through the graph."""
    refs = index.refs(service, "loadBalancers", value, IAM_ROLE, ARN_KEYS)
    ref = refs[0] if refs else Ref(value, None)
    if ref.resource is None and isinstance(value, str) and ":role/" in value:
        name = value.rsplit("/", 1)[-1]
        matches = [r for r in index.of_type(IAM_ROLE) if r.props.get("name") == name]
        if matches:
            return Ref(value, matches[0])
    return ref


def _place(service: Resource, value: Any) -> Place:
    region = service.provider_props.get("region")
    region = region if isinstance(region, str) and region else None
    parts = value.split(":") if isinstance(value, str) else []
    account = parts[4] if len(parts) > 4 and parts[4].isdigit() else None
    return Place(partition_of(region), region, account)


def check_traffic_role(index: StackIndex, service: Resource, advanced: dict, block: dict, where: str,
                       findings: Findings, live: LiveByRegion, organization: str = ORGANIZATION_ABSENT) -> None:
    """The role must exist, trust ecs.amazonaws.com, and be allowed the calls that shift traffic."""
    value = advanced.get("roleArn")
    what = f"{where}.advancedConfiguration.roleArn"
    ref = traffic_role_ref(index, service, value)
    if not ref.resolved:
        findings.inconclusive(f"{what} (not known yet, and it depends on no {IAM_ROLE} of this stack)")
        return
    if ref.resource is None and not isinstance(ref.value, str):
        return
    place = _place(service, value)
    view = RoleReader(index, live.for_resource(service), place).view(ref)
    if view.exists is None:
        findings.inconclusive(f"{what} role {view.label} ({view.why})")
        return
    if not view.exists:
        findings.violation(
            f"{what} {shown(ref.value)} names a role that does not exist ({view.why}): ECS cannot shift traffic "
            f"between the target groups; create the role with a trust policy for {ECS_SERVICE_PRINCIPAL} or point "
            "roleArn at an existing one",
            service.urn,
        )
        return
    verdict = evaluate_trust(view.trust, ECS_SERVICE_PRINCIPAL)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{what} role {view.label}: {verdict.reason}")
    elif not verdict.allowed:
        statement = json.dumps({"Effect": "Allow", "Principal": {"Service": ECS_SERVICE_PRINCIPAL},
                                "Action": "sts:AssumeRole"})
        findings.violation(
            f"{what} role {view.label}: its trust policy does not let {ECS_SERVICE_PRINCIPAL} assume it "
            f"({verdict.reason}), so ECS cannot shift traffic between the target groups; add this statement to "
            f"the role's assumeRolePolicy: {statement}",
            service.urn,
        )
    _check_permissions(index, service, advanced, block, view, place, what, findings, organization)


_PARTIAL = {  # the shape of each ARN, every part not known yet marked, so wildcards can match it
    "listener-rule": f"listener-rule/app/{UNKNOWN_PART}/{UNKNOWN_PART}/{UNKNOWN_PART}/{UNKNOWN_PART}",
    "listener": f"listener/{UNKNOWN_PART}/{UNKNOWN_PART}/{UNKNOWN_PART}/{UNKNOWN_PART}",
    "targetgroup": f"targetgroup/{UNKNOWN_PART}/{UNKNOWN_PART}",
}


def _target(index: StackIndex, service: Resource, value: Any, types: tuple, place: Place) -> tuple[str, str]:
    """(kind, ARN) of what a call names: the value, the ARN of the resource it refers to, or a partly
    known ARN of the right shape. `kind` is "listener-rule", "listener" or "targetgroup"."""
    refs = index.refs(service, "loadBalancers", value, types, ARN_KEYS) if value is not None else []
    resource = refs[0].resource if refs else None
    arn = value if isinstance(value, str) and value.startswith("arn:") else None
    if arn is None and resource is not None and isinstance(resource.props.get("arn"), str):
        arn = resource.props["arn"]
    if arn is not None:
        part = arn.split(":", 5)[-1]
        return part.split("/", 1)[0], arn
    kind = "targetgroup" if types == LB_TARGET_GROUP else (
        "listener" if resource is not None and resource.type in LB_LISTENER else "listener-rule")
    return kind, (f"arn:{place.partition}:elasticloadbalancing:{partly_known(place.region)}:"
                  f"{partly_known(place.account)}:{_PARTIAL[kind]}")


def _check_permissions(index: StackIndex, service: Resource, advanced: dict, block: dict, view: RoleView,
                       place: Place, what: str, findings: Findings, organization: str) -> None:
    access = Access(Caller(view.arn, partly_known(place.account), place.partition), view.policies, view.boundary,
                    organization=organization)
    # A listener rule moves with ModifyRule; a listener named instead (a network load balancer) with ModifyListener.
    context = {"aws:PrincipalArn": view.arn, "aws:PrincipalAccount": partly_known(place.account),
               "aws:RequestedRegion": partly_known(place.region), "aws:ViaAWSService": "false",
               "aws:SecureTransport": "true"}
    required = []
    for key in ("productionListenerRule", "testListenerRule"):
        if advanced.get(key) in (None, ""):
            continue
        kind, arn = _target(index, service, advanced.get(key), (*LB_LISTENER_RULE, *LB_LISTENER), place)
        required.append(Request(MODIFY_LISTENER if kind == "listener" else MODIFY_RULE, arn, context))
    groups = [_target(index, service, value, LB_TARGET_GROUP, place)[1]
              for value in (block.get("targetGroupArn"), advanced.get("alternateTargetGroupArn"))
              if value is not None]
    documented = [Request(action, "*", context) for action in _READS]
    documented += [Request(action, arn, context) for action in _REGISTERS for arn in groups]
    # A policy that cannot be read may allow or deny any call: name it once, not once per call.
    unread = [policy.source for policy in (*view.policies, *([view.boundary] if view.boundary else []))
              if is_unknown(policy.document)]
    denied, undecided = [], False
    for request in required:
        verdict = authorize(access, request)
        if verdict.decision is Decision.DENIED or (verdict.decision is Decision.IMPLICIT_DENY and not unread):
            denied.append(verdict.reason)
        elif not verdict.allowed and unread:
            undecided = True
        elif verdict.decision is Decision.INCONCLUSIVE:
            findings.inconclusive(f"{what} role {view.label}: {verdict.reason}")
    if denied:
        findings.violation(
            f"{what} role {view.label} may not move the listener rules between the target groups "
            f"({'; '.join(denied)}): the deployment fails when ECS shifts traffic; attach "
            "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers or allow "
            + " and ".join(f"{r.action} on {shown_arn(r.resource)}" for r in required),
            service.urn,
        )
    verdicts = [(request, authorize(access, request)) for request in documented]
    if unread:
        if undecided or any(not verdict.allowed for _, verdict in verdicts):
            findings.inconclusive(f"{what} role {view.label}: whether it may make the calls ECS shifts traffic "
                                  f"with, which {', '.join(unread)} may allow or deny")
        return
    for request, verdict in verdicts:
        if not verdict.allowed:
            findings.inconclusive(
                f"{what} role {view.label}: whether ECS needs {request.action}, which "
                f"AmazonECSInfrastructureRolePolicyForLoadBalancers grants and the role is not allowed ({verdict.reason})"
            )
