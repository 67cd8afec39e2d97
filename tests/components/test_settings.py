"""Settings: defaults, every option read into the typed object, and Pulumi.yaml's declarations."""

from __future__ import annotations

import json

import yaml

from components.settings import (
    AlarmSettings,
    AlbSettings,
    AutoscalingSettings,
    DeploymentSettings,
    HealthCheckSettings,
    ImageSettings,
    NetworkSettings,
    RoutingSettings,
    SecretRef,
    ServiceSettings,
    Settings,
    load_settings,
)
from components.stack import rule_priorities
from tests.components.harness import REPO_ROOT, config_of

PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/prod/db-password"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth/prod/stripe-Ab12Cd"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0c6a8f3e-1d2b-4e5f-8a9b-0c1d2e3f4a5b"


def load(stack: str = "dev", **values) -> Settings:
    return load_settings(config_of(**values), project="berth", stack=stack, project_dir=REPO_ROOT)


def test_minimal_settings_are_egress_and_one_service_with_a_build_context_and_everything_else_defaults():
    settings = load(egress="nat", services={"web": {"image": {"context": "app"}}})

    assert settings == Settings(
        project="berth", stack="dev", egress="nat", allow_public_task_ips=False, log_retention_days=30,
        network=NetworkSettings(vpc_id=None, public_subnet_ids=(), private_subnet_ids=(), cidr="10.0.0.0/16",
                                az_count=2, nat_gateways="perAz", existing_endpoints=()),
        alb=AlbSettings(certificate_arn=None, ingress_cidrs=("0.0.0.0/0",),
                        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", test_listener_port=9000),
        alarms=AlarmSettings(topic_arn=None, cpu_percent=80, http_5xx_per_minute=10),
        services=(ServiceSettings(
            name="web",
            image=ImageSettings(context="app", dockerfile=None, platform="linux/amd64", base_image=None,
                                build_args={}, target=None, ref=None),
            cpu=256, memory=512, port=8080, desired_count=2,
            deployment=DeploymentSettings(strategy="rolling", min_healthy_percent=100, max_percent=200,
                                          bake_time_minutes=5),
            health_check=HealthCheckSettings(path="/health", matcher="200", command=None, interval=30, timeout=5,
                                             retries=3, start_period=60),
            routing=RoutingSettings(path=None, host=None), environment={}, secrets=(), kms_key_arns=(),
            task_policy_arns=(), autoscaling=None, deregistration_delay=30),),
    )


def test_every_service_option_is_read_into_the_typed_settings():
    service = {
        "image": {"context": "app", "dockerfile": "app/Dockerfile", "platform": "linux/arm64",
                  "baseImage": "registry.local/python:3.11", "buildArgs": {"APP_VERSION": "1.2.3"},
                  "target": "runtime"},
        "cpu": 1024, "memory": 3072, "port": 9000, "desiredCount": 3,
        "deployment": {"strategy": "blueGreen", "minHealthyPercent": 50, "maxPercent": 150, "bakeTimeMinutes": 15},
        "healthCheck": {"path": "/ready", "matcher": "200-299", "command": ["CMD-SHELL", "test -f /tmp/ok"],
                        "interval": 20, "timeout": 4, "retries": 5, "startPeriod": 120},
        "routing": {"path": "/api/*", "host": "api.example.com"},
        "environment": {"LOG_LEVEL": "info"},
        "secrets": {"DB_PASSWORD": PARAMETER, "STRIPE_KEY": SECRET},
        "kmsKeyArns": [KEY],
        "taskPolicyArns": ["arn:aws:iam::123456789012:policy/api"],
        "autoscaling": {"minCount": 3, "maxCount": 9, "cpuTarget": 50, "requestsPerTarget": 500},
        "deregistrationDelay": 60,
    }
    [api] = load(egress="endpoints", services={"api": service}).services

    assert api == ServiceSettings(
        name="api",
        image=ImageSettings(context="app", dockerfile="app/Dockerfile", platform="linux/arm64",
                            base_image="registry.local/python:3.11",
                            build_args={"APP_VERSION": "1.2.3", "BASE_IMAGE": "registry.local/python:3.11"},
                            target="runtime", ref=None),
        cpu=1024, memory=3072, port=9000, desired_count=3,
        deployment=DeploymentSettings("blueGreen", 50, 150, 15),
        health_check=HealthCheckSettings("/ready", "200-299", ("CMD-SHELL", "test -f /tmp/ok"), 20, 4, 5, 120),
        routing=RoutingSettings(path="/api/*", host="api.example.com"),
        environment={"LOG_LEVEL": "info"},
        secrets=(SecretRef("DB_PASSWORD", PARAMETER, "ssm", "eu-west-1", PARAMETER),
                 SecretRef("STRIPE_KEY", SECRET, "secretsmanager", "eu-west-1", SECRET)),
        kms_key_arns=(KEY,), task_policy_arns=("arn:aws:iam::123456789012:policy/api",),
        autoscaling=AutoscalingSettings(3, 9, 50, 500), deregistration_delay=60,
    )


def test_stack_wide_options_are_read_into_the_typed_settings():
    settings = load(
        egress="endpoints", logRetentionDays=365,
        network={"vpcId": "vpc-0123456789abcdef0", "publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
                 "privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
                 "existingEndpoints": ["s3"]},
        alb={"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/5f0e7d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f",
             "ingressCidrs": ["203.0.113.0/24", "198.51.100.0/24"], "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06",
             "testListenerPort": 8443, "testListenerCidrs": ["10.1.0.0/16"], "domainName": "app.example.com",
             "hostedZoneId": "Z0123456789ABCDEFGHIJ"},
        alarms={"topicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "cpuPercent": 70, "http5xxPerMinute": 3},
        services={"web": {"image": {"ref": "nginx@sha256:" + "a" * 64}}},
    )

    assert (settings.log_retention_days, settings.network, settings.alb, settings.alarms) == (
        365,
        NetworkSettings(vpc_id="vpc-0123456789abcdef0",
                        public_subnet_ids=("subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"),
                        private_subnet_ids=("subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"),
                        existing_endpoints=("s3",)),
        AlbSettings("arn:aws:acm:eu-west-1:123456789012:certificate/5f0e7d4c-2b1a-4c3d-9e8f-7a6b5c4d3e2f",
                    ("203.0.113.0/24", "198.51.100.0/24"), "ELBSecurityPolicy-TLS13-1-3-2021-06", 8443,
                    ("10.1.0.0/16",), "app.example.com", "Z0123456789ABCDEFGHIJ"),
        AlarmSettings("arn:aws:sns:eu-west-1:123456789012:alerts", 70, 3),
    )
    assert settings.services[0].image == ImageSettings(ref="nginx@sha256:" + "a" * 64)


def test_public_egress_is_accepted_with_the_explicit_opt_in():
    settings = load("prod", egress="public", allowPublicTaskIps=True, services={"web": {"image": {"context": "app"}}})

    assert (settings.egress, settings.allow_public_task_ips) == ("public", True)


def test_endpoints_include_ssm_and_secrets_manager_only_when_a_service_reads_from_them():
    plain = load(egress="endpoints", services={"web": {"image": {"context": "app"}}})
    with_ssm = load(egress="endpoints", services={"web": {"image": {"context": "app"}, "secrets": {"A": PARAMETER}}})
    with_both = load(egress="endpoints", services={
        "web": {"image": {"context": "app"}, "secrets": {"A": PARAMETER}},
        "api": {"image": {"context": "app"}, "secrets": {"B": SECRET}, "routing": {"path": "/api/*"}}})

    assert plain.endpoint_services() == ("ecr.api", "ecr.dkr", "logs")
    assert with_ssm.endpoint_services() == ("ecr.api", "ecr.dkr", "logs", "ssm")
    assert with_both.endpoint_services() == ("ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager")


def test_routed_services_get_priorities_in_declaration_order_and_the_catch_all_comes_last():
    settings = load(egress="nat", services={
        "web": {"image": {"context": "app"}},
        "api": {"image": {"context": "app"}, "routing": {"path": "/api/*"}},
        "admin": {"image": {"context": "app"}, "routing": {"host": "admin.example.com"}},
    })

    assert rule_priorities(settings) == {"web": 50000, "api": 100, "admin": 200}


def test_pulumi_yaml_declares_every_scalar_setting_with_a_type_description_and_the_same_default():
    declared = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]
    defaults = load(egress="nat", services={"web": {"image": {"context": "app"}}})

    assert declared == {
        "egress": {"type": "string", "description": declared["egress"]["description"]},
        "allowPublicTaskIps": {"type": "boolean", "description": declared["allowPublicTaskIps"]["description"],
                               "default": defaults.allow_public_task_ips},
        "logRetentionDays": {"type": "integer", "description": declared["logRetentionDays"]["description"],
                             "default": defaults.log_retention_days},
    }
    assert all(len(entry["description"]) > 20 for entry in declared.values())


def test_committed_stacks_load_without_problems():
    for stack in ("dev", "prod"):
        document = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        config = {key: value if isinstance(value, str) else json.dumps(value) for key, value in document.items()}
        settings = load_settings(config, project="berth", stack=stack, project_dir=REPO_ROOT)
        assert settings.stack == stack


def test_project_files_of_the_program_and_the_consumer_example_follow_pulumis_project_schema():
    import jsonschema

    schema = json.loads((REPO_ROOT.parent / "shared" / "schemas" / "pulumi-project.schema.json").read_text())
    for path in (REPO_ROOT / "Pulumi.yaml", REPO_ROOT / "examples" / "consumer" / "Pulumi.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
