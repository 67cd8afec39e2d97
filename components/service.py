"""WebService: one ECS Fargate service behind the shared load balancer, deployed without downtime.

Per service: a task security group that admits only the load balancer's group on the
container port, target group(s) of type `ip`, a listener rule, the ECS service (circuit
breaker with rollback, capacity-keeping rollout, grace period that covers start-up and
the time the target group needs to see a task healthy), optional ECS-native blue/green,
target-tracking autoscaling and CloudWatch alarms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import ROLLING_TARGET_GROUP, Account, ServiceNames, target_group_roles

# Target group health check: a healthy task is seen after INTERVAL * HEALTHY_THRESHOLD = 20 s.
TARGET_HEALTH_INTERVAL = 10
TARGET_HEALTH_TIMEOUT = 5
TARGET_HEALTHY_THRESHOLD = 2
TARGET_UNHEALTHY_THRESHOLD = 3
GRACE_MARGIN_SECONDS = 10
DEFAULT_RULE_PRIORITY = 50000
LOAD_BALANCER_ROLE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
BLUE_GREEN_WEIGHTS = "actions[*].forward.targetGroups[*].weight"
# The provider's own create/update timeout for an ECS service; with `wait_for_steady_state`
# it covers starting the new tasks, the blue/green bake and draining the old tasks.
SERVICE_DEPLOY_MINUTES = 20


def deployment_timeout_minutes(bake_time_minutes: int, deregistration_delay: int, start_period: int) -> int:
    """Minutes `pulumi up` waits for the service: the provider's 20 plus the bake and the drain."""
    drain_and_start = -(-(deregistration_delay + grace_period(start_period)) // 60)
    return SERVICE_DEPLOY_MINUTES + bake_time_minutes + drain_and_start


def grace_period(start_period: int) -> int:
    """Seconds ECS ignores failing load balancer checks: start-up plus time to be seen healthy."""
    return start_period + TARGET_HEALTH_INTERVAL * TARGET_HEALTHY_THRESHOLD + GRACE_MARGIN_SECONDS


@dataclass(frozen=True)
class WebServiceArgs:
    account: Account
    """Partition, region and account, from invokes."""
    names: ServiceNames
    """Physical names of the service's resources. Required."""
    cluster_arn: pulumi.Input[str]
    """The shared ECS cluster. Required."""
    vpc_id: pulumi.Input[str]
    """VPC of the task security group and target groups. Required."""
    subnet_ids: pulumi.Input[list[str]]
    """Subnets the tasks run in (private unless egress is public). Required."""
    load_balancer_security_group_id: pulumi.Input[str]
    """The load balancer's security group: the only source the task group admits. Required."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """For request-count scaling and alarm dimensions. Required."""
    production_listener_arn: pulumi.Input[str]
    """Listener the service's rule is added to. Required."""
    task_definition_arn: pulumi.Input[str]
    """The task definition to run. Required."""
    container_name: str
    """Container the load balancer sends traffic to. Required."""
    listeners: Sequence[pulumi.Resource] = ()
    """Listeners that must exist before the service (ECS checks the target group is in use). Default ()."""
    egress: Sequence[pulumi.Resource] = ()
    """The tasks' path to ECR, logs and secrets (NAT routes, VPC endpoints): ready before tasks start. Default ()."""
    assign_public_ip: bool = False
    """Give tasks a public IP (egress public only). Default False."""
    endpoint_security_group_id: pulumi.Input[str] | None = None
    """Interface endpoints' group: admits 443 from this service's tasks. Default None."""
    test_listener_arn: pulumi.Input[str] | None = None
    """Test listener for blue/green. Required when `blue_green`; default None."""
    port: int = 8080
    """Container port. Default 8080."""
    desired_count: int = 2
    """Tasks to run (autoscaling then owns the count). Default 2."""
    min_healthy_percent: int = 100
    """Deployment minimum healthy percent. Default 100."""
    max_percent: int = 200
    """Deployment maximum percent. Default 200."""
    start_period: int = 60
    """Container start-up time in seconds, from the health-check settings. Default 60."""
    health_check_path: str = "/health"
    """Target group health-check path. Default /health."""
    health_check_matcher: str = "200"
    """HTTP codes that count as healthy. Default 200."""
    deregistration_delay: int = 30
    """Seconds the target group drains a stopping task. Default 30."""
    path_pattern: str | None = None
    """Listener rule path condition; with `host` None too, the service takes every unmatched path. Default None."""
    host: str | None = None
    """Listener rule host condition. Default None."""
    rule_priority: int = DEFAULT_RULE_PRIORITY
    """Listener rule priority (lower wins). Default 50000 (the catch-all)."""
    blue_green: bool = False
    """ECS-native blue/green instead of a rolling update. Default False."""
    bake_time_minutes: int = 5
    """Blue/green: minutes both revisions stay up before the old one stops. Default 5."""
    min_count: int | None = None
    """Autoscaling lower bound; None (default) disables autoscaling."""
    max_count: int | None = None
    """Autoscaling upper bound. Default None."""
    cpu_target: int = 60
    """Target average CPU percent for autoscaling. Default 60."""
    requests_per_target: int = 1000
    """Target requests per task per minute for autoscaling (rolling services). Default 1000."""
    alarm_topic_arn: str | None = None
    """SNS topic notified by the alarms. Default None: alarms without actions."""
    alarm_cpu_percent: int = 80
    """CPU alarm threshold. Default 80."""
    alarm_5xx_per_minute: int = 10
    """Target 5xx responses per minute that raise the alarm. Default 10."""


class WebService(pulumi.ComponentResource):
    service: aws.ecs.Service
    security_group: aws.ec2.SecurityGroup
    target_group: aws.lb.TargetGroup
    service_arn: str

    def __init__(self, name: str, args: WebServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("berth:index:WebService", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        names = args.names

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-tasks", vpc_id=args.vpc_id, description=f"Tasks of {names.base}: the load balancer only",
            tags={"Name": f"{names.base}-tasks"}, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-tasks-from-alb", security_group_id=self.security_group.id, ip_protocol="tcp",
            from_port=args.port, to_port=args.port, referenced_security_group_id=args.load_balancer_security_group_id,
            description="load balancer to the container port", opts=child)
        tasks_out = aws.vpc.SecurityGroupEgressRule(
            f"{name}-tasks-out", security_group_id=self.security_group.id, ip_protocol="-1", cidr_ipv4="0.0.0.0/0",
            description="image pulls, logs, secrets and the application's own calls", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-tasks", security_group_id=args.load_balancer_security_group_id, ip_protocol="tcp",
            from_port=args.port, to_port=args.port, referenced_security_group_id=self.security_group.id,
            description=f"load balancer to {names.base}", opts=child)
        # Tasks pull their image on start: the service waits for every part of that path.
        egress_path = [tasks_out, *args.egress]
        if args.endpoint_security_group_id is not None:
            egress_path.append(aws.vpc.SecurityGroupIngressRule(
                f"{name}-endpoints-from-tasks", security_group_id=args.endpoint_security_group_id, ip_protocol="tcp",
                from_port=443, to_port=443, referenced_security_group_id=self.security_group.id,
                description=f"HTTPS from the tasks of {names.base}", opts=child))

        roles = target_group_roles(args.blue_green)
        self.target_groups = [self._target_group(role) for role in roles]
        self.target_group = self.target_groups[0]
        alternate = self.target_groups[1] if args.blue_green else None
        production_rule = self._rule("rule", args.production_listener_arn, alternate)
        test_rule = self._rule("test-rule", args.test_listener_arn, alternate) if args.blue_green else None
        infrastructure_role = self._load_balancer_role() if args.blue_green else None

        load_balancer = {"target_group_arn": self.target_group.arn, "container_name": args.container_name,
                         "container_port": args.port}
        deployment = None
        if args.blue_green:
            load_balancer["advanced_configuration"] = {
                "alternate_target_group_arn": alternate.arn,
                "production_listener_rule": production_rule.arn,
                "test_listener_rule": test_rule.arn,
                "role_arn": names.role_arn(args.account, names.load_balancer_role),
            }
            deployment = {"strategy": "BLUE_GREEN", "bake_time_in_minutes": str(args.bake_time_minutes)}

        autoscaled = args.min_count is not None
        depends_on = [*args.listeners, production_rule, *egress_path] + (
            [test_rule, *infrastructure_role] if args.blue_green else [])
        bake = args.bake_time_minutes if args.blue_green else 0
        minutes = deployment_timeout_minutes(bake, args.deregistration_delay, args.start_period)
        self.service_arn = names.service_arn(args.account)
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=names.name,
            cluster=args.cluster_arn,
            task_definition=args.task_definition_arn,
            desired_count=args.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration={"subnets": args.subnet_ids, "security_groups": [self.security_group.id],
                                   "assign_public_ip": args.assign_public_ip},
            load_balancers=[load_balancer],
            health_check_grace_period_seconds=grace_period(args.start_period),
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=args.min_healthy_percent,
            deployment_maximum_percent=args.max_percent,
            deployment_configuration=deployment,
            availability_zone_rebalancing="ENABLED",
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            wait_for_steady_state=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on,
                                        # Autoscaling owns the count once it is on.
                                        ignore_changes=["desiredCount"] if autoscaled else None,
                                        custom_timeouts=pulumi.CustomTimeouts(create=f"{minutes}m",
                                                                              update=f"{minutes}m")),
        )
        if autoscaled:
            self._autoscaling()
        self._alarms()
        self.register_outputs({
            "serviceName": names.name,
            "serviceArn": self.service_arn,
            "securityGroupId": self.security_group.id,
            "targetGroupArn": self.target_group.arn,
        })

    def _target_group(self, role: str) -> aws.lb.TargetGroup:
        args = self._args
        # The provider names the group `<resource name>-<7 random>`, which settings keep within
        # 32 characters, and a replacement gets a fresh name. The rolling group was "-targets".
        aliases = [pulumi.Alias(name=f"{self._name}-targets")] if role == ROLLING_TARGET_GROUP else None
        return aws.lb.TargetGroup(
            f"{self._name}-{role}",
            port=args.port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=args.deregistration_delay,
            health_check={
                "enabled": True,
                "path": args.health_check_path,
                "matcher": args.health_check_matcher,
                "port": "traffic-port",
                "protocol": "HTTP",
                "interval": TARGET_HEALTH_INTERVAL,
                "timeout": TARGET_HEALTH_TIMEOUT,
                "healthy_threshold": TARGET_HEALTHY_THRESHOLD,
                "unhealthy_threshold": TARGET_UNHEALTHY_THRESHOLD,
            },
            tags={"Name": f"{args.names.base}-{role}"},
            opts=pulumi.ResourceOptions(parent=self, aliases=aliases),
        )

    def _rule(self, role: str, listener_arn, alternate: aws.lb.TargetGroup | None) -> aws.lb.ListenerRule:
        args = self._args
        conditions = []
        if args.host:
            conditions.append({"host_header": {"values": [args.host]}})
        if args.path_pattern or not args.host:
            conditions.append({"path_pattern": {"values": [args.path_pattern or "/*"]}})
        if alternate is None:
            action = {"type": "forward", "target_group_arn": self.target_group.arn}
        else:
            action = {"type": "forward", "forward": {"target_groups": [
                {"arn": self.target_group.arn, "weight": 100}, {"arn": alternate.arn, "weight": 0}]}}
        return aws.lb.ListenerRule(
            f"{self._name}-{role}", listener_arn=listener_arn, priority=args.rule_priority, conditions=conditions,
            actions=[action],
            # During a blue/green deployment ECS moves the weights: they are not drift to undo. Only
            # the weights: a replaced target group's new ARN must still reach the rule.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=[BLUE_GREEN_WEIGHTS] if alternate is not None
                                        else None),
        )

    def _load_balancer_role(self) -> list[pulumi.Resource]:
        args, names = self._args, self._args.names
        role = aws.iam.Role(
            f"{self._name}-ecs-lb", name=names.load_balancer_role,
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": args.account.service_principal("ecs")},
                "Action": "sts:AssumeRole"}]}),
            description=f"ECS shifts listener traffic for blue/green deployments of {names.base}",
            opts=pulumi.ResourceOptions(parent=self))
        attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-ecs-lb", role=role.name,
            policy_arn=f"arn:{args.account.partition}:iam::aws:policy/{LOAD_BALANCER_ROLE_POLICY}",
            opts=pulumi.ResourceOptions(parent=self))
        return [role, attachment]

    def _autoscaling(self) -> None:
        args, name = self._args, self._name
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{name}-scaling", service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{args.names.stack.cluster}/{args.names.name}",
            min_capacity=args.min_count, max_capacity=args.max_count,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]))
        scaling = {"service_namespace": target.service_namespace, "scalable_dimension": target.scalable_dimension,
                   "resource_id": target.resource_id, "policy_type": "TargetTrackingScaling"}
        aws.appautoscaling.Policy(
            f"{name}-cpu", **scaling, target_tracking_scaling_policy_configuration={
                "target_value": args.cpu_target, "scale_in_cooldown": 300, "scale_out_cooldown": 60,
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}},
            opts=child)
        # Blue/green moves traffic between two target groups, so a per-target-group request
        # metric would follow only one of them; those services scale on CPU alone.
        if not args.blue_green:
            label = pulumi.Output.concat(args.load_balancer_arn_suffix, "/", self.target_group.arn_suffix)
            aws.appautoscaling.Policy(
                f"{name}-requests", **scaling, target_tracking_scaling_policy_configuration={
                    "target_value": args.requests_per_target, "scale_in_cooldown": 300, "scale_out_cooldown": 60,
                    "predefined_metric_specification": {"predefined_metric_type": "ALBRequestCountPerTarget",
                                                        "resource_label": label}},
                opts=child)

    def _alarms(self) -> None:
        args, name, names = self._args, self._name, self._args.names
        child = pulumi.ResourceOptions(parent=self)
        actions = [args.alarm_topic_arn] if args.alarm_topic_arn else []
        notify = {"alarm_actions": actions, "ok_actions": actions, "treat_missing_data": "notBreaching"}
        # Blue/green sends production traffic to either group: each one has its own alarms.
        roles = target_group_roles(args.blue_green)
        for index, (role, group) in enumerate(zip(roles, self.target_groups, strict=True)):
            # The first group's alarms keep their names from before the second group had any.
            suffix = "" if index == 0 else f"-{role}"
            watched = f" ({role} target group)" if args.blue_green else ""
            dimensions = {"LoadBalancer": args.load_balancer_arn_suffix, "TargetGroup": group.arn_suffix}
            aws.cloudwatch.MetricAlarm(
                f"{name}-5xx{suffix}", alarm_description=f"{names.base}: the service answers with 5xx errors{watched}",
                namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_5XX_Count", dimensions=dimensions,
                statistic="Sum", period=60, evaluation_periods=5, datapoints_to_alarm=3,
                threshold=args.alarm_5xx_per_minute, comparison_operator="GreaterThanOrEqualToThreshold", **notify,
                opts=child)
            aws.cloudwatch.MetricAlarm(
                f"{name}-unhealthy{suffix}",
                alarm_description=f"{names.base}: the load balancer sees unhealthy tasks{watched}",
                namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount", dimensions=dimensions,
                statistic="Maximum", period=60, evaluation_periods=3, datapoints_to_alarm=3, threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold", **notify, opts=child)
        aws.cloudwatch.MetricAlarm(
            f"{name}-cpu", alarm_description=f"{names.base}: CPU stays high",
            namespace="AWS/ECS", metric_name="CPUUtilization",
            dimensions={"ClusterName": names.stack.cluster, "ServiceName": names.name},
            statistic="Average", period=60, evaluation_periods=5, datapoints_to_alarm=5,
            threshold=args.alarm_cpu_percent, comparison_operator="GreaterThanThreshold", **notify, opts=child)
