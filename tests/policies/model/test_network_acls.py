"""Network ACL evaluation as the VPC User Guide describes it: rules in number order, the first
match decides, explicit deny, the final deny-all, stateless replies to ephemeral ports."""

from model.network_acl_rules import (
    EPHEMERAL,
    INTERNET,
    TASK_EPHEMERAL,
    AclEntry,
    Flow,
    NetworkAcl,
    admits,
    allow_all,
)
from model.network_records import Unsure
from model.values import UNKNOWN

OUT_443 = Flow(True, (443, 443), INTERNET, "outbound TCP 443 to the service's public addresses")
REPLIES = Flow(False, EPHEMERAL, INTERNET, "inbound replies to the ephemeral ports 1024-65535", TASK_EPHEMERAL)
FROM_TASKS = Flow(False, (443, 443), "10.20.10.0/24", "inbound TCP 443 from Subnet 'private-a' (10.20.10.0/24)")


def acl(ingress=(), egress=()) -> NetworkAcl:
    return NetworkAcl("urn:acl", "NetworkAcl 'private'", list(ingress), list(egress))


def tcp(number, action, cidr, low, high) -> AclEntry:
    return AclEntry(number, action, "tcp", cidr, low, high)


def test_the_acl_aws_creates_with_a_vpc_allows_everything():
    default = allow_all("vpc#acl", "the default network ACL of Vpc 'main'")
    assert admits(default, OUT_443).ok is True
    assert admits(default, REPLIES).ok is True


def test_no_rules_leave_only_the_final_deny_all():
    answer = admits(acl(), OUT_443)
    assert answer.ok is False
    assert answer.problem == ("NetworkAcl 'private' drops outbound TCP 443 to the service's public addresses: no rule "
                              "allows it, so the final deny-all (*) rule drops it")


def test_the_lowest_numbered_matching_rule_decides():
    deny_first = acl(ingress=[tcp(200, "allow", "0.0.0.0/0", 1024, 65535), tcp(90, "deny", "0.0.0.0/0", 0, 65535)])
    answer = admits(deny_first, REPLIES)
    assert answer.ok is False
    assert answer.problem == ("NetworkAcl 'private' drops inbound replies to the ephemeral ports 1024-65535: rule 90 is "
                              "a deny rule for 1024-65535")
    allow_first = acl(ingress=[tcp(100, "allow", "0.0.0.0/0", 1024, 65535), tcp(200, "deny", "0.0.0.0/0", 0, 65535)])
    assert admits(allow_first, REPLIES).ok is True


def test_rule_numbers_arrive_as_doubles_and_sort_numerically():
    entries = [tcp(1000.0, "allow", "0.0.0.0/0", 1024, 65535), tcp(200.0, "deny", "0.0.0.0/0", 1024, 65535)]
    assert admits(acl(ingress=entries), REPLIES).ok is False


def test_replies_need_the_tasks_ephemeral_ports_not_only_443():
    answer = admits(acl(ingress=[tcp(100, "allow", "0.0.0.0/0", 443, 443)]), REPLIES)
    assert answer.ok is False
    assert "no rule allows 1024-65535" not in answer.problem  # 443 is outside the task range
    assert answer.problem.endswith("no rule allows it, so the final deny-all (*) rule drops it")


def test_replies_admitted_on_32768_to_65535_cover_linux_and_windows_tasks():
    assert admits(acl(ingress=[tcp(100, "allow", "0.0.0.0/0", 32768, 65535)]), REPLIES).ok is True


def test_replies_admitted_on_part_of_the_task_range_are_unsure_and_name_the_ports():
    answer = admits(acl(ingress=[tcp(100, "allow", "0.0.0.0/0", 49152, 65535)]), REPLIES)
    assert answer.ok == Unsure.of(
        "NetworkAcl 'private' admits inbound replies to the ephemeral ports 1024-65535 only on ports 49152-65535 "
        "(which ports the tasks' connections use is decided at run time)")


def test_all_traffic_rules_ignore_their_ports_and_ipv6_rules_do_not_match_ipv4():
    everything = AclEntry(100, "allow", "-1", "0.0.0.0/0", 0, 0)
    assert admits(acl(egress=[everything]), OUT_443).ok is True
    ipv6_only = AclEntry(100, "allow", "-1", None, 0, 0)
    assert admits(acl(egress=[ipv6_only]), OUT_443).ok is False


def test_a_rule_for_another_protocol_does_not_match():
    udp = AclEntry(100, "allow", "udp", "0.0.0.0/0", 0, 65535)
    assert admits(acl(egress=[udp]), OUT_443).ok is False
    assert admits(acl(egress=[AclEntry(100, "allow", "6", "0.0.0.0/0", 443, 443)]), OUT_443).ok is True


def test_cidrs_are_matched_against_the_other_end():
    vpc_wide = acl(ingress=[tcp(100, "allow", "10.20.0.0/16", 443, 443)])
    assert admits(vpc_wide, FROM_TASKS).ok is True
    elsewhere = acl(ingress=[tcp(100, "allow", "10.99.0.0/16", 443, 443)])
    assert admits(elsewhere, FROM_TASKS).ok is False
    half = acl(ingress=[tcp(100, "allow", "10.20.10.0/25", 443, 443)])
    assert admits(half, FROM_TASKS).ok == Unsure.of(
        "NetworkAcl 'private' rule 100 for inbound TCP 443 from Subnet 'private-a' (10.20.10.0/24): 10.20.10.0/25 "
        "holds only part of 10.20.10.0/24")


def test_a_private_cidr_never_holds_a_public_service_address_and_a_public_one_may():
    assert admits(acl(egress=[tcp(100, "allow", "10.0.0.0/8", 443, 443)]), OUT_443).ok is False
    assert admits(acl(egress=[tcp(100, "allow", "52.0.0.0/8", 443, 443)]), OUT_443).ok == Unsure.of(
        "NetworkAcl 'private' rule 100 for outbound TCP 443 to the service's public addresses: whether 52.0.0.0/8 "
        "holds the service's public addresses")


def test_unknown_parts_of_a_rule_are_named():
    assert admits(acl(egress=[AclEntry(UNKNOWN, "allow", "tcp", "0.0.0.0/0", 443, 443)]), OUT_443).ok == Unsure.of(
        "NetworkAcl 'private' a rule number (unknown)")
    assert admits(acl(egress=[AclEntry(100, "allow", UNKNOWN, "0.0.0.0/0", 443, 443)]), OUT_443).ok == Unsure.of(
        "NetworkAcl 'private' rule 100: its protocol (unknown)")
    assert admits(acl(egress=[AclEntry(100, UNKNOWN, "tcp", "0.0.0.0/0", 443, 443)]), OUT_443).ok == Unsure.of(
        "NetworkAcl 'private' rule 100: its action (unknown)")
