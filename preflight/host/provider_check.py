"""What the AWS provider's Check rejects before anything is created: one table of AWS's limits.

`pulumi preview` runs the provider's Check on every resource's inputs; a name over its
length limit, a character outside AWS's set or a number outside its range fails the
preview there, with no resource created. The mock monitor has no provider, so it calls
`auto_name` and `check` here at each RegisterResource to fail where the provider would.

Auto-naming is the Terraform bridge's `AutoName`: an unset `name` becomes
`<logical name>-<7 random characters>`. A result over the limit is an error, as in the
provider, never a truncation: truncating here would hide a failing `pulumi up`.

Every limit names its source: the pulumi_aws docstring that states it (the tests read the
installed SDK and check each entry against it) or AWS's API reference where the SDK is silent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Pulumi's wire sentinel for a value not known at preview (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
AUTO_NAME_SUFFIX_LENGTH = 7

LB_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
LB_NAME_TEXT = "letters, digits and hyphens, not starting or ending with a hyphen"
ECS_NAME = r"[A-Za-z0-9_-]+"
ECS_NAME_TEXT = "letters, digits, hyphens and underscores"
IAM_NAME = r"[\w+=,.@-]+"
IAM_NAME_TEXT = "letters, digits and the characters _+=,.@-"

SDK = "pulumi_aws {module} docstring of `{parameter}`"


@dataclass(frozen=True)
class Limit:
    type_token: str
    property: str
    """Wire (camelCase) name; a dotted path reaches into an object input (`healthCheck.timeout`)."""
    max_length: int | None
    pattern: str | None
    """AWS's character set as a regex the whole value must match."""
    pattern_text: str
    auto_name: bool
    """The provider names this property `<logical>-<7 random>` when it is unset."""
    numeric_range: tuple[float, float] | None
    source: str
    auto_name_prefix: str = ""
    """What the provider's auto-name starts with (`alias/` for KMS aliases), unless the logical name does."""


def _name(type_token: str, max_length: int, pattern: str | None, text: str, auto: bool, source: str,
          prop: str = "name", auto_name_prefix: str = "") -> Limit:
    return Limit(type_token, prop, max_length, pattern, text, auto, None, source, auto_name_prefix)


def _range(type_token: str, prop: str, low: float, high: float, source: str) -> Limit:
    return Limit(type_token, prop, None, None, "", False, (low, high), source)


_LB_SOURCE = SDK.format(module="lb.LoadBalancer", parameter="name")
_TG_SOURCE = SDK.format(module="lb.TargetGroup", parameter="name")
_TG_HEALTH = SDK.format(module="lb.TargetGroupHealthCheckArgs", parameter="{}")
_TG_RANGES = (
    ("healthCheck.interval", 5, 300, "interval"),
    ("healthCheck.timeout", 2, 120, "timeout"),
    ("healthCheck.healthyThreshold", 2, 10, "healthy_threshold"),
    ("healthCheck.unhealthyThreshold", 2, 10, "unhealthy_threshold"),
)
IAM_ROLE_SOURCE = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName: 1-64, [\\w+=,.@-]+)"
IAM_POLICY_SOURCE = ("https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html "
                     "(PolicyName: 1-128, [\\w+=,.@-]+)")
IAM_ROLE_POLICY_SOURCE = ("https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html "
                          "(PolicyName: 1-128, [\\w+=,.@-]+)")
ECR_SOURCE = ("https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html "
              "(repositoryName: 2-256, (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)")
LOG_GROUP_SOURCE = ("https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html "
                    "(logGroupName: 1-512, [\\.\\-_/#A-Za-z0-9]+)")
SECURITY_GROUP_SOURCE = ("https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html "
                         "(GroupName: up to 255 characters, a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, "
                         "not starting with sg-)")
ALARM_SOURCE = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html "
                "(AlarmName: 1-255)")
FAMILY_SOURCE = ("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html "
                 "(family: up to 255 letters, numbers, hyphens and underscores)")
CONTAINER_HEALTH_SOURCE = ("https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html "
                           "(interval 5-300, timeout 2-60, retries 1-10, startPeriod 0-300)")
KMS_ALIAS_SOURCE = ("https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html "
                    "(AliasName: 1-256, [a-zA-Z0-9:/_-]+, must begin with alias/ and not with alias/aws/); "
                    "the auto-name gets the alias/ prefix: pulumi/pulumi-aws#1445")
SSM_PARAMETER_SOURCE = ("https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html "
                        "(Name: 1-2048; a-z, A-Z, 0-9, _.- and / for a hierarchy)")
SECRET_SOURCE = ("https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html "
                 "(Name: 1-512, letters, digits and /_+=.@-)")
CODEDEPLOY_APPLICATION_SOURCE = ("https://docs.aws.amazon.com/codedeploy/latest/APIReference/"
                                 "API_CreateApplication.html (applicationName: 1-100)")
EVENT_RULE_SOURCE = ("https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html "
                     "(Name: 1-64, [\\.\\-_A-Za-z0-9]+)")
