"""The stack's settings: read once from the `berth:` config namespace, validated, frozen.

`load_settings` is a pure function of the config text, so invalid settings raise before
the program registers any resource. Every default lives here and in docs/settings.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.config_reader import (
    REQUIRED,
    Invalid,
    Section,
    SettingsError,
    boolean,
    english_list,
    integer,
    list_of,
    matching,
    one_of,
    shown,
    string,
)
from components.naming import name_problems

NAMESPACE = "berth"

EGRESS_MODES = ("endpoints", "nat", "public")
NAT_LAYOUTS = ("single", "perAz", "existing")
STRATEGIES = ("rolling", "blueGreen")
PLATFORMS = ("linux/amd64", "linux/arm64")
ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager", "s3")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)

# AWS's table of task sizes Fargate accepts: cpu units -> memory MiB.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# Names of environment variables that carry credentials: their values belong in `secrets`.
CREDENTIAL_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY", re.IGNORECASE
)
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/:@\s]+:[^/@\s]+@", re.IGNORECASE)
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A service name is part of resource names: lowercase letters, digits and single hyphens.
SERVICE_NAME = re.compile(r"(?=.{1,20}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

PARTITION = r"aws(?:-cn|-us-gov)?"
REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
ACCOUNT = r"\d{12}"
SSM_PARAMETER_ARN = re.compile(rf"arn:({PARTITION}):ssm:({REGION}):({ACCOUNT}):parameter/[A-Za-z0-9_.\-/]+")
SECRET_ARN = re.compile(
    rf"(arn:({PARTITION}):secretsmanager:({REGION}):({ACCOUNT}):secret:[A-Za-z0-9/_+=.@-]+)"
    r"(?::[^:]*:[^:]*:[^:]*)?"
)
SECRET_RANDOM_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
KMS_KEY_ARN = rf"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/(?:[0-9a-f]{{8}}(?:-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}|mrk-[0-9a-f]{{32}})"
CERTIFICATE_ARN = rf"arn:{PARTITION}:acm:{REGION}:{ACCOUNT}:certificate/[0-9a-f]{{8}}(?:-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}"
SNS_TOPIC_ARN = rf"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:[A-Za-z0-9_-]{{1,256}}"
MANAGED_POLICY_ARN = rf"arn:{PARTITION}:iam::(?:aws|{ACCOUNT}):policy/[A-Za-z0-9_+=,.@/-]+"
IMAGE_BY_DIGEST = r"[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}"
CIDR = r"(?:\d{1,3}\.){3}\d{1,3}/\d{1,2}"
DOMAIN_NAME = r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
# Variables berth sets in every container from the service's settings (components/task.py).
RESERVED_ENVIRONMENT = {"PORT": "port", "BASE_PATH": "routing.path"}

EXAMPLE_KMS = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXAMPLE_CERTIFICATE = "arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
EXAMPLE_TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
EXAMPLE_DIGEST_REF = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<64 hex digits>"


@dataclass(frozen=True)
class NetworkSettings:
    vpc_id: str | None = None
    public_subnet_ids: tuple[str, ...] = ()
    private_subnet_ids: tuple[str, ...] = ()
    cidr: str = "10.0.0.0/16"
    az_count: int = 2
    nat_gateways: str = "perAz"
    existing_endpoints: tuple[str, ...] = ()

    @property
    def adopted(self) -> bool:
        return self.vpc_id is not None


@dataclass(frozen=True)
class AlbSettings:
    certificate_arn: str | None = None
    ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    test_listener_port: int = 9000
    test_listener_cidrs: tuple[str, ...] = ()
    domain_name: str | None = None
    hosted_zone_id: str | None = None


@dataclass(frozen=True)
class AlarmSettings:
    topic_arn: str | None = None
    cpu_percent: int = 80
    http_5xx_per_minute: int = 10


@dataclass(frozen=True)
class ImageSettings:
    """Either a build (`context`) or a pre-built image pinned by digest (`ref`)."""

    context: str | None = None
    dockerfile: str | None = None
    platform: str = "linux/amd64"
    base_image: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class SecretRef:
    """One `secrets` entry: the variable, its valueFrom, and the IAM resource to grant on."""

    name: str
    value_from: str
    service: str  # "ssm" or "secretsmanager"
    region: str
    resource_arn: str


@dataclass(frozen=True)
class HealthCheckSettings:
    path: str = "/health"
    matcher: str = "200"
    command: tuple[str, ...] | None = None
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 60


@dataclass(frozen=True)
class DeploymentSettings:
    strategy: str = "rolling"
    min_healthy_percent: int = 100
    max_percent: int = 200
    bake_time_minutes: int = 5


@dataclass(frozen=True)
class AutoscalingSettings:
    min_count: int
    max_count: int
    cpu_target: int = 60
    requests_per_target: int = 1000


@dataclass(frozen=True)
class RoutingSettings:
    path: str | None = None
    host: str | None = None

    @property
    def is_default(self) -> bool:
        return self.path is None and self.host is None


@dataclass(frozen=True)
class ServiceSettings:
    name: str
    image: ImageSettings
    cpu: int = 256
    memory: int = 512
    port: int = 8080
    desired_count: int = 2
    deployment: DeploymentSettings = DeploymentSettings()
    health_check: HealthCheckSettings = HealthCheckSettings()
    routing: RoutingSettings = RoutingSettings()
    environment: dict[str, str] = field(default_factory=dict)
    secrets: tuple[SecretRef, ...] = ()
    kms_key_arns: tuple[str, ...] = ()
    task_policy_arns: tuple[str, ...] = ()
    autoscaling: AutoscalingSettings | None = None
    deregistration_delay: int = 30

    @property
    def blue_green(self) -> bool:
        return self.deployment.strategy == "blueGreen"


@dataclass(frozen=True)
class Settings:
    project: str
    stack: str
    egress: str
    services: tuple[ServiceSettings, ...]
    allow_public_task_ips: bool = False
    log_retention_days: int = 30
    network: NetworkSettings = NetworkSettings()
    alb: AlbSettings = AlbSettings()
    alarms: AlarmSettings = AlarmSettings()

    def endpoint_services(self) -> tuple[str, ...]:
        """Interface endpoints the tasks need when egress is `endpoints` (S3 is a gateway endpoint)."""
        needed = ["ecr.api", "ecr.dkr", "logs"]
        kinds = {secret.service for service in self.services for secret in service.secrets}
        needed += [kind for kind in ("ssm", "secretsmanager") if kind in kinds]
        return tuple(needed)


def decode_config_text(text: str) -> Any:
    """Config as the language host passes it: structured values and numbers as JSON text."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text


