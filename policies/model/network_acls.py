"""Which network ACL a subnet uses, and its rules, from the stack or read from EC2.

A subnet is associated with exactly one network ACL: the one an
`aws.ec2.NetworkAclAssociation` or an ACL's own `subnetIds` names, else its VPC's default
network ACL. A VPC created in the stack starts with a default ACL that allows all traffic
(rule 100 both ways); `aws.ec2.DefaultNetworkAcl` adopts it and replaces its rules with the
ones it declares (none: only the final deny-all rules remain). Rules come inline
(`ingress`/`egress`) or as `aws.ec2.NetworkAclRule` resources.
(https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html,
https://www.pulumi.com/registry/packages/aws/api-docs/ec2/defaultnetworkacl/)

`NetworkAcls` is part of `model.network.Network`: it reads `self.index`, `self.live`,
`self.keys`, `self.vpc` and `self._lookup`, so it is never used on its own.
"""

from __future__ import annotations

from model.aws_types import EC2_VPC
from model.network_acl_rules import AclEntry, NetworkAcl, allow_all, entry_from_props
from model.network_records import SUBNETS, Subnet, Unsure, known_str, one_or_many, outside
from model.values import Resource, is_unknown

EC2_NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
EC2_DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
EC2_NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
EC2_NETWORK_ACL_ASSOCIATION = "aws:ec2/networkAclAssociation:NetworkAclAssociation"
NETWORK_ACLS = (EC2_NETWORK_ACL, EC2_DEFAULT_NETWORK_ACL)


class NetworkAcls:
    def acl_of(self, subnet: Subnet) -> NetworkAcl | Unsure:
        """The network ACL whose rules apply at the subnet's edge."""
        if subnet.key not in self._acls:
            self._acls[subnet.key] = self._find_acl(subnet)
        return self._acls[subnet.key]

    def _find_acl(self, subnet: Subnet) -> NetworkAcl | Unsure:
        for association in self.index.of_type(EC2_NETWORK_ACL_ASSOCIATION):
            if self._refers_to(association, "subnetId", subnet, SUBNETS):
                keys = self.keys(association, "networkAclId", association.get("networkAclId"), NETWORK_ACLS,
                                 "network ACL")
                return self._acl(keys[0] if keys else Unsure.of(f"{association.label} networkAclId (missing)"))
        for acl in self.index.of_type(NETWORK_ACLS):
            value = acl.get("subnetIds")
            if value is None:
                continue
            if is_unknown(value) and not self.index.dependencies_of_type(acl, "subnetIds", SUBNETS):
                return Unsure.of(f"{acl.label} subnetIds (unknown)")
            if self._refers_to(acl, "subnetIds", subnet, SUBNETS):
                return self._acl_in_stack(acl)
        if isinstance(subnet.vpc, Unsure):
            return subnet.vpc
        vpc = self.vpc(subnet.vpc)
        for acl in self.index.of_type(EC2_DEFAULT_NETWORK_ACL):
            if self._default_acl_of(acl, vpc.resource):
                return self._acl_in_stack(acl)
        if vpc.resource is not None and vpc.resource.type == EC2_VPC:
            acl = allow_all(f"{vpc.key}#default-acl", f"the default network ACL of {vpc.label}")
            for rule in self.index.of_type(EC2_NETWORK_ACL_RULE):
                if vpc.resource.urn in rule.property_dependencies.get("networkAclId", []) or (
                        known_str(rule.get("networkAclId"))
                        and rule.get("networkAclId") == vpc.resource.get("defaultNetworkAclId")):
                    self._add_rule(acl, rule)
            return acl
        return self._acl_outside(subnet)

    def _default_acl_of(self, acl: Resource, vpc: Resource | None) -> bool:
        if vpc is None:
            return False
        if vpc.urn in acl.property_dependencies.get("defaultNetworkAclId", []):
            return True
        value = acl.get("defaultNetworkAclId")
        return known_str(value) and value == vpc.get("defaultNetworkAclId")

    def _acl(self, key: str | Unsure) -> NetworkAcl | Unsure:
        if isinstance(key, Unsure):
            return key
        resource = self.index.get(key)
        if resource is not None:
            return self._acl_in_stack(resource)
        what = outside("network ACL", key)
        data = self._lookup(what, "describe_network_acls", NetworkAclIds=[key])
        if isinstance(data, Unsure):
            return data
        found = data.get("NetworkAcls") or []
        return self._acl_from_answer(found[0]) if found else Unsure.of(f"{what}: not found")

    def _acl_in_stack(self, resource: Resource) -> NetworkAcl:
        acl = NetworkAcl(resource.urn, resource.label)
        unsure: list[str] = []
        for direction in ("ingress", "egress"):
            rules = resource.get(direction)
            if is_unknown(rules):
                unsure.append(f"{resource.label} {direction} (unknown)")
                continue
            for rule in one_or_many(rules):
                if isinstance(rule, dict):
                    getattr(acl, direction).append(entry_from_props(rule, "ruleNo", "action"))
                elif is_unknown(rule):
                    unsure.append(f"{resource.label} {direction} (an unknown rule)")
        acl.unsure = tuple(unsure)
        for rule in self.index.of_type(EC2_NETWORK_ACL_RULE):
            owners = self.keys(rule, "networkAclId", rule.get("networkAclId"), NETWORK_ACLS, "network ACL")
            if resource.urn in owners:
                self._add_rule(acl, rule)
        return acl

    def _add_rule(self, acl: NetworkAcl, rule: Resource) -> None:
        egress = rule.get("egress")
        entry = entry_from_props(rule.props, "ruleNumber", "ruleAction")
        if is_unknown(egress):
            acl.unsure += (f"{rule.label} egress (unknown)",)
        elif egress is True:
            acl.egress.append(entry)
        else:
            acl.ingress.append(entry)  # the provider's default for egress is false

    def _acl_outside(self, subnet: Subnet) -> NetworkAcl | Unsure:
        subnet_id = subnet.key if subnet.resource is None else subnet.resource.get("id")
        what = f"the network ACL of {subnet.label} in {self.vpc_label(subnet.vpc)}"
        if not known_str(subnet_id):
            return Unsure.of(f"{what} (its default network ACL, read after update)")
        data = self._lookup(what, "describe_network_acls",
                            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
        if isinstance(data, Unsure):
            return data
        found = data.get("NetworkAcls") or []
        return self._acl_from_answer(found[0]) if found else Unsure.of(f"{what}: not found")

    def _acl_from_answer(self, item: dict) -> NetworkAcl:
        acl_id = item.get("NetworkAclId", "")
        acl = NetworkAcl(acl_id, outside("network ACL", acl_id))
        for entry in item.get("Entries") or []:
            ports = entry.get("PortRange") or {}
            parsed = AclEntry(entry.get("RuleNumber"), entry.get("RuleAction"), entry.get("Protocol"),
                              entry.get("CidrBlock"), ports.get("From", 0), ports.get("To", 65535))
            (acl.egress if entry.get("Egress") else acl.ingress).append(parsed)
        return acl

