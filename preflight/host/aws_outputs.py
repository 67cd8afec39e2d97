"""Deterministic provider behaviour for the AWS (and docker-build) types the policy catalog reads.

Two things a real provider does that a mock must reproduce for policies to see what the
engine would show them:
- `Check` auto-names resources that have a `name` property and none was given:
  `<logical name>-<7 hex>` (`provider_check.auto_name`); the engine analyses the checked
  inputs, so the name is known even in preview.
- `Create` returns the computed outputs (ids, ARNs, DNS names, URLs). In a preview of a
  first deployment they are unknown; in update mode they are derived here from the inputs,
  the region and the account, with a hash of the URN wherever AWS would pick randomly.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import provider_check
from .wire import UNKNOWN, plain

ACCOUNT_ID = "123456789012"
PARTITION = "aws"

@dataclass(frozen=True)
class Context:
    urn: str
    name: str
    region: str
    seed: str = ""
    """Another seed gives other values wherever AWS would pick (see-through preview compares two)."""

    def hex(self, length: int, salt: str = "") -> str:
        digest = hashlib.sha256(f"{self.urn}|{salt}{self.seed}".encode()).hexdigest()
        while len(digest) < length:
            digest += hashlib.sha256(digest.encode()).hexdigest()
        return digest[:length]

    def digits(self, length: int, salt: str = "") -> str:
        return str(int(self.hex(24, salt), 16))[:length]

    def uuid(self, salt: str = "") -> str:
        return str(uuid.UUID(self.hex(32, salt)))

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{PARTITION}:{service}:{self.region if region else ''}:"
            f"{ACCOUNT_ID if account else ''}:{resource}"
        )


def autonamed_property(type_: str) -> str | None:
    return provider_check.auto_named_property(type_)


def autoname(type_: str, logical_name: str, inputs: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """The checked inputs: `inputs` plus the provider's auto-name when none was given.

    Never shortened to fit: a name over the type's limit fails the provider's Check
    (`provider_check.check`), as it fails `pulumi preview`."""
    key = autonamed_property(type_)
    if key is None or key in inputs or f"{key}Prefix" in inputs:
        return inputs
    suffix = ctx.hex(provider_check.AUTO_NAME_SUFFIX_LENGTH, "autoname")
    return {**inputs, key: provider_check.auto_name(type_, logical_name, suffix)}


def known(value: Any) -> bool:
    return value is not None and value != UNKNOWN and not (isinstance(value, str) and UNKNOWN in value)


def last_segment(value: Any, separator: str = "/") -> Any:
    if not known(value) or not isinstance(value, str):
        return None
    return value.rsplit(separator, 1)[-1]


def _cluster(i: dict, c: Context) -> dict:
    arn = c.arn("ecs", f"cluster/{i.get('name')}")
    return {"id": arn, "arn": arn}


def _service(i: dict, c: Context) -> dict:
    cluster = last_segment(i.get("cluster")) or "default"
    arn = c.arn("ecs", f"service/{cluster}/{i.get('name')}")
    return {"id": arn, "arn": arn}


def _task_definition(i: dict, c: Context) -> dict:
    family = i.get("family")
    without_revision = c.arn("ecs", f"task-definition/{family}")
    return {
        "id": family,
        "arn": f"{without_revision}:1",
        "arnWithoutRevision": without_revision,
        "revision": 1,
    }


def _task_set(i: dict, c: Context) -> dict:
    task_set_id = f"ecs-svc/{c.digits(19)}"
    service = last_segment(i.get("service")) or "service"
    cluster = last_segment(i.get("cluster")) or "default"
    return {
        "id": f"{task_set_id},{service},{cluster}",
        "arn": c.arn("ecs", f"task-set/{cluster}/{service}/{task_set_id}"),
        "taskSetId": task_set_id,
        "stabilityStatus": "STEADY_STATE",
    }


def _ec2_id(prefix: str) -> Callable[[dict, Context], dict]:
    def outputs(i: dict, c: Context) -> dict:
        resource_id = f"{prefix}-{c.hex(17)}"
        kind = {"vpc": "vpc", "subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway",
                "sg": "security-group", "vpce": "vpc-endpoint", "eipalloc": "elastic-ip"}[prefix]
        return {"id": resource_id, "arn": c.arn("ec2", f"{kind}/{resource_id}"), "ownerId": ACCOUNT_ID}
    return outputs


def _vpc_ipv6(i: dict, c: Context) -> dict:
    """An Amazon-provided /56 when asked for one (AWS picks it); the given block, or none ("")."""
    if i.get("assignGeneratedIpv6CidrBlock") is True:
        block = f"2600:1f18:{c.hex(4, 'ipv6')}:{c.hex(2, 'ipv6-56')}00::/56"
    elif known(i.get("ipv6CidrBlock")):
        block = i["ipv6CidrBlock"]
    elif i.get("ipv6CidrBlock") == UNKNOWN or i.get("assignGeneratedIpv6CidrBlock") == UNKNOWN:
        return {"ipv6CidrBlock": UNKNOWN, "ipv6AssociationId": UNKNOWN}
    else:
        return {"ipv6CidrBlock": "", "ipv6AssociationId": ""}
    return {"ipv6CidrBlock": block, "ipv6AssociationId": f"vpc-cidr-assoc-{c.hex(17, 'ipv6')}"}


def _vpc(i: dict, c: Context) -> dict:
    return {
        **_ec2_id("vpc")(i, c),
        **_vpc_ipv6(i, c),
        "defaultSecurityGroupId": f"sg-{c.hex(17, 'sg')}",
        "defaultRouteTableId": f"rtb-{c.hex(17, 'rtb')}",
        "mainRouteTableId": f"rtb-{c.hex(17, 'rtb')}",
        "defaultNetworkAclId": f"acl-{c.hex(17, 'acl')}",
        "dhcpOptionsId": f"dopt-{c.hex(17, 'dopt')}",
    }


def _subnet(i: dict, c: Context) -> dict:
    zone = i.get("availabilityZone") if known(i.get("availabilityZone")) else f"{c.region}a"
    return {**_ec2_id("subnet")(i, c), "availabilityZone": zone, "availabilityZoneId": zone_id(c.region, zone)}


DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
              "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}


def zone_id(region: str, zone: str) -> str:
    """AWS's zone id form: us-east-1b -> use1-az2, ap-northeast-2a -> apne2-az1."""
    parts = region.split("-")
    short = parts[0] + "".join(DIRECTIONS.get(part, part[0]) for part in parts[1:-1]) + parts[-1]
    letter = zone[-1] if zone else "a"
    return f"{short}-az{ord(letter) - ord('a') + 1}"