SCHEDULE_SOURCE = ("https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html "
                   "(Name: 1-64, [0-9a-zA-Z-_.]+)")
STATE_MACHINE_SOURCE = ("https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html "
                        "(name: 1-80)")
# The bridge's name_prefix for IAM roles: the 64-character limit less its 26-character unique suffix.
IAM_ROLE_PREFIX_SOURCE = ("terraform-provider-aws internal/service/iam/role.go: name_prefix "
                          "validation.StringLenBetween(1, 64-id.UniqueIDSuffixLength) = 38")

LIMITS: tuple[Limit, ...] = (
    *(_name(token, 32, LB_NAME, LB_NAME_TEXT, True, _LB_SOURCE)
      for token in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")),
    *(_name(token, 32, LB_NAME, LB_NAME_TEXT, True, _TG_SOURCE)
      for token in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")),
    *(_range(token, prop, low, high, _TG_HEALTH.format(parameter))
      for token in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
      for prop, low, high, parameter in _TG_RANGES),
    *(_range(token, "deregistrationDelay", 0, 3600,
             SDK.format(module="lb.TargetGroup", parameter="deregistration_delay"))
      for token in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")),
    _name("aws:iam/role:Role", 64, IAM_NAME, IAM_NAME_TEXT, True, IAM_ROLE_SOURCE),
    _name("aws:iam/role:Role", 38, IAM_NAME, IAM_NAME_TEXT, False, IAM_ROLE_PREFIX_SOURCE, prop="namePrefix"),
    _name("aws:iam/policy:Policy", 128, IAM_NAME, IAM_NAME_TEXT, True, IAM_POLICY_SOURCE),
    _name("aws:iam/rolePolicy:RolePolicy", 128, IAM_NAME, IAM_NAME_TEXT, True, IAM_ROLE_POLICY_SOURCE),
    _name("aws:ecr/repository:Repository", 256,
          r"(?=.{2,}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
          "at least 2 lowercase letters and digits, separated by single '.', '_', '-' or '/'", True, ECR_SOURCE),
    _name("aws:cloudwatch/logGroup:LogGroup", 512, r"[.\-_/#A-Za-z0-9]+",
          "letters, digits and the characters ._-/#", True, LOG_GROUP_SOURCE),
    _name("aws:ecs/cluster:Cluster", 255, ECS_NAME, ECS_NAME_TEXT, True,
          SDK.format(module="ecs.Cluster", parameter="name")),
    _name("aws:ecs/service:Service", 255, ECS_NAME, ECS_NAME_TEXT, True,
          SDK.format(module="ecs.Service", parameter="name")),
    _name("aws:ecs/taskDefinition:TaskDefinition", 255, ECS_NAME, ECS_NAME_TEXT, False, FAMILY_SOURCE,
          prop="family"),
    _name("aws:ec2/securityGroup:SecurityGroup", 255, r"(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+",
          "letters, digits, spaces and the characters ._-:/()#,@[]+=&;{}!$*, not starting with sg-", True,
          SECURITY_GROUP_SOURCE),
    _name("aws:cloudwatch/metricAlarm:MetricAlarm", 255, None, "", True, ALARM_SOURCE),
    _name("aws:kms/alias:Alias", 256, r"alias/(?!aws/)[A-Za-z0-9:/_-]+",
          "alias/ followed by letters, digits and the characters :/_- (not alias/aws/, which AWS reserves)", True,
          KMS_ALIAS_SOURCE, auto_name_prefix="alias/"),
    _name("aws:ssm/parameter:Parameter", 2048, r"[A-Za-z0-9_.\-/]+",
          "letters, digits and the characters _.-/", True, SSM_PARAMETER_SOURCE),
    _name("aws:secretsmanager/secret:Secret", 512, r"[A-Za-z0-9/_+=.@-]+",
          "letters, digits and the characters /_+=.@-", True, SECRET_SOURCE),
    _name("aws:codedeploy/application:Application", 100, None, "", True, CODEDEPLOY_APPLICATION_SOURCE),
    _name("aws:cloudwatch/eventRule:EventRule", 64, r"[.\-_A-Za-z0-9]+",
          "letters, digits and the characters ._-", True, EVENT_RULE_SOURCE),
    _name("aws:scheduler/schedule:Schedule", 64, r"[0-9A-Za-z_.-]+",
          "letters, digits and the characters -_.", True, SCHEDULE_SOURCE),
    _name("aws:sfn/stateMachine:StateMachine", 80, r"[0-9A-Za-z_-]+",
          "letters, digits, hyphens and underscores", True, STATE_MACHINE_SOURCE),
    _range("aws:ecs/service:Service", "healthCheckGracePeriodSeconds", 0, 2147483647,
           SDK.format(module="ecs.Service", parameter="health_check_grace_period_seconds")),
)

# Container health checks live inside the task definition's containerDefinitions JSON text.
CONTAINER_HEALTH_CHECK: dict[str, tuple[int, int]] = {
    "interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300),
}
TARGET_GROUP_TYPES = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
TARGET_GROUP_TIMEOUT_SOURCE = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
                               "API_CreateTargetGroup.html (HealthCheckTimeoutSeconds must be less than "
                               "HealthCheckIntervalSeconds)")


def limits_of(type_token: str) -> tuple[Limit, ...]:
    return tuple(limit for limit in LIMITS if limit.type_token == type_token)


def auto_name(type_token: str, logical_name: str, suffix: str) -> str | None:
    """The name the provider gives an unset auto-named property; None when the type auto-names nothing."""
    limit = next((limit for limit in limits_of(type_token) if limit.auto_name), None)
    if limit is None:
        return None
    prefix = "" if logical_name.startswith(limit.auto_name_prefix) else limit.auto_name_prefix
    return f"{prefix}{logical_name}-{suffix}"


def auto_named_property(type_token: str) -> str | None:
    """The property `auto_name` fills (`name` for every type in the table that auto-names)."""
    return next((limit.property for limit in limits_of(type_token) if limit.auto_name), None)


def check(type_token: str, urn_name: str, inputs: dict) -> list[str]:
    """Provider-style errors for `inputs` (wire names, after auto-naming); [] when the provider accepts them."""
    errors: list[str] = []
    where = f"{type_token} '{urn_name}'"
    for limit in limits_of(type_token):
        value = _at(inputs, limit.property)
        if not _known(value):
            continue
        if limit.numeric_range is not None:
            errors += _check_range(where, limit.property, value, limit.numeric_range, limit.source)
        elif isinstance(value, str):
            errors += _check_name(where, limit, value, urn_name)
    if type_token in TARGET_GROUP_TYPES:
        errors += _check_target_group_timeout(where, inputs)
    if type_token == "aws:ecs/taskDefinition:TaskDefinition":
        errors += _check_container_health(where, inputs.get("containerDefinitions"))
    return errors


def _check_name(where: str, limit: Limit, value: str, urn_name: str) -> list[str]:
    errors = []
    auto = limit.auto_name and _is_auto_name(value, urn_name, limit.auto_name_prefix)
    if limit.max_length is not None and len(value) > limit.max_length:
        if auto:
            room = limit.max_length - 1 - AUTO_NAME_SUFFIX_LENGTH
            fix = (f"the provider names it '<resource name>-<{AUTO_NAME_SUFFIX_LENGTH} random characters>', so use a "
                   f"resource name of at most {room} characters or set `{limit.property}` explicitly")
        else:
            fix = f"use a {limit.property} of at most {limit.max_length} characters"
        errors.append(f"{where}: {limit.property} '{value}' is {len(value)} characters; the limit is "
                      f"{limit.max_length}: {fix} (source: {limit.source})")
    if limit.pattern is not None and not re.fullmatch(limit.pattern, value):
        errors.append(f"{where}: {limit.property} '{value}' is not a valid name; use {limit.pattern_text} "
                      f"(source: {limit.source})")
    return errors


def _check_range(where: str, prop: str, value: Any, bounds: tuple[float, float], source: str) -> list[str]:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{where}: {prop} {value!r} is not a number; use a number from {_num(low)} to {_num(high)} "
                f"(source: {source})"]
    if low <= value <= high:
        return []
    return [f"{where}: {prop} {_num(value)} is outside the range {_num(low)}-{_num(high)}; use a value from "
            f"{_num(low)} to {_num(high)} (source: {source})"]


def _check_target_group_timeout(where: str, inputs: dict) -> list[str]:
    timeout, interval = _at(inputs, "healthCheck.timeout"), _at(inputs, "healthCheck.interval")
    if not (_number(timeout) and _number(interval)) or timeout < interval:
        return []
    return [f"{where}: healthCheck.timeout {_num(timeout)} is not less than healthCheck.interval {_num(interval)}; "
            f"use a timeout below the interval (source: {TARGET_GROUP_TIMEOUT_SOURCE})"]


def _check_container_health(where: str, definitions: Any) -> list[str]:
    if not isinstance(definitions, str) or UNKNOWN in definitions:
        return []
    try:
        containers = json.loads(definitions)
    except json.JSONDecodeError:
        return []
    errors = []
    for index, container in enumerate(containers if isinstance(containers, list) else []):
        health = container.get("healthCheck") if isinstance(container, dict) else None
        if not isinstance(health, dict):
            continue
        for key, bounds in CONTAINER_HEALTH_CHECK.items():
            if key in health:
                errors += _check_range(where, f"containerDefinitions[{index}].healthCheck.{key}", health[key],
                                       bounds, CONTAINER_HEALTH_SOURCE)
    return errors


def _is_auto_name(value: str, urn_name: str, auto_name_prefix: str = "") -> bool:
    named = urn_name if urn_name.startswith(auto_name_prefix) else auto_name_prefix + urn_name
    prefix = f"{named}-"
    return value.startswith(prefix) and len(value) == len(prefix) + AUTO_NAME_SUFFIX_LENGTH


def _at(inputs: dict, path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _known(value: Any) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and UNKNOWN in value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
