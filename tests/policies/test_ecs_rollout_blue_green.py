"""ecs-rollout-zero-downtime and ecs-blue-green-valid."""

from __future__ import annotations

import json

import boto3
import pytest

import ecs
from model import live_aws
from model.values import UNKNOWN
from tests.policies.test_ecs_harness import (
    ACCOUNT,
    DELETE,
    GREEN_ARN,
    GROUP_TYPE,
    LB,
    REGION,
    SERVICE,
    SUBNET,
    TG,
    code_deploy_resources,
    replace,
    run_stack,
    spec,
    web_stack,
)

OFF = {"liveLookups": "off"}
HA = {**OFF, "requireHighAvailability": True}
ROLLOUT = ecs.ecs_rollout_zero_downtime
BLUE_GREEN = ecs.ecs_blue_green_valid
SERVICE_URN = "urn:pulumi:test::berth::aws:ecs/service:Service::web"
GROUP_URN = f"urn:pulumi:test::berth::{GROUP_TYPE}::web-deploy"
RULE_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/web/0123456789abcdef/1111/3333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-ecs-blue-green"
ROLE = "aws:iam/role:Role"


# --- ecs-rollout-zero-downtime -------------------------------------------------------------------

@pytest.mark.parametrize("preview", [False, True])
def test_rollout_accepts_the_compliant_service_also_with_high_availability(preview):
    outcome = run_stack(ROLLOUT, web_stack(preview), HA)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_rollout_flags_half_capacity_with_a_single_task():
    specs = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50)

    assert run_stack(ROLLOUT, specs, OFF).violations == [(
        "Service 'web' deploymentMinimumHealthyPercent 50 with desiredCount 1 lets a rolling deployment stop "
        "running tasks before their replacements are healthy: set it to 100 (or at least 50 with desiredCount 2 or "
        "more)",
        SERVICE_URN,
    )]


def test_rollout_accepts_half_capacity_with_two_tasks_and_flags_less():
    assert run_stack(ROLLOUT, replace(web_stack(), "web", deploymentMinimumHealthyPercent=50), OFF).violations == []
    assert len(run_stack(ROLLOUT, replace(web_stack(), "web", deploymentMinimumHealthyPercent=49), OFF).violations) == 1


def test_rollout_flags_no_room_above_the_desired_count():
    specs = replace(web_stack(), "web", deploymentMaximumPercent=100)

    assert run_stack(ROLLOUT, specs, OFF).messages == [
        "Service 'web' deploymentMaximumPercent 100 leaves no room to start new tasks beside the old ones, so a "
        "deployment must stop tasks first: set it above 100 (200 is the default)"
    ]


def test_rollout_uses_the_defaults_when_percentages_are_missing():
    specs = replace(web_stack(), "web", deploymentMinimumHealthyPercent=DELETE, deploymentMaximumPercent=DELETE)

    assert run_stack(ROLLOUT, specs, OFF).violations == []


@pytest.mark.parametrize("breaker,shown", [
    (DELETE, "is not set"),
    ({"enable": True, "rollback": False}, "has enable True and rollback False"),
])
def test_rollout_requires_the_circuit_breaker_with_rollback(breaker, shown):
    specs = replace(web_stack(), "web", deploymentCircuitBreaker=breaker)

    assert run_stack(ROLLOUT, specs, OFF).messages == [
        f"Service 'web' deploymentCircuitBreaker {shown}: a failing deployment keeps replacing tasks instead of "
        "rolling back; set deploymentCircuitBreaker enable true and rollback true"
    ]


def test_rollout_high_availability_flags_one_task_and_one_zone():
    specs = replace(web_stack(), "web", desiredCount=1, networkConfiguration={
        "subnets": ["subnet-a"], "securityGroups": ["sg-task"]})

    assert run_stack(ROLLOUT, specs, HA).messages == [
        "Service 'web' desiredCount 1 is below 2: one failed task or AZ takes the service down; set desiredCount to "
        "at least 2 (requireHighAvailability)",
        "Service 'web' networkConfiguration.subnets span 1 availability zone(s) (us-east-1a): an AZ outage stops "
        "every task; add subnets in at least 2 availability zones (requireHighAvailability)",
    ]


def test_rollout_high_availability_is_off_by_default_and_configurable():
    specs = replace(web_stack(), "web", desiredCount=2)

    assert run_stack(ROLLOUT, replace(web_stack(), "web", desiredCount=1), OFF).violations == []
    assert run_stack(ROLLOUT, specs, {**HA, "minimumDesiredCount": 3}).messages == [
        "Service 'web' desiredCount 2 is below 3: one failed task or AZ takes the service down; set desiredCount to "
        "at least 3 (requireHighAvailability)"
    ]


def test_rollout_high_availability_reads_subnets_outside_the_stack(moto, aws_credentials):
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    specs = replace(web_stack(), "web", networkConfiguration={"subnets": [a, b], "securityGroups": ["sg-task"]})

    outcome = run_stack(ROLLOUT, specs, {"requireHighAvailability": True, "awsEndpointUrl": moto.url})
    offline = run_stack(ROLLOUT, specs, HA)

    assert outcome.messages == [
        "Service 'web' networkConfiguration.subnets span 1 availability zone(s) (us-east-1a): an AZ outage stops "
        "every task; add subnets in at least 2 availability zones (requireHighAvailability)"
    ]
    assert (offline.violations, offline.unknowns) == ([], [
        f"Service 'web' subnets {', '.join(sorted([a, b]))} (live look-ups are off (liveLookups: off))"])


