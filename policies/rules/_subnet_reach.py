"""What the two subnet-reach rules share: every awsvpc runner's subnets judged against what its tasks
need (ECR's services for one rule, the others for the other).
"""

from __future__ import annotations

import json
from typing import Any

from model import ecs as ecs_model
from model.aws_types import ECS_TASK_DEFINITION, IAM_ROLE
from model.launchers import TaskLaunch, task_definition_ref, task_launches
from model.live_aws import LIVE_LOOKUP_SCHEMA, LiveAws
from model.network import Network
from model.network_endpoint_policies import Caller
from model.network_legs import endpoint_matches
from model.network_needs import INTERNET, SERVICE_NAMES, Need, describe_need, endpoint_service_name, needs_of
from model.network_paths import Reach, and_joined, evaluate_need
from model.network_records import SECURITY_GROUPS, SUBNETS, Subnet, Unsure
from model.stack_index import StackIndex
from model.values import Malformed, Resource, in_words, is_unknown, parse_json

# What the ECS agent prints when the call times out (field notes §2, and the agent's
# messages for the log driver and the secrets it fetches).
AWS_ERRORS = {
    "ecr.api": "ResourceInitializationError: unable to pull secrets or registry auth operation error ECR: "
               "GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout",
    "ecr.dkr": "CannotPullContainerError: failed to do request  dial tcp <ip>:443: i/o timeout",
    "s3": "CannotPullContainerError: failed to do request  dial tcp <ip>:443: i/o timeout",
    "logs": "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
            "failed to create Cloudwatch log stream: RequestError: send request failed dial tcp <ip>:443: i/o timeout",
    "ssm": "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
           "failed: unable to retrieve secrets from ssm: RequestError: send request failed dial tcp <ip>:443: "
           "i/o timeout",
    "secretsmanager": "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
                      "retrieval failed: unable to retrieve secret from asm: RequestError: send request failed "
                      "dial tcp <ip>:443: i/o timeout",
    INTERNET: "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to do request "
              "dial tcp <ip>:443: i/o timeout",
}


NOTHING_TO_JUDGE = {
    True: "no awsvpc task the stack starts pulls its image from a private ECR registry",
    False: "no awsvpc task the stack starts needs CloudWatch Logs, SSM, Secrets Manager or the internet at start",
}


CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    **LIVE_LOOKUP_SCHEMA,
    "checkEndpointAzs": {
        "type": "boolean",
        "default": True,
        "description": (
            "Report an interface endpoint without a subnet in an AZ the tasks run in (a resilience "
            "defect: tasks there reach it across AZs and lose it when its AZ fails)."
        ),
    },
}


def _endpoint_fix(needs: list[Need], region: str) -> str:
    interfaces = [endpoint_service_name(n, region) for n in needs if n.service not in ("s3", INTERNET)]
    parts = []
    if interfaces:
        parts.append("interface endpoint" + ("s " if len(interfaces) > 1 else " ") + and_joined(interfaces)
                     + " with privateDnsEnabled true")
    if any(n.service == "s3" for n in needs):
        parts.append(f"a gateway endpoint {endpoint_service_name(next(n for n in needs if n.service == 's3'), region)} "
                     "on this route table")
    return " and ".join(parts)


def _region_of(subnet: Subnet, runner: Resource, config: dict) -> str:
    zone = subnet.zone
    if isinstance(zone, str) and zone[-1:].isalpha() and zone.count("-") >= 2:
        return zone[:-1]
    for value in (runner.provider_props.get("region"), config.get("awsRegion")):
        if isinstance(value, str) and value:
            return value
    return "<region>"


def _zone_text(subnet: Subnet) -> str:
    return subnet.zone if isinstance(subnet.zone, str) else "AZ known after update"


def _containers(index: StackIndex, network: Network, launch: TaskLaunch) -> list | Unsure | None:
    """The launch's containers; None when its task definition is not awsvpc (nothing to check)."""
    ref = task_definition_ref(index, launch)
    if ref is None:
        return Unsure.of(f"{launch.where} {launch.task_definition_path} (missing)")
    if ref.resource is not None:
        mode = ecs_model.network_mode(ref.resource)
        if isinstance(mode, str) and mode != "awsvpc":
            return None
        containers = ecs_model.containers_of(ref.resource)
        if is_unknown(containers):
            return Unsure.of(f"{ref.resource.label} containerDefinitions (unknown)")
        if isinstance(containers, Malformed):
            return Unsure.of(f"{ref.resource.label} containerDefinitions ({containers.error})")
        return containers
    if not isinstance(ref.value, str) or is_unknown(ref.value):
        return Unsure.of(f"{launch.where} {launch.task_definition_path} (an unknown value that no task definition "
                         "here supplies)")
    answer = network.live.call("ecs", "describe_task_definition", taskDefinition=ref.value)
    what = f"task definition {ref.value} (outside the stack)"
    if not answer.ok:
        return Unsure.of(f"{what}: {answer.reason}")
    definition = answer.data.get("taskDefinition") or {}
    stand_in = Resource(ECS_TASK_DEFINITION, ref.value, ref.value,
                        {"containerDefinitions": json.dumps(definition.get("containerDefinitions") or [])})
    return ecs_model.containers_of(stand_in)


