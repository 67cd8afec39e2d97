"""Execution roles, parameters, secrets and keys outside the stack, read from a real moto_server.

moto_server runs with MOTO_IAM_LOAD_MANAGED_POLICIES=true, so AmazonECSTaskExecutionRolePolicy
exists there as in AWS. The faulty endpoints answer the way AWS does when look-ups are
denied or blackholed: each such case must end inconclusive, never passed.
"""

import json
import time

import boto3
import pytest

from rules.ecs_execution_role_pulls_and_logs import ecs_execution_role_pulls_and_logs
from rules.ecs_execution_role_reads_secrets import ecs_execution_role_reads_secrets
from rules.ecs_execution_role_trusted import ecs_execution_role_trusted
from rules.ecs_roles_least_privilege import ecs_roles_least_privilege
from tests.policies.test_ecs_harness import ACCOUNT, REGION, containers, run_stack, spec

EXECUTION_ROLE_RULES = [ecs_execution_role_trusted, ecs_execution_role_reads_secrets, ecs_execution_role_pulls_and_logs, ecs_roles_least_privilege]

TRUSTED, READS, PULLS, LEAST = EXECUTION_ROLE_RULES
ROLE = "ecsTaskExecutionRole"
MOTO_ACCOUNT = "123456789012"  # moto's default account
ROLE_ARN = f"arn:aws:iam::{MOTO_ACCOUNT}:role/{ROLE}"
PARAM = "/library/db/password"
PARAM_ARN = f"arn:aws:ssm:{REGION}:{MOTO_ACCOUNT}:parameter{PARAM}"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/library:1.0"
TASK = "TaskDefinition 'library-task'"
ECS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def client(moto, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto.url)


def task_stack(secrets=None):
    definition = {
        "name": "web", "image": IMAGE, "secrets": secrets or [{"name": "DB_PASSWORD", "valueFrom": PARAM}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/library",
                                                                 "awslogs-region": REGION}},
    }
    return [spec("aws:ecs/taskDefinition:TaskDefinition", "library-task", {
        "family": "library-task", "executionRoleArn": ROLE_ARN, "containerDefinitions": containers(definition)})]


def live(url, timeout=10.0):
    return {"liveLookups": "on", "awsEndpointUrl": url, "lookupTimeoutSeconds": timeout, "awsRegion": REGION}


def make_role(moto, *inline_statements, managed=True, trust=ECS_TRUST):
    iam_client = client(moto, "iam")
    iam_client.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    if managed:
        iam_client.attach_role_policy(
            RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    if inline_statements:
        iam_client.put_role_policy(RoleName=ROLE, PolicyName="secrets", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(inline_statements)}))


def make_key_and_parameter(moto):
    key = client(moto, "kms").create_key(Description="library secrets")["KeyMetadata"]
    client(moto, "ssm").put_parameter(Name=PARAM, Value="s3cr3t", Type="SecureString", KeyId=key["KeyId"])
    return key["Arn"]


def test_a_role_outside_the_stack_with_everything_it_needs_passes(aws_credentials, moto):
    key_arn = make_key_and_parameter(moto)
    make_role(moto, {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAM_ARN},
              {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn})

    for policy in EXECUTION_ROLE_RULES:
        outcome = run_stack(policy, task_stack(), live(moto.url))

        assert (policy.name, outcome.messages, outcome.unknowns) == (policy.name, [], [])


def test_a_role_outside_the_stack_that_cannot_decrypt_the_parameter(aws_credentials, moto):
    key_arn = make_key_and_parameter(moto)
    make_role(moto, {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAM_ARN})

    outcome = run_stack(READS, task_stack(), live(moto.url))

    assert outcome.messages == [
        f"{TASK} container 'web' secret 'DB_PASSWORD' (valueFrom '{PARAM}'): the parameter is encrypted with the "
        f"customer-managed KMS key {key_arn.rsplit('/', 1)[1]}, and execution role {ROLE_ARN} cannot call kms:Decrypt "
        f"on {key_arn}: no statement allows kms:Decrypt on {key_arn}. ECS would stop the task with: "
        f"AccessDeniedException: User: arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/{ROLE}/<task-id> is not authorized to "
        f"perform: kms:Decrypt on resource: {key_arn} because no identity-based policy allows the kms:Decrypt "
        "action. Add this statement to the execution role: "
        f'{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "{key_arn}", "Condition": {{"StringEquals": '
        f'{{"kms:ViaService": "ssm.{REGION}.amazonaws.com"}}}}}}'
    ]


