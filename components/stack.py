"""The whole stack: settings -> components -> the outputs contract (docs/outputs.md).

`read_settings` runs before anything is registered, so a stack with invalid settings
fails without creating, updating or deleting anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import config as runtime_config

from components.deployer_policy import DeployedService, deployer_policy
from components.frontend import LoadBalancedCluster, LoadBalancedClusterArgs
from components.image import ContainerImage, ContainerImageArgs
from components.naming import Account, StackNames
from components.network import Network, NetworkArgs
from components.service import DEFAULT_RULE_PRIORITY, WebService, WebServiceArgs
from components.settings import Settings, load_settings
from components.task import FargateTask, FargateTaskArgs

OUTPUTS_VERSION = 1


def read_settings(project_dir: Path) -> Settings:
    """The stack's settings from the config the language host passed to the program."""
    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return load_settings(config, project=pulumi.get_project(), stack=pulumi.get_stack(), project_dir=project_dir)


def current_account() -> Account:
    partition = aws.get_partition()
    return Account(
        partition=partition.partition,
        region=aws.get_region().region,
        account_id=aws.get_caller_identity().account_id,
        dns_suffix=partition.dns_suffix,
    )


def rule_priorities(settings: Settings) -> dict[str, int]:
    """Routed services in declaration order (100, 200, ...); the catch-all service last."""
    priorities, routed = {}, 0
    for service in settings.services:
        if service.routing.is_default:
            priorities[service.name] = DEFAULT_RULE_PRIORITY
        else:
            routed += 1
            priorities[service.name] = routed * 100
    return priorities


def service_url(base: pulumi.Output[str], https: bool, path: str | None, host: str | None) -> pulumi.Output[str]:
    if host:
        prefix = f"{'https' if https else 'http'}://{host}"
        return pulumi.Output.from_input(prefix + _path_prefix(path))
    return base.apply(lambda url: url + _path_prefix(path))


def _path_prefix(path: str | None) -> str:
    if not path:
        return "/"
    return path.split("*", 1)[0] or "/"


def base_path(path: str | None) -> str:
    """The prefix a routed service serves under: "/api/*" -> "/api"; "" for the catch-all or "/*"."""
    return _path_prefix(path).rstrip("/")


