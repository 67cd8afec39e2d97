"""ecs-alb-reaches-tasks: the task security groups admit the load balancer on each block's container port,
and the load balancer's security groups let that traffic out.

Mechanisms (what AWS evaluates to decide this):
- **Several load-balancer blocks, and several load balancers forwarding to one target group** — modelled:
  each (block, load balancer) pair is judged on its own, on the block's container port.
  [Load balancing](https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html)
- **Task security group ingress** — modelled: inline `ingress`, `aws.ec2.SecurityGroupRule` and
  `aws.vpc.SecurityGroupIngressRule` resources; a peer that is the load balancer's security group, a
  self-reference, or CIDRs covering the load balancer's subnets; groups outside the stack read live.
  [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
- **Load balancer security group egress** — modelled the same way; a load balancer without security
  groups (a network load balancer) does not filter.
  [ALB security groups](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html)
- **The VPC's default security group** (no `securityGroups` on the service) — inconclusive, named: its
  rules are not in the stack. [Default security groups](https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html)
- **Target groups, listeners or load balancers outside the stack** — inconclusive, named.
- **Network ACLs between the load balancer's and the tasks' subnets** — not applicable here: the network
  rules evaluate the ACLs on the tasks' own paths.
  [Network ACLs](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)

Inconclusive by design: the default security group's rules; security groups, target groups or load
balancers outside the stack without a live look-up; values not known until update.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from model.aws_types import ECS_SERVICE, ECS_TASK_SET
from model.live_aws import LIVE_LOOKUP_SCHEMA
from model.stack_index import StackIndex
from rules._lb_blocks import NO_BLOCKS
from rules._lb_reach import admits, balancer_paths, lets_out, names


def validate_alb_reaches_tasks(index: StackIndex, findings: Findings, config: dict) -> None:
    runners = index.of_type(ECS_SERVICE, ECS_TASK_SET)
    if not any(r.props.get("loadBalancers") is not None for r in runners):
        findings.not_applicable(NO_BLOCKS)
    for runner in runners:
        for path in balancer_paths(index, runner, findings, config):
            if not path.task_groups and path.unresolved:
                findings.inconclusive("; ".join(path.unresolved))
                continue
            ingress = admits(index, path, path.port)
            if ingress is False and not path.unresolved:
                findings.violation(
                    f"{runner.label} task security groups ({names(path.task_groups)}) do not admit "
                    f"{path.balancer.label} (security groups: {names(path.balancer_groups)}) on tcp {path.port}: "
                    f"add an ingress rule to a task security group from the load balancer's security group on "
                    f"port {path.port}; until then health checks fail with \"Target.Timeout: Request timed out\" "
                    "and ECS keeps replacing the tasks",
                    runner.urn,
                )
            elif ingress is not True:
                findings.inconclusive(
                    f"{runner.label} ingress from {path.balancer.label} on tcp {path.port}"
                    + (f" ({'; '.join(path.unresolved)})" if path.unresolved else "")
                )
            egress = lets_out(index, path, path.port)
            if egress is False and not path.unresolved:
                findings.violation(
                    f"{path.balancer.label} security groups ({names(path.balancer_groups)}) do not let traffic out "
                    f"to {runner.label} tasks on tcp {path.port}: add an egress rule to the load balancer's "
                    f"security group towards the task security group on port {path.port} (a security group "
                    "created by Pulumi has no egress rule unless one is declared)",
                    path.balancer.urn,
                )
            elif egress is not True:
                findings.inconclusive(
                    f"{path.balancer.label} egress to {runner.label} on tcp {path.port}"
                    + (f" ({'; '.join(path.unresolved)})" if path.unresolved else "")
                )


ecs_alb_reaches_tasks = stack_policy(
    name="ecs-alb-reaches-tasks",
    description=(
        "The task security group admits the load balancer's security group (or its subnets' CIDRs) on each "
        "load-balancer block's container port, and the load balancer's security group lets that traffic out."
    ),
    validate=validate_alb_reaches_tasks,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add an ingress rule to the task security group whose source is the load balancer's security group and "
        "whose port is the container port in the service's loadBalancers block; add an egress rule to the load "
        "balancer's security group towards the task security group on the same port."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html",
    config_schema=LIVE_LOOKUP_SCHEMA,
)
