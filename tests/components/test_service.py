"""LoadBalancedCluster and WebService: listeners, security groups, target groups, rollout, blue/green,
autoscaling and alarms, asserted on the registered inputs."""

from __future__ import annotations

import json

import pulumi

from components.frontend import LoadBalancedCluster, LoadBalancedClusterArgs
from components.naming import Account, StackNames
from components.service import WebService, WebServiceArgs, grace_period
from tests.components.harness import run_pulumi

ACCOUNT = Account(partition="aws", region="eu-west-1", account_id="123456789012")
NAMES = StackNames("berth", "prod").service("api")
CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/5f0e7d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
NOT_FOUND = {"type": "fixed-response",
             "fixedResponse": {"contentType": "text/plain", "messageBody": "Not Found", "statusCode": "404"}}


def build_frontend(**changes):
    args = LoadBalancedClusterArgs(**{"cluster_name": "berth-prod", "vpc_id": "vpc-1",
                                      "public_subnet_ids": ["subnet-a", "subnet-b"], **changes})

    def body():
        frontend = LoadBalancedCluster("front", args)
        pulumi.export("url", frontend.url)

    run = run_pulumi(body)
    assert run.error is None, run.error
    return run


def build_service(**changes):
    def body():
        args = WebServiceArgs(**{
            "account": ACCOUNT, "names": NAMES, "cluster_arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/berth-prod",
            "vpc_id": "vpc-1", "subnet_ids": ["subnet-c", "subnet-d"], "load_balancer_security_group_id": "sg-alb",
            "load_balancer_arn_suffix": "app/front/0123", "production_listener_arn": "listener-prod",
            "task_definition_arn": "task-definition-arn", "container_name": "api", **changes})
        WebService("svc", args)

    run = run_pulumi(body)
    assert run.error is None, run.error
    return run


def by_name(run, type_):
    return {r.name: r.inputs for r in run.of_type(type_)}


