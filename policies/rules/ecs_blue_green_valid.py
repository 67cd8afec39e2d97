"""ecs-blue-green-valid: blue/green deployments (CodeDeploy or ECS-native) are wired correctly."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.aws_types import (
    CODEDEPLOY_APPLICATION,
    CODEDEPLOY_DEPLOYMENT_GROUP,
    ECS_SERVICE,
    IAM_ROLE,
    LB_LISTENER,
    LB_LISTENER_RULE,
    LB_TARGET_GROUP,
)
from model.iam_eval import Decision, evaluate_trust
from model.iam_roles import Place, RoleReader, partition_of
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.load_balancing import (
    ARN_KEYS,
    forwarded_target_groups,
    load_balancer_blocks,
    load_balancer_of,
    load_balancer_type,
    target_group_of,
)
from model.stack_index import Ref, StackIndex
from model.values import Resource, as_list, get_path, is_unknown
from rules._ecs_services import NATIVE_STRATEGIES, LiveByRegion, deployment_controller, deployment_strategy

_ECS_DEPLOYMENT_CONFIGS = (
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
)


def validate_blue_green(index: StackIndex, findings: Findings, config: dict) -> None:
    live = LiveByRegion(config)
    applies = False
    for service in index.of_type(ECS_SERVICE):
        controller, strategy = deployment_controller(service), deployment_strategy(service)
        if is_unknown(controller) or is_unknown(strategy):
            findings.inconclusive(f"{service.label} deploymentController/deploymentConfiguration")
        elif controller == "CODE_DEPLOY":
            applies = True
            _check_code_deploy(index, service, findings)
        elif controller == "ECS" and strategy in NATIVE_STRATEGIES:
            applies = True
            _check_native(index, service, strategy, findings, live)
    if not applies:
        findings.not_applicable("no ECS service in the stack deploys blue/green (CODE_DEPLOY controller or a "
                                "BLUE_GREEN, LINEAR or CANARY strategy)")


def _deployment_groups_of(index: StackIndex, service: Resource) -> tuple[list[Resource], bool]:
    found, unknown = [], False
    name = service.props.get("name")
    for group in index.of_type(CODEDEPLOY_DEPLOYMENT_GROUP):
        named = get_path(group.props.get("ecsService"), "serviceName")
        if is_unknown(named):
            depends = service.urn in group.property_dependencies.get("ecsService", [])
            if depends:
                found.append(group)
            elif not group.property_dependencies.get("ecsService"):
                unknown = True
        elif named is not None and named == name:
            found.append(group)
    return found, unknown


def _check_code_deploy(index: StackIndex, service: Resource, findings: Findings) -> None:
    groups, unknown = _deployment_groups_of(index, service)
    if not groups:
        if unknown:
            findings.inconclusive(f"the CodeDeploy deployment group of {service.label}")
        else:
            findings.violation(
                f"{service.label} uses the CODE_DEPLOY deployment controller but no CodeDeploy deployment group in "
                "this stack names it in ecsService: ECS cannot deploy it; add an "
                "aws.codedeploy.DeploymentGroup with ecsService.serviceName set to the service's name",
                service.urn,
            )
        return
    for group in groups:
        _check_deployment_group(index, service, group, findings)


def _check_deployment_group(index: StackIndex, service: Resource, group: Resource, findings: Findings) -> None:
    style = group.props.get("deploymentStyle")
    for key, wanted in (("deploymentType", "BLUE_GREEN"), ("deploymentOption", "WITH_TRAFFIC_CONTROL")):
        value = get_path(style, key)
        if isinstance(value, str) and value != wanted:
            findings.violation(
                f"{group.label} deploymentStyle.{key} {value!r} is not valid for ECS: set it to {wanted!r}",
                group.urn,
            )
    _check_application(index, group, findings)
    pair = get_path(group.props.get("loadBalancerInfo"), "targetGroupPairInfo")
    if is_unknown(pair):
        findings.inconclusive(f"{group.label} loadBalancerInfo.targetGroupPairInfo")
        return
    if not isinstance(pair, dict):
        findings.violation(
            f"{group.label} has no loadBalancerInfo.targetGroupPairInfo: CodeDeploy needs the two target groups "
            "and the production listener it shifts traffic between; set targetGroupPairInfo",
            group.urn,
        )
        return
    targets = _pair_target_groups(index, group, pair, findings)
    if targets is None:
        return
    _check_service_in_pair(index, service, group, targets, findings)
    listeners = _route_listeners(index, group, pair, targets, findings)
    _check_nlb_deployment_config(index, group, listeners, findings)


def _check_application(index: StackIndex, group: Resource, findings: Findings) -> None:
    name = group.props.get("appName")
    for application in index.of_type(CODEDEPLOY_APPLICATION):
        same = application.props.get("name") == name if not is_unknown(name) else (
            application.urn in group.property_dependencies.get("appName", []))
        platform = application.props.get("computePlatform")
        if same and isinstance(platform, str) and platform != "ECS":
            findings.violation(
                f"{application.label} computePlatform {platform!r} cannot deploy ECS services ({group.label}): "
                "set computePlatform to \"ECS\"",
                application.urn,
            )


def _pair_target_groups(index: StackIndex, group: Resource, pair: dict,
                        findings: Findings) -> list[Resource] | None:
    entries = pair.get("targetGroups")
    if is_unknown(entries):
        findings.inconclusive(f"{group.label} targetGroupPairInfo.targetGroups")
        return None
    names = [get_path(e, "name") for e in as_list(entries)]
    if len(names) != 2:
        findings.violation(
            f"{group.label} targetGroupPairInfo.targetGroups lists {len(names)} target group(s): blue/green needs "
            "exactly 2 (one serving production, one receiving the replacement tasks)",
            group.urn,
        )
        return None
    refs = index.refs(group, "loadBalancerInfo", names, LB_TARGET_GROUP, keys=("name",))
    if any(not ref.resolved for ref in refs):
        findings.inconclusive(f"{group.label} targetGroupPairInfo target group names")
        return None
    if len({repr(ref.value) if ref.resource is None else ref.resource.urn for ref in refs}) < 2:
        findings.violation(
            f"{group.label} targetGroupPairInfo names the same target group twice: use two distinct target groups",
            group.urn,
        )
        return None
    return [ref.resource for ref in refs if ref.resource is not None]


def _check_service_in_pair(index: StackIndex, service: Resource, group: Resource, targets: list[Resource],
                           findings: Findings) -> None:
    blocks = load_balancer_blocks(service)
    if is_unknown(blocks):
        findings.inconclusive(f"{service.label} loadBalancers")
        return
    for number, block in enumerate(blocks):
        if is_unknown(block):
            findings.inconclusive(f"{service.label} loadBalancers[{number}]")
            continue
        ref = target_group_of(index, service, block)
        if ref is None:
            continue
        if ref.resource is None:
            findings.inconclusive(f"{service.label} loadBalancers[{number}].targetGroupArn {ref.describe()} "
                                  "(not a target group in this stack)")
            continue
        if len(targets) == 2 and ref.resource not in targets:
            findings.violation(
                f"{service.label} loadBalancers[{number}] uses {ref.resource.label}, which is not one of the target "
                f"groups of {group.label} ({', '.join(t.label for t in targets)}): CodeDeploy cannot shift its "
                "traffic; use one of the pair",
                service.urn,
            )


def _route_values(group: Resource, pair: dict, route: str, findings: Findings) -> list | None:
    arns = get_path(pair.get(route), "listenerArns")
    if is_unknown(arns):
        findings.inconclusive(f"{group.label} {route}.listenerArns")
        return None
    return list(as_list(arns))


def _route_listeners(index: StackIndex, group: Resource, pair: dict, targets: list[Resource],
                     findings: Findings) -> list[Resource]:
    """The production and test listeners, checked; resolved together so unknown ARNs map onto the graph."""
    production = _route_values(group, pair, "prodTrafficRoute", findings)
    test = _route_values(group, pair, "testTrafficRoute", findings)
    if production is None or test is None:
        return []
    if not production:
        findings.violation(
            f"{group.label} has no prodTrafficRoute.listenerArns: CodeDeploy needs the production listener whose "
            "traffic it shifts; set it to the listener that forwards to the service's target group",
            group.urn,
        )
        return []
    if len(production) != 1:
        findings.violation(
            f"{group.label} prodTrafficRoute.listenerArns lists {len(production)} listeners: it must contain exactly "
            "one",
            group.urn,
        )
    values = production + test
    known = not any(is_unknown(v) for v in values)
    if known and set(map(repr, production)) & set(map(repr, test)):
        findings.violation(
            f"{group.label} uses the same listener for production and test traffic: give the test route its own "
            "listener (for example on another port)",
            group.urn,
        )
    refs = index.refs(group, "loadBalancerInfo", values, LB_LISTENER, ARN_KEYS)
    routes = ["prodTrafficRoute"] * len(production) + ["testTrafficRoute"] * len(test)
    listeners = []
    for number, ref in enumerate(refs):
        route = routes[number] if known else "prodTrafficRoute/testTrafficRoute"
        if ref.resource is None:
            findings.inconclusive(f"{group.label} {route}.listenerArns {ref.describe()} (not a listener in this stack)")
            continue
        listeners.append(ref.resource)
        forwarded = forwarded_target_groups(index, ref.resource)
        if any(not f.resolved for f in forwarded):
            findings.inconclusive(f"{ref.resource.label} defaultActions")
            continue
        if targets and not any(f.resource in targets for f in forwarded):
            findings.violation(
                f"{ref.resource.label} in {group.label} {route} forwards to none of the deployment group's target "
                f"groups ({', '.join(t.label for t in targets)}): CodeDeploy cannot shift its traffic; forward it "
                "to one of them",
                ref.resource.urn,
            )
    return listeners


def _check_nlb_deployment_config(index: StackIndex, group: Resource, listeners: list[Resource],
                                 findings: Findings) -> None:
    name = group.props.get("deploymentConfigName")
    if is_unknown(name):
        findings.inconclusive(f"{group.label} deploymentConfigName")
        return
    if isinstance(name, str) and name.startswith("CodeDeployDefault.") and name not in _ECS_DEPLOYMENT_CONFIGS:
        findings.violation(
            f"{group.label} deploymentConfigName {name!r} is not an ECS deployment configuration: use one of "
            f"{', '.join(_ECS_DEPLOYMENT_CONFIGS)}",
            group.urn,
        )
        return
    if name is None or name == "CodeDeployDefault.ECSAllAtOnce":
        return
    for listener in listeners:
        ref = load_balancer_of(index, listener)
        balancer = ref.resource if ref is not None else None
        if balancer is None:
            findings.inconclusive(f"the load balancer type behind {listener.label} (not in this stack)")
            continue
        kind = load_balancer_type(balancer)
        if is_unknown(kind):
            findings.inconclusive(f"{balancer.label} loadBalancerType")
        elif kind == "network":
            findings.violation(
                f"{group.label} deploymentConfigName {name!r} shifts traffic gradually, but {balancer.label} is a "
                "network load balancer, for which CodeDeploy supports only CodeDeployDefault.ECSAllAtOnce: use "
                "CodeDeployDefault.ECSAllAtOnce or an application load balancer",
                group.urn,
            )
            return


def _check_native(index: StackIndex, service: Resource, strategy: str, findings: Findings, live: LiveByRegion) -> None:
    deployment = service.props.get("deploymentConfiguration")
    needed = {"LINEAR": "linearConfiguration", "CANARY": "canaryConfiguration"}.get(strategy)
    if needed and get_path(deployment, needed) is None:
        findings.violation(
            f"{service.label} deploymentConfiguration.strategy {strategy} needs deploymentConfiguration.{needed}: "
            f"set it",
            service.urn,
        )
    blocks = load_balancer_blocks(service)
    if is_unknown(blocks):
        findings.inconclusive(f"{service.label} loadBalancers")
        return
    if not blocks:
        findings.violation(
            f"{service.label} deploymentConfiguration.strategy {strategy} shifts traffic between two target groups "
            "but the service has no loadBalancers block: add one with advancedConfiguration",
            service.urn,
        )
        return
    for number, block in enumerate(blocks):
        where = f"{service.label} loadBalancers[{number}]"
        advanced = get_path(block, "advancedConfiguration")
        if is_unknown(block) or is_unknown(advanced):
            findings.inconclusive(f"{where}.advancedConfiguration")
            continue
        missing = [key for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn")
                   if get_path(advanced, key) in (None, "")]
        if missing:
            findings.violation(
                f"{where}.advancedConfiguration does not set {', '.join(missing)}: the {strategy} strategy needs the "
                "alternate target group, the production listener rule and the role ECS uses to shift traffic",
                service.urn,
            )
            continue
        _check_alternate_target_group(index, service, block, advanced, where, findings)
        _check_traffic_role(index, service, advanced.get("roleArn"), where, findings, live)


def _check_alternate_target_group(index: StackIndex, service: Resource, block: dict, advanced: dict, where: str,
                                  findings: Findings) -> None:
    primary = target_group_of(index, service, block)
    alternate_value = advanced.get("alternateTargetGroupArn")
    if is_unknown(alternate_value) or primary is None:
        return
    alternate = index.refs(service, "loadBalancers", alternate_value, LB_TARGET_GROUP, ARN_KEYS)
    same_value = not is_unknown(primary.value) and primary.value == alternate_value
    same_resource = primary.resource is not None and alternate and alternate[0].resource is primary.resource \
        and not is_unknown(primary.value)
    if same_value or same_resource:
        findings.violation(
            f"{where}.advancedConfiguration.alternateTargetGroupArn is the service's own target group: blue/green "
            "needs a second target group for the replacement tasks",
            service.urn,
        )
    rule_value = advanced.get("productionListenerRule")
    rules = index.refs(service, "loadBalancers", rule_value, (*LB_LISTENER_RULE, *LB_LISTENER), ARN_KEYS)
    for ref in rules:
        if ref.resource is None:
            findings.inconclusive(f"{where}.advancedConfiguration.productionListenerRule {ref.describe()} "
                                  "(not a listener rule in this stack)")
            continue
        forwarded = forwarded_target_groups(index, ref.resource)
        if any(not f.resolved for f in forwarded):
            findings.inconclusive(f"{ref.resource.label} forward targets")
            continue
        wanted = [r.resource for r in [primary, *alternate] if r.resource is not None]
        if wanted and not any(f.resource in wanted for f in forwarded):
            findings.violation(
                f"{ref.resource.label} (productionListenerRule of {where}) forwards to neither the service's target "
                "group nor the alternate one: ECS cannot shift its traffic; forward it to both",
                ref.resource.urn,
            )


_ECS_SERVICE_PRINCIPAL = "ecs.amazonaws.com"


def _traffic_role_ref(index: StackIndex, service: Resource, value: Any) -> Ref:
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


def _check_traffic_role(index: StackIndex, service: Resource, value: Any, where: str, findings: Findings,
                        live: LiveByRegion) -> None:
    """The role ECS assumes to shift traffic must exist and trust ecs.amazonaws.com with sts:AssumeRole."""
    what = f"{where}.advancedConfiguration.roleArn"
    ref = _traffic_role_ref(index, service, value)
    if not ref.resolved:
        findings.inconclusive(f"{what} (not known yet, and it depends on no {IAM_ROLE} of this stack)")
        return
    if ref.resource is None and not isinstance(ref.value, str):
        return
    view = RoleReader(index, live.for_resource(service), _place(service, value)).view(ref)
    if view.exists is None:
        findings.inconclusive(f"{what} role {view.label} ({view.why})")
        return
    if not view.exists:
        findings.violation(
            f"{what} {ref.value!r} names a role that does not exist ({view.why}): ECS cannot shift traffic between "
            f"the target groups; create the role with a trust policy for {_ECS_SERVICE_PRINCIPAL} or point roleArn "
            "at an existing one",
            service.urn,
        )
        return
    verdict = evaluate_trust(view.trust, _ECS_SERVICE_PRINCIPAL)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{what} role {view.label}: {verdict.reason}")
    elif not verdict.allowed:
        statement = json.dumps({"Effect": "Allow", "Principal": {"Service": _ECS_SERVICE_PRINCIPAL},
                                "Action": "sts:AssumeRole"})
        findings.violation(
            f"{what} role {view.label}: its trust policy does not let {_ECS_SERVICE_PRINCIPAL} assume it "
            f"({verdict.reason}), so ECS cannot shift traffic between the target groups; add this statement to "
            f"the role's assumeRolePolicy: {statement}",
            service.urn,
        )


ecs_blue_green_valid = stack_policy(
    name="ecs-blue-green-valid",
    description=(
        "Blue/green deployments are wired so CodeDeploy or ECS can shift traffic: two target groups, production "
        "(and test) listeners that match, an NLB only with all-at-once, and the native strategies' alternate "
        "target group, listener rule and role."
    ),
    validate=validate_blue_green,
    severity=Severity.HIGH,
    remediation_steps=(
        "For the CODE_DEPLOY controller, create an aws.codedeploy.DeploymentGroup naming the service, with "
        "deploymentStyle BLUE_GREEN/WITH_TRAFFIC_CONTROL, two target groups, a production listener that forwards "
        "to one of them (and an optional test listener), and CodeDeployDefault.ECSAllAtOnce behind an NLB; for "
        "ECS-native BLUE_GREEN, LINEAR or CANARY set loadBalancers[].advancedConfiguration alternateTargetGroupArn, "
        "productionListenerRule and roleArn, the role trusting ecs.amazonaws.com with sts:AssumeRole."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-bluegreen.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)