def test_the_real_managed_policy_documents_grant_pull_and_logs_but_not_ssm(aws_credentials, moto):
    client(moto, "ssm").put_parameter(Name=PARAM, Value="plain", Type="String")
    make_role(moto)

    assert run_stack(PULLS, task_stack(), live(moto.url)).messages == []
    assert [m.split(": ", 2)[1] for m in run_stack(READS, task_stack(), live(moto.url)).messages] == [
        f"execution role {ROLE_ARN} cannot call ssm:GetParameters on {PARAM_ARN}"]


def test_amazon_ssm_read_only_access_outside_the_stack_is_flagged_as_broad(aws_credentials, moto):
    client(moto, "ssm").put_parameter(Name=PARAM, Value="plain", Type="String")
    make_role(moto)
    client(moto, "iam").attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess")

    assert run_stack(READS, task_stack(), live(moto.url)).messages == []
    assert run_stack(LEAST, task_stack(), live(moto.url)).messages == [
        f"execution role {ROLE_ARN} (used by {TASK}) has the AWS-managed policy AmazonSSMReadOnlyAccess attached, "
        "which grants ssm:Get*, ssm:Describe* and ssm:List* on every parameter. The execution role needs only "
        f"AmazonECSTaskExecutionRolePolicy (image pull and logs) plus ssm:GetParameters on {PARAM_ARN}."
    ]


def test_a_customer_managed_policy_outside_the_stack_is_read_by_its_default_version(aws_credentials, moto):
    client(moto, "ssm").put_parameter(Name=PARAM, Value="plain", Type="String")
    make_role(moto)
    iam_client = client(moto, "iam")
    arn = iam_client.create_policy(PolicyName="library-secrets", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": PARAM_ARN}]}))["Policy"]["Arn"]
    iam_client.attach_role_policy(RoleName=ROLE, PolicyArn=arn)

    outcome = run_stack(READS, task_stack(), live(moto.url))

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_secret_outside_the_stack_under_a_customer_key(aws_credentials, moto):
    key_arn = client(moto, "kms").create_key()["KeyMetadata"]["Arn"]
    secret_arn = client(moto, "secretsmanager").create_secret(Name="library/db", SecretString="{}",
                                                             KmsKeyId=key_arn)["ARN"]
    make_role(moto, {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn},
              {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
               "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}})

    outcome = run_stack(READS, task_stack([{"name": "DB", "valueFrom": f"{secret_arn}:password::"}]), live(moto.url))

    assert (outcome.messages, outcome.unknowns) == ([], [])


def test_a_denied_iam_look_up_is_inconclusive_with_the_reason(aws_credentials, faulty_endpoint):
    endpoint = faulty_endpoint("denied-iam")

    outcome = run_stack(TRUSTED, task_stack(), live(endpoint.url))

    assert outcome.messages == []
    assert outcome.unknowns == [
        f"{TASK} execution role {ROLE_ARN} (iam get_role failed: AccessDenied: User: "
        "arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:GetRole)"]


@pytest.mark.parametrize("mode,delay", [("silent", 0.0), ("slow", 3.0)])
def test_a_look_up_that_does_not_answer_is_bounded_and_inconclusive(aws_credentials, faulty_endpoint, mode, delay):
    endpoint = faulty_endpoint(mode, delay=delay)

    started = time.monotonic()
    outcome = run_stack(READS, task_stack(), live(endpoint.url, timeout=0.5))
    elapsed = time.monotonic() - started

    assert outcome.messages == []
    assert outcome.unknowns == [f"{TASK} execution role {ROLE_ARN} (iam get_role did not answer within 0.5 s)"]
    assert elapsed < 3.0


def test_without_credentials_auto_mode_does_not_look_up(no_aws_credentials):
    outcome = run_stack(TRUSTED, task_stack(), {"liveLookups": "auto", "awsRegion": REGION})

    assert outcome.unknowns == [
        f"{TASK} execution role {ROLE_ARN} (no AWS credentials for a live look-up (liveLookups: auto))"]