def load_settings(config: dict[str, str], *, project: str, stack: str, project_dir: Path) -> Settings:
    """Settings from the `berth:` keys of `config` (key -> text, as in PULUMI_CONFIG); raises SettingsError."""
    problems: list[str] = []
    prefix = f"{NAMESPACE}:"
    values = {key[len(prefix):]: decode_config_text(text) for key, text in config.items() if key.startswith(prefix)}
    root = Section(NAMESPACE, values, problems, separator=":")

    egress = root.field(
        "egress", one_of(EGRESS_MODES, " (see docs/settings.md for the cost of each)"), REQUIRED,
        missing="set `berth:egress` to endpoints, nat or public (how the tasks reach ECR, logs and secrets)",
    )
    allow_public = root.field("allowPublicTaskIps", boolean(), False)
    retention = root.field("logRetentionDays", _retention(), 30)
    network = _network(root.section("network"), egress)
    alb = _alb(root.section("alb"))
    alarms = _alarms(root.section("alarms"))
    services_section = root.section(
        "services", required=True,
        missing="add at least one service, e.g. `services: {web: {image: {context: app}}}`",
    )
    services = _services(services_section, project_dir)
    root.finish()

    if egress == "public" and allow_public is False:
        problems.append(
            "`berth:egress` \"public\" gives every task a public IP address; set "
            "`berth:allowPublicTaskIps: true` to accept that, or use egress endpoints or nat"
        )
    _check_routing(services, problems)
    _check_name_lengths(project, stack, services, problems)

    if problems:
        raise SettingsError(problems)
    return Settings(
        project=project,
        stack=stack,
        egress=egress,
        services=tuple(services),
        allow_public_task_ips=allow_public,
        log_retention_days=retention,
        network=network,
        alb=alb,
        alarms=alarms,
    )


