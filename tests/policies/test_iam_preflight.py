"""The execution-role rules end to end: raw-resource programs under preflight, the real pack over gRPC."""

from pathlib import Path

import pytest

from preflight.api import run_preflight

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "iam"
RULES = ("ecs-execution-role-trusted", "ecs-execution-role-reads-secrets", "ecs-execution-role-pulls-and-logs",
         "ecs-roles-least-privilege")
ACCOUNT = "123456789012"
REGION = "us-east-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def iam_diagnostics(scenario: str, mode: str) -> list[tuple]:
    report = run_preflight(FIXTURES / scenario, stack="test", mode=mode, policy_pack=REPO / "policies",
                           policy_config=FIXTURES / "policy-config.json")
    found = [(d["policy"], d["enforcement"], d["urn"], d["message"], d["inconclusive"])
             for d in report.diagnostics if d["policy"] in RULES]
    return sorted(found, key=lambda d: (d[0], d[3]))


def urn(project: str, type_: str, name: str) -> str:
    return f"urn:pulumi:test::{project}::{type_}::{name}"


def key_policy_unread(project: str) -> tuple:
    """The team's shared key is outside the stack: with look-ups off its key policy, which alone decides
    whether IAM policies count for the key (KMS Developer Guide, "Key policies"), cannot be read."""
    return (
        "ecs-execution-role-reads-secrets", "advisory", f"urn:pulumi:test::{project}::pulumi:pulumi:Stack::{project}-test",
        "can't run policy 'ecs-execution-role-reads-secrets' from policy pack 'berth@v0.0.1' during preview: Cannot be "
        f"verified until update: TaskDefinition 'library-task' execution role Role 'execution': kms:Decrypt on {KEY_ARN} "
        f"may be denied by the key policy of KMS key {KEY_ARN} (not read: live look-ups are off (liveLookups: off)), "
        "which is not known yet",
        True)


def repository_policy_unread(project: str) -> tuple:
    """The image's repository is outside the stack: its repository policy, which can deny the pull
    (ECR User Guide, "Private repository policies"), cannot be read with look-ups off."""
    repository = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/library"
    return (
        "ecs-execution-role-pulls-and-logs", "advisory", f"urn:pulumi:test::{project}::pulumi:pulumi:Stack::{project}-test",
        "can't run policy 'ecs-execution-role-pulls-and-logs' from policy pack 'berth@v0.0.1' during preview: Cannot "
        f"be verified until update: TaskDefinition 'library-task' execution role Role 'execution': its policies allow "
        f"the pull from {repository}, but the repository policy of library (not read: live look-ups are off "
        "(liveLookups: off)) may deny it",
        True)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_field_notes_task_with_a_scoped_execution_role_passes_but_for_the_unread_key_policy(mode):
    assert iam_diagnostics("field_notes_fixed", mode) == [repository_policy_unread("iam-field-notes-fixed"),
                                                          key_policy_unread("iam-field-notes-fixed")]


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_the_field_notes_first_deploy_fails_on_the_missing_role_and_the_unreadable_secrets(mode):
    project = "iam-field-notes-broken"
    library = urn(project, "aws:ecs/taskDefinition:TaskDefinition", "library-task")
    worker = urn(project, "aws:ecs/taskDefinition:TaskDefinition", "worker-task")
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskExecutionRole/<task-id>"

    def cannot_read(name):
        arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/library/db/{name}"
        return (
            "ecs-execution-role-reads-secrets", "mandatory", library,
            f"TaskDefinition 'library-task' container 'web' secret 'DB_{name.upper()}' (valueFrom '{arn}'): execution "
            f"role Role 'execution' cannot call ssm:GetParameters on {arn}: no statement allows ssm:GetParameters on "
            f"{arn}. ECS would stop the task with: AccessDeniedException: User: {principal} is not authorized to "
            f"perform: ssm:GetParameters on resource: {arn} because no identity-based policy allows the "
            "ssm:GetParameters action. Add this statement to the execution role: "
            f'{{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "{arn}"}}',
            False)

    assert iam_diagnostics("field_notes_broken", mode) == [
        repository_policy_unread(project),
        cannot_read("password"),
        cannot_read("url"),
        cannot_read("username"),
        key_policy_unread(project),
        (
            "ecs-execution-role-trusted", "mandatory", worker,
            "TaskDefinition 'worker-task' executionRoleArn is not set, but its containers need an execution role "
            "for the awslogs log driver. AWS fails with: ClientException: Fargate requires task definition to have "
            "execution role ARN to support log driver awslogs. Set executionRoleArn to a role that "
            "ecs-tasks.amazonaws.com can assume, with the AWS-managed policy AmazonECSTaskExecutionRolePolicy "
            "attached.",
            False),
        (
            "ecs-roles-least-privilege", "advisory", urn(project, "aws:iam/role:Role", "worker"),
            "task role Role 'worker' (used by TaskDefinition 'worker-task') has the AWS-managed policy "
            "AmazonSSMReadOnlyAccess attached, which grants ssm:Get*, ssm:Describe* and ssm:List* on every "
            "parameter. Grant the task role only the actions the application calls, on the ARNs it uses.",
            False),
    ]


def test_a_policy_built_from_a_new_keys_arn_is_inconclusive_at_preview_and_passes_at_update():
    """preflight sees through the new key's ARN at preview and passes; `pulumi preview`, which cannot, would
    leave the rules inconclusive, and the report says so for each of them."""
    report = run_preflight(FIXTURES / "key_in_stack", stack="test", mode="preview", policy_pack=REPO / "policies",
                           policy_config=FIXTURES / "policy-config.json")
    verdicts = {v["policy"]: v for v in report.policy_verdicts() if v["policy"] in RULES}

    unread = repository_policy_unread("iam-key-in-stack")
    assert [(d["policy"], d["enforcement"], d["urn"], d["message"], d["inconclusive"])
            for d in report.diagnostics if d["policy"] in RULES] == [unread]
    assert {name: (v["verdict"], v.get("pulumiPreview")) for name, v in verdicts.items()} == {
        "ecs-execution-role-trusted": ("passed", None),
        "ecs-execution-role-reads-secrets": ("passed", "inconclusive"),
        "ecs-execution-role-pulls-and-logs": ("inconclusive", None),
        "ecs-roles-least-privilege": ("passed", None),
    }
    assert iam_diagnostics("key_in_stack", "update") == [unread]
