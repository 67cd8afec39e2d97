"""Read a berth stack's outputs (docs/outputs.md) and build on them.

Creates the IAM policy the application team's CI needs to deploy the service
(`deployerPolicy`) and, when a database security group is configured, admits the
service's tasks to it. `require_output` fails the preview when the berth stack lacks an
output, and the version check fails it when the contract changed incompatibly.
"""

import json

import pulumi
import pulumi_aws as aws

SUPPORTED_OUTPUTS_VERSION = 1

config = pulumi.Config()
berth_stack = config.require("berthStack")
service_name = config.get("service") or "web"
database_group = config.get("databaseSecurityGroupId") or None

berth = pulumi.StackReference(berth_stack)


def check_version(version: float) -> int:
    if int(version) != SUPPORTED_OUTPUTS_VERSION:
        raise ValueError(
            f"{berth_stack} exports outputsVersion {version:g}; this program reads version "
            f"{SUPPORTED_OUTPUTS_VERSION}: update it as docs/outputs.md describes"
        )
    return int(version)


def pick_service(services: dict) -> dict:
    if service_name not in services:
        raise ValueError(
            f"{berth_stack} has no service {service_name!r} (it has {', '.join(sorted(services))}); "
            "set `service` in this stack's config to one of them"
        )
    return services[service_name]


version = berth.require_output("outputsVersion").apply(check_version)
service = berth.require_output("services").apply(pick_service)

deployer = aws.iam.Policy(
    "deployer",
    description=f"CI deploys {service_name} to {berth_stack}",
    policy=berth.require_output("deployerPolicy").apply(json.dumps),
)

if database_group:
    aws.vpc.SecurityGroupIngressRule(
        "database-from-service",
        security_group_id=database_group,
        referenced_security_group_id=service.apply(lambda s: s["securityGroupId"]),
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        description=f"{service_name} tasks to the database",
    )

pulumi.export("outputsVersion", version)
pulumi.export("serviceUrl", service.apply(lambda s: s["url"]))
pulumi.export("logGroupName", service.apply(lambda s: s["logGroupName"]))
pulumi.export("clusterName", berth.require_output("clusterName"))
pulumi.export("deployerPolicyArn", deployer.arn)
