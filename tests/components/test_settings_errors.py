"""Malformed stack settings: each gives its exact error, and the program registers nothing.

Every case runs the project's real __main__.py under the mock runtime. The error names
the key path, the bad value and the fix; no resource is registered and no provider
function is called, so `pulumi up` with invalid settings changes nothing.
"""

from __future__ import annotations

import pytest

from components.config_reader import SettingsError
from tests.components.harness import config_of, run_program

MALFORMED = [
    pytest.param(
        "dev",
        {"services": {"web": {"image": {"context": "app"}}}},
        "`berth:egress` is missing; set `berth:egress` to endpoints, nat or public (how the tasks reach ECR, logs and secrets)",
        id="egress is required",
    ),
    pytest.param(
        "dev",
        {"egress": "internet", "services": {"web": {"image": {"context": "app"}}}},
        '`berth:egress` "internet" is not one of endpoints, nat or public; use one of them (see docs/settings.md for the cost of each)',
        id="egress must be a known mode",
    ),
    pytest.param(
        "prod",
        {"egress": "public", "services": {"web": {"image": {"context": "app"}}}},
        '`berth:egress` "public" gives every task a public IP address; set `berth:allowPublicTaskIps: true` to accept that, or use egress endpoints or nat',
        id="public egress needs the unsafe opt-in on prod",
    ),
    pytest.param(
        "dev",
        {"egress": "public", "allowPublicTaskIps": "yes", "services": {"web": {"image": {"context": "app"}}}},
        '`berth:allowPublicTaskIps` "yes" is a string; expected true or false',
        id="allowPublicTaskIps must be a boolean",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "logRetentionDay": 30, "services": {"web": {"image": {"context": "app"}}}},
        "`berth:logRetentionDay` is not a setting; did you mean `berth:logRetentionDays`?",
        id="unknown top-level key suggests the closest",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "logRetentionDays": 45, "services": {"web": {"image": {"context": "app"}}}},
        "`berth:logRetentionDays` 45 is not a retention CloudWatch Logs accepts; use 30 or another of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
        id="log retention must be a CloudWatch value",
    ),
    pytest.param(
        "dev",
        {"egress": "nat"},
        "`berth:services` is missing; add at least one service, e.g. `services: {web: {image: {context: app}}}`",
        id="services are required",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {}},
        "`berth:services` is empty; add at least one service, e.g. `services: {web: {image: {context: app}}}`",
        id="services must not be empty",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": ["web"]},
        '`berth:services` ["web"] is a list; expected a mapping of settings',
        id="services must be a mapping",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"Web_1": {"image": {"context": "app"}}}},
        "`berth:services.Web_1` is not a valid service name; use 1 to 20 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
        id="service names are lowercase",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"cpu": 256}}},
        "`berth:services.web.image` is missing; set `image.context` (a directory to build) or `image.ref` (an image pinned by digest)",
        id="image is required",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {
                        "context": "app",
                        "ref": "nginx@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    }
                }
            },
        },
        "`berth:services.web.image` sets both of `context` and `ref`; set `context` (a directory to build) or `ref` (an image pinned by digest), not both",
        id="image takes context or ref, not both",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {"image": {"ref": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:latest"}}
            },
        },
        '`berth:services.web.image.ref` "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:latest" is not an image reference pinned by digest; use the form "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<64 hex digits>"',
        id="pre-built image must be pinned by digest",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "no-such-dir"}}}},
        '`berth:services.web.image.context` "no-such-dir" is not a directory; use the path of the build context relative to Pulumi.yaml, e.g. "app"',
        id="build context must exist",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app", "platform": "linux/386"}}}},
        '`berth:services.web.image.platform` "linux/386" is not one of linux/amd64 or linux/arm64; use one of them',
        id="image platform must be one Fargate runs",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "cpu": 300}}},
        "`berth:services.web.cpu` 300 is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192 or 16384",
        id="cpu must be a Fargate size",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "cpu": 256, "memory": 4096}}},
        "`berth:services.web.memory` 4096 is not valid with cpu 256; use 512, 1024 or 2048",
        id="memory must fit the cpu",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "memory": "lots"}}},
        '`berth:services.web.memory` "lots" is a string; expected an integer from 512 to 122880 MiB',
        id="memory must be an integer",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "port": 70000}}},
        "`berth:services.web.port` 70000 is out of range; use an integer from 1 to 65535",
        id="port must be in range",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "port": "8080"}}},
        '`berth:services.web.port` "8080" is a string; expected an integer from 1 to 65535',
        id="port must be an integer, not a string",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "desiredCount": 0}}},
        "`berth:services.web.desiredCount` 0 is out of range; use an integer from 1 to 1000 tasks",
        id="desiredCount must be at least 1",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "prot": 8080}}},
        "`berth:services.web.prot` is not a setting; did you mean `berth:services.web.port`?",
        id="unknown service key suggests the closest",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {"web": {"image": {"context": "app"}, "environment": {"DB_PASSWORD": "hunter2"}}},
        },
        "`berth:services.web.environment.DB_PASSWORD` looks like a credential and would be stored in plain text in the task definition; move it to `berth:services.web.secrets.DB_PASSWORD` with the ARN of an SSM parameter or a Secrets Manager secret",
        id="credential-looking environment name points to secrets",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "environment": {"DATABASE_URL": "postgres://app:hunter2@db:5432/app"},
                }
            },
        },
        "`berth:services.web.environment.DATABASE_URL` is a URL with a password in it; move it to `berth:services.web.secrets.DATABASE_URL` with the ARN of an SSM parameter or a Secrets Manager secret",
        id="URL with a password in environment points to secrets",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "environment": {"WORKERS": 4}}}},
        '`berth:services.web.environment.WORKERS` 4 is a number; quote it, e.g. "4"',
        id="environment values must be strings",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "secrets": {"DB_PASSWORD": "arn:aws:ssm:eu-west-1:1234:parameter/db"},
                }
            },
        },
        '`berth:services.web.secrets.DB_PASSWORD` "arn:aws:ssm:eu-west-1:1234:parameter/db" is not an SSM parameter ARN or a Secrets Manager secret ARN; use the full ARN of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>) or of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
        id="secret ARN with a malformed account",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {"image": {"context": "app"}, "secrets": {"DB_PASSWORD": "/berth/dev/db-password"}}
            },
        },
        '`berth:services.web.secrets.DB_PASSWORD` "/berth/dev/db-password" is not an SSM parameter ARN or a Secrets Manager secret ARN; use the full ARN of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>) or of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
        id="secret as a bare parameter name",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "environment": {"DB_HOST": "db"},
                    "secrets": {
                        "DB_HOST": "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/dev/db-password"
                    },
                }
            },
        },
        "`berth:services.web.environment.DB_HOST` is also set in `berth:services.web.secrets.DB_HOST`; keep one of them",
        id="same name in environment and secrets",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "secrets": {
                        "DB_PASSWORD": "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/dev/db-password"
                    },
                    "kmsKeyArns": ["arn:aws:kms:eu-west-1:123456789012:alias/berth"],
                }
            },
        },
        '`berth:services.web.kmsKeyArns` item 0: "arn:aws:kms:eu-west-1:123456789012:alias/berth" is not a KMS key ARN; use the form "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
        id="KMS keys must be key ARNs, not aliases",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "alb": {"certificateArn": "arn:aws:iam::123456789012:server-certificate/web"},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:alb.certificateArn` "arn:aws:iam::123456789012:server-certificate/web" is not an ACM certificate ARN; use the form "arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"',
        id="certificate ARN must be an ACM ARN",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "alarms": {"topicArn": "alerts"},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:alarms.topicArn` "alerts" is not an SNS topic ARN; use the form "arn:aws:sns:eu-west-1:123456789012:alerts"',
        id="alarm topic must be an SNS ARN",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "alb": {"ingressCidrs": ["10.0.0.0/33"]},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:alb.ingressCidrs` item 0: "10.0.0.0/33" is not a valid CIDR block; use the form "10.0.0.0/16"',
        id="ingress CIDRs must be CIDR blocks",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "healthCheck": {"command": ["curl", "-f", "http://localhost:8080/health"]},
                }
            },
        },
        '`berth:services.web.healthCheck.command` ["curl", "-f", "http://localhost:8080/health"] starts with "curl"; start it with "CMD" followed by the program and its arguments, or "CMD-SHELL" followed by one shell command',
        id="health check command starts with CMD",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {"image": {"context": "app"}, "healthCheck": {"interval": 10, "timeout": 10}}
            },
        },
        "`berth:services.web.healthCheck.timeout` 10 is not shorter than the interval 10; use a timeout below the interval",
        id="health check timeout below interval",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {
                "web": {
                    "image": {"context": "app"},
                    "desiredCount": 1,
                    "deployment": {"minHealthyPercent": 50},
                }
            },
        },
        "`berth:services.web.deployment.minHealthyPercent` 50 lets a deployment stop tasks that serve traffic; use 100, or at least 50 with `desiredCount` 2 or more",
        id="minimum healthy percent keeps capacity",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {"web": {"image": {"context": "app"}, "deployment": {"maxPercent": 100}}},
        },
        "`berth:services.web.deployment.maxPercent` 100 leaves no room to start new tasks before old ones stop; use more than 100, e.g. 200",
        id="maximum percent leaves room for new tasks",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {"web": {"image": {"context": "app"}, "deployment": {"bakeTimeMinutes": 10}}},
        },
        "`berth:services.web.deployment.bakeTimeMinutes` applies only to strategy blueGreen; remove it or set `strategy: blueGreen`",
        id="bake time needs blue/green",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "autoscaling": {"maxCount": 4}}}},
        "`berth:services.web.autoscaling.minCount` is missing; set the fewest tasks autoscaling may run, e.g. 2",
        id="autoscaling needs its bounds",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {"web": {"image": {"context": "app"}, "autoscaling": {"minCount": 4, "maxCount": 2}}},
        },
        "`berth:services.web.autoscaling.maxCount` 2 is below `minCount` 4; use a value of at least 4",
        id="autoscaling max below min",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "network": {"vpcId": "vpc-0123456789abcdef0"},
            "services": {"web": {"image": {"context": "app"}}},
        },
        "`berth:network.publicSubnetIds` is missing; an adopted VPC needs the IDs of at least two public subnets (in two availability zones) for the load balancer\n`berth:network.privateSubnetIds` is missing; egress nat runs the tasks in private subnets, so list at least two (in two availability zones)",
        id="adopted VPC needs its subnets",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "network": {"publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:network.publicSubnetIds` ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"] applies only to an adopted VPC; set `berth:network.vpcId` too, or remove it to let the stack create the subnets',
        id="subnet IDs need a VPC to adopt",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "network": {"cidr": "10.0.0.0/26"},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:network.cidr` "10.0.0.0/26" has a /26 prefix; use a prefix from /16 to /23 so each availability zone gets public and private subnets of at least /27, the smallest a load balancer accepts',
        id="VPC CIDR prefix must leave room for subnets",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "network": {"azCount": 1}, "services": {"web": {"image": {"context": "app"}}}},
        "`berth:network.azCount` 1 is out of range; use an integer from 2 to 6 availability zones",
        id="azCount must be at least 2",
    ),
    pytest.param(
        "dev",
        {
            "egress": "endpoints",
            "network": {"natGateways": "single"},
            "services": {"web": {"image": {"context": "app"}}},
        },
        '`berth:network.natGateways` "single" applies only when `berth:egress` is nat; remove it',
        id="natGateways only with egress nat",
    ),
    pytest.param(
        "dev",
        {
            "egress": "nat",
            "services": {"web": {"image": {"context": "app"}}, "api": {"image": {"context": "app"}}},
        },
        "`berth:services.api.routing` is not set, and neither is `berth:services.web.routing`; only one service can take the requests no rule matches: give the other a `routing.path` or `routing.host`",
        id="only one service may take unmatched requests",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}, "routing": {"path": "api/*"}}}},
        '`berth:services.web.routing.path` "api/*" is not a path pattern; use the form "/api/*"',
        id="routing path must start with a slash",
    ),
    pytest.param(
        "staging-eu-west-1-blue-candidate",
        {"egress": "nat", "services": {"checkout-frontend-v2": {"image": {"context": "app"}}}},
        "the project and stack names give the load balancer name 'berth-staging-eu-west-1-blue-candidate-alb-<7 "
        "random characters>', 50 characters; Elastic Load Balancing allows 32: use a project and stack name of at "
        "most 19 characters together (now 37)",
        id="the load balancer name must fit with the provider's suffix",
    ),
    pytest.param(
        "staging",
        {"egress": "nat", "services": {"worker": {"image": {"context": "app"},
                                                  "deployment": {"strategy": "blueGreen"}}}},
        "`berth:services.worker` on stack 'staging' gives the target group name 'berth-staging-worker-green-<7 "
        "random characters>', 34 characters; Elastic Load Balancing allows 32: use a service name of at most 4 "
        "characters or a shorter stack name",
        id="target group names must fit with the provider's suffix",
    ),
    pytest.param(
        "Prod_EU",
        {"egress": "nat", "services": {"web": {"image": {"context": "app"}}}},
        "the stack name 'Prod_EU' is part of every resource name; use lowercase letters, digits and single hyphens, "
        "not starting or ending with a hyphen (ECR repository and load balancer names accept nothing else): create "
        "the stack with such a name, e.g. `pulumi stack init prod-eu`",
        id="stack names use the characters every resource name accepts",
    ),
    pytest.param(
        "dev",
        {"egress": "nat", "services": {"web-": {"image": {"context": "app"}}}},
        "`berth:services.web-` is not a valid service name; use 1 to 20 lowercase letters, digits and single "
        "hyphens, starting with a letter and not ending with a hyphen",
        id="a service name may not end with a hyphen",
    ),
]


@pytest.mark.parametrize(("stack", "values", "message"), MALFORMED)
def test_malformed_settings_fail_with_their_exact_error_and_register_nothing(
    stack: str, values: dict, message: str
) -> None:
    run = run_program(config_of(**values), stack=stack)

    assert isinstance(run.error, SettingsError)
    assert str(run.error) == message
    assert run.registrations == []
    assert run.invokes == []


def test_every_problem_of_a_stack_file_is_reported_at_once() -> None:
    values = {
        "egress": "nat",
        "services": {"web": {"image": {"context": "app"}, "cpu": 256, "memory": 4096, "port": 0}},
        "alarms": {"cpuPercent": 120},
    }

    run = run_program(config_of(**values))

    assert run.error.problems == [
        "`berth:alarms.cpuPercent` 120 is out of range; use an integer from 1 to 100 percent",
        "`berth:services.web.port` 0 is out of range; use an integer from 1 to 65535",
        "`berth:services.web.memory` 4096 is not valid with cpu 256; use 512, 1024 or 2048",
    ]
    assert run.registrations == []
