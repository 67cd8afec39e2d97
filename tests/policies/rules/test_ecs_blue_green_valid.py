"""ecs-blue-green-valid on stacks built from plain resources: one change per case, exact messages."""

from __future__ import annotations

import json

import boto3
import pytest

from model import live_aws
from model.values import UNKNOWN
from rules.ecs_blue_green_valid import ecs_blue_green_valid
from tests.policies.rules.ecs_deployment_cases import OFF, SERVICE_URN
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    DELETE,
    GREEN_ARN,
    GROUP_TYPE,
    LB,
    REGION,
    SERVICE,
    TG,
    code_deploy_resources,
    replace,
    run_stack,
    spec,
    web_stack,
)

BLUE_GREEN = ecs_blue_green_valid


GROUP_URN = f"urn:pulumi:test::berth::{GROUP_TYPE}::web-deploy"


RULE_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/web/0123456789abcdef/1111/3333"


ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-ecs-blue-green"


ROLE = "aws:iam/role:Role"


def code_deploy_stack(preview: bool = False, config_name: str = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"):
    specs = replace(web_stack(preview), "web", deploymentController={"type": "CODE_DEPLOY"},
                    deploymentCircuitBreaker=DELETE)
    return specs + code_deploy_resources(preview, config_name=config_name)


def group_pair(specs, **changes):
    group = next(s for s in specs if s.name == "web-deploy")
    group.props["loadBalancerInfo"]["targetGroupPairInfo"].update(changes)
    return specs


@pytest.mark.parametrize("preview", [False, True])
def test_blue_green_accepts_a_code_deploy_service_wired_to_two_groups_and_two_listeners(preview):
    outcome = run_stack(BLUE_GREEN, code_deploy_stack(preview))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_blue_green_allows_only_all_at_once_behind_a_network_load_balancer():
    specs = replace(code_deploy_stack(), "alb", loadBalancerType="network")
    all_at_once = replace(code_deploy_stack(config_name="CodeDeployDefault.ECSAllAtOnce"), "alb",
                          loadBalancerType="network")

    assert run_stack(BLUE_GREEN, specs).violations == [(
        "DeploymentGroup 'web-deploy' deploymentConfigName 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' "
        "shifts traffic gradually, but LoadBalancer 'alb' is a network load balancer, for which CodeDeploy supports "
        "only CodeDeployDefault.ECSAllAtOnce: use CodeDeployDefault.ECSAllAtOnce or an application load balancer",
        GROUP_URN,
    )]
    assert run_stack(BLUE_GREEN, all_at_once).violations == []


def test_blue_green_flags_a_deployment_configuration_for_another_platform():
    specs = code_deploy_stack(config_name="CodeDeployDefault.OneAtATime")

    assert run_stack(BLUE_GREEN, specs).messages == [
        "DeploymentGroup 'web-deploy' deploymentConfigName 'CodeDeployDefault.OneAtATime' is not an ECS deployment "
        "configuration: use one of CodeDeployDefault.ECSAllAtOnce, CodeDeployDefault.ECSLinear10PercentEvery1Minutes, "
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, "
        "CodeDeployDefault.ECSCanary10Percent15Minutes"
    ]


def test_blue_green_requires_a_deployment_group_for_a_code_deploy_service():
    specs = [s for s in code_deploy_stack() if s.type != GROUP_TYPE]

    assert run_stack(BLUE_GREEN, specs).violations == [(
        "Service 'web' uses the CODE_DEPLOY deployment controller but no CodeDeploy deployment group in this stack "
        "names it in ecsService: ECS cannot deploy it; add an aws.codedeploy.DeploymentGroup with "
        "ecsService.serviceName set to the service's name",
        SERVICE_URN,
    )]


def test_blue_green_requires_two_target_groups():
    specs = group_pair(code_deploy_stack(), targetGroups=[{"name": "web"}])

    assert run_stack(BLUE_GREEN, specs).messages == [
        "DeploymentGroup 'web-deploy' targetGroupPairInfo.targetGroups lists 1 target group(s): blue/green needs "
        "exactly 2 (one serving production, one receiving the replacement tasks)"
    ]


def test_blue_green_requires_the_service_target_group_in_the_pair():
    specs = code_deploy_stack() + [spec(TG, "other", {"arn": "arn:other", "name": "other", "targetType": "ip"})]
    group_pair(specs, targetGroups=[{"name": "other"}, {"name": "web-green"}])

    assert run_stack(BLUE_GREEN, specs).messages == [
        "Service 'web' loadBalancers[0] uses TargetGroup 'web-tg', which is not one of the target groups of "
        "DeploymentGroup 'web-deploy' (TargetGroup 'other', TargetGroup 'web-green'): CodeDeploy cannot shift its "
        "traffic; use one of the pair",
        "Listener 'http' in DeploymentGroup 'web-deploy' prodTrafficRoute forwards to none of the deployment group's "
        "target groups (TargetGroup 'other', TargetGroup 'web-green'): CodeDeploy cannot shift its traffic; forward "
        "it to one of them",
    ]


def test_blue_green_requires_a_production_listener_separate_from_the_test_listener():
    missing = group_pair(code_deploy_stack(), prodTrafficRoute=None)
    shared = group_pair(code_deploy_stack(), testTrafficRoute={"listenerArns": [
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/0123456789abcdef/1111"]})

    assert run_stack(BLUE_GREEN, missing).messages == [
        "DeploymentGroup 'web-deploy' has no prodTrafficRoute.listenerArns: CodeDeploy needs the production listener "
        "whose traffic it shifts; set it to the listener that forwards to the service's target group"
    ]
    assert run_stack(BLUE_GREEN, shared).messages == [
        "DeploymentGroup 'web-deploy' uses the same listener for production and test traffic: give the test route "
        "its own listener (for example on another port)"
    ]


def test_blue_green_checks_style_and_application_platform():
    specs = replace(code_deploy_stack(), "web-deploy", deploymentStyle={"deploymentType": "IN_PLACE",
                                                                         "deploymentOption": "WITH_TRAFFIC_CONTROL"})
    replace(specs, "web-app", computePlatform="Server")

    assert run_stack(BLUE_GREEN, specs).messages == [
        "DeploymentGroup 'web-deploy' deploymentStyle.deploymentType 'IN_PLACE' is not valid for ECS: set it to "
        "'BLUE_GREEN'",
        "Application 'web-app' computePlatform 'Server' cannot deploy ECS services (DeploymentGroup 'web-deploy'): "
        "set computePlatform to \"ECS\"",
    ]


def test_blue_green_is_inconclusive_on_an_unknown_pair():
    specs = replace(code_deploy_stack(True), "web-deploy", loadBalancerInfo=UNKNOWN)

    outcome = run_stack(BLUE_GREEN, specs)

    assert (outcome.violations, outcome.unknowns) == ([], ["DeploymentGroup 'web-deploy' loadBalancerInfo.targetGroupPairInfo"])


INFRASTRUCTURE_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def native_stack(strategy: str = "BLUE_GREEN", **advanced):
    specs = web_stack()
    tg_arn = next(s for s in specs if s.name == "web-tg").props["arn"]
    configuration = {"alternateTargetGroupArn": GREEN_ARN, "productionListenerRule": RULE_ARN, "roleArn": ROLE_ARN}
    configuration.update(advanced)
    deployment = {"strategy": strategy}
    if strategy == "LINEAR":
        deployment["linearConfiguration"] = {"stepPercent": 10, "stepBakeTimeInMinutes": "1"}
    replace(specs, "web", deploymentConfiguration=deployment, loadBalancers=[{
        "targetGroupArn": tg_arn, "containerName": "web", "containerPort": 8080,
        "advancedConfiguration": {k: v for k, v in configuration.items() if v is not DELETE}}])
    specs += [
        spec(TG, "web-green", {"arn": GREEN_ARN, "name": "web-green", "targetType": "ip"}),
        spec("aws:lb/listenerRule:ListenerRule", "web-rule", {"arn": RULE_ARN, "actions": [{"type": "forward", "forward": {
            "targetGroups": [{"arn": tg_arn, "weight": 100}, {"arn": GREEN_ARN, "weight": 0}]}}]}),
        spec(ROLE, "web-ecs-blue-green", {"arn": ROLE_ARN, "name": "web-ecs-blue-green",
                                          "assumeRolePolicy": trust_policy("ecs.amazonaws.com"),
                                          "managedPolicyArns": [INFRASTRUCTURE_POLICY]}),
    ]
    return specs


def trust_policy(service: str, action: str = "sts:AssumeRole") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": action}]})


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR"])
def test_blue_green_accepts_native_strategies_with_advanced_configuration(strategy):
    outcome = run_stack(BLUE_GREEN, native_stack(strategy))

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_blue_green_native_requires_alternate_group_rule_and_role():
    specs = native_stack(roleArn=DELETE, productionListenerRule="")

    assert run_stack(BLUE_GREEN, specs).violations == [(
        "Service 'web' loadBalancers[0].advancedConfiguration does not set productionListenerRule, roleArn: the "
        "BLUE_GREEN strategy needs the alternate target group, the production listener rule and the role ECS uses "
        "to shift traffic",
        SERVICE_URN,
    )]


def test_blue_green_native_flags_the_same_target_group_twice_and_a_rule_forwarding_elsewhere():
    tg_arn = next(s for s in web_stack() if s.name == "web-tg").props["arn"]
    same = native_stack(alternateTargetGroupArn=tg_arn)
    elsewhere = native_stack()
    replace(elsewhere, "web-rule", actions=[{"type": "forward", "targetGroupArn": "arn:other"}])
    elsewhere.append(spec(TG, "other", {"arn": "arn:other", "name": "other"}))

    assert run_stack(BLUE_GREEN, same).messages == [
        "Service 'web' loadBalancers[0].advancedConfiguration.alternateTargetGroupArn is the service's own target "
        "group: blue/green needs a second target group for the replacement tasks"
    ]
    assert run_stack(BLUE_GREEN, elsewhere).messages == [
        "ListenerRule 'web-rule' (productionListenerRule of Service 'web' loadBalancers[0]) forwards to neither the "
        "service's target group nor the alternate one: ECS cannot shift its traffic; forward it to both"
    ]


def test_blue_green_native_linear_and_canary_need_their_configuration_and_a_load_balancer():
    canary = native_stack("CANARY")
    no_balancer = replace(native_stack(), "web", loadBalancers=DELETE)

    assert run_stack(BLUE_GREEN, canary).messages == [
        "Service 'web' deploymentConfiguration.strategy CANARY needs deploymentConfiguration.canaryConfiguration: "
        "set it"
    ]
    assert run_stack(BLUE_GREEN, no_balancer).messages == [
        "Service 'web' deploymentConfiguration.strategy BLUE_GREEN shifts traffic between two target groups but the "
        "service has no loadBalancers block: add one with advancedConfiguration"
    ]


def test_blue_green_ignores_rolling_services_and_other_types():
    outcome = run_stack(BLUE_GREEN, web_stack() + [spec(LB, "nlb", {"loadBalancerType": "network"}),
                                                   spec(SERVICE, "worker", {"desiredCount": 1})])

    assert (outcome.violations, outcome.inconclusive) == ([], None)
    assert outcome.not_applicable == ("no ECS service in the stack deploys blue/green (CODE_DEPLOY controller or a "
                                      "BLUE_GREEN, LINEAR or CANARY strategy)")


def test_blue_green_native_is_inconclusive_for_a_listener_rule_outside_the_stack():
    outside = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/shared/1/2/3"
    specs = native_stack(productionListenerRule=outside)

    outcome = run_stack(BLUE_GREEN, specs)

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"Service 'web' loadBalancers[0].advancedConfiguration.productionListenerRule '{outside}' (not a listener "
        "rule in this stack)"])


ROLE_WHERE = "Service 'web' loadBalancers[0].advancedConfiguration.roleArn"


ADD_TRUST = ('add this statement to the role\'s assumeRolePolicy: {"Effect": "Allow", "Principal": {"Service": '
             '"ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}')


UNTRUSTED = (
    f"{ROLE_WHERE} role Role 'web-ecs-blue-green': its trust policy does not let ecs.amazonaws.com assume it "
    "(no statement of the trust policy (assumeRolePolicy) of Role 'web-ecs-blue-green' lets ecs.amazonaws.com "
    f"calling sts:AssumeRole), so ECS cannot shift traffic between the target groups; {ADD_TRUST}"
)


def test_blue_green_native_flags_a_role_that_does_not_trust_ecs():
    specs = replace(native_stack(), "web-ecs-blue-green", assumeRolePolicy=trust_policy("ecs-tasks.amazonaws.com"))

    assert run_stack(BLUE_GREEN, specs).violations == [(UNTRUSTED, SERVICE_URN)]


def test_blue_green_native_flags_a_trust_policy_for_another_action():
    specs = replace(native_stack(), "web-ecs-blue-green",
                    assumeRolePolicy=trust_policy("ecs.amazonaws.com", "sts:TagSession"))

    assert run_stack(BLUE_GREEN, specs).messages == [UNTRUSTED]


def test_blue_green_native_matches_the_role_by_name_in_a_computed_arn_and_through_the_graph():
    by_name = replace(native_stack(), "web-ecs-blue-green", arn=UNKNOWN)
    by_name_wrong = replace(native_stack(), "web-ecs-blue-green", arn=UNKNOWN,
                            assumeRolePolicy=trust_policy("ecs-tasks.amazonaws.com"))
    by_graph = native_stack(roleArn=UNKNOWN)
    replace(by_graph, "web-ecs-blue-green", arn=UNKNOWN, assumeRolePolicy=trust_policy("ecs-tasks.amazonaws.com"))
    next(s for s in by_graph if s.name == "web").deps["loadBalancers"].append("web-ecs-blue-green")

    assert (run_stack(BLUE_GREEN, by_name).violations, run_stack(BLUE_GREEN, by_name).inconclusive) == ([], None)
    assert run_stack(BLUE_GREEN, by_name_wrong).messages == [UNTRUSTED]
    assert run_stack(BLUE_GREEN, by_graph).messages == [UNTRUSTED]


def test_blue_green_native_is_inconclusive_on_an_unknown_role_or_trust_policy():
    unknown_role = native_stack(roleArn=UNKNOWN)
    unknown_trust = replace(native_stack(), "web-ecs-blue-green", assumeRolePolicy=UNKNOWN)

    assert run_stack(BLUE_GREEN, unknown_role).unknowns == [
        f"{ROLE_WHERE} (not known yet, and it depends on no aws:iam/role:Role of this stack)"]
    assert run_stack(BLUE_GREEN, unknown_trust).unknowns == [
        f"{ROLE_WHERE} role Role 'web-ecs-blue-green': the trust policy (assumeRolePolicy) of Role "
        "'web-ecs-blue-green' is not known yet"]


def outside_role_stack():
    return [s for s in native_stack() if s.name != "web-ecs-blue-green"]


def test_blue_green_native_reads_a_role_outside_the_stack(moto, aws_credentials):
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto.url)
    live = {"awsEndpointUrl": moto.url}
    missing = run_stack(BLUE_GREEN, outside_role_stack(), live)
    iam.create_role(RoleName="web-ecs-blue-green", AssumeRolePolicyDocument=trust_policy("ecs-tasks.amazonaws.com"))
    iam.put_role_policy(RoleName="web-ecs-blue-green", PolicyName="load-balancers", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "elasticloadbalancing:*",
                                                "Resource": "*"}]}))
    live_aws.forget_shared()  # answers are cached for the life of the pack process
    untrusted = run_stack(BLUE_GREEN, outside_role_stack(), live)
    iam.update_assume_role_policy(RoleName="web-ecs-blue-green", PolicyDocument=trust_policy("ecs.amazonaws.com"))
    live_aws.forget_shared()
    trusted = run_stack(BLUE_GREEN, outside_role_stack(), live)

    assert missing.violations == [(
        f"{ROLE_WHERE} '{ROLE_ARN}' names a role that does not exist (iam get_role failed: NoSuchEntity: Role web-ecs-blue-green not found): ECS "
        "cannot shift traffic between the target groups; create the role with a trust policy for ecs.amazonaws.com "
        "or point roleArn at an existing one",
        SERVICE_URN,
    )]
    assert untrusted.messages == [
        f"{ROLE_WHERE} role {ROLE_ARN}: its trust policy does not let ecs.amazonaws.com assume it (no statement of "
        f"the trust policy of role {ROLE_ARN} lets ecs.amazonaws.com calling sts:AssumeRole), so ECS cannot shift "
        f"traffic between the target groups; {ADD_TRUST}"]
    assert (trusted.violations, trusted.inconclusive) == ([], None)


