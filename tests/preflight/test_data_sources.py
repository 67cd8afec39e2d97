"""Built-in answers for data sources: shaped like the provider's, identifying what lies outside the stack."""

from __future__ import annotations

import json
import zlib

import pytest

from preflight.errors import PreflightError
from preflight.host.invokes import UNKNOWN_TEXT, InvokeError, Invokes, agrees, printable_args
from preflight.host.policy_document import PolicyDocumentError, render
from preflight.host.wire import UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS


class Unknown:
    """Stands for pulumi.output.Unknown, which the SDK puts in invoke arguments it does not know yet."""


@pytest.fixture(scope="module")
def outputs():
    run = run_program(load_project(PROJECTS / "data_sources", "dev"), stack="dev", mode="update",
                      invokes={}, stack_outputs={})
    return next(record for record in run.resources if record["type"] == "pulumi:pulumi:Stack")["outputs"]


def test_policy_document_through_the_sdk_is_the_providers_json(outputs):
    assert json.loads(outputs["document"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
             "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}},
        ],
    }
    assert outputs["document"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid"')
    assert outputs["documentId"] == "156314070"


def test_outside_resources_are_identified_and_nothing_more(outputs):
    assert outputs["role"] == {"arn": "arn:aws:iam::123456789012:role/deployer", "trust": None}
    assert outputs["policy"] == {
        "arn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        "name": "AmazonECSTaskExecutionRolePolicy", "document": None,
    }
    assert outputs["parameter"] == {"arn": "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db-url", "type": None}
    assert outputs["certificate"]["status"] is None
    assert outputs["certificate"]["arn"].startswith("arn:aws:acm:eu-west-1:123456789012:certificate/")
    assert outputs["ami"]["architecture"] is None
    assert outputs["ami"]["arn"] == f"arn:aws:ec2:eu-west-1::image/{outputs['ami']['id']}"
    assert outputs["issuer"] == "arn:aws:iam::123456789012:role/ci"
    assert outputs["secret"]["name"] == "shop/db"
    assert outputs["secret"]["versionStage"] == "AWSCURRENT"
    assert outputs["key"]["arn"] == outputs["key"]["aliasTarget"]
    assert outputs["repository"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
    assert outputs["image"].startswith("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@sha256:")
    assert outputs["zone"]["name"] == "example.com"
    assert outputs["elbAccount"] == "arn:aws:iam::156460612806:root"
    assert outputs["registry"] == {"user": "AWS", "endpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"}


def test_lookups_in_another_vpc_name_its_members_without_inventing_the_default_vpc(outputs):
    assert outputs["otherVpc"].startswith("vpc-") and len(outputs["otherVpc"]) == 21
    assert len(outputs["privateSubnets"]) == 2
    assert all(subnet.startswith("subnet-") for subnet in outputs["privateSubnets"])
    assert len(outputs["routeTables"]) == 1


def test_source_and_override_documents_merge_by_sid_in_order():
    result = render({
        "sourcePolicyDocuments": [json.dumps({"Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": ["b:Y", "a:X"], "Resource": "*"},
        ]})],
        "statements": [{"sid": "A", "actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::b/&{aws:username}"]}],
        "overridePolicyDocuments": [json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "B", "Effect": "Allow", "Action": "sqs:*", "Resource": "*",
             "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
             "Condition": {"Bool": {"aws:SecureTransport": True}}},
        ]})],
    })
    assert json.loads(result["json"])["Statement"] == [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/${aws:username}"},
        {"Effect": "Deny", "Action": ["b:Y", "a:X"], "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "sqs:*", "Resource": "*",
         "Principal": {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]},
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    ]
    assert result["minifiedJson"] == json.dumps(json.loads(result["json"]), separators=(",", ":"))


