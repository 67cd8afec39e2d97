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
from .wire import SECRET_SIG, SIG_KEY

INVOKES_FILE_FORMAT = """\
An --invokes file (JSON or YAML) maps each function token to its answers; the first entry
whose `args` are all equal to the call's arguments answers it (omit `args` to match any call):

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

    def __init__(self, token: str, args: dict[str, Any], reason: str):
        super().__init__(f"{token}: {reason}")
        self.token = token
        self.call_args = args
        self.reason = reason
        self.call_site: list = []


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
        }

    def answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        for entry in self.file_answers.get(token, []):
            wanted = entry.get("args") or {}
            if all(args.get(key) == value for key, value in wanted.items()):
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

    def vpc(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        vpc = network.vpc()
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
            if name.startswith("tag:"):
                subnets = []
                continue
            prop = SUBNET_FILTERS.get(name)
            if prop is None:
                raise InvokeError(token, args, f"preflight does not evaluate the filter {name!r}")
            subnets = [subnet for subnet in subnets if _as_text(subnet[prop]) in values]
        for key, value in (args.get("tags") or {}).items():
            subnets = [subnet for subnet in subnets if subnet["tags"].get(key) == value]
        return subnets

    def subnet(self, args: dict[str, Any]) -> dict[str, Any]:
        token = "aws:ec2/getSubnet:getSubnet"
        matches = self._matching_subnets(token, args)
        if len(matches) != 1:
            raise InvokeError(token, args, f"{len(matches)} EC2 Subnets matched; use additional constraints "
                                           "to reduce matches to a single EC2 Subnet")
        return matches[0]

    def subnets(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        matches = self._matching_subnets("aws:ec2/getSubnets:getSubnets", args)
        return {"id": network.region, "region": network.region, "ids": [subnet["id"] for subnet in matches],
                "filters": args.get("filters"), "tags": args.get("tags")}

    def get_route_table(self, args: dict[str, Any]) -> dict[str, Any]:
        network = self.network(args)
        table = network.route_table()
        known_subnets = {subnet["id"] for subnet in network.subnets()}
        if args.get("subnetId") is not None and args["subnetId"] not in known_subnets:
            raise InvokeError("aws:ec2/getRouteTable:getRouteTable", args, "no matching Route Table found")
        for key in ("routeTableId", "vpcId"):
            if args.get(key) is not None and args[key] != table[key]:
                raise InvokeError("aws:ec2/getRouteTable:getRouteTable", args, "no matching Route Table found")
        if args.get("subnetId") is not None:
            table = {**table, "subnetId": args["subnetId"]}
        return table

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
