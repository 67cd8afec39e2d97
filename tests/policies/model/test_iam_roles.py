"""A role's effective policies: AWS-managed documents from moto's data, attachments found in the stack."""

import json

from model.iam_roles import Place, RoleReader, aws_managed_policy, is_aws_managed_arn
from model.live_aws import LiveAws
from model.stack_index import Ref, StackIndex
from model.values import UNKNOWN, Resource

EXEC = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_aws_managed_policies_are_read_from_the_maintained_documents():
    document = aws_managed_policy(EXEC)

    assert document["Statement"][0]["Action"] == [
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"]


def test_an_aws_managed_arn_with_the_wrong_path_names_no_policy():
    assert aws_managed_policy("arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy") is None
    assert is_aws_managed_arn(EXEC) and not is_aws_managed_arn("arn:aws:iam::123456789012:policy/x")


def res(type_, name, props, deps=None):
    return Resource(type_, name, f"urn:pulumi:t::p::{type_}::{name}", props, property_dependencies=deps or {})


def test_a_role_policy_whose_role_is_unknown_with_no_dependency_may_belong_to_any_role():
    role = res("aws:iam/role:Role", "exec", {"name": "exec", "assumeRolePolicy": "{}"})
    stray = res("aws:iam/rolePolicy:RolePolicy", "stray", {"role": UNKNOWN, "policy": json.dumps({"Statement": []})})
    reader = RoleReader(StackIndex([role, stray]), LiveAws.from_config({"liveLookups": "off"}), Place())

    view = reader.view(Ref("exec", role))

    assert [(p.source, p.document) for p in view.policies] == [("RolePolicy 'stray', whose role is not known yet",
                                                                UNKNOWN)]


def test_managed_policy_arns_that_are_unknown_follow_the_graph_to_policies_in_the_stack():
    policies = [res("aws:iam/policy:Policy", n, {"arn": UNKNOWN, "policy": json.dumps({"Statement": [n]})})
                for n in ("a", "b")]
    role = res("aws:iam/role:Role", "exec", {"name": "exec", "managedPolicyArns": [UNKNOWN, UNKNOWN]},
               {"managedPolicyArns": [p.urn for p in policies]})
    reader = RoleReader(StackIndex([*policies, role]), LiveAws.from_config({"liveLookups": "off"}), Place())

    view = reader.view(Ref("exec", role))

    assert [(p.source, p.document) for p in view.policies] == [
        ("Policy 'a' (attached by Role 'exec')", {"Statement": ["a"]}),
        ("Policy 'b' (attached by Role 'exec')", {"Statement": ["b"]}),
    ]


def test_a_customer_policy_outside_the_stack_without_look_ups_is_unknown_and_says_why():
    role = res("aws:iam/role:Role", "exec", {"name": "exec", "managedPolicyArns": ["arn:aws:iam::1:policy/team"]})
    reader = RoleReader(StackIndex([role]), LiveAws.from_config({"liveLookups": "off"}), Place())

    view = reader.view(Ref("exec", role))

    assert [(p.source, p.document) for p in view.policies] == [
        ("policy arn:aws:iam::1:policy/team (not read: live look-ups are off (liveLookups: off))", UNKNOWN)]