def _run_time_field(launch: TaskLaunch, field: str) -> str | None:
    """For a Step Functions state, the JsonPath ("'$.subnets'") a network field is read from at run time."""
    if launch.state is None or not launch.network_path.startswith("definition."):
        return None
    node = parse_json(launch.launcher.get("definition"))
    for key in launch.network_path.split(".")[1:]:
        node = node.get(key) if isinstance(node, dict) else None
    path = node.get(f"{field}.$") if isinstance(node, dict) else None
    return in_words(path) if isinstance(path, str) and not is_unknown(path) else None


def _account(containers: list) -> str | None:
    images = [ecs_model.parse_image(c.image) for c in containers]
    return next((i.account for i in images if i is not None and i.account), None)


def _caller(index: StackIndex, launch: TaskLaunch, containers: list) -> Caller | None:
    """The execution role that signs the task's calls at start, as endpoint policies see it."""
    ref = task_definition_ref(index, launch)
    definition = ref.resource if ref is not None else None
    if definition is None:
        return None
    value = definition.get("executionRoleArn")
    account = _account(containers)
    if value is None:
        return None
    refs = index.refs(definition, "executionRoleArn", value, IAM_ROLE, keys=("arn", "name", "id"))
    role = refs[0].resource if refs else None
    if role is None:
        if isinstance(value, str) and not is_unknown(value) and value.startswith("arn:"):
            return Caller(value, value.split(":")[4] or account, f"the execution role {value}")
        return None
    arn = role.get("arn")
    if not isinstance(arn, str) or is_unknown(arn):
        name, path = role.get("name"), role.get("path")
        path = path if isinstance(path, str) and not is_unknown(path) else "/"
        arn = f"arn:aws:iam::{account}:role{path}{name}" if isinstance(name, str) and account else None
        if isinstance(name, str) and is_unknown(name):
            arn = None
    return Caller(arn, account, f"the execution role ({role.label})")


def validate_subnet_reach(index: StackIndex, findings, config: dict, registry_needs: bool) -> None:
    launches, unreadable = task_launches(index)
    if not launches and not unreadable:
        findings.not_applicable("the stack starts no ECS tasks (no service, task set, EventBridge ECS target, "
                                "Scheduler schedule or Step Functions runTask state)")
        return
    for item in unreadable:
        findings.inconclusive(item)
    provider_region = next((launch.launcher.provider_props.get("region") for launch in launches
                            if isinstance(launch.launcher.provider_props.get("region"), str)), "")
    network = Network(index, LiveAws.from_config(config, provider_region))
    judged = [_validate_launch(index, network, launch, findings, config, registry_needs) for launch in launches]
    if not any(judged) and not unreadable:
        findings.not_applicable(NOTHING_TO_JUDGE[registry_needs])


def _validate_launch(index: StackIndex, network: Network, launch: TaskLaunch, findings, config: dict,
                     registry_needs: bool) -> bool:
    """Judge one launch's subnets; False when it has nothing this rule judges."""
    settings = launch.network_configuration
    if settings is None:
        return False  # bridge or host networking: the tasks use the instance's network
    where = f"{launch.where} {launch.network_path}"
    if is_unknown(settings):
        findings.inconclusive(f"{where} (unknown)")
        return True
    containers = _containers(index, network, launch)
    if containers is None:
        return False
    caller = None
    if isinstance(containers, Unsure):
        needs, unknown_needs = [], list(containers.items)
    else:
        region = launch.launcher.provider_props.get("region") or config.get("awsRegion")
        needs, unknown_needs = needs_of(containers, registry_needs, region if isinstance(region, str) else None,
                                        _account(containers))
        caller = _caller(index, launch, containers)
    if not needs and not unknown_needs:
        return False
    owner, prop = launch.launcher, launch.network_path.split(".")[0]
    subnets = settings.get("subnets") if isinstance(settings, dict) else None
    chosen_at_run_time = _run_time_field(launch, "Subnets")
    if chosen_at_run_time is not None:
        findings.inconclusive(f"{launch.where} runs tasks in the subnets each execution's input names "
                              f"(Subnets.$ {chosen_at_run_time}), which no stack shows")
        return True
    subnet_keys = network.keys(owner, prop, subnets, SUBNETS, "subnet")
    group_value = settings.get("securityGroups") if isinstance(settings, dict) else None
    group_keys = network.keys(owner, prop, group_value, SECURITY_GROUPS, "security group")
    public_ip = settings.get("assignPublicIp", False) if isinstance(settings, dict) else False
    public_ip = False if public_ip is None else public_ip
    for key in subnet_keys:
        subnet = network.subnet(key)
        if isinstance(subnet, Unsure):
            _inconclusive(findings, launch.where, subnet)
            continue
        table = network.route_table_of(subnet)
        if isinstance(table, Unsure):
            _inconclusive(findings, launch.where, table)
            continue
        if isinstance(subnet.vpc, Unsure):
            _inconclusive(findings, launch.where, subnet.vpc)
            continue
        keys = group_keys or [network.default_group_of(subnet.vpc)]
        reach = Reach(network, owner, subnet, table, [network.security_group(k) for k in keys], public_ip, caller,
                      label=launch.where, fargate=launch.fargate)
        region = _region_of(subnet, owner, config)
        _judge(findings, reach, subnet.vpc, needs, region, config)
        if unknown_needs:
            _judge_unknown_needs(findings, reach, subnet.vpc, unknown_needs)
    return True


