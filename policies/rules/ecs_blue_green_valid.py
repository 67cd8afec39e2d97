"""ecs-blue-green-valid: blue/green deployments (CodeDeploy or ECS-native) are wired so that the
deployment can shift traffic.

Mechanisms (what AWS evaluates to decide this):
- **The deployment controller and strategy** (`CODE_DEPLOY`, or the ECS controller with `BLUE_GREEN`,
  `LINEAR` or `CANARY`) — modelled: a service with neither is not applicable.
  [Deployment types](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-types.html)
- **The CodeDeploy deployment group** of the service (`ecsService`, `deploymentStyle` BLUE_GREEN with
  traffic control, an `ECS` application) — modelled; a group whose service is not known is inconclusive,
  named. [CodeDeploy blue/green for ECS](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-bluegreen.html)
- **The target group pair and the traffic routes** (two distinct target groups including the service's,
  exactly one production listener, a test listener of its own, listeners forwarding to the pair) —
  modelled; listeners outside the stack are inconclusive, named.
  [TargetGroupPairInfo](https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TargetGroupPairInfo.html)
- **The deployment configuration** (an ECS configuration; a network load balancer allows only
  `CodeDeployDefault.ECSAllAtOnce`) — modelled.
  [Deployment configurations](https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html)
- **ECS-native `advancedConfiguration`** (alternate target group, production listener rule, role; the
  linear and canary configurations) — modelled: the alternate group differs from the service's and the
  production rule forwards to them; a rule outside the stack is inconclusive, named.
  [ECS blue/green](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html)
- **The infrastructure role's trust policy** (`ecs.amazonaws.com` may assume it) — modelled with the
  IAM evaluation logic; a role outside the stack is read live, otherwise inconclusive, named.
  [Infrastructure IAM role for load balancers](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html)
- **The infrastructure role's permissions** (identity policies inline, attached and AWS-managed, and its
  permissions boundary) — modelled with the IAM evaluation logic for the call that shifts traffic
  (`elasticloadbalancing:ModifyRule` on the listener rules, `ModifyListener` on a listener); the other
  actions of `AmazonECSInfrastructureRolePolicyForLoadBalancers` (`Describe*`, `RegisterTargets`,
  `DeregisterTargets`), which AWS documents as needed but not call by call — inconclusive, named, when the
  role is not allowed them. [Infrastructure IAM role for load balancers](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html)
- **Organization SCPs/RCPs** — inconclusive, named, when the pack config `organizationPolicies` is
  `unknown`; absent by default (not visible from a stack).
  [SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)

Inconclusive by design: deployment groups, listeners, listener rules or roles not known until update or
outside the stack without a live look-up.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown
from model.aws_types import (
    CODEDEPLOY_APPLICATION,
    CODEDEPLOY_DEPLOYMENT_GROUP,
    ECS_SERVICE,
    LB_LISTENER,
    LB_LISTENER_RULE,
    LB_TARGET_GROUP,
)
from model.iam_access import ORGANIZATION_ABSENT
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.load_balancing import (
    ARN_KEYS,
    forwarded_target_groups,
    load_balancer_blocks,
    load_balancer_of,
    load_balancer_type,
    target_group_of,
)
from model.stack_index import StackIndex
from model.values import Resource, as_list, get_path, is_unknown
from rules._ecs_services import NATIVE_STRATEGIES, LiveByRegion, deployment_controller, deployment_strategy
from rules._execution_roles import ORGANIZATION_POLICIES_SCHEMA
from rules._traffic_role import check_traffic_role

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
            _check_native(index, service, strategy, findings, live,
                          config.get("organizationPolicies", ORGANIZATION_ABSENT))
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
                f"{group.label} deploymentStyle.{key} {shown(value)} is not valid for ECS: set it to {shown(wanted)}",
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
                f"{application.label} computePlatform {shown(platform)} cannot deploy ECS services ({group.label}): "
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
            f"{group.label} deploymentConfigName {shown(name)} is not an ECS deployment configuration: use one of "
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
                f"{group.label} deploymentConfigName {shown(name)} shifts traffic gradually, but {balancer.label} is a "
                "network load balancer, for which CodeDeploy supports only CodeDeployDefault.ECSAllAtOnce: use "
                "CodeDeployDefault.ECSAllAtOnce or an application load balancer",
                group.urn,
            )
            return


def _check_native(index: StackIndex, service: Resource, strategy: str, findings: Findings, live: LiveByRegion,
                  organization: str) -> None:
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
        check_traffic_role(index, service, advanced, block, where, findings, live, organization)


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
    config_schema={**ORGANIZATION_POLICIES_SCHEMA, **LIVE_LOOKUP_SCHEMA},
)
