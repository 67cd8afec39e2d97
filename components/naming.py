"""Physical names and ARNs, derived from the project, stack, service and AWS account alone.

Everything here is a plain string computed from config and invokes, never from the
outputs of resources created in the same run, so container definitions and IAM
documents built from these values stay known during a first preview.
"""

from __future__ import annotations

from dataclasses import dataclass


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
