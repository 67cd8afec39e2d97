"""LoadBalancedCluster: what the stack's services share: the ALB, its listeners and the ECS cluster.

One load balancer and one cluster serve every service of the stack; each service adds its
own listener rule (components/service.py). Listener default actions answer 404, so a
request no rule matches never reaches a service by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

NOT_FOUND = {"type": "fixed-response",
             "fixed_response": {"content_type": "text/plain", "message_body": "Not Found", "status_code": "404"}}


@dataclass(frozen=True)
class LoadBalancedClusterArgs:
    cluster_name: str
    """Name of the ECS cluster (`<project>-<stack>`). Required."""
    vpc_id: pulumi.Input[str]
    """VPC of the load balancer's security group. Required."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Subnets of the internet-facing load balancer (two zones or more). Required."""
    ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    """Client CIDRs admitted on 80 and 443. Default 0.0.0.0/0."""
    certificate_arn: str | None = None
    """ACM certificate: HTTPS on 443 and a redirect from 80. Default None: HTTP on 80 only."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listener. Default ELBSecurityPolicy-TLS13-1-2-2021-06."""
    test_listener_port: int | None = None
    """Port of the test listener blue/green deployments use. Default None: no test listener."""
    test_listener_cidrs: tuple[str, ...] = ()
    """Client CIDRs admitted on the test listener (the revision not yet in production). Default (): nobody."""
    domain_name: str | None = None
    """The name clients use (the certificate's name): the `url` is built from it. Default None: the ALB's DNS name."""
    hosted_zone_id: str | None = None
    """Route 53 hosted zone for an alias record of `domain_name` to the ALB. Default None: no record."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What an internet-facing ALB needs first: the VPC's internet gateway. Default ()."""
    container_insights: str = "enabled"
    """Container Insights setting of the cluster ("enabled" or "enhanced"). Default enabled."""


class LoadBalancedCluster(pulumi.ComponentResource):
    load_balancer: aws.lb.LoadBalancer
    security_group: aws.ec2.SecurityGroup
    production_listener: aws.lb.Listener
    test_listener: aws.lb.Listener | None
    listeners: list[aws.lb.Listener]
    cluster: aws.ecs.Cluster
    cluster_name: str
    url: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancedClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("berth:index:LoadBalancedCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        https = args.certificate_arn is not None

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-alb", vpc_id=args.vpc_id, description="Load balancer: clients in on the listener ports",
            tags={"Name": f"{name}-alb"}, opts=child)
        # The test listener serves the revision not yet in production: its own, empty-by-default list.
        admitted = [(port, args.ingress_cidrs) for port in (80, 443)]
        if args.test_listener_port:
            admitted.append((args.test_listener_port, args.test_listener_cidrs))
        for port, cidrs in admitted:
            for index, cidr in enumerate(cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-in-{port}-{index}", security_group_id=self.security_group.id, ip_protocol="tcp",
                    from_port=port, to_port=port, cidr_ipv4=cidr, description=f"clients on {port}", opts=child)

        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb", load_balancer_type="application", internal=False, subnets=args.public_subnet_ids,
            security_groups=[self.security_group.id], drop_invalid_header_fields=True,
            tags={"Name": f"{name}-alb"},
            # ELBv2 rejects an internet-facing ALB in a VPC whose internet gateway is not attached yet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)))

        http = aws.lb.Listener(
            f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
            default_actions=[{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                                "status_code": "HTTP_301"}}] if https else [NOT_FOUND],
            opts=child)
        self.listeners = [http]
        self.production_listener = http
        if https:
            self.production_listener = aws.lb.Listener(
                f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                certificate_arn=args.certificate_arn, ssl_policy=args.ssl_policy, default_actions=[NOT_FOUND],
                opts=child)
            self.listeners.append(self.production_listener)
        self.test_listener = None
        if args.test_listener_port:
            self.test_listener = aws.lb.Listener(
                f"{name}-test", load_balancer_arn=self.load_balancer.arn, port=args.test_listener_port,
                protocol="HTTPS" if https else "HTTP", certificate_arn=args.certificate_arn,
                ssl_policy=args.ssl_policy if https else None, default_actions=[NOT_FOUND], opts=child)
            self.listeners.append(self.test_listener)

        self.cluster_name = args.cluster_name
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster", name=args.cluster_name,
            settings=[{"name": "containerInsights", "value": args.container_insights}], opts=child)

        scheme = "https" if https else "http"
        if args.domain_name:
            # The certificate names the domain, never the ALB's DNS name: clients use the domain.
            self.url = pulumi.Output.from_input(f"{scheme}://{args.domain_name}")
        else:
            self.url = self.load_balancer.dns_name.apply(lambda dns: f"{scheme}://{dns}")
        if args.domain_name and args.hosted_zone_id:
            aws.route53.Record(
                f"{name}-alias", zone_id=args.hosted_zone_id, name=args.domain_name, type="A",
                aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                          "evaluate_target_health": True}], opts=child)
        self.register_outputs({
            "albDnsName": self.load_balancer.dns_name,
            "url": self.url,
            "clusterName": self.cluster_name,
            "clusterArn": self.cluster.arn,
        })
