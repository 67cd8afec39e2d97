"""Physical names and ARNs, derived from the project, stack, service and AWS account alone.

Everything here is a plain string computed from config and invokes, never from the
outputs of resources created in the same run, so container definitions and IAM
documents built from these values stay known during a first preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Project, stack and service names end up in ECR repository names (lowercase, single
# separators) and load balancer and target group names (letters, digits, hyphens, no
# leading or trailing hyphen): the set all of them accept.
NAME_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME_PART_TEXT = "lowercase letters, digits and single hyphens, not starting or ending with a hyphen"
# The provider names a load balancer or target group `<resource name>-<7 random characters>`
# and fails (it does not truncate) when that is over Elastic Load Balancing's 32 characters.
LB_NAME_LIMIT = 32
AUTO_NAME_SUFFIX = 8
ROLLING_TARGET_GROUP = "tg"
BLUE_GREEN_TARGET_GROUPS = ("blue", "green")


@dataclass(frozen=True)
class Account:
    """Where the stack deploys: the answers of getPartition, getRegion and getCallerIdentity."""

    partition: str
    region: str
    account_id: str
    dns_suffix: str = "amazonaws.com"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    @property
    def registry(self) -> str:
        """The account's private ECR registry host."""
        return f"{self.account_id}.dkr.ecr.{self.region}.{self.dns_suffix}"

    def service_principal(self, service: str) -> str:
        return f"{service}.{self.dns_suffix}"

    def endpoint_service_name(self, service: str) -> str:
        """The VPC endpoint service name, e.g. com.amazonaws.eu-west-1.ecr.api."""
        reverse = ".".join(reversed(self.dns_suffix.split(".")))
        return f"{reverse}.{self.region}.{service}"


@dataclass(frozen=True)
class StackNames:
    """Names scoped to one stack of the project: `<project>-<stack>` is the prefix of all of them."""

    project: str
    stack: str

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.stack}"

    @property
    def cluster(self) -> str:
        return self.prefix

    @property
    def load_balancer(self) -> str:
        """Resource name of the ALB; the provider appends `-<7 random characters>`."""
        return f"{self.prefix}-alb"

    def service(self, service: str) -> ServiceNames:
        return ServiceNames(self, service)


@dataclass(frozen=True)
class ServiceNames:
    """Names of one service's resources; role names stay under IAM's 64-character limit."""

    stack: StackNames
    name: str

    @property
    def base(self) -> str:
        return f"{self.stack.prefix}-{self.name}"

    @property
    def repository(self) -> str:
        return self.base

    def target_group(self, role: str) -> str:
        """Resource name of a target group (`tg`, or `blue`/`green`); the provider appends `-<7 random>`."""
        return f"{self.base}-{role}"

    @property
    def cache_repository(self) -> str:
        return f"{self.base}-buildcache"

    @property
    def task_family(self) -> str:
        return self.base

    @property
    def execution_role(self) -> str:
        return f"{self.base}-execution"

    @property
    def task_role(self) -> str:
        return f"{self.base}-task"

    @property
    def load_balancer_role(self) -> str:
        """The role ECS assumes to shift listener traffic during a blue/green deployment."""
        return f"{self.base}-ecs-lb"

    @property
    def log_group(self) -> str:
        return f"/aws/ecs/{self.stack.prefix}/{self.name}"

    @property
    def container(self) -> str:
        return self.name

    def repository_arn(self, account: Account, repository: str | None = None) -> str:
        return account.arn("ecr", f"repository/{repository or self.repository}")

    def repository_url(self, account: Account) -> str:
        return f"{account.registry}/{self.repository}"

    def role_arn(self, account: Account, role: str) -> str:
        return account.arn("iam", f"role/{role}", regional=False)

    def log_group_arn(self, account: Account) -> str:
        return account.arn("logs", f"log-group:{self.log_group}")

    def service_arn(self, account: Account) -> str:
        return account.arn("ecs", f"service/{self.stack.cluster}/{self.name}")


def target_group_roles(blue_green: bool) -> tuple[str, ...]:
    return BLUE_GREEN_TARGET_GROUPS if blue_green else (ROLLING_TARGET_GROUP,)


def name_problems(project: str, stack: str, services: list[tuple[str, bool]]) -> list[str]:
    """Why the names this project, stack and services give would be rejected by AWS; [] when all fit.

    `services` are (name, blue_green) pairs. Target groups are the tightest limit (32 with the
    provider's suffix): a base name that fits one (at most 18 characters) leaves every other
    name far below its limit (IAM roles 64 with `-execution`, ECR 256, ECS 255, log groups 512).
    """
    problems = []
    for what, value, fix in (
        ("project name", project, "rename the project (`name` in Pulumi.yaml)"),
        ("stack name", stack, f"create the stack with such a name, e.g. `pulumi stack init {_suggest(stack)}`"),
    ):
        if not NAME_PART.fullmatch(value):
            problems.append(f"the {what} {value!r} is part of every resource name; use {NAME_PART_TEXT} "
                            f"(ECR repository and load balancer names accept nothing else): {fix}")
    if problems:
        return problems
    names = StackNames(project, stack)
    alb = len(names.load_balancer) + AUTO_NAME_SUFFIX
    if alb > LB_NAME_LIMIT:
        room = LB_NAME_LIMIT - AUTO_NAME_SUFFIX - len("--alb")
        problems.append(f"the project and stack names give the load balancer name '{names.load_balancer}-<7 random "
                        f"characters>', {alb} characters; Elastic Load Balancing allows {LB_NAME_LIMIT}: use a "
                        f"project and stack name of at most {room} characters together (now "
                        f"{len(project) + len(stack)})")
        return problems
    for service, blue_green in services:
        service_names = names.service(service)
        longest = max(target_group_roles(blue_green), key=len)
        group = service_names.target_group(longest)
        length = len(group) + AUTO_NAME_SUFFIX
        if length > LB_NAME_LIMIT:
            room = LB_NAME_LIMIT - AUTO_NAME_SUFFIX - len(names.prefix) - len(longest) - 2
            fix = (f"use a service name of at most {room} characters or a shorter stack name" if room >= 1
                   else "use a shorter stack name")
            problems.append(f"`berth:services.{service}` on stack {stack!r} gives the target group name "
                            f"'{group}-<7 random characters>', {length} characters; Elastic Load Balancing allows "
                            f"{LB_NAME_LIMIT}: {fix}")
            continue
    return problems


def _suggest(value: str) -> str:
    return "-".join(part for part in re.split(r"[^a-z0-9]+", value.lower()) if part) or "dev"