def test_statement_lists_are_reverse_sorted_and_single_values_are_strings():
    result = render({"statements": [{
        "actions": ["logs:PutLogEvents", "logs:CreateLogStream", "logs:PutLogEvents"],
        "resources": ["*"],
        "principals": [{"type": "*", "identifiers": ["*"]}],
        "conditions": [{"test": "StringLike", "variable": "aws:PrincipalArn", "values": ["b*", "a*"]}],
    }]})
    assert json.loads(result["json"]) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*",
        "Principal": "*", "Condition": {"StringLike": {"aws:PrincipalArn": ["b*", "a*"]}},
    }]}


def test_go_escapes_html_characters_and_the_id_is_the_crc32_of_the_json():
    result = render({"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::a<b>&c"]}]})
    assert '"Resource": "arn:aws:s3:::a\\u003cb\\u003e\\u0026c"' in result["json"]
    assert result["id"] == str(zlib.crc32(result["json"].encode())) == "2195741975"


@pytest.mark.parametrize(("args", "message"), [
    ({"statements": [{"sid": "A"}, {"sid": "A"}]},
     "writing IAM Policy Document: duplicate Sid (A). Remove the Sid or ensure the Sid is unique."),
    ({"version": "2020-01-01"}, 'expected version to be one of ["2008-10-17" "2012-10-17"], got 2020-01-01'),
    ({"statements": [{"effect": "allow"}]}, 'expected statement effect to be one of ["Allow" "Deny"], got allow'),
    ({"sourcePolicyDocuments": ['{"Statement": [{"Sid": "X"}]}', '{"Statement": [{"Sid": "X"}]}']},
     "writing IAM Policy Document: merging source document 1: duplicate Sid (X) in source_policy_documents "
     "(statement 0). Remove the Sid or ensure Sids are unique."),
])
def test_arguments_the_provider_rejects_are_errors(args, message):
    with pytest.raises(PolicyDocumentError) as raised:
        render(args)
    assert str(raised.value) == message


def test_invoke_arguments_print_unknowns_as_json_text():
    args = {"filters": [{"name": "vpc-id", "values": [Unknown()]}], "mostRecent": True, "owner": UNKNOWN}
    assert printable_args(args) == {"filters": [{"name": "vpc-id", "values": [UNKNOWN_TEXT]}],
                                    "mostRecent": True, "owner": UNKNOWN_TEXT}
    error = InvokeError("aws:ec2/getInstance:getInstance", args, "no answer")
    assert json.dumps(error.call_args, sort_keys=True) == (
        '{"filters": [{"name": "vpc-id", "values": ["<unknown>"]}], "mostRecent": true, "owner": "<unknown>"}')


def test_an_invokes_entry_matches_on_the_values_the_call_knows():
    assert agrees({"filters": [{"name": "vpc-id", "values": ["vpc-1"]}]},
                  {"filters": [{"name": "vpc-id", "values": [Unknown()]}]})
    assert agrees("<unknown>", Unknown())
    assert not agrees({"filters": [{"name": "vpc-id", "values": ["vpc-1"]}]},
                      {"filters": [{"name": "subnet-id", "values": [Unknown()]}]})
    invokes = Invokes("us-east-1", {"aws:ec2/getInstance:getInstance": [
        {"args": {"instanceTags": {"Name": "bastion"}, "filters": [{"name": "vpc-id", "values": ["vpc-1"]}]},
         "result": {"id": "i-1"}},
    ]})
    answer = invokes.answer("aws:ec2/getInstance:getInstance",
                            {"instanceTags": {"Name": "bastion"}, "filters": [{"name": "vpc-id", "values": [Unknown()]}]})
    assert answer == {"id": "i-1"}
    with pytest.raises(InvokeError):
        invokes.answer("aws:ec2/getInstance:getInstance", {"instanceTags": {"Name": "jump"}})


