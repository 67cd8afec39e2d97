"""What a task needs to reach before its containers start, and the calls it makes there.

Private ECR images: ECR's API (GetAuthorizationToken), ECR's Docker registry (the pull) and
S3 (the layers, from ECR's bucket `prod-<region>-starport-layer-bucket`). awslogs: CloudWatch
Logs. Secrets and repository credentials: SSM or Secrets Manager. Images from other
registries: the internet. KMS is not on the list: the decryption of a SecureString or a
secret is made by SSM or Secrets Manager on the role's behalf, not from the task's network.
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html)
"""

from __future__ import annotations

from dataclasses import dataclass

from model import ecs as ecs_model
from model.network_endpoint_policies import Call, partly
from model.values import is_unknown

INTERNET = "internet"

SERVICE_NAMES = {
    "ecr.api": "ECR API",
    "ecr.dkr": "ECR DKR",
    "s3": "S3",
    "logs": "CloudWatch Logs",
    "ssm": "SSM",
    "secretsmanager": "Secrets Manager",
}


@dataclass(frozen=True)
class Need:
    """An AWS service (or the internet) a task needs at start; `region` None means the task's own.
    `calls` are the requests the task makes to it (what an endpoint policy is asked about)."""

    service: str
    region: str | None
    why: str
    calls: tuple[Call, ...] = ()


def _arn_parts(value: str) -> tuple[str, str] | None:
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    return parts[2], parts[3]


class _Needs:
    def __init__(self, region: str | None, account: str | None):
        self.region = region
        self.account = account
        self.found: dict[tuple[str, str | None], Need] = {}

    def add(self, service: str, region: str | None, why: str, *calls: Call) -> None:
        key = (service, region)
        need = self.found.get(key)
        if need is None:
            self.found[key] = Need(service, region, why, tuple(calls))
        else:
            merged = need.calls + tuple(c for c in calls if c not in need.calls)
            self.found[key] = Need(need.service, need.region, need.why, merged)

    def where(self, region: str | None) -> tuple[str, str]:
        return partly(region or self.region, "region"), partly(self.account, "account")


def needs_of(containers: list[ecs_model.Container], registry_needs: bool, region: str | None = None,
             account: str | None = None) -> tuple[list[Need], list[str]]:
    """(needs, unknown items). `registry_needs` selects ECR's needs, else the other services'."""
    needs = _Needs(region, account)
    unknown: list[str] = []
    for container in containers:
        name = container.name if isinstance(container.name, str) else "?"
        image = ecs_model.parse_image(container.image)
        if is_unknown(container.image):
            unknown.append(f"the image of container '{name}'")
        elif registry_needs:
            if image is not None and image.is_private_ecr:
                _registry(needs, image, container.image)
            continue
        elif image is not None and not image.is_private_ecr:
            needs.add(INTERNET, None, f"image {container.image} from registry {image.registry}")
        if registry_needs:
            continue
        if container.uses_awslogs:
            _logs(needs, container, name)
        elif is_unknown(container.log_driver):
            unknown.append(f"the log driver of container '{name}'")
        references = [value for _, value in container.secrets]
        credentials = container.raw.get("repositoryCredentials")
        if isinstance(credentials, dict) and credentials.get("credentialsParameter") is not None:
            references.append(credentials.get("credentialsParameter"))
        for value in references:
            if not isinstance(value, str) or is_unknown(value):
                unknown.append(f"a secret valueFrom of container '{name}'")
            else:
                _secret(needs, value, name)
    return list(needs.found.values()), unknown


def _registry(needs: _Needs, image: ecs_model.ImageRef, reference: str) -> None:
    repository = f"arn:aws:ecr:{image.region}:{image.account}:repository/{image.repository}"
    why = f"image {reference}"
    needs.add("ecr.api", image.region, why, Call("ecr:GetAuthorizationToken", "*"))
    needs.add("ecr.dkr", image.region, why, Call("ecr:BatchGetImage", repository),
              Call("ecr:GetDownloadUrlForLayer", repository))
    needs.add("s3", image.region, why, Call("s3:GetObject", f"arn:aws:s3:::prod-{image.region}-starport-layer-bucket/*"))


def _logs(needs: _Needs, container: ecs_model.Container, name: str) -> None:
    region = container.log_options.get("awslogs-region")
    region = region if isinstance(region, str) and not is_unknown(region) else None
    group = container.log_options.get("awslogs-group")
    where_region, account = needs.where(region)
    group_arn = f"arn:aws:logs:{where_region}:{account}:log-group:{partly(group, 'log group')}"
    needs.add("logs", region, f"awslogs in container '{name}'",
              Call("logs:CreateLogStream", f"{group_arn}:log-stream:"),
              Call("logs:PutLogEvents", f"{group_arn}:log-stream:{partly(None, 'log stream')}"))


def _secret(needs: _Needs, value: str, name: str) -> None:
    why = f"secrets of container '{name}'"
    parts = _arn_parts(value)
    if parts is None:
        where_region, account = needs.where(None)
        parameter = value if value.startswith("/") else f"/{value}"
        needs.add("ssm", None, why, Call("ssm:GetParameters",
                                         f"arn:aws:ssm:{where_region}:{account}:parameter{parameter}"))
    elif parts[0] == "ssm":
        needs.add("ssm", parts[1] or None, why, Call("ssm:GetParameters", value))
    elif parts[0] == "secretsmanager":
        # valueFrom may add :json-key:version-stage:version-id after the secret's ARN.
        secret = ":".join(value.split(":")[:7])
        needs.add("secretsmanager", parts[1] or None, why, Call("secretsmanager:GetSecretValue", secret))


def endpoint_service_name(need: Need, region: str) -> str:
    return f"com.amazonaws.{need.region or region}.{need.service}"


def describe_need(need: Need, region: str) -> str:
    if need.service == INTERNET:
        return f"the internet ({need.why})"
    return f"{SERVICE_NAMES[need.service]} ({endpoint_service_name(need, region)})"
