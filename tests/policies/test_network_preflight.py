"""The network rules end to end: raw-resource programs under preflight, the real pack over gRPC."""

from pathlib import Path

import pytest

from preflight.api import run_preflight

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "network"
RULES = ("ecs-subnets-reach-ecr", "ecs-subnets-reach-task-services")


def network_diagnostics(scenario: str, mode: str) -> list[tuple]:
    report = run_preflight(FIXTURES / scenario, stack="test", mode=mode, policy_pack=REPO / "policies",
                           policy_config=FIXTURES / "all-mandatory.json")
    return [(d["policy"], d["enforcement"], d["urn"], d["message"], d["inconclusive"])
            for d in report.diagnostics if d["policy"] in RULES]


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_private_subnets_behind_a_nat_gateway_pass(mode):
    assert network_diagnostics("nat_gateway", mode) == []


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_endpoints_without_ecr_dkr_are_a_mandatory_violation_per_subnet(mode):
    service = "urn:pulumi:test::net-endpoints-missing-dkr::aws:ecs/service:Service::web"

    assert network_diagnostics("endpoints_missing_dkr", mode) == [
        ("ecs-subnets-reach-ecr", "mandatory", service,
         f"Service 'web' runs tasks in Subnet 'private-{zone}' (us-east-1{zone}) that cannot reach ECR DKR "
         "(com.amazonaws.us-east-1.ecr.dkr): RouteTable 'private' has no default route (0.0.0.0/0) to a NAT gateway "
         "or an internet gateway. Add a 0.0.0.0/0 route to a NAT gateway in a public subnet, or create interface "
         "endpoint com.amazonaws.us-east-1.ecr.dkr with privateDnsEnabled true in this VPC. Tasks fail to start "
         "with: CannotPullContainerError: failed to do request  dial tcp <ip>:443: i/o timeout",
         False)
        for zone in "ab"
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_projects_own_stacks_raise_nothing_from_the_network_rules(stack):
    report = run_preflight(REPO, stack=stack, mode="preview", policy_pack=REPO / "policies",
                           policy_config=FIXTURES / "all-mandatory.json")

    assert [d for d in report.diagnostics if d["policy"] in RULES] == []
    # The stacks do have services in subnets: the rules had something to prove.
    assert any(r["type"] == "aws:ecs/service:Service" and r["inputs"].get("networkConfiguration")
               for r in report.resources)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_a_nat_subnet_routed_to_the_internet_gateway_of_another_vpc_is_a_mandatory_violation(mode):
    service = "urn:pulumi:test::net-igw-of-another-vpc::aws:ecs/service:Service::web"
    ecr = ("ECR API (com.amazonaws.us-east-1.ecr.api), ECR DKR (com.amazonaws.us-east-1.ecr.dkr) and S3 "
           "(com.amazonaws.us-east-1.s3)")
    services = "CloudWatch Logs (com.amazonaws.us-east-1.logs) and SSM (com.amazonaws.us-east-1.ssm)"
    path = ("RouteTable 'private' routes 0.0.0.0/0 to NatGateway 'nat', but the NAT gateway's Subnet 'public-a' "
            "routes 0.0.0.0/0 (RouteTable 'public') to InternetGateway 'igw', which is not attached to Vpc 'main' "
            "(it is attached to Vpc 'other'). Attach InternetGateway 'igw' to Vpc 'main' (its vpcId, or an "
            "InternetGatewayAttachment), or route 0.0.0.0/0 to the internet gateway of Vpc 'main'. Tasks fail to "
            "start with: ")
    ecr_error = ("ResourceInitializationError: unable to pull secrets or registry auth operation error ECR: "
                 "GetAuthorizationToken, exceeded maximum number of attempts dial tcp <ip>:443: i/o timeout")
    logs_error = ("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 "
                  "times: failed to create Cloudwatch log stream: RequestError: send request failed dial tcp "
                  "<ip>:443: i/o timeout")

    assert sorted(network_diagnostics("igw_of_another_vpc", mode)) == sorted(
        [("ecs-subnets-reach-ecr", "mandatory", service,
          f"Service 'web' runs tasks in Subnet 'private-{zone}' (us-east-1{zone}) that cannot reach {ecr}: "
          f"{path}{ecr_error}", False) for zone in "ab"]
        + [("ecs-subnets-reach-task-services", "mandatory", service,
            f"Service 'web' runs tasks in Subnet 'private-{zone}' (us-east-1{zone}) that cannot reach {services}: "
            f"{path}{logs_error}", False) for zone in "ab"])