def _retention():
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{shown(value)} is not a number of days; use one of {english_list(LOG_RETENTION_DAYS)}")
        if value not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda days: abs(days - value))
            raise Invalid(
                f"{value} is not a retention CloudWatch Logs accepts; use {nearest} or another of "
                f"{english_list(LOG_RETENTION_DAYS)}"
            )
        return value

    return convert


def _cidr():
    import ipaddress

    base = matching(CIDR, "an IPv4 CIDR block", "10.0.0.0/16")

    def convert(value: Any) -> str:
        text = base(value)
        try:
            return str(ipaddress.ip_network(text, strict=True))
        except ValueError:
            raise Invalid(f"{shown(value)} is not a valid CIDR block; use the form \"10.0.0.0/16\"") from None

    return convert


def _network(section: Section, egress: str | None) -> NetworkSettings:
    subnet = matching(r"subnet-[0-9a-f]{8}(?:[0-9a-f]{9})?", "a subnet ID", "subnet-0123456789abcdef0")
    vpc_id = section.field("vpcId", matching(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?", "a VPC ID", "vpc-0123456789abcdef0"))
    public = section.field("publicSubnetIds", list_of(subnet, 2, "subnet IDs"))
    private = section.field("privateSubnetIds", list_of(subnet, 2, "subnet IDs"))
    cidr_value = section.field("cidr", _cidr())
    az_count = section.field("azCount", integer(2, 6, "availability zones"))
    nat = section.field("natGateways", one_of(NAT_LAYOUTS))
    existing = section.field("existingEndpoints", list_of(one_of(ENDPOINT_SERVICES), 0, "endpoint services"))
    section.finish()

    adopted = section.has("vpcId")
    if adopted:
        if not section.has("publicSubnetIds"):
            section.problem("publicSubnetIds", "is missing; an adopted VPC needs the IDs of at least two public "
                                               "subnets (in two availability zones) for the load balancer")
        if egress in ("endpoints", "nat") and not section.has("privateSubnetIds"):
            section.problem("privateSubnetIds", f"is missing; egress {egress} runs the tasks in private subnets, "
                                                "so list at least two (in two availability zones)")
        for key in ("cidr", "azCount"):
            if section.has(key):
                section.problem(key, f"{shown(section.data[key])} applies only to a VPC this stack creates; "
                                     "remove it, or remove `berth:network.vpcId` to create a VPC")
    else:
        for key in ("publicSubnetIds", "privateSubnetIds", "existingEndpoints"):
            if section.has(key):
                section.problem(key, f"{shown(section.data[key])} applies only to an adopted VPC; set "
                                     "`berth:network.vpcId` too, or remove it to let the stack create the subnets")
        if nat == "existing":
            section.problem("natGateways", "\"existing\" applies only to an adopted VPC; use single or perAz")
    if section.has("natGateways") and egress not in (None, "nat"):
        section.problem("natGateways", f"{shown(section.data['natGateways'])} applies only when `berth:egress` "
                                       "is nat; remove it")
    if section.has("existingEndpoints") and egress not in (None, "endpoints"):
        section.problem("existingEndpoints", f"{shown(section.data['existingEndpoints'])} applies only when "
                                             "`berth:egress` is endpoints; remove it")
    if cidr_value is not None:
        prefix = int(cidr_value.split("/")[1])
        # Subnets are 1/16 of the VPC; an ALB needs subnets of /27 or larger (8 free addresses).
        if not 16 <= prefix <= 23:
            section.problem("cidr", f"{shown(cidr_value)} has a /{prefix} prefix; use a prefix from /16 to /23 "
                                    "so each availability zone gets public and private subnets of at least /27, the "
                                    "smallest a load balancer accepts")
    return NetworkSettings(
        vpc_id=vpc_id,
        public_subnet_ids=tuple(public or ()),
        private_subnet_ids=tuple(private or ()),
        cidr=cidr_value or "10.0.0.0/16",
        az_count=az_count or 2,
        nat_gateways=nat or "perAz",
        existing_endpoints=tuple(existing or ()),
    )


def _alb(section: Section) -> AlbSettings:
    certificate = section.field("certificateArn", matching(CERTIFICATE_ARN, "an ACM certificate ARN", EXAMPLE_CERTIFICATE))
    cidrs = section.field("ingressCidrs", list_of(_cidr(), 1, "CIDR blocks"))
    ssl_policy = section.field("sslPolicy", matching(r"ELBSecurityPolicy-[A-Za-z0-9-]+", "an ELB security policy name",
                                                     "ELBSecurityPolicy-TLS13-1-2-2021-06"))
    test_port = section.field("testListenerPort", integer(1, 65535))
    test_cidrs = section.field("testListenerCidrs", list_of(_cidr(), 0, "CIDR blocks"))
    domain = section.field("domainName", matching(DOMAIN_NAME, "a domain name", "app.example.com"))
    zone = section.field("hostedZoneId", matching(r"Z[A-Z0-9]{1,31}", "a Route 53 hosted zone ID",
                                                  "Z0123456789ABCDEFGHIJ"))
    section.finish()
    if certificate is not None and not section.has("domainName"):
        section.problem("domainName", "is missing; an HTTPS listener serves the names on `certificateArn`, never the "
                                      "load balancer's DNS name: set the name clients use, e.g. \"app.example.com\"")
    if section.has("hostedZoneId") and not section.has("domainName"):
        section.problem("hostedZoneId", "needs `domainName`: the alias record is created for that name; set "
                                        "`berth:alb.domainName` too, or remove it")
    if test_port in (80, 443):
        section.problem("testListenerPort", f"{test_port} is a production listener port; use another port, e.g. 9000")
        test_port = None
    defaults = AlbSettings()
    return AlbSettings(
        certificate_arn=certificate,
        ingress_cidrs=tuple(cidrs) if cidrs else defaults.ingress_cidrs,
        ssl_policy=ssl_policy or defaults.ssl_policy,
        test_listener_port=test_port or defaults.test_listener_port,
        test_listener_cidrs=tuple(test_cidrs or ()),
        domain_name=domain,
        hosted_zone_id=zone,
    )


def _alarms(section: Section) -> AlarmSettings:
    topic = section.field("topicArn", matching(SNS_TOPIC_ARN, "an SNS topic ARN", EXAMPLE_TOPIC))
    cpu = section.field("cpuPercent", integer(1, 100, "percent"))
    errors = section.field("http5xxPerMinute", integer(1, 100000, "responses"))
    section.finish()
    defaults = AlarmSettings()
    return AlarmSettings(
        topic_arn=topic,
        cpu_percent=cpu or defaults.cpu_percent,
        http_5xx_per_minute=errors or defaults.http_5xx_per_minute,
    )


def _services(section: Section, project_dir: Path) -> list[ServiceSettings]:
    services = []
    entries = section.entries()
    if section.valid and not entries:
        section.problem(None, "is empty; add at least one service, e.g. `services: {web: {image: {context: app}}}`")
    for name, data in entries.items():
        if not SERVICE_NAME.fullmatch(name):
            section.problem(name, "is not a valid service name; use 1 to 20 lowercase letters, digits and single "
                                  "hyphens, starting with a letter and not ending with a hyphen")
            continue
        service = _service(Section(section.key(name), data, section.problems), name, project_dir)
        if service is not None:
            services.append(service)
    return services


def _service(section: Section, name: str, project_dir: Path) -> ServiceSettings | None:
    if not section.valid:
        section.problem(None, f"{shown(section.data)} is not a mapping; expected the service's settings, "
                              "e.g. `{image: {context: app}}`")
        return None
    image = _image(section.section("image", required=True, missing="set `image.context` (a directory to build) "
                                                                     "or `image.ref` (an image pinned by digest)"),
                   project_dir)
    cpu = section.field("cpu", one_of_ints(tuple(FARGATE_SIZES), "cpu units"), 256)
    memory = section.field("memory", integer(512, 122880, "MiB"), 512)
    port = section.field("port", integer(1, 65535), 8080)
    desired = section.field("desiredCount", integer(1, 1000, "tasks"), 2)
    deployment = _deployment(section.section("deployment"), desired)
    health = _health(section.section("healthCheck"))
    routing = _routing(section.section("routing"))
    environment = _environment(section.section("environment"), section.path)
    secrets = _secrets(section.section("secrets"))
    kms = section.field("kmsKeyArns", list_of(matching(KMS_KEY_ARN, "a KMS key ARN", EXAMPLE_KMS), 0, "key ARNs"), [])
    policies = section.field("taskPolicyArns", list_of(matching(
        MANAGED_POLICY_ARN, "an IAM policy ARN", "arn:aws:iam::123456789012:policy/web-app"), 0, "policy ARNs"), [])
    autoscaling = _autoscaling(section.section("autoscaling"), desired) if section.has("autoscaling") else None
    delay = section.field("deregistrationDelay", integer(0, 3600, "seconds"), 30)
    section.finish()

    if cpu is not None and memory is not None and memory not in FARGATE_SIZES[cpu]:
        section.problem("memory", f"{memory} is not valid with cpu {cpu}; use {english_list(FARGATE_SIZES[cpu])}")
    for secret in secrets or ():
        if environment is not None and secret.name in environment:
            section.problem(f"environment.{secret.name}", f"is also set in `{section.key('secrets')}.{secret.name}`; "
                                                         "keep one of them")
    if None in (image, cpu, memory, port, desired, deployment, health, routing, environment, secrets, kms, policies,
                delay) or (section.has("autoscaling") and autoscaling is None):
        return None
    return ServiceSettings(
        name=name, image=image, cpu=cpu, memory=memory, port=port, desired_count=desired, deployment=deployment,
        health_check=health, routing=routing, environment=environment, secrets=tuple(secrets),
        kms_key_arns=tuple(kms), task_policy_arns=tuple(policies), autoscaling=autoscaling,
        deregistration_delay=delay,
    )


def one_of_ints(options: tuple[int, ...], unit: str):
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{shown(value)} is not a number of {unit}; use {english_list(options)}")
        if value not in options:
            raise Invalid(f"{value} is not a Fargate task size; use {english_list(options)}")
        return value

    return convert


def _image(section: Section, project_dir: Path) -> ImageSettings | None:
    context = section.field("context", string("app"))
    dockerfile = section.field("dockerfile", string("app/Dockerfile"))
    platform = section.field("platform", one_of(PLATFORMS), "linux/amd64")
    base_image = section.field("baseImage", string("python:3.11-slim-bookworm"))
    build_args = _string_map(section.section("buildArgs"), ENV_NAME, "build argument")
    target = section.field("target", string("runtime"))
    ref = section.field("ref", matching(IMAGE_BY_DIGEST, "an image reference pinned by digest", EXAMPLE_DIGEST_REF))
    section.finish()
    if not section.valid:
        return None
    has_context, has_ref = section.has("context"), section.has("ref")
    if has_context == has_ref:
        choice = "both" if has_context else "neither"
        section.problem(None, f"sets {choice} of `context` and `ref`; set `context` (a directory to build) or `ref` "
                              "(an image pinned by digest), not both")
        return None
    if has_ref:
        for key in ("dockerfile", "baseImage", "buildArgs", "target"):
            if section.has(key):
                section.problem(key, "applies only to an image built from `context`; remove it")
        return None if ref is None else ImageSettings(ref=ref, platform=platform or "linux/amd64")
    if context is None:
        return None
    directory = (project_dir / context).resolve()
    if not directory.is_dir():
        section.problem("context", f"{shown(context)} is not a directory; use the path of the build context "
                                   "relative to Pulumi.yaml, e.g. \"app\"")
        return None
    dockerfile_path = (project_dir / dockerfile) if dockerfile else directory / "Dockerfile"
    if not dockerfile_path.is_file():
        key = "dockerfile" if dockerfile else "context"
        value = dockerfile if dockerfile else context
        section.problem(key, f"{shown(value)} has no Dockerfile; add one or set `dockerfile` to its path "
                             "relative to Pulumi.yaml")
        return None
    if None in (platform, build_args) or (section.has("baseImage") and base_image is None) \
            or (section.has("target") and target is None):
        return None
    args = dict(build_args)
    if base_image is not None:
        args["BASE_IMAGE"] = base_image
    return ImageSettings(
        context=context,
        dockerfile=dockerfile,
        platform=platform,
        base_image=base_image,
        build_args=args,
        target=target,
    )


def _string_map(section: Section, name_pattern: re.Pattern, what: str) -> dict[str, str] | None:
    values: dict[str, str] = {}
    ok = section.valid
    for key, value in section.entries().items():
        if not name_pattern.fullmatch(key):
            section.problem(key, f"is not a valid {what} name; use letters, digits and underscores, "
                                 "not starting with a digit")
            ok = False
        elif not isinstance(value, str):
            section.problem(key, f"{shown(value)} is {'a number' if isinstance(value, int | float) else 'not a string'}"
                                 f"; quote it, e.g. {shown(str(value))}")
            ok = False
        else:
            values[key] = value
    return values if ok else None


def _environment(section: Section, service_path: str) -> dict[str, str] | None:
    values = _string_map(section, ENV_NAME, "environment variable")
    if values is None:
        return None
    ok = True
    for key, value in values.items():
        if key in RESERVED_ENVIRONMENT:
            section.problem(key, f"is set by berth from `{service_path}.{RESERVED_ENVIRONMENT[key]}`; remove it")
            ok = False
        elif CREDENTIAL_NAME.search(key):
            section.problem(key, f"looks like a credential and would be stored in plain text in the task "
                                 f"definition; move it to `{service_path}.secrets.{key}` with the ARN of an SSM "
                                 "parameter or a Secrets Manager secret")
            ok = False
        elif URL_WITH_PASSWORD.search(value):
            section.problem(key, f"is a URL with a password in it; move it to `{service_path}.secrets.{key}` "
                                 "with the ARN of an SSM parameter or a Secrets Manager secret")
            ok = False
    return values if ok else None


def _secrets(section: Section) -> list[SecretRef] | None:
    refs: list[SecretRef] = []
    ok = section.valid
    for key, value in section.entries().items():
        if not ENV_NAME.fullmatch(key):
            section.problem(key, "is not a valid environment variable name; use letters, digits and underscores, "
                                 "not starting with a digit")
            ok = False
            continue
        ref = secret_ref(key, value)
        if isinstance(ref, str):
            section.problem(key, ref)
            ok = False
        else:
            refs.append(ref)
    return refs if ok else None


def secret_ref(name: str, value: Any) -> SecretRef | str:
    fix = ("use the full ARN of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>) or of a "
           "Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)")
    if not isinstance(value, str):
        return f"{shown(value)} is not an ARN; {fix}"
    if match := SSM_PARAMETER_ARN.fullmatch(value):
        return SecretRef(name=name, value_from=value, service="ssm", region=match.group(2), resource_arn=value)
    if match := SECRET_ARN.fullmatch(value):
        secret_arn = match.group(1)
        # Without its random suffix an ARN names no secret exactly; IAM matches the suffix by wildcard.
        resource = secret_arn if SECRET_RANDOM_SUFFIX.search(secret_arn) else f"{secret_arn}-??????"
        return SecretRef(name=name, value_from=value, service="secretsmanager", region=match.group(3),
                         resource_arn=resource)
    return f"{shown(value)} is not an SSM parameter ARN or a Secrets Manager secret ARN; {fix}"


def _deployment(section: Section, desired: int | None) -> DeploymentSettings | None:
    strategy = section.field("strategy", one_of(STRATEGIES), "rolling")
    minimum = section.field("minHealthyPercent", integer(0, 100, "percent"), 100)
    maximum = section.field("maxPercent", integer(100, 400, "percent"), 200)
    bake = section.field("bakeTimeMinutes", integer(0, 1440, "minutes"), 5)
    section.finish()
    if None in (strategy, minimum, maximum, bake) or not section.valid:
        return None
    ok = True
    if minimum < 100 and not (minimum >= 50 and desired is not None and desired >= 2):
        section.problem("minHealthyPercent", f"{minimum} lets a deployment stop tasks that serve traffic; use 100, "
                                             "or at least 50 with `desiredCount` 2 or more")
        ok = False
    if maximum <= 100:
        section.problem("maxPercent", f"{maximum} leaves no room to start new tasks before old ones stop; use more "
                                      "than 100, e.g. 200")
        ok = False
    if section.has("bakeTimeMinutes") and strategy != "blueGreen":
        section.problem("bakeTimeMinutes", "applies only to strategy blueGreen; remove it or set "
                                           "`strategy: blueGreen`")
        ok = False
    return DeploymentSettings(strategy, minimum, maximum, bake) if ok else None


def _health(section: Section) -> HealthCheckSettings | None:
    defaults = HealthCheckSettings()
    path = section.field("path", matching(r"/[A-Za-z0-9_.~/\-?=&%]*", "a URL path", "/health"), defaults.path)
    matcher = section.field("matcher", matching(r"\d{3}(?:-\d{3})?(?:,\d{3}(?:-\d{3})?)*", "an HTTP status matcher",
                                                "200-299"), defaults.matcher)
    command = section.field("command", _health_command())
    interval = section.field("interval", integer(5, 300, "seconds"), defaults.interval)
    # ECS container health checks: timeout 2-60 s (the target group's own check is set in service.py).
    timeout = section.field("timeout", integer(2, 60, "seconds"), defaults.timeout)
    retries = section.field("retries", integer(1, 10), defaults.retries)
    start = section.field("startPeriod", integer(0, 300, "seconds"), defaults.start_period)
    section.finish()
    if None in (path, matcher, interval, timeout, retries, start) or (section.has("command") and command is None):
        return None
    if timeout >= interval:
        section.problem("timeout", f"{timeout} is not shorter than the interval {interval}; use a timeout below "
                                   "the interval")
        return None
    return HealthCheckSettings(path, matcher, tuple(command) if command else None, interval, timeout, retries, start)


def _health_command():
    items = list_of(string("python3"), 2, "strings")

    def convert(value: Any) -> list[str]:
        command = items(value)
        if command[0] not in ("CMD", "CMD-SHELL"):
            raise Invalid(f"{shown(value)} starts with {shown(command[0])}; start it with \"CMD\" followed by the "
                          "program and its arguments, or \"CMD-SHELL\" followed by one shell command")
        return command

    return convert


def _routing(section: Section) -> RoutingSettings | None:
    path = section.field("path", matching(r"/[A-Za-z0-9_.~/\-*?]*", "a path pattern", "/api/*"))
    host = section.field("host", matching(r"(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+", "a host name", "api.example.com"))
    section.finish()
    if (section.has("path") and path is None) or (section.has("host") and host is None):
        return None
    return RoutingSettings(path=path, host=host)


def _autoscaling(section: Section, desired: int | None) -> AutoscalingSettings | None:
    minimum = section.field("minCount", integer(1, 1000, "tasks"), REQUIRED,
                            missing="set the fewest tasks autoscaling may run, e.g. 2")
    maximum = section.field("maxCount", integer(1, 1000, "tasks"), REQUIRED,
                            missing="set the most tasks autoscaling may run, e.g. 6")
    cpu = section.field("cpuTarget", integer(10, 90, "percent"), 60)
    requests = section.field("requestsPerTarget", integer(1, 100000, "requests per minute"), 1000)
    section.finish()
    if None in (minimum, maximum, cpu, requests) or not section.valid:
        return None
    if maximum < minimum:
        section.problem("maxCount", f"{maximum} is below `minCount` {minimum}; use a value of at least {minimum}")
        return None
    if desired is not None and not minimum <= desired <= maximum:
        section.problem("minCount", f"{minimum} and `maxCount` {maximum} do not include `desiredCount` {desired}; "
                                    "choose a range that includes it")
        return None
    return AutoscalingSettings(minimum, maximum, cpu, requests)


def _check_routing(services: list[ServiceSettings], problems: list[str]) -> None:
    defaults = [service.name for service in services if service.routing.is_default]
    if len(defaults) > 1:
        problems.append(
            f"`berth:services.{defaults[1]}.routing` is not set, and neither is `berth:services.{defaults[0]}.routing`;"
            " only one service can take the requests no rule matches: give the other a `routing.path` or "
            "`routing.host`"
        )
    seen: dict[tuple[str | None, str | None], str] = {}
    for service in services:
        key = (service.routing.path, service.routing.host)
        if not service.routing.is_default and key in seen:
            described = {name: value for name, value in (("host", key[1]), ("path", key[0])) if value}
            problems.append(
                f"`berth:services.{service.name}.routing` {shown(described)} is the same as `berth:services.{seen[key]}.routing`; give each service its own path or host"
            )
        seen.setdefault(key, service.name)


def _check_name_lengths(project: str, stack: str, services: list[ServiceSettings], problems: list[str]) -> None:
    problems += name_problems(project, stack, [(service.name, service.blue_green) for service in services])
