"""Runs a rule through the real pulumi-policy validate path on resources written as plain dicts.

Not a test module of its own: the ecs, ecr, lb and cost rule tests import it. Props may
contain `model.values.UNKNOWN`, which is sent as the engine's unknown sentinel through the SDK's
unknown-checking proxy, so the rules meet unknowns exactly as they do in a preview.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from kit import INCONCLUSIVE_PREFIX
from model.values import UNKNOWN

ACCOUNT = "123456789012"
REGION = "us-east-1"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::berth::{type_}::{name}"


@dataclass
class Spec:
    """A resource as a program would declare it; `deps` maps a property to the names it depends on."""

    type: str
    name: str
    props: dict[str, Any] = field(default_factory=dict)
    deps: dict[str, list[str]] = field(default_factory=dict)
    region: str = REGION

    @property
    def urn(self) -> str:
        return urn(self.type, self.name)


def spec(type_: str, name: str, props: dict | None = None, deps: dict | None = None) -> Spec:
    return Spec(type_, name, props or {}, deps or {})


def wire(value: Any) -> Any:
    """The value as the engine sends it: the unknown marker becomes the unknown sentinel, numbers doubles.

    Properties travel in a protobuf Struct, whose only number type is a double: 8080 arrives as 8080.0.
    """
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


@dataclass
class Outcome:
    violations: list[tuple[str, str | None]]
    inconclusive: str | None
    # The reason a rule gave through `args.not_applicable` (the SDK reports it as "not applicable").
    not_applicable: str | None = None

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.violations]

    @property
    def unknowns(self) -> list[str]:
        """The inconclusive items, split out of the one advisory message."""
        if self.inconclusive is None:
            return []
        assert self.inconclusive.startswith(INCONCLUSIVE_PREFIX + " ")
        return self.inconclusive[len(INCONCLUSIVE_PREFIX) + 1:].split("; ")


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], None, [])


def _provider(region: str) -> PolicyProviderResource:
    return PolicyProviderResource("pulumi:providers:aws", unknown_checking_proxy({"region": region}),
                                  urn("pulumi:providers:aws", "default"), "default")


def policy_resources(specs: list[Spec]) -> list[PolicyResource]:
    built = {
        s.name: PolicyResource(s.type, unknown_checking_proxy(wire(s.props)), s.urn, s.name, _options(),
                               _provider(s.region), None, [], {})
        for s in specs
    }
    for s in specs:
        resource = built[s.name]
        for prop, names in s.deps.items():
            resource.property_dependencies[prop] = [built[n] for n in names]
            resource.dependencies.extend(built[n] for n in names if built[n] not in resource.dependencies)
    return list(built.values())


def run_stack(policy: Any, specs: list[Spec], config: dict | None = None) -> Outcome:
    violations: list[tuple[str, str | None]] = []
    inconclusive = None
    try:
        policy.validate(StackValidationArgs(policy_resources(specs), config or {}),
                        lambda message, urn=None: violations.append((message, urn)))
    except UnknownValueError as error:
        inconclusive = error.message
    except _NotApplicableError as error:
        return Outcome(violations, inconclusive, error.reason or "")
    return Outcome(violations, inconclusive)


def run_resource(policy: Any, resource: Spec, config: dict | None = None) -> Outcome:
    violations: list[tuple[str, str | None]] = []
    inconclusive = None
    args = ResourceValidationArgs(resource.type, unknown_checking_proxy(wire(resource.props)), resource.urn,
                                  resource.name, _options(), _provider(resource.region), config or {})
    try:
        policy.validate(args, lambda message, urn=None: violations.append((message, urn)))
    except UnknownValueError as error:
        inconclusive = error.message
    except _NotApplicableError as error:
        return Outcome(violations, inconclusive, error.reason or "")
    return Outcome(violations, inconclusive)


def containers(*definitions: dict) -> str:
    return json.dumps(list(definitions))


def ecr_image(repository: str, tag: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}"


# --- a compliant web service: VPC, two subnets, ALB, target group, listener, repository, task, service ---

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
REPO = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
IMAGE_TAG = "5f1d2c3b4a69"
TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web/0123456789abcdef"
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/0123456789abcdef"
LISTENER_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/0123456789abcdef/1111"
TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:1"


def web_container(**overrides: Any) -> dict:
    container = {
        "name": "web",
        "image": ecr_image("web", IMAGE_TAG),
        "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
                        "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 30},
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web",
                                                                 "awslogs-region": REGION,
                                                                 "awslogs-stream-prefix": "web"}},
    }
    container.update(overrides)
    return container


def web_stack(preview: bool = False) -> list[Spec]:
    """The compliant stack (change it with `replace`).

    In preview mode every ID and ARN the provider assigns is unknown and references are
    followed through property dependencies, as in a first `pulumi preview`.
    """

    def known(value: str) -> Any:
        return UNKNOWN if preview else value

    specs = [
        spec(VPC, "vpc", {"id": known("vpc-1"), "cidrBlock": "10.0.0.0/16"}),
        spec(SUBNET, "private-a", {"id": known("subnet-a"), "vpcId": known("vpc-1"), "cidrBlock": "10.0.1.0/24",
                                   "availabilityZone": "us-east-1a"}, {"vpcId": ["vpc"]}),
        spec(SUBNET, "private-b", {"id": known("subnet-b"), "vpcId": known("vpc-1"), "cidrBlock": "10.0.2.0/24",
                                   "availabilityZone": "us-east-1b"}, {"vpcId": ["vpc"]}),
        spec(SG, "alb-sg", {
            "id": known("sg-alb"), "vpcId": known("vpc-1"),
            "ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}],
            "egress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "cidrBlocks": ["10.0.0.0/16"]}],
        }, {"vpcId": ["vpc"]}),
        spec(SG, "task-sg", {
            "id": known("sg-task"), "vpcId": known("vpc-1"),
            "ingress": [{"protocol": "tcp", "fromPort": 8080, "toPort": 8080, "securityGroups": [known("sg-alb")]}],
            "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
        }, {"vpcId": ["vpc"], "ingress": ["alb-sg"]}),
        spec(LB, "alb", {"arn": known(ALB_ARN), "id": known(ALB_ARN), "loadBalancerType": "application",
                         "securityGroups": [known("sg-alb")], "subnets": [known("subnet-a"), known("subnet-b")]},
             {"securityGroups": ["alb-sg"], "subnets": ["private-a", "private-b"]}),
        spec(TG, "web-tg", {"arn": known(TG_ARN), "id": known(TG_ARN), "name": "web", "port": 8080,
                            "protocol": "HTTP", "targetType": "ip", "vpcId": known("vpc-1"),
                            "healthCheck": {"path": "/health", "port": "traffic-port", "protocol": "HTTP",
                                            "interval": 10, "healthyThreshold": 2}}, {"vpcId": ["vpc"]}),
        spec(LISTENER, "http", {"arn": known(LISTENER_ARN), "id": known(LISTENER_ARN),
                                "loadBalancerArn": known(ALB_ARN), "port": 80, "protocol": "HTTP",
                                "defaultActions": [{"type": "forward", "targetGroupArn": known(TG_ARN)}]},
             {"loadBalancerArn": ["alb"], "defaultActions": ["web-tg"]}),
        spec(REPO, "web-repo", {"name": "web", "imageTagMutability": "IMMUTABLE",
                                "imageScanningConfiguration": {"scanOnPush": True},
                                "repositoryUrl": known(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web")}),
        spec(LIFECYCLE, "web-repo-lifecycle", {"repository": "web", "policy": '{"rules": []}'}, {"repository": ["web-repo"]}),
        spec(TASK, "web-task", {"arn": known(TASK_ARN), "family": "web", "networkMode": "awsvpc",
                                "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
                                "containerDefinitions": containers(web_container())}),
        spec(SERVICE, "web", {
            "name": "web", "launchType": "FARGATE", "desiredCount": 2, "taskDefinition": known(TASK_ARN),
            "deploymentMinimumHealthyPercent": 100, "deploymentMaximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "healthCheckGracePeriodSeconds": 60,
            "loadBalancers": [{"targetGroupArn": known(TG_ARN), "containerName": "web", "containerPort": 8080}],
            "networkConfiguration": {"subnets": [known("subnet-a"), known("subnet-b")],
                                     "securityGroups": [known("sg-task")], "assignPublicIp": False},
        }, {"taskDefinition": ["web-task"], "loadBalancers": ["web-tg"],
            "networkConfiguration": ["private-a", "private-b", "task-sg"]}),
    ]
    return specs


DELETE = object()


def replace(specs: list[Spec], which: str, /, **props: Any) -> list[Spec]:
    """Set props on the resource named `which` (DELETE removes one) and return the same list."""
    target = next(s for s in specs if s.name == which)
    for key, value in props.items():
        if value is DELETE:
            target.props.pop(key, None)
        else:
            target.props[key] = value
    return specs


# --- blue/green with CodeDeploy: a second target group, a test listener, the application and group ---

GROUP_TYPE = "aws:codedeploy/deploymentGroup:DeploymentGroup"
APP_TYPE = "aws:codedeploy/application:Application"
GREEN_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-green/fedcba9876543210"
TEST_LISTENER_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/0123456789abcdef/2222"


def code_deploy_resources(preview: bool = False, service: str = "web",
                          config_name: str = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes") -> list[Spec]:
    """What a CODE_DEPLOY service named `service` needs beside web_stack()'s load balancer and listener."""

    def known(value: str) -> Any:
        return UNKNOWN if preview else value

    return [
        spec(TG, "web-green", {"arn": known(GREEN_ARN), "id": known(GREEN_ARN), "name": "web-green", "port": 8080,
                               "protocol": "HTTP", "targetType": "ip", "healthCheck": {"path": "/health"}}),
        spec(LISTENER, "test", {"arn": known(TEST_LISTENER_ARN), "loadBalancerArn": known(ALB_ARN), "port": 8080,
                                "protocol": "HTTP",
                                "defaultActions": [{"type": "forward", "targetGroupArn": known(GREEN_ARN)}]},
             {"loadBalancerArn": ["alb"], "defaultActions": ["web-green"]}),
        spec(APP_TYPE, "web-app", {"name": "web", "computePlatform": "ECS"}),
        spec(GROUP_TYPE, "web-deploy", {
            "appName": "web", "deploymentGroupName": "web", "deploymentConfigName": config_name,
            "serviceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/web-codedeploy",
            "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "ecsService": {"clusterName": "main", "serviceName": service},
            "loadBalancerInfo": {"targetGroupPairInfo": {
                "targetGroups": [{"name": "web"}, {"name": "web-green"}],
                "prodTrafficRoute": {"listenerArns": [known(LISTENER_ARN)]},
                "testTrafficRoute": {"listenerArns": [known(TEST_LISTENER_ARN)]},
            }},
        }, {"ecsService": [service], "loadBalancerInfo": ["web-tg", "web-green", "http", "test"],
            "appName": ["web-app"]}),
    ]
