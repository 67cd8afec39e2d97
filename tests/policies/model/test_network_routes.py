"""Longest prefix match over the public address space, and VPC endpoint policies on the task's calls."""

from model.network_endpoint_policies import PRESIGNED, Call, Caller, evaluate_endpoint_policy
from model.network_records import Route, RouteTable, Subnet, Unsure
from model.network_routes import destinations_of, internet_routes, within_vpc_detour
from model.values import UNKNOWN

NAT = Route("0.0.0.0/0", "nat", "nat-1")
TGW = Route("0.0.0.0/0", "other", "transitGatewayId 'tgw-1'")


def table(*routes: Route) -> RouteTable:
    return RouteTable("rtb", "RouteTable 'private'", list(routes))


def test_the_default_route_carries_every_public_address():
    assert internet_routes(table(NAT)) == [NAT]


def test_no_route_for_public_addresses_is_none():
    assert internet_routes(table(Route("10.0.0.0/8", "other", "transitGatewayId 'tgw-1'"))) == [None]


def test_two_halves_win_over_the_default_route():
    low, high = Route("0.0.0.0/1", "nat", "nat-2"), Route("128.0.0.0/1", "nat", "nat-2")
    assert internet_routes(table(TGW, low, high)) == [low, high]
    assert destinations_of([low, high]) == "0.0.0.0/1 and 128.0.0.0/1"


def test_a_more_specific_public_route_shares_the_address_space():
    inspect = Route("52.0.0.0/8", "other", "transitGatewayId 'tgw-1'")
    assert internet_routes(table(NAT, inspect)) == [NAT, inspect]


def test_private_destinations_do_not_take_public_traffic():
    assert internet_routes(table(NAT, Route("10.0.0.0/8", "other", "transitGatewayId 'tgw-1'"),
                                 Route("192.168.0.0/16", "blackhole", "nat-gone"))) == [NAT]


def test_unknown_destinations_and_customer_prefix_lists_are_named():
    assert internet_routes(table(NAT, Route(UNKNOWN, "nat", "nat-1"))) == Unsure.of(
        "RouteTable 'private' a route destination (unknown)")
    assert internet_routes(table(NAT, Route("pl-0abc", "other", "transitGatewayId 'tgw-1'"))) == Unsure.of(
        "RouteTable 'private' routes prefix list pl-0abc to transitGatewayId 'tgw-1'; which addresses the prefix "
        "list holds is outside what the pack reads")
    assert internet_routes(table(NAT, Route("pl-63a5400a", "vpce", "vpce-1"))) == [NAT]


ROLE = "arn:aws:iam::111122223333:role/web-execution"
CALLER = Caller(ROLE, "111122223333", "the execution role (Role 'web-execution')")
TOKEN = Call("ecr:GetAuthorizationToken", "*")
PULL = [Call("ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111122223333:repository/web"),
        Call("ecr:GetDownloadUrlForLayer", "arn:aws:ecr:us-east-1:111122223333:repository/web")]
ENDPOINT = "VpcEndpoint 'ecr-dkr'"


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_an_endpoint_without_a_policy_allows_everything():
    assert evaluate_endpoint_policy(ENDPOINT, None, PULL, CALLER, {}).ok is True


def test_a_missing_action_is_an_implicit_deny_named_with_the_call():
    document = policy({"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"], "Resource": "*"})
    answer = evaluate_endpoint_policy(ENDPOINT, document, PULL, CALLER, {})
    assert answer.ok is False
    assert answer.problem == (
        "no statement of the policy of VpcEndpoint 'ecr-dkr' allows ecr:GetDownloadUrlForLayer on "
        "arn:aws:ecr:us-east-1:111122223333:repository/web for the execution role (Role 'web-execution')")


def test_principals_name_the_role_its_account_or_another_role():
    for principal, ok in ((ROLE, True), ("arn:aws:iam::111122223333:root", True), ("111122223333", True),
                          ("arn:aws:iam::111122223333:role/ci-deployer", False)):
        document = policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "ecr:*", "Resource": "*"})
        assert evaluate_endpoint_policy(ENDPOINT, document, PULL, CALLER, {}).ok is ok, principal


def test_an_explicit_deny_with_not_resource_catches_the_token_call():
    document = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "OnlyOurRepositories", "Effect": "Deny", "Principal": "*", "Action": "ecr:*",
         "NotResource": "arn:aws:ecr:us-east-1:111122223333:repository/*"})
    answer = evaluate_endpoint_policy("VpcEndpoint 'ecr-api'", document, [TOKEN], CALLER, {})
    assert answer.ok is False
    assert answer.problem == ("statement 2 (OnlyOurRepositories) of the policy of VpcEndpoint 'ecr-api' denies "
                              "ecr:GetAuthorizationToken on * for the execution role (Role 'web-execution')")
    assert evaluate_endpoint_policy(ENDPOINT, document, PULL, CALLER, {}).ok is True


def test_conditions_on_keys_the_pack_knows_are_evaluated_and_others_named():
    on_vpc = policy({"Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}})
    assert evaluate_endpoint_policy(ENDPOINT, on_vpc, PULL, CALLER, {"aws:SourceVpc": "vpc-1"}).ok is True
    assert evaluate_endpoint_policy(ENDPOINT, on_vpc, PULL, CALLER, {"aws:SourceVpc": "vpc-2"}).ok is False
    unsure = evaluate_endpoint_policy(ENDPOINT, on_vpc, PULL, CALLER, {}).ok
    assert isinstance(unsure, Unsure)
    assert "aws:SourceVpc" in unsure.items[0]


def test_the_presigned_layer_url_is_covered_only_by_a_statement_for_everyone():
    layer = [Call("s3:GetObject", "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*")]
    for_all = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                      "Resource": "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"})
    assert evaluate_endpoint_policy("VpcEndpoint 's3'", for_all, layer, PRESIGNED, {}).ok is True
    for_role = policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "*"})
    assert evaluate_endpoint_policy("VpcEndpoint 's3'", for_role, layer, PRESIGNED, {}).ok == Unsure.of(
        "statement 1 of the policy of VpcEndpoint 's3' may allow s3:GetObject on "
        "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/* (whether its Principal names the signer of ECR's "
        "pre-signed layer URLs)")


def test_a_policy_not_known_yet_is_unsure():
    assert evaluate_endpoint_policy(ENDPOINT, UNKNOWN, PULL, CALLER, {}).ok == Unsure.of(
        "the policy of VpcEndpoint 'ecr-dkr' (not known until update)")


def test_a_middlebox_route_for_the_endpoint_subnet_is_named_and_wider_routes_lose_to_local():
    endpoints = Subnet("urn:sub", "Subnet 'endpoints-a'", "vpc", "us-east-1a", "10.20.20.0/24")
    inspect = Route("10.20.20.0/24", "other", "networkInterfaceId 'eni-1'")
    assert within_vpc_detour(table(NAT, inspect), endpoints) == Unsure.of(
        "RouteTable 'private' routes 10.20.20.0/24 (Subnet 'endpoints-a') to networkInterfaceId 'eni-1'; what that "
        "hop does with the traffic is outside what the pack can see")
    corporate = Route("10.0.0.0/8", "other", "transitGatewayId 'tgw-1'")
    assert within_vpc_detour(table(NAT, corporate), endpoints) is True