def test_http_only_frontend_answers_404_on_80_and_admits_80_and_443_from_the_configured_cidrs():
    run = build_frontend(ingress_cidrs=("203.0.113.0/24",))
    rules = by_name(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")

    assert [r.inputs for r in run.of_type("aws:lb/listener:Listener")] == [
        {"loadBalancerArn": "arn:aws:lb:eu-west-1:123456789012:front-alb", "port": 80, "protocol": "HTTP",
         "defaultActions": [NOT_FOUND]}]
    assert {name: (r["fromPort"], r["toPort"], r["cidrIpv4"], r["ipProtocol"]) for name, r in rules.items()} == {
        "front-alb-in-80-0": (80, 80, "203.0.113.0/24", "tcp"),
        "front-alb-in-443-0": (443, 443, "203.0.113.0/24", "tcp"),
    }
    assert run.one("aws:lb/loadBalancer:LoadBalancer").inputs == {
        "loadBalancerType": "application", "internal": False, "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["front-alb-id"], "dropInvalidHeaderFields": True, "tags": {"Name": "front-alb"}}
    assert run.outputs["url"] == "http://front-alb-1234567890.eu-west-1.elb.amazonaws.com"


def test_cluster_has_container_insights_and_the_stack_name():
    assert build_frontend().one("aws:ecs/cluster:Cluster").inputs == {
        "name": "berth-prod", "settings": [{"name": "containerInsights", "value": "enabled"}]}


def test_certificate_adds_https_on_443_and_turns_80_into_a_redirect():
    run = build_frontend(certificate_arn=CERTIFICATE, test_listener_port=9000)
    listeners = by_name(run, "aws:lb/listener:Listener")

    assert listeners["front-http"]["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
    assert {k: v for k, v in listeners["front-https"].items() if k != "loadBalancerArn"} == {
        "port": 443, "protocol": "HTTPS", "certificateArn": CERTIFICATE,
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "defaultActions": [NOT_FOUND]}
    assert (listeners["front-test"]["port"], listeners["front-test"]["protocol"]) == (9000, "HTTPS")
    assert sorted(r.inputs["fromPort"] for r in
                  run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) == [80, 443]
    assert run.outputs["url"] == "https://front-alb-1234567890.eu-west-1.elb.amazonaws.com"


def test_task_security_group_admits_only_the_load_balancer_on_the_container_port():
    run = build_service(port=8080)
    ingress = by_name(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    egress = by_name(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")

    assert ingress == {"svc-tasks-from-alb": {
        "securityGroupId": "svc-tasks-id", "ipProtocol": "tcp", "fromPort": 8080, "toPort": 8080,
        "referencedSecurityGroupId": "sg-alb", "description": "load balancer to the container port"}}
    assert egress["svc-alb-to-tasks"] == {
        "securityGroupId": "sg-alb", "ipProtocol": "tcp", "fromPort": 8080, "toPort": 8080,
        "referencedSecurityGroupId": "svc-tasks-id", "description": "load balancer to berth-prod-api"}
    assert egress["svc-tasks-out"]["cidrIpv4"] == "0.0.0.0/0"


def test_endpoint_security_group_admits_https_from_the_task_group_when_egress_is_endpoints():
    run = build_service(endpoint_security_group_id="sg-endpoints")

    assert by_name(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")["svc-endpoints-from-tasks"] == {
        "securityGroupId": "sg-endpoints", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
        "referencedSecurityGroupId": "svc-tasks-id", "description": "HTTPS from the tasks of berth-prod-api"}


def test_target_group_is_ip_on_the_container_port_and_sees_a_healthy_task_within_30_seconds():
    target_group = build_service(port=8080, health_check_path="/ready", health_check_matcher="200-299") \
        .one("aws:lb/targetGroup:TargetGroup").inputs
    health = target_group["healthCheck"]

    assert target_group == {
        "port": 8080, "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-1", "deregistrationDelay": 30,
        "healthCheck": health, "tags": {"Name": "berth-prod-api-tg"}}
    assert health == {"enabled": True, "path": "/ready", "matcher": "200-299", "port": "traffic-port",
                      "protocol": "HTTP", "interval": 10, "timeout": 5, "healthyThreshold": 2,
                      "unhealthyThreshold": 3}
    assert health["interval"] * health["healthyThreshold"] <= 30


def test_rolling_service_keeps_capacity_rolls_back_on_failure_and_covers_start_up_in_its_grace_period():
    run = build_service(start_period=60, desired_count=2)
    service = run.one("aws:ecs/service:Service").inputs

    assert service == {
        "name": "api",
        "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/berth-prod",
        "taskDefinition": "task-definition-arn",
        "desiredCount": 2,
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "networkConfiguration": {"subnets": ["subnet-c", "subnet-d"], "securityGroups": ["svc-tasks-id"],
                                 "assignPublicIp": False},
        "loadBalancers": [{"targetGroupArn": "arn:aws:lb:eu-west-1:123456789012:svc-tg",
                           "containerName": "api", "containerPort": 8080}],
        "healthCheckGracePeriodSeconds": 90,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "deploymentMinimumHealthyPercent": 100,
        "deploymentMaximumPercent": 200,
        "availabilityZoneRebalancing": "ENABLED",
        "propagateTags": "SERVICE",
        "enableEcsManagedTags": True,
        "waitForSteadyState": True,
    }
    assert grace_period(60) == 60 + 10 * 2 + 10


def test_catch_all_service_rule_matches_every_path_at_the_lowest_priority():
    rule = build_service().one("aws:lb/listenerRule:ListenerRule").inputs

    assert rule == {"listenerArn": "listener-prod", "priority": 50000,
                    "conditions": [{"pathPattern": {"values": ["/*"]}}],
                    "actions": [{"type": "forward", "targetGroupArn": "arn:aws:lb:eu-west-1:123456789012:svc-tg"}]}


def test_routed_service_rule_matches_its_host_and_path():
    rule = build_service(host="api.example.com", path_pattern="/v1/*", rule_priority=100) \
        .one("aws:lb/listenerRule:ListenerRule").inputs

    assert (rule["priority"], rule["conditions"]) == (100, [
        {"hostHeader": {"values": ["api.example.com"]}}, {"pathPattern": {"values": ["/v1/*"]}}])


def test_blue_green_uses_two_target_groups_production_and_test_rules_and_a_role_ecs_assumes():
    run = build_service(blue_green=True, bake_time_minutes=10, test_listener_arn="listener-test")
    service = run.one("aws:ecs/service:Service").inputs
    rules = by_name(run, "aws:lb/listenerRule:ListenerRule")
    role = by_name(run, "aws:iam/role:Role")["svc-ecs-lb"]
    weighted = [{"type": "forward", "forward": {"targetGroups": [
        {"arn": "arn:aws:lb:eu-west-1:123456789012:svc-blue", "weight": 100},
        {"arn": "arn:aws:lb:eu-west-1:123456789012:svc-green", "weight": 0}]}}]

    assert sorted(r.name for r in run.of_type("aws:lb/targetGroup:TargetGroup")) == ["svc-blue", "svc-green"]
    assert service["deploymentConfiguration"] == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "10"}
    assert service["loadBalancers"] == [{
        "targetGroupArn": "arn:aws:lb:eu-west-1:123456789012:svc-blue", "containerName": "api",
        "containerPort": 8080, "advancedConfiguration": {
            "alternateTargetGroupArn": "arn:aws:lb:eu-west-1:123456789012:svc-green",
            "productionListenerRule": "arn:aws:lb:eu-west-1:123456789012:svc-rule",
            "testListenerRule": "arn:aws:lb:eu-west-1:123456789012:svc-test-rule",
            "roleArn": "arn:aws:iam::123456789012:role/berth-prod-api-ecs-lb"}}]
    assert (rules["svc-rule"]["listenerArn"], rules["svc-rule"]["actions"]) == ("listener-prod", weighted)
    assert (rules["svc-test-rule"]["listenerArn"], rules["svc-test-rule"]["actions"]) == ("listener-test", weighted)
    assert role["name"] == "berth-prod-api-ecs-lb"
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    assert run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs == {
        "role": "berth-prod-api-ecs-lb",
        "policyArn": "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"}


def test_autoscaling_tracks_cpu_and_requests_per_target_between_the_configured_bounds():
    run = build_service(min_count=2, max_count=6, cpu_target=55, requests_per_target=800)
    policies = by_name(run, "aws:appautoscaling/policy:Policy")

    assert run.one("aws:appautoscaling/target:Target").inputs == {
        "serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": "service/berth-prod/api", "minCapacity": 2, "maxCapacity": 6}
    assert policies["svc-cpu"]["targetTrackingScalingPolicyConfiguration"] == {
        "targetValue": 55, "scaleInCooldown": 300, "scaleOutCooldown": 60,
        "predefinedMetricSpecification": {"predefinedMetricType": "ECSServiceAverageCPUUtilization"}}
    assert policies["svc-requests"]["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": "app/front/0123/targetgroup/svc-tg/0123456789abcdef"}


def test_blue_green_services_scale_on_cpu_only_and_no_autoscaling_without_bounds():
    blue_green = build_service(blue_green=True, test_listener_arn="listener-test", min_count=2, max_count=4)
    fixed = build_service()

    assert sorted(by_name(blue_green, "aws:appautoscaling/policy:Policy")) == ["svc-cpu"]
    assert fixed.of_type("aws:appautoscaling/target:Target") == []


def test_alarms_watch_5xx_unhealthy_tasks_and_cpu_and_notify_the_topic():
    alarms = by_name(build_service(alarm_topic_arn=TOPIC, alarm_cpu_percent=75, alarm_5xx_per_minute=5),
                     "aws:cloudwatch/metricAlarm:MetricAlarm")
    target = {"LoadBalancer": "app/front/0123", "TargetGroup": "targetgroup/svc-tg/0123456789abcdef"}

    assert {name: (a["namespace"], a["metricName"], a["dimensions"], a["statistic"], a["threshold"],
                   a["comparisonOperator"]) for name, a in alarms.items()} == {
        "svc-5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", target, "Sum", 5,
                    "GreaterThanOrEqualToThreshold"),
        "svc-unhealthy": ("AWS/ApplicationELB", "UnHealthyHostCount", target, "Maximum", 1,
                          "GreaterThanOrEqualToThreshold"),
        "svc-cpu": ("AWS/ECS", "CPUUtilization", {"ClusterName": "berth-prod", "ServiceName": "api"}, "Average", 75,
                    "GreaterThanThreshold"),
    }
    assert {(tuple(a["alarmActions"]), tuple(a["okActions"])) for a in alarms.values()} == {((TOPIC,), (TOPIC,))}


def test_alarms_without_a_topic_have_no_actions():
    alarms = build_service().of_type("aws:cloudwatch/metricAlarm:MetricAlarm")

    assert [(a.inputs["alarmActions"], a.inputs["okActions"]) for a in alarms] == [([], [])] * 3


def test_public_egress_gives_tasks_a_public_ip():
    service = build_service(assign_public_ip=True).one("aws:ecs/service:Service").inputs

    assert service["networkConfiguration"]["assignPublicIp"] is True
