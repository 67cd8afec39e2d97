"""ecs-subnets-reach-ecr: every subnet an awsvpc task runs in reaches ECR API, ECR DKR and S3.

Mechanisms (what AWS evaluates to decide this):
- **ECR's calls at start** — modelled: `ecr:GetAuthorizationToken` (ECR API endpoint), `ecr:BatchGetImage` and
  `ecr:GetDownloadUrlForLayer` on the repository (ECR Docker endpoint), layer downloads from
  `prod-<region>-starport-layer-bucket` (S3). The layer URL is pre-signed by ECR: an S3 endpoint policy that
  allows it only to named principals is inconclusive, named.
  [ECR interface endpoints](https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html)
- **Task launchers** — modelled: ECS services and task sets, EventBridge rule targets with `ecsTarget`,
  Scheduler schedules with `ecsParameters` and Step Functions `ecs:runTask` states, each with its own
  subnets, security groups and public-IP flag; a launcher that cannot be read yet is inconclusive, named.
  [RunTask](https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html)
- **Route tables** — modelled: the subnet's explicit association, else the VPC's main route table
  (`aws.ec2.MainRouteTableAssociation`, `aws.ec2.DefaultRouteTable`, `aws.ec2.Route` on
  `vpc.main_route_table_id`, the local-only main table of a new VPC); inline routes and `aws.ec2.Route`
  resources; longest prefix match over the public address space; blackhole routes.
  [Route priority](https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html)
- **Internet gateways** — modelled: a public IP (Fargate only, `assignPublicIp`) and a route to a gateway
  attached to the VPC (its `vpcId` or an `aws.ec2.InternetGatewayAttachment`).
  [Internet gateways](https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html)
- **NAT gateways** — modelled: a public NAT gateway in a subnet whose own route table reaches an attached
  internet gateway; `connectivityType` `private` does not reach the internet.
  [NAT gateways](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)
- **Egress-only internet gateways** — not applicable: they carry IPv6 only, and the task's calls to these
  services at start go over IPv4. [Egress-only gateways](https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html)
- **Transit gateways, peering connections, virtual appliances, other route targets** — inconclusive,
  named: where the traffic leaves the network is outside the stack; so is a middlebox route for an
  interface endpoint's subnet (a route more specific than the local route).
  [Route table targets](https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html)
- **Network ACLs** — modelled: the ACL of the task subnet, of the NAT gateway's subnet and of each
  interface endpoint's subnet (`aws.ec2.NetworkAcl` `subnetIds`, `aws.ec2.NetworkAclAssociation`, else the
  VPC's default ACL: allow-all for a new VPC, the rules `aws.ec2.DefaultNetworkAcl` declares when adopted),
  inline rules and `aws.ec2.NetworkAclRule`; rules in number order, the first match decides, explicit
  deny, the final deny-all; stateless, so replies need the ephemeral ports 1024-65535 (at least
  32768-65535, the Linux and Windows ranges, for the task's own replies).
  [Network ACL rules](https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html)
- **Security groups** — modelled at both ends: the task groups' egress on TCP 443 and the endpoint
  groups' ingress from the task groups or subnets; inline rules, `aws.ec2.SecurityGroupRule`,
  `aws.vpc.SecurityGroupIngressRule`/`EgressRule`, prefix lists; the VPC's default group when none is given.
  [Security group rules](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
- **Interface VPC endpoints** — modelled: private DNS (`privateDnsEnabled`, the VPC's DNS attributes)
  captures the service name for the whole VPC, a subnet per AZ, state.
  [Interface endpoints](https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html)
- **Gateway endpoints (S3)** — modelled: on the subnet's route table.
  [Gateway endpoints](https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)
- **VPC endpoint policies** — modelled on the calls made through each endpoint, with the execution role as
  principal; explicit deny, `NotAction`/`NotResource`/`NotPrincipal`, conditions on `aws:PrincipalArn`,
  `aws:PrincipalAccount`, `aws:SourceVpc`, `aws:SourceVpce`; other condition keys inconclusive, named.
  [Endpoint policies](https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)
- **Resources outside the stack** (subnets, VPCs, route tables, ACLs, groups, endpoints) — modelled with
  read-only EC2 look-ups; inconclusive, named, when live look-ups are off or fail.

Inconclusive by design: routes to transit gateways, peering connections, network interfaces and
other targets the stack cannot see through; public CIDRs narrower than 0.0.0.0/0 in security groups or
ACLs (whether they hold AWS's service addresses); network ACLs that admit only part of the ephemeral
range; endpoint policy conditions on keys not known at deploy time; resources outside the stack without
a live look-up; values not known until update.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import stack_policy
from model.stack_index import StackIndex
from rules._subnet_reach import CONFIG_SCHEMA, validate_subnet_reach


def validate_reach_ecr(index: StackIndex, findings, config: dict) -> None:
    validate_subnet_reach(index, findings, config, registry_needs=True)


ecs_subnets_reach_ecr = stack_policy(
    name="ecs-subnets-reach-ecr",
    description=(
        "Checks that every subnet an awsvpc task runs in (started by an ECS service, task set, EventBridge "
        "target, Scheduler schedule or Step Functions state) can reach ECR API, ECR DKR and S3 through a public "
        "IP and an internet gateway, a NAT gateway, or VPC endpoints, past route tables, network ACLs, security "
        "groups and endpoint policies."
    ),
    validate=validate_reach_ecr,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Give the task subnets a path to ECR: a 0.0.0.0/0 route to a NAT gateway that sits in a public subnet; "
        "or interface endpoints com.amazonaws.<region>.ecr.api and com.amazonaws.<region>.ecr.dkr with "
        "privateDnsEnabled true, a subnet in every task AZ and a security group admitting TCP 443 from the task "
        "security group (which must allow TCP 443 out), plus a gateway endpoint com.amazonaws.<region>.s3 on the "
        "task subnets' route tables; or, for Fargate tasks in a public subnet, networkConfiguration.assignPublicIp true "
        "(tasks on EC2 instances get no public IP). The internet gateway must be attached to the task VPC."
    ),
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html",
    config_schema=CONFIG_SCHEMA,
)
