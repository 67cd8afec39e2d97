"""The network model's VPC endpoints and security groups, in the stack or read from EC2.

`EndpointsAndGroups` is half of `model.network.Network`: it reads `self.index`, `self.live`
and the caches the network sets up, so it is never used on its own.
"""

from __future__ import annotations

from model.aws_types import (
    EC2_DEFAULT_SECURITY_GROUP,
    EC2_DEFAULT_VPC,
    EC2_SECURITY_GROUP_RULE,
    EC2_VPC,
    EC2_VPC_ENDPOINT,
    EC2_VPC_ENDPOINT_ROUTE_TABLE_ASSOCIATION,
    EC2_VPC_ENDPOINT_SUBNET_ASSOCIATION,
    VPC_SECURITY_GROUP_INGRESS_RULE,
)
from model.network_records import (
    ANYWHERE,
    ROUTE_TABLES,
    SECURITY_GROUPS,
    SG_RULES,
    SUBNETS,
    VPCS,
    Endpoint,
    SecurityGroup,
    SgRule,
    Unsure,
    known_str,
    one_or_many,
    outside,
)
from model.values import Resource, is_unknown


class EndpointsAndGroups:
    # VPC endpoints ----------------------------------------------------------------------

    def endpoints_in(self, vpc_key: str) -> tuple[list[Endpoint], tuple[str, ...]]:
        """The VPC's endpoints and what could not be read about them."""
        if vpc_key not in self._endpoints:
            vpc = self.vpc(vpc_key)
            found: list[Endpoint] = []
            unsure: list[str] = []
            for resource in self.index.of_type(EC2_VPC_ENDPOINT):
                keys = self.keys(resource, "vpcId", resource.get("vpcId"), VPCS, "VPC")
                if vpc_key in keys:
                    found.append(self._endpoint_in_stack(resource))
                elif any(isinstance(k, Unsure) for k in keys):
                    unsure.extend(item for k in keys if isinstance(k, Unsure) for item in k.items)
            vpc_id = vpc.key if vpc.resource is None else (
                vpc.resource.get("id") if vpc.resource.type == EC2_DEFAULT_VPC else None)
            if known_str(vpc_id):
                what = f"the VPC endpoints of {outside('VPC', vpc_id)}"
                data = self._lookup(what, "describe_vpc_endpoints", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
                if isinstance(data, Unsure):
                    unsure.extend(data.items)
                else:
                    known = {e.key for e in found} | {r.get("id") for r in self.index.of_type(EC2_VPC_ENDPOINT)}
                    found.extend(self._endpoint_from_answer(item) for item in data.get("VpcEndpoints") or []
                                 if item.get("VpcEndpointId") not in known)
            self._endpoints[vpc_key] = (found, tuple(unsure))
        return self._endpoints[vpc_key]

    def _endpoint_in_stack(self, resource: Resource) -> Endpoint:
        subnet_keys = self.keys(resource, "subnetIds", resource.get("subnetIds"), SUBNETS, "subnet")
        table_keys = self.keys(resource, "routeTableIds", resource.get("routeTableIds"), ROUTE_TABLES, "route table")
        for association in self.index.referrers(resource, EC2_VPC_ENDPOINT_SUBNET_ASSOCIATION, "vpcEndpointId"):
            subnet_keys += self.keys(association, "subnetId", association.get("subnetId"), SUBNETS, "subnet")
        for association in self.index.referrers(resource, EC2_VPC_ENDPOINT_ROUTE_TABLE_ASSOCIATION, "vpcEndpointId"):
            table_keys += self.keys(association, "routeTableId", association.get("routeTableId"), ROUTE_TABLES,
                                    "route table")
        groups = self.keys(resource, "securityGroupIds", resource.get("securityGroupIds"), SECURITY_GROUPS,
                           "security group")
        endpoint_type = resource.get("vpcEndpointType")
        return Endpoint(
            key=resource.urn,
            label=resource.label,
            service_name=resource.get("serviceName"),
            endpoint_type="Gateway" if endpoint_type is None else endpoint_type,
            # The provider's default is false: an endpoint without the flag has no private DNS.
            private_dns=False if resource.get("privateDnsEnabled") is None else resource.get("privateDnsEnabled"),
            state=resource.get("state"),
            subnets=[self.subnet(k) for k in subnet_keys],
            security_groups=groups,
            route_tables=table_keys,
            policy=resource.get("policy"),
            endpoint_id=resource.get("id"),
            prefix_list_id=resource.get("prefixListId"),
        )

    def _endpoint_from_answer(self, item: dict) -> Endpoint:
        endpoint_id = item.get("VpcEndpointId", "")
        return Endpoint(
            key=endpoint_id,
            label=outside("VPC endpoint", endpoint_id),
            service_name=item.get("ServiceName"),
            endpoint_type=item.get("VpcEndpointType"),
            private_dns=bool(item.get("PrivateDnsEnabled")),
            state=item.get("State"),
            subnets=[self.subnet(self.id_key(s, SUBNETS)) for s in item.get("SubnetIds") or []],
            security_groups=[self.id_key(g.get("GroupId"), SECURITY_GROUPS) for g in item.get("Groups") or []
                             if g.get("GroupId")],
            route_tables=[self.id_key(t, ROUTE_TABLES) for t in item.get("RouteTableIds") or []],
            policy=item.get("PolicyDocument"),
            endpoint_id=endpoint_id,
        )

    # security groups --------------------------------------------------------------------

    def default_group_of(self, vpc_key: str) -> str | Unsure:
        """The group AWS uses when none is given: the VPC's default security group."""
        vpc = self.vpc(vpc_key)
        for resource in self.index.of_type(EC2_DEFAULT_SECURITY_GROUP):
            if self._vpc_matches(resource, vpc):
                return resource.urn
        if vpc.resource is not None and vpc.resource.type == EC2_VPC:
            key = f"{vpc.key}#default-sg"
            # AWS creates it admitting all traffic from itself and letting everything out.
            self._groups[key] = SecurityGroup(
                key, f"the default security group of {vpc.label}",
                ingress=[SgRule("-1", 0, 0, peers=(key,))], egress=[SgRule("-1", 0, 0, cidrs=(ANYWHERE,))])
            return key
        vpc_id = vpc.key if vpc.resource is None else vpc.resource.get("id")
        if not known_str(vpc_id):
            return Unsure.of(f"the default security group of {vpc.label} (known after update)")
        what = f"the default security group of {outside('VPC', vpc_id)}"
        data = self._lookup(what, "describe_security_groups", Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}])
        if isinstance(data, Unsure):
            return data
        groups = data.get("SecurityGroups") or []
        if not groups:
            return Unsure.of(f"{what}: not found")
        self._groups[groups[0]["GroupId"]] = self._group_from_answer(groups[0])
        return groups[0]["GroupId"]

    def security_group(self, key: str | Unsure) -> SecurityGroup | Unsure:
        if isinstance(key, Unsure):
            return key
        if key not in self._groups:
            resource = self.index.get(key)
            if resource is not None:
                self._groups[key] = self._group_in_stack(resource)
            else:
                what = outside("security group", key)
                data = self._lookup(what, "describe_security_groups", GroupIds=[key])
                if isinstance(data, Unsure):
                    self._groups[key] = data
                elif not data.get("SecurityGroups"):
                    self._groups[key] = Unsure.of(f"{what}: not found")
                else:
                    self._groups[key] = self._group_from_answer(data["SecurityGroups"][0])
        return self._groups[key]

    def _group_in_stack(self, resource: Resource) -> SecurityGroup:
        group = SecurityGroup(resource.urn, resource.label)
        unsure: list[str] = []
        for direction in ("ingress", "egress"):
            rules = resource.get(direction)
            if is_unknown(rules):
                unsure.append(f"{resource.label} {direction} (unknown)")
                continue
            for rule in one_or_many(rules):
                if not isinstance(rule, dict):
                    continue
                peers = list(self.keys(resource, direction, rule.get("securityGroups"), SECURITY_GROUPS,
                                       "security group"))
                if rule.get("self") is True:
                    peers.append(resource.urn)
                getattr(group, direction).append(SgRule(
                    rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                    tuple(one_or_many(rule.get("cidrBlocks"))), tuple(peers), tuple(one_or_many(rule.get("prefixListIds")))))
        for rule in self.index.of_type(SG_RULES):
            owner = self.keys(rule, "securityGroupId", rule.get("securityGroupId"), SECURITY_GROUPS, "security group")
            if resource.urn in owner:
                self._add_separate_rule(group, rule)
        group.unsure = tuple(unsure)
        return group

    def _add_separate_rule(self, group: SecurityGroup, rule: Resource) -> None:
        if rule.type == EC2_SECURITY_GROUP_RULE:
            direction = rule.get("type")
            peers = list(self.keys(rule, "sourceSecurityGroupId", rule.get("sourceSecurityGroupId"), SECURITY_GROUPS,
                                   "security group"))
            if rule.get("self") is True:
                peers.append(group.key)
            parsed = SgRule(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                            tuple(one_or_many(rule.get("cidrBlocks"))), tuple(peers),
                            tuple(one_or_many(rule.get("prefixListIds"))))
        else:
            direction = "ingress" if rule.type == VPC_SECURITY_GROUP_INGRESS_RULE else "egress"
            parsed = SgRule(
                rule.get("ipProtocol"), rule.get("fromPort"), rule.get("toPort"),
                tuple(one_or_many(rule.get("cidrIpv4"))),
                tuple(self.keys(rule, "referencedSecurityGroupId", rule.get("referencedSecurityGroupId"),
                                SECURITY_GROUPS, "security group")),
                tuple(one_or_many(rule.get("prefixListId"))))
        if is_unknown(direction):
            group.unsure += (f"{rule.label} type (unknown)",)
        elif direction in ("ingress", "egress"):
            getattr(group, direction).append(parsed)

    def _group_from_answer(self, item: dict) -> SecurityGroup:
        group_id = item.get("GroupId", "")
        group = SecurityGroup(group_id, outside("security group", group_id))
        for direction, permissions in (("ingress", item.get("IpPermissions")), ("egress", item.get("IpPermissionsEgress"))):
            for permission in permissions or []:
                getattr(group, direction).append(SgRule(
                    permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort"),
                    tuple(r.get("CidrIp") for r in permission.get("IpRanges") or []),
                    tuple(self.id_key(p.get("GroupId"), SECURITY_GROUPS) for p in permission.get("UserIdGroupPairs") or []
                          if p.get("GroupId")),
                    tuple(p.get("PrefixListId") for p in permission.get("PrefixListIds") or []),
                ))
        for rule in self.index.of_type(SG_RULES):
            if rule.get("securityGroupId") == group_id:
                self._add_separate_rule(group, rule)
        return group


