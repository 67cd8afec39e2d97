"""Answers to provider functions (invokes): a small, fixed AWS account, plus the --invokes file.

The built-in world is one account (123456789012) in the configured region with the
default VPC AWS creates in every region: 172.31.0.0/16, a default subnet in each of two
availability zones, and a main route table with a local route and a default route to the
internet gateway. Results use the wire (camelCase) names of pulumi_aws's result types.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .aws_outputs import ACCOUNT_ID, PARTITION, zone_id
from .outside import OutsideAnswers
from .policy_document import PolicyDocumentError, render
from .wire import SECRET_SIG, SIG_KEY, UNKNOWN

UNKNOWN_TEXT = "<unknown>"

INVOKES_FILE_FORMAT = """\
An --invokes file (JSON or YAML) maps each function token to its answers; the first entry
whose `args` agree with the call's arguments answers it (a value the call does not know yet,
shown as "<unknown>", agrees with any; omit `args` to match any call):

  aws:ec2/getVpc:getVpc:
    - args: {id: vpc-0123456789abcdef0}
      result: {id: vpc-0123456789abcdef0, cidrBlock: 10.0.0.0/16}
    - result: {id: vpc-0fedcba9876543210, cidrBlock: 10.1.0.0/16}

Results use the function's wire (camelCase) property names."""

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-central-1": "Europe (Frankfurt)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
}


class InvokeError(Exception):
    """An invoke the preflight cannot answer; `token` and `args` say which."""

    def __init__(self, token: str, args: dict[str, Any], reason: str, *, provider: bool = False):
        super().__init__(f"{token}: {reason}")
        self.token = token
        self.call_args = printable_args(args)
        self.reason = reason
        self.provider = provider
        """The provider itself rejects these arguments (no --invokes answer would be faithful)."""
        self.call_site: list = []


def is_unknown(value: Any) -> bool:
    """A value the program does not know yet: the SDK's `Unknown` object, or the wire sentinel."""
    return value == UNKNOWN or value == UNKNOWN_TEXT or type(value).__name__ == "Unknown"