def _judge(findings, reach: Reach, vpc_key: str, needs: list[Need], region: str, config: dict) -> None:
    broken: dict[tuple[str, str], list[Need]] = {}
    for need in needs:
        leg = evaluate_need(reach, need, vpc_key)
        if isinstance(leg.ok, Unsure):
            _inconclusive(findings, reach.label, leg.ok)
        elif leg.ok is False:
            broken.setdefault((leg.problem, leg.fix), []).append(need)
        elif need.service != INTERNET and config.get("checkEndpointAzs", True) is True:
            _check_endpoint_zones(findings, reach, vpc_key, need, region)
    for (problem, fix), group in broken.items():
        services = and_joined([describe_need(n, region) for n in group])
        if problem.endswith("to a NAT gateway or an internet gateway"):
            alternatives = []
            aws_needs = [n for n in group if n.service != INTERNET]
            if aws_needs:
                alternatives.append(f"create {_endpoint_fix(aws_needs, region)} in this VPC")
            if len(aws_needs) < len(group):
                alternatives.append("copy the image into a private ECR repository")
            fix = f"{fix}, or {' and '.join(alternatives)}"
        findings.violation(
            f"{reach.label} runs tasks in {reach.subnet.label} ({_zone_text(reach.subnet)}) that cannot reach "
            f"{services}: {problem}. {fix}. Tasks fail to start with: {AWS_ERRORS[group[0].service]}",
            reach.runner.urn,
        )


def _check_endpoint_zones(findings, reach: Reach, vpc_key: str, need: Need, region: str) -> None:
    endpoints, _ = reach.network.endpoints_in(vpc_key)
    for endpoint in endpoints:
        if endpoint_matches(endpoint, need) is not True or endpoint.endpoint_type != "Interface" or endpoint.private_dns is not True:
            continue
        zones = [s.zone for s in endpoint.subnets if isinstance(s, Subnet)]
        unsure = [s for s in endpoint.subnets if isinstance(s, Unsure)]
        zone = reach.subnet.zone
        if zone in zones:
            return
        if not isinstance(zone, str) or unsure or any(not isinstance(z, str) for z in zones):
            _inconclusive(findings, reach.label, Unsure.of(
                f"the AZs of {reach.subnet.label} and of the subnets of {endpoint.label}"))
            return
        there = and_joined(sorted(set(zones)))
        findings.violation(
            f"{reach.label} runs tasks in {reach.subnet.label} ({zone}), but {endpoint.label} "
            f"({endpoint_service_name(need, region)}) has no subnet in {zone} (its subnets are in {there}): the tasks reach it "
            f"across AZs, pay for cross-AZ traffic and lose {SERVICE_NAMES[need.service]} when {there} fails. "
            f"Add a subnet in {zone} to the subnetIds of {endpoint.label}.",
            reach.runner.urn,
        )
        return


def _judge_unknown_needs(findings, reach: Reach, vpc_key: str, unknown: list[str]) -> None:
    # Which services the task needs is not known; only a path that reaches every
    # service makes that irrelevant: the internet with no endpoint capturing any name.
    endpoints, _ = reach.network.endpoints_in(vpc_key)
    if reach.internet().ok is True and not any(e.private_dns is True for e in endpoints):
        return
    _inconclusive(findings, reach.label, Unsure(tuple(unknown)), "which services its tasks need")


def _inconclusive(findings, label: str, unsure: Unsure, about: str = "") -> None:
    lead = f"{label} {about}: " if about else f"{label}: "
    findings.inconclusive(lead + "; ".join(unsure.items))