def _route(i: dict, c: Context) -> dict:
    table = i.get("routeTableId") if known(i.get("routeTableId")) else "rtb"
    return {"id": f"r-{table}{c.digits(10)}", "origin": "CreateRoute", "state": "active"}


def _nat(i: dict, c: Context) -> dict:
    return {
        "id": f"nat-{c.hex(17)}",
        "networkInterfaceId": f"eni-{c.hex(17, 'eni')}",
        "privateIp": f"10.0.{int(c.hex(2, 'ip'), 16) % 250}.{int(c.hex(2, 'ip2'), 16) % 250 + 4}",
        "publicIp": f"54.{int(c.hex(2, 'p1'), 16)}.{int(c.hex(2, 'p2'), 16)}.{int(c.hex(2, 'p3'), 16)}",
    }


def _eip(i: dict, c: Context) -> dict:
    base = _ec2_id("eipalloc")(i, c)
    ip = f"54.{int(c.hex(2, 'p1'), 16)}.{int(c.hex(2, 'p2'), 16)}.{int(c.hex(2, 'p3'), 16)}"
    return {**base, "allocationId": base["id"], "publicIp": ip,
            "publicDns": f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com"}


def _vpc_endpoint(i: dict, c: Context) -> dict:
    base = _ec2_id("vpce")(i, c)
    outputs = {**base, "state": "available", "requesterManaged": False}
    if i.get("vpcEndpointType") == "Gateway":
        outputs["prefixListId"] = f"pl-{c.hex(8, 'pl')}"
    else:
        outputs["networkInterfaceIds"] = [f"eni-{c.hex(17, f'eni{index}')}"
                                          for index, _ in enumerate(i.get("subnetIds") or [])]
    return outputs


def _sg_rule(i: dict, c: Context) -> dict:
    return {"id": f"sgrule-{c.digits(10)}", "securityGroupRuleId": f"sgr-{c.hex(17)}"}


def _vpc_sg_rule(i: dict, c: Context) -> dict:
    rule_id = f"sgr-{c.hex(17)}"
    return {"id": rule_id, "securityGroupRuleId": rule_id, "arn": c.arn("ec2", f"security-group-rule/{rule_id}")}


def _role(i: dict, c: Context) -> dict:
    path = i.get("path") or "/"
    name = i.get("name")
    return {
        "id": name,
        "arn": c.arn("iam", f"role{path}{name}", region=False),
        "uniqueId": f"AROA{c.hex(17).upper()}",
        "createDate": "2024-01-01T00:00:00Z",
    }


def _policy(i: dict, c: Context) -> dict:
    path = i.get("path") or "/"
    arn = c.arn("iam", f"policy{path}{i.get('name')}", region=False)
    return {"id": arn, "arn": arn, "policyId": f"ANPA{c.hex(17).upper()}", "attachmentCount": 0}


def _role_policy(i: dict, c: Context) -> dict:
    return {"id": f"{i.get('role')}:{i.get('name')}"}


def _attachment(i: dict, c: Context) -> dict:
    return {"id": f"{i.get('role') or i.get('name')}-{c.digits(20)}"}


def _kms_key(i: dict, c: Context) -> dict:
    key_id = c.uuid()
    return {"id": key_id, "keyId": key_id, "arn": c.arn("kms", f"key/{key_id}")}


def _kms_alias(i: dict, c: Context) -> dict:
    target = i.get("targetKeyId")
    if known(target) and isinstance(target, str) and not target.startswith("arn:"):
        target = c.arn("kms", f"key/{target}")
    return {"id": i.get("name"), "arn": c.arn("kms", str(i.get("name"))),
            "targetKeyArn": target if known(target) else UNKNOWN}


def _ssm_parameter(i: dict, c: Context) -> dict:
    name = str(i.get("name"))
    return {"id": name, "arn": c.arn("ssm", f"parameter/{name.lstrip('/')}"), "version": 1}


def _secret(i: dict, c: Context) -> dict:
    suffix = "".join("abcdefghijklmnopqrstuvwxyzABCDEF"[int(ch, 16) * 2 % 32] for ch in c.hex(6))
    arn = c.arn("secretsmanager", f"secret:{i.get('name')}-{suffix}")
    return {"id": arn, "arn": arn}


def _secret_version(i: dict, c: Context) -> dict:
    version_id = c.uuid()
    return {"id": f"{i.get('secretId')}|{version_id}", "versionId": version_id,
            "arn": i.get("secretId"), "versionStages": ["AWSCURRENT"]}


def _repository(i: dict, c: Context) -> dict:
    name = i.get("name")
    return {
        "id": name,
        "arn": c.arn("ecr", f"repository/{name}"),
        "registryId": ACCOUNT_ID,
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{c.region}.amazonaws.com/{name}",
    }


def _lifecycle_policy(i: dict, c: Context) -> dict:
    return {"id": i.get("repository"), "registryId": ACCOUNT_ID}


def _load_balancer(i: dict, c: Context) -> dict:
    kind = "net" if i.get("loadBalancerType") == "network" else "app"
    suffix = f"{kind}/{i.get('name')}/{c.hex(16)}"
    arn = c.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    scheme = "internal-" if i.get("internal") is True else ""
    return {
        "id": arn,
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{scheme}{i.get('name')}-{c.digits(10)}.{c.region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _target_group(i: dict, c: Context) -> dict:
    suffix = f"targetgroup/{i.get('name')}/{c.hex(16)}"
    arn = c.arn("elasticloadbalancing", suffix)
    return {"id": arn, "arn": arn, "arnSuffix": suffix, "loadBalancerArns": []}


def _lb_suffix(lb_arn: Any) -> str:
    if known(lb_arn) and isinstance(lb_arn, str) and ":loadbalancer/" in lb_arn:
        return lb_arn.split(":loadbalancer/", 1)[1]
    return "app/load-balancer/0000000000000000"


def _listener(i: dict, c: Context) -> dict:
    arn = c.arn("elasticloadbalancing", f"listener/{_lb_suffix(i.get('loadBalancerArn'))}/{c.hex(16)}")
    return {"id": arn, "arn": arn}


def _listener_rule(i: dict, c: Context) -> dict:
    listener = i.get("listenerArn")
    base = (listener.split(":listener/", 1)[1] if known(listener) and isinstance(listener, str)
            and ":listener/" in listener else f"{_lb_suffix(None)}/0000000000000000")
    arn = c.arn("elasticloadbalancing", f"listener-rule/{base}/{c.hex(16)}")
    return {"id": arn, "arn": arn}


def _log_group(i: dict, c: Context) -> dict:
    name = i.get("name")
    return {"id": name, "arn": c.arn("logs", f"log-group:{name}")}


def _codedeploy_app(i: dict, c: Context) -> dict:
    name = i.get("name")
    return {"id": name, "applicationId": c.uuid(), "arn": c.arn("codedeploy", f"application:{name}")}


def _deployment_group(i: dict, c: Context) -> dict:
    group_id = c.uuid()
    return {
        "id": group_id,
        "deploymentGroupId": group_id,
        "arn": c.arn("codedeploy", f"deploymentgroup:{i.get('appName')}/{i.get('deploymentGroupName')}"),
    }


def _event_rule(i: dict, c: Context) -> dict:
    bus = i.get("eventBusName")
    if known(bus) and isinstance(bus, str) and bus.startswith("arn:"):
        bus = bus.rsplit("/", 1)[-1]
    custom_bus = bus if bus and bus != "default" else None
    resource = f"rule/{custom_bus}/{i.get('name')}" if custom_bus else f"rule/{i.get('name')}"
    return {"id": f"{custom_bus}/{i.get('name')}" if custom_bus else i.get("name"), "arn": c.arn("events", resource)}


def _event_target(i: dict, c: Context) -> dict:
    # An unset targetId is the provider's unique id (terraform-<timestamp><counter>).
    target_id = i.get("targetId") or f"terraform-{c.digits(26)}"
    return {"id": f"{i.get('rule')}-{target_id}", "targetId": target_id}


def _schedule(i: dict, c: Context) -> dict:
    group = i.get("groupName") or "default"
    return {"id": f"{group}/{i.get('name')}", "arn": c.arn("scheduler", f"schedule/{group}/{i.get('name')}"),
            "groupName": group}


def _state_machine(i: dict, c: Context) -> dict:
    arn = c.arn("states", f"stateMachine:{i.get('name')}")
    return {"id": arn, "arn": arn, "status": "ACTIVE", "creationDate": f"2024-01-01T00:00:{int(c.hex(2), 16) % 60:02d}Z",
            "revisionId": c.uuid("revision"), "stateMachineVersionArn": ""}


COMPUTED: dict[str, Callable[[dict, Context], dict]] = {
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:sfn/stateMachine:StateMachine": _state_machine,
    "aws:ecs/cluster:Cluster": _cluster,
    "aws:ecs/service:Service": _service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/taskSet:TaskSet": _task_set,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/routeTable:RouteTable": _ec2_id("rtb"),
    "aws:ec2/route:Route": _route,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": lambda i, c: {"id": f"rtbassoc-{c.hex(17)}"},
    "aws:ec2/internetGateway:InternetGateway": _ec2_id("igw"),
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/securityGroup:SecurityGroup": _ec2_id("sg"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": _sg_rule,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _vpc_sg_rule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _vpc_sg_rule,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attachment,
    "aws:iam/policyAttachment:PolicyAttachment": _attachment,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:ecr/repository:Repository": _repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _lifecycle_policy,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:alb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:alb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:alb/listenerRule:ListenerRule": _listener_rule,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:codedeploy/application:Application": _codedeploy_app,
    "aws:codedeploy/deploymentGroup:DeploymentGroup": _deployment_group,
}


# Properties the AWS provider accepts as a structured policy document but stores, and
# hands back, as a JSON string (the bridge's JSON-document transform, which marshals the
# object with sorted keys; one unknown inside makes the whole string unknown).
JSON_DOCUMENT_PROPERTIES = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("policy",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
}


def documents_as_json(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The checked inputs with structured policy documents turned into JSON strings."""
    properties = [key for key in JSON_DOCUMENT_PROPERTIES.get(type_, ()) if isinstance(inputs.get(key), dict | list)]
    if not properties:
        return inputs
    checked = dict(inputs)
    for key in properties:
        document = plain(inputs[key])
        checked[key] = UNKNOWN if _contains_unknown(document) else json.dumps(
            document, sort_keys=True, separators=(",", ":"))
    return checked


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(item) for item in value)
    return value == UNKNOWN


def has_model(type_: str) -> bool:
    """Whether preflight derives this type's computed outputs (else they are unknown)."""
    from .image_outputs import COMPUTED as IMAGE_AND_RANDOM

    return type_ in COMPUTED or type_ in IMAGE_AND_RANDOM


def computed_outputs(type_: str, inputs: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """What `Create` adds to the inputs: the id and the type's computed properties."""
    from .image_outputs import COMPUTED as IMAGE_AND_RANDOM

    derive = COMPUTED.get(type_) or IMAGE_AND_RANDOM.get(type_)
    if derive is None:
        return {"id": f"{ctx.name}-{ctx.hex(8)}"}
    outputs = derive(plain(inputs), ctx)
    # AWS resources report their tags merged with the provider's default tags.
    if type_.startswith("aws:") and "tags" in inputs and "tagsAll" not in inputs:
        outputs["tagsAll"] = inputs["tags"]
    return outputs
