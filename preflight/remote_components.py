"""Which rules a remote (multi-language) component may hide its children from.

A component such as awsx's `FargateService` registers with `remote: true`: its children are
created by the component's provider plugin (pulumi-awsx), which preflight does not run, so the
pack never sees them. A rule that says "not applicable" - nothing in the stack to judge - may be
missing exactly those children, and a silent "not applicable" would read as "nothing to worry
about". So the pack is asked, after the real AnalyzeStack, about stand-ins: one resource of each
type the component's provider creates, parented to the component, with no property known. A rule
that would judge a stand-in (it does not answer "not applicable" for it) is inconclusive for this
stack, naming the component. A remote component of a type not listed here may create anything:
every rule that found nothing to judge is inconclusive.

What each awsx component creates (https://www.pulumi.com/registry/packages/awsx/api-docs/):
`ecs.FargateService` / `ecs.EC2Service` a service and, unless given one, a task definition (with
its log group and execution and task roles) and a security group; `ecs.FargateTaskDefinition` /
`ecs.EC2TaskDefinition` the task definition, its log group and roles; `lb.ApplicationLoadBalancer`
/ `lb.NetworkLoadBalancer` the load balancer, its default target group and listener, and (ALB) a
default security group; `ec2.Vpc` the VPC, subnets, internet and NAT gateways with their elastic
IPs, and route tables; `ecr.Repository` the repository and its lifecycle policy.
"""

from __future__ import annotations

from typing import Any

from .analyzer import AnalyzerClient
from .errors import PreflightError
from .host.wire import UNKNOWN

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
TASK_DEFINITION_CHILDREN = (TASK_DEFINITION, ROLE, ROLE_POLICY_ATTACHMENT, LOG_GROUP)
LOAD_BALANCER_CHILDREN = ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
                          "aws:lb/listener:Listener")

CHILDREN: dict[str, tuple[str, ...]] = {
    "awsx:ecs:FargateService": (SERVICE, *TASK_DEFINITION_CHILDREN, SECURITY_GROUP),
    "awsx:ecs:EC2Service": (SERVICE, *TASK_DEFINITION_CHILDREN, SECURITY_GROUP),
    "awsx:ecs:FargateTaskDefinition": TASK_DEFINITION_CHILDREN,
    "awsx:ecs:EC2TaskDefinition": TASK_DEFINITION_CHILDREN,
    "awsx:lb:ApplicationLoadBalancer": (*LOAD_BALANCER_CHILDREN, SECURITY_GROUP),
    "awsx:lb:NetworkLoadBalancer": LOAD_BALANCER_CHILDREN,
    "awsx:ec2:Vpc": ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/internetGateway:InternetGateway",
                     "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/routeTable:RouteTable",
                     "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation"),
    "awsx:ecr:Repository": ("aws:ecr/repository:Repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy"),
}


def hidden_rules(client: AnalyzerClient, everything: list[dict[str, Any]], providers: dict[str, dict[str, Any]],
                 root_urn: str, not_applicable: set[str]) -> dict[str, str]:
    """policy -> why it is inconclusive, for the `not_applicable` policies a remote component may
    hide children from. The pack's own answers for this stack are left as they were."""
    components = [record for record in everything if record.get("remote")]
    if not components or not not_applicable:
        return {}
    unknown_kind = [component for component in components if component["type"] not in CHILDREN]
    would_judge: set[str] = set(not_applicable) if unknown_kind else set()
    stand_ins = [] if unknown_kind else [_stand_in(component, child, index)
                                         for component in components
                                         for index, child in enumerate(CHILDREN[component["type"]])]
    if any(not record["inputs"] for record in stand_ins):
        # Without the provider's schema a stand-in would read as a resource with every default.
        would_judge, stand_ins = set(not_applicable), []
    # Analyze answers for resource policies, AnalyzeStack for stack policies.
    kinds = {policy.name: policy.kind for policy in (client.info.policies if client.info else [])}
    resource_policies = {policy for policy in not_applicable if kinds.get(policy) != "stack"}
    stack_policies = not_applicable - resource_policies
    said = dict(client.not_applicable)
    try:
        for record in stand_ins:
            try:
                result = client.analyze(record, providers.get(record.get("provider") or ""))
            except PreflightError:
                would_judge |= resource_policies  # the pack failed on what it cannot see: nothing is decided
                continue
            would_judge |= resource_policies - set(result.not_applicable)
        if stand_ins and stack_policies:
            client.not_applicable = {}
            try:
                client.analyze_stack([*everything, *stand_ins], providers, root_urn)
                would_judge |= stack_policies - set(client.not_applicable)
            except PreflightError:
                would_judge |= stack_policies
    finally:
        client.not_applicable = said
    why = "; ".join(_describe(component) for component in components)
    return {policy: why for policy in sorted(would_judge & not_applicable)}


def _stand_in(component: dict[str, Any], type_token: str, index: int) -> dict[str, Any]:
    """A child the component's provider would create, with nothing known about it: every input its
    schema has is unknown (an absent one would read as AWS's default)."""
    name = f"{component['name']}-{type_token.rsplit(':', 1)[-1].lower()}-{index}"
    stack, project = component["urn"].split("::")[0].split(":")[-1], component["urn"].split("::")[1]
    parent_type = component["urn"].split("::")[2]
    properties = unknown_inputs(type_token)
    return {
        "urn": f"urn:pulumi:{stack}::{project}::{parent_type}${type_token}::{name}",
        "type": type_token, "name": name, "parent": component["urn"], "custom": True, "id": "",
        "provider": None, "dependencies": [], "propertyDependencies": {}, "options": {},
        "inputs": dict(properties), "outputs": dict(properties),
    }


_INPUTS: dict[str, dict[str, str]] = {}


def unknown_inputs(type_token: str) -> dict[str, str]:
    """Every input of `type_token`, by wire name, as unknown - read from the pulumi_aws SDK's
    `<Class>Args` (its property getters carry the wire names); empty when the SDK is not there."""
    if type_token in _INPUTS:
        return _INPUTS[type_token]
    import importlib
    import inspect

    package, module, name = type_token.split(":")[0], type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
    try:
        args_class = getattr(importlib.import_module(f"pulumi_{package}.{module}"), f"{name}Args")
    except (ImportError, AttributeError):
        args_class = None
    wire_names = [getattr(member.fget, "_pulumi_name", None)
                  for _, member in inspect.getmembers(args_class, lambda item: isinstance(item, property))
                  ] if args_class is not None else []
    _INPUTS[type_token] = {wire: UNKNOWN for wire in wire_names if isinstance(wire, str)}
    return _INPUTS[type_token]


def _describe(component: dict[str, Any]) -> str:
    kind = component["type"].rsplit(":", 1)[-1]
    children = CHILDREN.get(component["type"])
    made = (", ".join(sorted({child.rsplit(":", 1)[-1] for child in children})) if children
            else "resources preflight cannot list")
    return (f"{kind} '{component['name']}' is a remote component: its provider plugin ({component['type']}), "
            f"which preflight does not run, creates its {made}, so this rule cannot see them")