SCALING = "aws:appautoscaling/target:Target"


def scaled(specs, minimum, resource_id="service/main/web", deps=None):
    return specs + [spec(SCALING, "web-scaling", {
        "resourceId": resource_id, "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs",
        "minCapacity": minimum, "maxCapacity": 4}, deps)]


def test_rollout_counts_an_auto_scaling_minimum_of_two_as_two_tasks():
    one_task = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50,
                       cluster=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main")

    assert run_stack(ROLLOUT, scaled(one_task, 2), HA).violations == []


def test_rollout_names_the_auto_scaling_minimum_that_raised_a_count_still_too_low():
    one_task = replace(web_stack(), "web", desiredCount=1, cluster="main")

    assert run_stack(ROLLOUT, scaled(one_task, 2), {**HA, "minimumDesiredCount": 3}).messages == [
        "Service 'web' desiredCount 1 (raised to 2 by Target 'web-scaling' minCapacity) is below 3: one failed "
        "task or AZ takes the service down; set desiredCount to at least 3 (requireHighAvailability)"
    ]


def test_rollout_counts_a_target_matched_through_the_graph():
    one_task = replace(web_stack(True), "web", desiredCount=1, deploymentMinimumHealthyPercent=50)

    outcome = run_stack(ROLLOUT, scaled(one_task, 2, resource_id=UNKNOWN, deps={"resourceId": ["web"]}), HA)

    assert (outcome.violations, outcome.inconclusive) == ([], None)


def test_rollout_ignores_a_minimum_below_two_and_targets_of_other_services():
    one_task = replace(web_stack(), "web", desiredCount=1, deploymentMinimumHealthyPercent=50, cluster="main")
    half = (
        "Service 'web' deploymentMinimumHealthyPercent 50 with desiredCount 1 lets a rolling deployment stop "
        "running tasks before their replacements are healthy: set it to 100 (or at least 50 with desiredCount 2 or "
        "more)"
    )
    single = (
        "Service 'web' desiredCount 1 is below 2: one failed task or AZ takes the service down; set desiredCount to "
        "at least 2 (requireHighAvailability)"
    )
    other_dimension = scaled(one_task, 2)
    other_dimension[-1].props["scalableDimension"] = "ecs:service:Cpu"

    assert run_stack(ROLLOUT, scaled(one_task, 1), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id="service/main/api"), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id="service/other/web"), HA).messages == [half, single]
    assert run_stack(ROLLOUT, scaled(one_task, 2, resource_id=UNKNOWN), HA).messages == [half, single]
    assert run_stack(ROLLOUT, other_dimension, HA).messages == [half, single]


def test_rollout_is_inconclusive_on_an_unknown_scaling_minimum():
    one_task = replace(web_stack(), "web", desiredCount=1)

    outcome = run_stack(ROLLOUT, scaled(one_task, UNKNOWN), OFF)

    assert (outcome.violations, outcome.unknowns) == ([], ["Target 'web-scaling' minCapacity"])


def test_rollout_is_inconclusive_on_unknowns():
    specs = replace(web_stack(True), "web", deploymentMinimumHealthyPercent=UNKNOWN, deploymentCircuitBreaker=UNKNOWN)

    outcome = run_stack(ROLLOUT, specs, OFF)

    assert (outcome.violations, outcome.unknowns) == ([], [
        "Service 'web' deploymentMinimumHealthyPercent/desiredCount", "Service 'web' deploymentCircuitBreaker"])


def test_rollout_leaves_code_deploy_and_daemon_services_alone():
    code_deploy = replace(web_stack(), "web", deploymentController={"type": "CODE_DEPLOY"},
                          deploymentCircuitBreaker=DELETE, deploymentMaximumPercent=100)
    daemon = replace(web_stack(), "web", schedulingStrategy="DAEMON", deploymentMinimumHealthyPercent=0,
                     deploymentMaximumPercent=100, deploymentCircuitBreaker=DELETE)

    assert run_stack(ROLLOUT, code_deploy, OFF).violations == []
    assert run_stack(ROLLOUT, daemon, OFF).violations == []


def test_rollout_ignores_other_resource_types():
    outcome = run_stack(ROLLOUT, [spec(SUBNET, "a", {"availabilityZone": "us-east-1a"})], HA)

    assert (outcome.violations, outcome.inconclusive, outcome.not_applicable) == ([], None, "the stack has no ECS service")


# --- ecs-blue-green-valid: CodeDeploy --------------------------------------------------------------

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


# --- ecs-blue-green-valid: ECS-native strategies ---------------------------------------------------

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
                                          "assumeRolePolicy": trust_policy("ecs.amazonaws.com")}),
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


# --- ecs-blue-green-valid: the role ECS assumes to shift traffic -----------------------------------

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