def test_blue_green_native_is_inconclusive_for_a_role_outside_the_stack_without_a_look_up(faulty_endpoint,
                                                                                      aws_credentials):
    denied = faulty_endpoint("denied-iam")

    assert run_stack(BLUE_GREEN, outside_role_stack(), OFF).unknowns == [
        f"{ROLE_WHERE} role {ROLE_ARN} (live look-ups are off (liveLookups: off))"]
    assert run_stack(BLUE_GREEN, outside_role_stack(), {"awsEndpointUrl": denied.url}).unknowns == [
        f"{ROLE_WHERE} role {ROLE_ARN} (iam get_role failed: AccessDenied: User: arn:aws:iam::{ACCOUNT}:user/ci is "
        "not authorized to perform: iam:GetRole)"]


def _inline(*statements: dict) -> list[dict]:
    return [{"name": "load-balancers", "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}]


def test_blue_green_native_flags_a_role_that_may_not_move_the_listener_rule():
    # The role ECS shifts traffic with calls elasticloadbalancing:ModifyRule on the production listener rule.
    reads_only = replace(native_stack(), "web-ecs-blue-green", managedPolicyArns=[], inlinePolicies=_inline(
        {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
         "Resource": "*"}))

    assert run_stack(BLUE_GREEN, reads_only, OFF).violations == [(
        f"{ROLE_WHERE} role Role 'web-ecs-blue-green' may not move the listener rules between the target groups "
        f"(no statement allows elasticloadbalancing:ModifyRule on {RULE_ARN}): the deployment fails "
        "when ECS shifts traffic; attach arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers "
        f"or allow elasticloadbalancing:ModifyRule on {RULE_ARN}",
        SERVICE_URN,
    )]


def test_blue_green_native_flags_a_deny_of_modify_rule_in_the_boundary():
    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    bounded = replace(native_stack(), "web-ecs-blue-green", permissionsBoundary=boundary)

    messages = run_stack(BLUE_GREEN, bounded, OFF).messages

    assert len(messages) == 1 and messages[0].startswith(
        f"{ROLE_WHERE} role Role 'web-ecs-blue-green' may not move the listener rules between the target groups "
        f"(elasticloadbalancing:ModifyRule on {RULE_ARN} is allowed by ")
    assert "but no permissions boundary allows the elasticloadbalancing:ModifyRule action" in messages[0]


def test_blue_green_native_names_the_managed_policy_actions_a_narrow_role_is_not_allowed():
    narrow = replace(native_stack(), "web-ecs-blue-green", managedPolicyArns=[], inlinePolicies=_inline(
        {"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": RULE_ARN},
        {"Effect": "Allow", "Action": ["elasticloadbalancing:Describe*", "elasticloadbalancing:RegisterTargets",
                                       "elasticloadbalancing:DeregisterTargets"], "Resource": "*"}))
    no_reads = replace(native_stack(), "web-ecs-blue-green", managedPolicyArns=[], inlinePolicies=_inline(
        {"Effect": "Allow", "Action": ["elasticloadbalancing:ModifyRule", "elasticloadbalancing:RegisterTargets",
                                       "elasticloadbalancing:DeregisterTargets"], "Resource": "*"}))

    assert (run_stack(BLUE_GREEN, narrow, OFF).violations, run_stack(BLUE_GREEN, narrow, OFF).inconclusive) == (
        [], None)
    assert run_stack(BLUE_GREEN, no_reads, OFF).unknowns == [
        f"{ROLE_WHERE} role Role 'web-ecs-blue-green': whether ECS needs elasticloadbalancing:{action}, which "
        "AmazonECSInfrastructureRolePolicyForLoadBalancers grants and the role is not allowed (no statement "
        f"allows elasticloadbalancing:{action} on *)"
        for action in ("DescribeListeners", "DescribeRules", "DescribeTargetGroups", "DescribeTargetHealth")
    ]


def test_blue_green_native_judges_a_listener_rule_whose_arn_is_not_known_yet_by_its_shape():
    # At a first preview the rule's ARN is unknown; the managed policy's listener-rule/app/*/*/*/* covers any.
    preview = native_stack(productionListenerRule=UNKNOWN)
    replace(preview, "web-rule", arn=UNKNOWN)
    next(s for s in preview if s.name == "web").deps["loadBalancers"] = ["web-rule"]

    outcome = run_stack(BLUE_GREEN, preview, OFF)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_blue_green_native_names_a_policy_it_cannot_read_once():
    customer = f"arn:aws:iam::{ACCOUNT}:policy/load-balancer-shifts"
    unread = replace(native_stack(), "web-ecs-blue-green", managedPolicyArns=[customer])

    outcome = run_stack(BLUE_GREEN, unread, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        f"{ROLE_WHERE} role Role 'web-ecs-blue-green': whether it may make the calls ECS shifts traffic with, which "
        f"policy {customer} (not read: live look-ups are off (liveLookups: off)) may allow or deny"])