def test_subnet_ids_of_pulumi_aws_5_answer_the_default_vpc():
    invokes = Invokes("us-east-1", {})
    vpc = invokes.answer("aws:ec2/getVpc:getVpc", {"default": True})
    subnets = invokes.answer("aws:ec2/getSubnets:getSubnets", {"filters": [{"name": "vpc-id", "values": [vpc["id"]]}]})
    legacy = invokes.answer("aws:ec2/getSubnetIds:getSubnetIds", {"vpcId": vpc["id"]})
    assert legacy == {"id": vpc["id"], "vpcId": vpc["id"], "ids": sorted(subnets["ids"]), "filters": None,
                      "tags": None}


def test_elb_service_account_of_an_unlisted_region_asks_for_an_answer():
    with pytest.raises(InvokeError) as raised:
        Invokes("mars-1", {}).answer("aws:elb/getServiceAccount:getServiceAccount", {})
    assert raised.value.reason == "preflight does not know Elastic Load Balancing's account in mars-1"


def test_arguments_the_provider_rejects_fail_the_program_as_the_provider_does(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: lookups\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.iam.get_policy_document(statements=[{'sid': 'A'}, {'sid': 'A'}])\n")
    with pytest.raises(PreflightError) as raised:
        run_program(load_project(tmp_path, "dev"), stack="dev", mode="update", invokes={}, stack_outputs={})
    assert raised.value.message.startswith(
        'the program called the function aws:iam/getPolicyDocument:getPolicyDocument with {"statements": '
        '[{"sid": "A"}, {"sid": "A"}]}, and the provider rejects it: writing IAM Policy Document: duplicate '
        "Sid (A). Remove the Sid or ensure the Sid is unique.\nTraceback (your program's frames")


UNKNOWN_ARGUMENT_PROGRAM = (
    "import pulumi\n"
    "import pulumi_aws as aws\n"
    "vpc = aws.ec2.Vpc('main', cidr_block='10.0.0.0/16')\n"
    "# A plain invoke handed an output: at preview the SDK sends the VPC's id as unknown.\n"
    "found = aws.ec2.get_instance(filters=[{'name': 'vpc-id', 'values': [vpc.id]}], instance_tags={'Name': 'bastion'})\n"
    "pulumi.export('instance', found.id)\n"
)


def test_an_unanswered_invoke_prints_its_unknown_arguments_as_json_and_an_entry_on_the_known_ones_answers_it(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: lookups\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(UNKNOWN_ARGUMENT_PROGRAM)
    project = load_project(tmp_path, "dev")
    with pytest.raises(PreflightError) as raised:
        run_program(project, stack="dev", mode="preview", invokes={}, stack_outputs={})
    assert raised.value.message.startswith(
        'the program called the function aws:ec2/getInstance:getInstance with {"filters": [{"name": "vpc-id", '
        '"values": ["<unknown>"]}], "instanceTags": {"Name": "bastion"}}, which preflight cannot answer: preflight '
        "has no built-in answer for this function.\nAnswer it with --invokes FILE.\n")
    assert "Unknown object" not in raised.value.message

    # The entry names the VPC the update will have; at preview the call does not know it, so it agrees.
    entry = {"args": {"instanceTags": {"Name": "bastion"}, "filters": [{"name": "vpc-id", "values": ["vpc-0a1b"]}]},
             "result": {"id": "i-0123456789abcdef0"}}
    run = run_program(project, stack="dev", mode="preview", invokes={"aws:ec2/getInstance:getInstance": [entry]},
                      stack_outputs={})
    stack = next(record for record in run.resources if record["type"] == "pulumi:pulumi:Stack")
    assert stack["outputs"] == {"instance": "i-0123456789abcdef0"}

    # An entry for another instance does not answer it: the known values disagree.
    other = {**entry, "args": {**entry["args"], "instanceTags": {"Name": "jump"}}}
    with pytest.raises(PreflightError) as raised:
        run_program(project, stack="dev", mode="preview", invokes={"aws:ec2/getInstance:getInstance": [other]},
                    stack_outputs={})
    assert "which preflight cannot answer" in raised.value.message