def printable_args(value: Any) -> Any:
    """Invoke arguments as JSON values, unknowns as "<unknown>" (what an --invokes entry can name)."""
    if is_unknown(value):
        return UNKNOWN_TEXT
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return printable_args(value.get("value"))
        return {str(key): printable_args(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable_args(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def agrees(wanted: Any, actual: Any) -> bool:
    """An --invokes entry's `args` value agrees with the call's: equal where the call knows it."""
    if is_unknown(actual):
        return True
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(agrees(value, actual.get(key)) for key, value in wanted.items())
    if isinstance(wanted, list):
        return (isinstance(actual, list) and len(wanted) == len(actual)
                and all(agrees(item, other) for item, other in zip(wanted, actual, strict=True)))
    return wanted == actual


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class DefaultNetwork:
    """The default VPC of `region` in the preflight account."""

    region: str

    @property
    def zones(self) -> list[str]:
        return [f"{self.region}a", f"{self.region}b"]

    @property
    def vpc_id(self) -> str:
        return f"vpc-{_hex(self.region + 'vpc', 17)}"

    @property
    def igw_id(self) -> str:
        return f"igw-{_hex(self.region + 'igw', 17)}"

    @property
    def route_table_id(self) -> str:
        return f"rtb-{_hex(self.region + 'rtb', 17)}"

    def subnet_id(self, zone: str) -> str:
        return f"subnet-{_hex(self.region + zone, 17)}"

    def vpc(self) -> dict[str, Any]:
        return {
            "id": self.vpc_id,
            "arn": f"arn:{PARTITION}:ec2:{self.region}:{ACCOUNT_ID}:vpc/{self.vpc_id}",
            "cidrBlock": "172.31.0.0/16",
            "cidrBlockAssociations": [{
                "associationId": f"vpc-cidr-assoc-{_hex(self.region + 'assoc', 17)}",
                "cidrBlock": "172.31.0.0/16",
                "state": "associated",
            }],
            "default": True,
            "dhcpOptionsId": f"dopt-{_hex(self.region + 'dopt', 17)}",
            "enableDnsHostnames": True,
            "enableDnsSupport": True,
            "enableNetworkAddressUsageMetrics": False,
            "instanceTenancy": "default",
            "mainRouteTableId": self.route_table_id,
            "ownerId": ACCOUNT_ID,
            "region": self.region,
            "state": "available",
            "tags": {},
        }

    def subnets(self) -> list[dict[str, Any]]:
        return [self._subnet(index, zone) for index, zone in enumerate(self.zones)]

    def _subnet(self, index: int, zone: str) -> dict[str, Any]:
        subnet_id = self.subnet_id(zone)
        return {
            "id": subnet_id,
            "arn": f"arn:{PARTITION}:ec2:{self.region}:{ACCOUNT_ID}:subnet/{subnet_id}",
            "availabilityZone": zone,
            "availabilityZoneId": zone_id(self.region, zone),
            "availableIpAddressCount": 4091,
            "cidrBlock": f"172.31.{index * 16}.0/20",
            "defaultForAz": True,
            "mapPublicIpOnLaunch": True,
            "ownerId": ACCOUNT_ID,
            "region": self.region,
            "state": "available",
            "tags": {},
            "vpcId": self.vpc_id,
        }

    def route_table(self) -> dict[str, Any]:
        return {
            "id": self.route_table_id,
            "routeTableId": self.route_table_id,
            "arn": f"arn:{PARTITION}:ec2:{self.region}:{ACCOUNT_ID}:route-table/{self.route_table_id}",
            "ownerId": ACCOUNT_ID,
            "region": self.region,
            "vpcId": self.vpc_id,
            "tags": {},
            "associations": [{
                "main": True,
                "routeTableAssociationId": f"rtbassoc-{_hex(self.region + 'main', 17)}",
                "routeTableId": self.route_table_id,
                "subnetId": "",
                "gatewayId": "",
            }],
            "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": self.igw_id}],
        }


# Filter names (EC2 DescribeSubnets) -> the subnet property they compare.
SUBNET_FILTERS = {
    "vpc-id": "vpcId",
    "subnet-id": "id",
    "availability-zone": "availabilityZone",
    "availability-zone-id": "availabilityZoneId",
    "default-for-az": "defaultForAz",
    "cidr-block": "cidrBlock",
    "state": "state",
    "map-public-ip-on-launch": "mapPublicIpOnLaunch",
}
SUBNET_ARGS = {"id": "id", "vpcId": "vpcId", "availabilityZone": "availabilityZone",
               "availabilityZoneId": "availabilityZoneId", "cidrBlock": "cidrBlock",
               "defaultForAz": "defaultForAz", "state": "state"}


class Invokes:
    """Answers invokes: the --invokes file first, then the built-in AWS answers."""

    def __init__(self, region: str, file_answers: dict[str, list[dict[str, Any]]]):
        self.region = region
        self.file_answers = file_answers
        self.outside = OutsideAnswers(region)
        self.builtins: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": self.caller_identity,
            "aws:index/getPartition:getPartition": self.partition,
            "aws:index/getRegion:getRegion": self.get_region,
            "aws:index/getAvailabilityZones:getAvailabilityZones": self.availability_zones,
            "aws:ec2/getVpc:getVpc": self.vpc,
            "aws:ec2/getSubnet:getSubnet": self.subnet,
            "aws:ec2/getSubnets:getSubnets": self.subnets,
            "aws:ec2/getRouteTable:getRouteTable": self.get_route_table,
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": self.authorization_token,
            "aws:ecr/getCredentials:getCredentials": self.authorization_token,
            "aws:iam/getPolicyDocument:getPolicyDocument": self.policy_document,
            "aws:ec2/getSubnetIds:getSubnetIds": self.subnet_ids,
            "aws:ec2/getRouteTables:getRouteTables": self.route_tables,
            "aws:ec2/getSecurityGroup:getSecurityGroup": self.security_group,
            "aws:ec2/getSecurityGroups:getSecurityGroups": self.outside.security_groups,
            "aws:ec2/getAmi:getAmi": self.outside.ami,
            "aws:ec2/getAmiIds:getAmiIds": self.outside.ami_ids,
            "aws:iam/getRole:getRole": self.outside.role,
            "aws:iam/getPolicy:getPolicy": self.outside.policy,
            "aws:iam/getSessionContext:getSessionContext": self.outside.session_context,
            "aws:ssm/getParameter:getParameter": self.outside.parameter,
            "aws:secretsmanager/getSecret:getSecret": self.outside.secret,
            "aws:secretsmanager/getSecretVersion:getSecretVersion": self.outside.secret_version,
            "aws:kms/getKey:getKey": self.outside.key,
            "aws:kms/getAlias:getAlias": self.outside.alias,
            "aws:ecr/getRepository:getRepository": self.outside.repository,
            "aws:ecr/getImage:getImage": self.outside.image,
            "aws:acm/getCertificate:getCertificate": self.outside.certificate,
            "aws:route53/getZone:getZone": self.outside.zone,
            "aws:elb/getServiceAccount:getServiceAccount": self.elb_service_account,
            "aws:elasticloadbalancing/getServiceAccount:getServiceAccount": self.elb_service_account,
        }

    def answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        for entry in self.file_answers.get(token, []):
            wanted = entry.get("args") or {}
            if all(agrees(value, args.get(key)) for key, value in wanted.items()):
                return dict(entry.get("result") or {})
        builtin = self.builtins.get(token)
        if builtin is None:
            raise InvokeError(token, args, "preflight has no built-in answer for this function")
        return builtin(args)

    def network(self, args: dict[str, Any]) -> DefaultNetwork:
        return DefaultNetwork(args.get("region") or self.region)

    def caller_identity(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/preflight",
            "id": ACCOUNT_ID,
            "userId": "AIDAPREFLIGHT000000000",
        }

    def partition(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"id": PARTITION, "partition": PARTITION, "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws"}

    def get_region(self, args: dict[str, Any]) -> dict[str, Any]:
        region = args.get("region") or args.get("name") or self.region
        return {"id": region, "name": region, "region": region,
                "description": REGION_NAMES.get(region, region),
                "endpoint": f"ec2.{region}.amazonaws.com"}

    def availability_zones(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        excluded = set(args.get("excludeNames") or [])
        names = [zone for zone in network.zones if zone not in excluded]
        return {
            "id": network.region,
            "region": network.region,
            "names": names,
            "zoneIds": [zone_id(network.region, zone) for zone in names],
            "groupNames": [network.region] * len(names),
            "state": args.get("state"),
        }

    def _outside_default_vpc(self, args: dict[str, Any], filter_keys: dict[str, str]) -> bool:
        """The query names another VPC, its subnets, or tags (the default VPC has none): outside the built-in world."""
        network = self.network(args)
        if args.get("tags"):
            return True
        if args.get("vpcId") is not None and args["vpcId"] != network.vpc_id:
            return True
        for item in args.get("filters") or []:
            name = item.get("name", "")
            if name.startswith("tag:") or name.startswith("tag-"):
                return True
            if filter_keys.get(name) == "vpcId" and network.vpc_id not in item.get("values", []):
                return True
        return False

    def vpc(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        vpc = network.vpc()
        if args.get("default") is not True and (
                (args.get("id") is not None and args["id"] != vpc["id"]) or args.get("tags")
                or any(str(item.get("name", "")).startswith("tag") for item in args.get("filters") or [])):
            return self.outside.vpc(args)
        checks = {"id": args.get("id"), "default": args.get("default"), "cidrBlock": args.get("cidrBlock"),
                  "state": args.get("state")}
        for key, value in checks.items():
            if value is not None and vpc[key] != value:
                raise InvokeError("aws:ec2/getVpc:getVpc", args, "no matching EC2 VPC found")
        for item in args.get("filters") or []:
            prop = {"vpc-id": "id", "isDefault": "default", "is-default": "default",
                    "cidr": "cidrBlock", "cidr-block": "cidrBlock", "state": "state"}.get(item.get("name"))
            if prop is None:
                raise InvokeError("aws:ec2/getVpc:getVpc", args,
                                  f"preflight does not evaluate the filter {item.get('name')!r}")
            if _as_text(vpc[prop]) not in item.get("values", []):
                if prop == "id":
                    return self.outside.vpc(args)
                raise InvokeError("aws:ec2/getVpc:getVpc", args, "no matching EC2 VPC found")
        return vpc

    def _matching_subnets(self, token: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        subnets = self.network(args).subnets()
        for arg, prop in SUBNET_ARGS.items():
            if args.get(arg) is not None:
                subnets = [subnet for subnet in subnets if subnet[prop] == args[arg]]
        for item in args.get("filters") or []:
            name = item.get("name", "")
            values = item.get("values", [])
            prop = SUBNET_FILTERS.get(name)
            if prop is None:
                raise InvokeError(token, args, f"preflight does not evaluate the filter {name!r}")
            subnets = [subnet for subnet in subnets if _as_text(subnet[prop]) in values]
        return subnets

    def subnet(self, args: dict[str, Any]) -> dict[str, Any]:
        token = "aws:ec2/getSubnet:getSubnet"
        network = self.network(args)
        known = {subnet["id"] for subnet in network.subnets()}
        if self._outside_default_vpc(args, SUBNET_FILTERS) or (args.get("id") is not None and args["id"] not in known):
            return self.outside.subnet(args)
        matches = self._matching_subnets(token, args)
        if len(matches) != 1:
            raise InvokeError(token, args, f"{len(matches)} EC2 Subnets matched; use additional constraints "
                                           "to reduce matches to a single EC2 Subnet")
        return matches[0]

    def subnets(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        if self._outside_default_vpc(args, SUBNET_FILTERS):
            ids = self.outside.subnet_ids(args, network.zones)
        else:
            ids = [subnet["id"] for subnet in self._matching_subnets("aws:ec2/getSubnets:getSubnets", args)]
        return {"id": network.region, "region": network.region, "ids": ids,
                "filters": args.get("filters"), "tags": args.get("tags")}

    def subnet_ids(self, args: dict[str, Any]) -> dict[str, Any]:
        """pulumi-aws before 6.0: `aws.ec2.get_subnet_ids(vpc_id=...)`; `id` is the VPC's id."""
        network = self.network(args)
        if self._outside_default_vpc(args, SUBNET_FILTERS):
            ids = self.outside.subnet_ids(args, network.zones)
        else:
            ids = [subnet["id"] for subnet in self._matching_subnets("aws:ec2/getSubnetIds:getSubnetIds",
                                                                     {**args, "vpcId": None})]
        return {"id": args.get("vpcId"), "vpcId": args.get("vpcId"), "ids": sorted(ids),
                "filters": args.get("filters"), "tags": args.get("tags")}

    def get_route_table(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        table = network.route_table()
        known_subnets = {subnet["id"] for subnet in network.subnets()}
        outside = (self._outside_default_vpc(args, {"vpc-id": "vpcId"})
                   or (args.get("subnetId") is not None and args["subnetId"] not in known_subnets)
                   or (args.get("routeTableId") is not None and args["routeTableId"] != table["routeTableId"]))
        if outside:
            # Identity only: its routes are facts about something outside the stack.
            seed = repr(sorted(args.items(), key=str))
            table_id = args.get("routeTableId") or f"rtb-{_hex(network.region + seed, 17)}"
            return {"id": table_id, "routeTableId": table_id, "region": network.region,
                    "arn": f"arn:{PARTITION}:ec2:{network.region}:{ACCOUNT_ID}:route-table/{table_id}",
                    **{key: args[key] for key in ("subnetId", "vpcId", "gatewayId") if args.get(key) is not None}}
        if args.get("subnetId") is not None:
            table = {**table, "subnetId": args["subnetId"]}
        return table

    def route_tables(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        if self._outside_default_vpc(args, {"vpc-id": "vpcId"}):
            ids = [f"rtb-{_hex(network.region + repr(sorted(args.items(), key=str)), 17)}"]
        else:
            ids = [network.route_table_id]
        return {"id": network.region, "region": network.region, "ids": ids,
                **{key: args[key] for key in ("vpcId", "filters", "tags") if args.get(key) is not None}}

    def security_group(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.outside.security_group(args)

    def policy_document(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            return render(args)
        except PolicyDocumentError as error:
            raise InvokeError("aws:iam/getPolicyDocument:getPolicyDocument", args, str(error), provider=True) from None

    def elb_service_account(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = self.outside.elb_service_account(args)
        if answer is None:
            raise InvokeError("aws:elb/getServiceAccount:getServiceAccount", args,
                              f"preflight does not know Elastic Load Balancing's account in "
                              f"{args.get('region') or self.region}")
        return answer

    def authorization_token(self, args: dict[str, Any]) -> dict[str, Any]:
        region = args.get("region") or self.region
        registry = args.get("registryId") or ACCOUNT_ID
        password = f"preflight-{_hex(registry + region, 24)}"
        token = base64.b64encode(f"AWS:{password}".encode()).decode()
        return {
            "id": region,
            "region": region,
            "registryId": registry,
            "userName": "AWS",
            "password": _secret(password),
            "authorizationToken": _secret(token),
            "proxyEndpoint": f"https://{registry}.dkr.ecr.{region}.amazonaws.com",
            "expiresAt": "2030-01-01T00:00:00Z",
        }


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