def deploy(settings: Settings, project_dir: Path) -> dict[str, Any]:
    """Create the stack's resources; return the outputs to export."""
    account = current_account()
    stack_names = StackNames(settings.project, settings.stack)
    network_settings = settings.network

    network = Network(stack_names.prefix, NetworkArgs(
        account=account,
        egress=settings.egress,
        vpc_id=network_settings.vpc_id,
        public_subnet_ids=network_settings.public_subnet_ids,
        private_subnet_ids=network_settings.private_subnet_ids,
        cidr=network_settings.cidr,
        az_count=network_settings.az_count,
        nat_gateways=network_settings.nat_gateways,
        endpoint_services=settings.endpoint_services(),
        existing_endpoints=network_settings.existing_endpoints,
    ))
    blue_green = any(service.blue_green for service in settings.services)
    https = settings.alb.certificate_arn is not None
    frontend = LoadBalancedCluster(stack_names.prefix, LoadBalancedClusterArgs(
        cluster_name=stack_names.cluster,
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        ingress_cidrs=settings.alb.ingress_cidrs,
        certificate_arn=settings.alb.certificate_arn,
        ssl_policy=settings.alb.ssl_policy,
        test_listener_port=settings.alb.test_listener_port if blue_green else None,
        test_listener_cidrs=settings.alb.test_listener_cidrs,
        domain_name=settings.alb.domain_name,
        hosted_zone_id=settings.alb.hosted_zone_id,
        depends_on=network.internet_path,
    ))

    priorities = rule_priorities(settings)
    service_outputs: dict[str, Any] = {}
    deployed: list[DeployedService] = []
    for service in settings.services:
        names = stack_names.service(service.name)
        image_settings = service.image
        image = ContainerImage(names.base, ContainerImageArgs(
            account=account,
            repository_name=names.repository,
            # Relative paths: the image's inputs must not change with the checkout's location.
            context=Path(image_settings.context) if image_settings.context else None,
            dockerfile=Path(image_settings.dockerfile) if image_settings.dockerfile else None,
            project_dir=project_dir,
            platform=image_settings.platform,
            build_args=image_settings.build_args,
            target=image_settings.target,
            ref=image_settings.ref,
        ))
        health = service.health_check
        task = FargateTask(names.base, FargateTaskArgs(
            account=account,
            names=names,
            image_ref=image.image_ref,
            pull_repository_arns=image.pull_repository_arns,
            cpu=service.cpu,
            memory=service.memory,
            port=service.port,
            base_path=base_path(service.routing.path),
            platform=image_settings.platform,
            environment=service.environment,
            secrets=service.secrets,
            kms_key_arns=service.kms_key_arns,
            task_policy_arns=service.task_policy_arns,
            health_check_command=health.command,
            health_check_interval=health.interval,
            health_check_timeout=health.timeout,
            health_check_retries=health.retries,
            health_check_start_period=health.start_period,
            log_retention_days=settings.log_retention_days,
            depends_on=image.resources,
        ))
        scaling = service.autoscaling
        web = WebService(names.base, WebServiceArgs(
            account=account,
            names=names,
            cluster_arn=frontend.cluster.arn,
            vpc_id=network.vpc_id,
            subnet_ids=network.task_subnet_ids,
            load_balancer_security_group_id=frontend.security_group.id,
            load_balancer_arn_suffix=frontend.load_balancer.arn_suffix,
            production_listener_arn=frontend.production_listener.arn,
            task_definition_arn=task.task_definition.arn,
            container_name=task.container_name,
            listeners=frontend.listeners,
            egress=network.egress,
            assign_public_ip=network.assign_public_ip,
            endpoint_security_group_id=network.endpoint_security_group_id,
            test_listener_arn=frontend.test_listener.arn if service.blue_green else None,
            port=service.port,
            desired_count=service.desired_count,
            min_healthy_percent=service.deployment.min_healthy_percent,
            max_percent=service.deployment.max_percent,
            start_period=health.start_period,
            health_check_path=health.path,
            health_check_matcher=health.matcher,
            deregistration_delay=service.deregistration_delay,
            path_pattern=service.routing.path,
            host=service.routing.host,
            rule_priority=priorities[service.name],
            blue_green=service.blue_green,
            bake_time_minutes=service.deployment.bake_time_minutes,
            min_count=scaling.min_count if scaling else None,
            max_count=scaling.max_count if scaling else None,
            cpu_target=scaling.cpu_target if scaling else 60,
            requests_per_target=scaling.requests_per_target if scaling else 1000,
            alarm_topic_arn=settings.alarms.topic_arn,
            alarm_cpu_percent=settings.alarms.cpu_percent,
            alarm_5xx_per_minute=settings.alarms.http_5xx_per_minute,
        ))
        service_outputs[service.name] = {
            "serviceName": service.name,
            "serviceArn": web.service_arn,
            "url": service_url(frontend.url, https, service.routing.path, service.routing.host),
            "repositoryUrl": image.repository_url,
            "imageRef": image.image_ref,
            "imageDigest": image.image_digest,
            "taskRoleArn": task.task_role_arn,
            "executionRoleArn": task.execution_role_arn,
            "logGroupName": task.log_group_name,
            "securityGroupId": web.security_group.id,
        }
        deployed.append(DeployedService(
            repository_arns=image.repository_arns,
            service_arn=web.service_arn,
            execution_role_arn=task.execution_role_arn,
            task_role_arn=task.task_role_arn,
        ))

    return {
        "outputsVersion": OUTPUTS_VERSION,
        "url": frontend.url,
        "albDnsName": frontend.load_balancer.dns_name,
        "clusterName": frontend.cluster_name,
        "clusterArn": frontend.cluster.arn,
        "vpcId": network.vpc_id,
        "privateSubnetIds": network.private_subnet_ids,
        "publicSubnetIds": network.public_subnet_ids,
        "services": service_outputs,
        "deployerPolicy": deployer_policy(account, deployed),
    }
