"""A registration against the stack's previous state, as the engine's step generator treats it.

- The old resource is found by URN, else by one of the registration's aliases (the alias
  carries the URN it matched).
- `ignoreChanges` paths take their old input values; an auto-named property keeps its old
  name (the provider's Check reuses it).
- Checked inputs equal to the old ones: `same` - the old id and outputs, all known.
- A property in the type's replace-on-change table changed: `replace` - a new resource,
  outputs as for a create.
- Otherwise `update`: the id and the outputs the provider does not recompute stay (the
  Terraform bridge carries prior state for computed attributes), inputs are the new ones.
Replace-on-change properties are the provider schema's ForceNew ones
(terraform-provider-aws resource schemas) for the types the policy catalog reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .wire import plain

ALL = "*"
"""Every input but tags replaces (task definitions, random values, rules of old security groups)."""

FORCE_NEW: dict[str, tuple[str, ...]] = {
    "aws:ecr/repository:Repository": ("name",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("repository",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("repository",),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "namePrefix"),
    "aws:iam/role:Role": ("name", "namePrefix", "path"),
    "aws:iam/policy:Policy": ("name", "namePrefix", "path", "description"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ecs/service:Service": ("name", "cluster", "launchType", "schedulingStrategy", "iamRole",
                                "deploymentController"),
    "aws:ecs/taskDefinition:TaskDefinition": (ALL,),
    "aws:lb/loadBalancer:LoadBalancer": ("name", "namePrefix", "internal", "loadBalancerType"),
    "aws:alb/loadBalancer:LoadBalancer": ("name", "namePrefix", "internal", "loadBalancerType"),
    "aws:lb/targetGroup:TargetGroup": ("name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId",
                                       "targetType", "ipAddressType"),
    "aws:alb/targetGroup:TargetGroup": ("name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId",
                                        "targetType", "ipAddressType"),
    "aws:lb/listener:Listener": ("loadBalancerArn",),
    "aws:alb/listener:Listener": ("loadBalancerArn",),
    "aws:lb/listenerRule:ListenerRule": ("listenerArn",),
    "aws:alb/listenerRule:ListenerRule": ("listenerArn",),
    "aws:ec2/securityGroup:SecurityGroup": ("name", "namePrefix", "description", "vpcId"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": ("type", "fromPort", "toPort", "protocol", "cidrBlocks",
                                                    "ipv6CidrBlocks", "prefixListIds", "securityGroupId",
                                                    "sourceSecurityGroupId", "self"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("securityGroupId",),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("securityGroupId",),
    "aws:ec2/vpc:Vpc": ("cidrBlock", "instanceTenancy"),
    "aws:ec2/subnet:Subnet": ("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"),
    "aws:ec2/routeTable:RouteTable": ("vpcId",),
    "aws:ec2/route:Route": ("routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock",
                            "destinationPrefixListId"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("subnetId", "gatewayId"),
    "aws:ec2/natGateway:NatGateway": ("allocationId", "subnetId", "connectivityType"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpcId", "serviceName", "vpcEndpointType"),
    "aws:kms/key:Key": ("customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion", "customKeyStoreId"),
    "aws:kms/alias:Alias": ("name", "namePrefix"),
    "aws:ssm/parameter:Parameter": ("name",),
    "aws:secretsmanager/secret:Secret": ("name", "namePrefix"),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretId", "secretString", "secretBinary"),
    "aws:appautoscaling/target:Target": ("resourceId", "scalableDimension", "serviceNamespace"),
    "random:index/randomPassword:RandomPassword": (ALL,),
    "random:index/randomString:RandomString": (ALL,),
    "random:index/randomId:RandomId": (ALL,),
}
NOT_REPLACING = ("tags", "tagsAll", "skipDestroy", "trackLatest")
# Outputs the provider recomputes on an in-place update: the tags merged with default tags.
RECOMPUTED = ("tagsAll",)


@dataclass(frozen=True)
class Match:
    urn: str
    """The URN in the old state (an alias's when it matched by alias)."""
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


def find(prior: dict[str, dict[str, Any]], urn: str, aliases: list[str]) -> Match | None:
    for candidate in [urn, *aliases]:
        old = prior.get(candidate)
        if old is not None:
            return Match(candidate, old.get("id") or "", old.get("inputs") or {}, old.get("outputs") or {})
    return None


def _get(value: dict[str, Any], path: str) -> tuple[bool, Any]:
    current: Any = value
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _set(value: dict[str, Any], path: str, item: Any) -> dict[str, Any]:
    parts = path.split(".")
    if len(parts) == 1:
        return {**value, path: item}
    child = value.get(parts[0]) if isinstance(value.get(parts[0]), dict) else {}
    return {**value, parts[0]: _set(child, ".".join(parts[1:]), item)}


def restore_ignored(inputs: dict[str, Any], old_inputs: dict[str, Any], ignore_changes: list[str]) -> dict[str, Any]:
    """`ignoreChanges`: each path takes its old value (a path absent from the old inputs is removed)."""
    for path in ignore_changes:
        if path == ALL:
            return dict(old_inputs)
        present, old = _get(old_inputs, path)
        if present:
            inputs = _set(inputs, path, old)
        elif "." not in path:
            inputs = {key: value for key, value in inputs.items() if key != path}
    return inputs


def changed_properties(inputs: dict[str, Any], old_inputs: dict[str, Any]) -> list[str]:
    keys = set(inputs) | set(old_inputs)
    return sorted(key for key in keys if plain(inputs.get(key)) != plain(old_inputs.get(key)))


def change_kind(type_token: str, changed: list[str]) -> str:
    if not changed:
        return "same"
    replacing = FORCE_NEW.get(type_token, ())
    if ALL in replacing:
        return "replace" if any(key not in NOT_REPLACING for key in changed) else "update"
    return "replace" if any(key in replacing for key in changed) else "update"


def updated_outputs(inputs: dict[str, Any], old_outputs: dict[str, Any], computed: dict[str, Any]) -> dict[str, Any]:
    """An in-place update: the new inputs, the old computed outputs, the recomputed ones anew."""
    outputs = {key: value for key, value in old_outputs.items() if key not in inputs}
    outputs.update(inputs)
    for key in RECOMPUTED:
        if key in computed:
            outputs[key] = computed[key]
    return outputs
