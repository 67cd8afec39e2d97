"""ecs-execution-role-reads-secrets: the execution role can read every secret a container
references, and decrypt it with its KMS key.

Mechanisms (what AWS evaluates to decide this):
- **Identity policies** (inline `RolePolicy`, attached `RolePolicyAttachment`/`PolicyAttachment` of
  customer-managed and AWS-managed policies with their real documents, the Role's own `inline_policies` and
  `managed_policy_arns`; a role outside the stack read from IAM) — modelled. [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **Permissions boundary** (`permissions_boundary`, a policy in the stack, AWS-managed, or read from IAM) —
  modelled: an action it does not allow is denied, a Deny in it denies; unreadable: inconclusive, named. [Permissions boundaries](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)
- **Explicit Deny, `NotAction`, `NotResource`, wildcards, policy variables** — modelled. [IAM policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
- **Condition keys** (`aws:PrincipalArn`, `aws:PrincipalTag/*` from the role's tags, `aws:PrincipalAccount`,
  `aws:RequestedRegion`, `aws:ViaAWSService`, `aws:SecureTransport`, `aws:ResourceTag/*` of resources in the
  stack) — modelled; any other key (e.g. `aws:SourceIp`, `aws:SourceVpce`) — inconclusive, named. [Condition keys](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
- **Organization SCPs/RCPs** — inconclusive, named, when the pack config `organizationPolicies` is `unknown`;
  absent by default (not visible from a stack). [SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html), [RCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)
- **Secrets Manager resource policies** (`aws.secretsmanager.SecretPolicy`, the Secret's `policy`; read with a
  look-up for a secret outside the stack) — modelled: in one account an Allow in the identity or the secret
  policy suffices, a Deny in either denies; a policy that cannot be read is inconclusive, named. [Secrets Manager resource-based policies](https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html)
- **KMS key policies** (`aws.kms.Key.policy`, `aws.kms.KeyPolicy`, AWS's default key policy for a key created
  without one; read with a look-up for a key outside the stack) — modelled: the key policy may grant the role
  on its own, and IAM policies count only when it delegates to the account; unreadable: inconclusive, named.
  [Key policies in AWS KMS](https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html)
- **KMS grants** (`aws.kms.Grant` of the stack on the key: grantee, operations, encryption-context
  constraints) — modelled as an Allow for the grantee; grants made outside the stack are not visible — not
  applicable at deploy time (AWS services create them for their own use, not for the task's role).
  [Grants in AWS KMS](https://docs.aws.amazon.com/kms/latest/developerguide/grants.html)
- **`kms:ViaService`, `kms:CallerAccount`, encryption context keys** — modelled for the decrypt Parameter
  Store or Secrets Manager makes on the role's behalf. [AWS KMS condition keys](https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html)
- **AWS-managed keys** (`aws/ssm`, `aws/secretsmanager`) — not applicable: their key policies let every
  principal of the account use them through the service. [AWS managed keys](https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key)
- **SSM parameter policies** — not applicable: Parameter Store has no resource policy that decides
  same-account reads. [Parameter Store](https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-parameter-store.html)

Inconclusive by design: a parameter, secret or key outside the stack whose key, secret policy or key policy cannot be read
without look-ups; a valueFrom not known at preview that no single parameter or secret of the stack explains;
condition keys ECS's call does not carry or that the stack cannot know (`aws:SourceIp`, `aws:SourceVpce`,
`aws:CurrentTime`); organization SCPs/RCPs when `organizationPolicies` is `unknown`.
"""

from __future__ import annotations

from pulumi_policy import Severity

from kit import Findings, stack_policy
from kit.shown import shown as in_words
from model.aws_types import SECRETSMANAGER_SECRET, SSM_PARAMETER
from model.iam_access import authorize
from model.iam_conditions import UNKNOWN_PART, partly_known
from model.iam_eval import Decision, Request, Verdict, shown
from model.iam_resource_policies import key_policy, secret_policies
from model.iam_roles import Place, RoleView, arn_of
from model.secret_refs import (
    NotASecret,
    SecretRef,
    find_in_stack,
    key_of,
    parse_value_from,
    ref_of_resource,
    request_arn,
)
from model.stack_index import StackIndex
from model.values import Resource, is_unknown
from rules._execution_roles import (
    Task,
    access_denied,
    each_task,
    execution_role_schema,
    fix_with,
    grantable,
    judge_requests,
    request_context,
    role_access,
    statement_json,
    tag_context,
)


def _validate_reads_secrets(index: StackIndex, findings: Findings, config: dict) -> None:
    stack, tasks = each_task(index, config, findings)
    referenced = False
    for task in tasks:
        secrets = [(c, name, value) for c in task.known_containers() for name, value in c.secrets]
        if not secrets:
            continue
        referenced = True
        role = stack.execution_role(task, findings)
        if role is None:
            continue  # no role, or one that does not exist: ecs-execution-role-trusted reports it
        unknown_targets = _targets_of_unknown_values(index, task, secrets)
        seen: set[tuple[str, str]] = set()
        for container, name, value in secrets:
            where = f"{task.label} container {in_words(container.name)} secret {in_words(name)} (valueFrom {_value(value)})"
            holder = None
            if is_unknown(value):
                if unknown_targets is None:
                    findings.inconclusive(f"{where}: the parameter or secret it names (not known yet)")
                    continue
                holder = unknown_targets
                ref = ref_of_resource(holder, task.place)
            else:
                ref = parse_value_from(value, task.place)
            if isinstance(ref, NotASecret):
                findings.violation(f"{where}: {ref.why}.", task.resource.urn)
                continue
            place = Place(task.place.partition, ref.region or task.place.region, ref.account or task.place.account)
            holder = holder or find_in_stack(index, ref, place)
            arn = arn_of(holder, place) if holder is not None and UNKNOWN_PART in ref.arn else request_arn(index, ref, place)
            if (ref.action, arn) in seen:
                continue
            seen.add((ref.action, arn))
            _judge_secret_read(findings, stack, task, role, place, ref, arn, holder, where)
            key = key_of(index, ref, stack.live, place, holder)
            if key.kind == "unknown":
                findings.inconclusive(f"{where}: the KMS key that encrypts it ({key.why})")
            elif key.kind == "customer" and ("kms:Decrypt", key.arn) not in seen:
                seen.add(("kms:Decrypt", key.arn))
                _judge_decrypt(findings, stack, task, role, place, ref, arn, key, where)
    if tasks and not referenced:
        findings.not_applicable("no container references a secret")


def _value(value) -> str:
    return "not known yet" if is_unknown(value) else in_words(value)


def _targets_of_unknown_values(index: StackIndex, task: Task, secrets) -> Resource | None:
    """The one parameter or secret of this stack that the task's one unknown valueFrom can be: the
    program passed that resource's ARN, which is not known until it is created."""
    unknown = [value for _, _, value in secrets if is_unknown(value)]
    candidates = index.dependencies_of_type(task.resource, "containerDefinitions", (SSM_PARAMETER, SECRETSMANAGER_SECRET))
    if len(unknown) == 1 and len(candidates) == 1:
        return candidates[0]
    return None


def _secret_context(place: Place, role: RoleView, holder: Resource | None, service: str) -> dict:
    extra = {}
    if holder is not None:
        extra.update(tag_context("aws:ResourceTag", holder.props.get("tags")))
        if service == "secretsmanager":
            extra.update(tag_context("secretsmanager:ResourceTag", holder.props.get("tags")))
    return request_context(place, role, extra)


def _judge_secret_read(findings, stack, task: Task, role: RoleView, place: Place, ref: SecretRef, arn: str,
                       holder: Resource | None, where: str) -> None:
    request = Request(ref.action, arn, _secret_context(place, role, holder, ref.service))
    policies = []
    if ref.service == "secretsmanager":
        policies = secret_policies(stack.index, holder, ref.arn.split(UNKNOWN_PART)[0].rstrip("-"), stack.live)

    def describe(failed: list[tuple[Request, Verdict]]) -> str:
        [(_, verdict)] = failed
        grant = statement_json(ref.action, grantable(arn))
        return (f"{where}: execution role {role.label} cannot call {ref.action} on {shown(arn)}: {verdict.reason}. "
                f"ECS would stop the task with: {access_denied(role, place, ref.action, arn, verdict)}. "
                f"{fix_with(verdict, grant)}")

    unread = [p for p in policies if is_unknown(p.document)]
    if unread:
        # One line per secret: the read hangs on a policy nobody could read.
        if authorize(role_access(stack, task, role, place), request).allowed:
            findings.inconclusive(f"{where}: execution role {role.label} may read it by its own policies, but "
                                  f"{unread[0].source} may deny it")
        else:
            findings.inconclusive(f"{where}: no policy of execution role {role.label} allows {ref.action} on "
                                  f"{shown(arn)}, and only {unread[0].source} could grant it (to grant it in the "
                                  f"role instead: {statement_json(ref.action, grantable(arn))})")
        return
    judge_requests(findings, task, role, [request], describe, role_access(stack, task, role, place, policies))


def _judge_decrypt(findings, stack, task: Task, role: RoleView, place: Place, ref: SecretRef, arn: str, key,
                   where: str) -> None:
    via = f"{ref.service}.{place.region or '<region>'}.amazonaws.com"
    context_key = "kms:EncryptionContext:PARAMETER_ARN" if ref.service == "ssm" else "kms:EncryptionContext:SecretARN"
    extra = {
        "kms:ViaService": partly_known(via.replace("<region>", UNKNOWN_PART)),
        "kms:CallerAccount": partly_known(place.account),
        context_key: arn,
        "aws:ViaAWSService": "true",
    }
    if key.resource is not None:
        extra.update(tag_context("aws:ResourceTag", key.resource.props.get("tags")))
    request = Request("kms:Decrypt", key.arn, request_context(place, role, extra))
    policy = key_policy(stack.index, key.resource, key.arn, partly_known(place.account), place.partition, stack.live,
                        place)
    verdict = authorize(role_access(stack, task, role, place, key_policy=policy), request)
    if verdict.decision is Decision.INCONCLUSIVE:
        findings.inconclusive(f"{task.label} execution role {role.label}: {verdict.reason}")
        return
    if verdict.allowed:
        return
    kind = "parameter" if ref.service == "ssm" else "secret"
    if verdict.layer == "resource" and verdict.decision is not Decision.DENIED:
        fix = (f"Add a statement to {policy.source} that allows {shown(role.arn)} kms:Decrypt (Principal "
               f"{{\"AWS\": \"{shown(role.arn)}\"}}), or one that lets the account's IAM policies grant it "
               f"(Principal {{\"AWS\": \"arn:{place.partition}:iam::{place.account or '<account>'}:root\"}}, "
               "Action kms:*), as AWS's default key policy does")
    else:
        fix = fix_with(verdict, statement_json("kms:Decrypt", key.arn, {"StringEquals": {"kms:ViaService": via}}))
    findings.violation(
        f"{where}: the {kind} is encrypted with the customer-managed KMS key {key.label}, and execution role "
        f"{role.label} cannot call kms:Decrypt on {shown(key.arn)}: {verdict.reason}. ECS would stop the task with: "
        f"{access_denied(role, place, 'kms:Decrypt', key.arn, verdict)}. {fix}",
        task.resource.urn,
    )


ecs_execution_role_reads_secrets = stack_policy(
    name="ecs-execution-role-reads-secrets",
    description=(
        "The execution role's effective permissions allow ssm:GetParameters or secretsmanager:GetSecretValue on "
        "every secret a container references, and kms:Decrypt on the customer-managed key that encrypts it."
    ),
    validate=_validate_reads_secrets,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add an inline policy to the execution role that allows ssm:GetParameters (Parameter Store) or "
        "secretsmanager:GetSecretValue (Secrets Manager) on the exact ARNs in the containers' secrets, and "
        "kms:Decrypt on the customer-managed key that encrypts them with the condition kms:ViaService = "
        "ssm.<region>.amazonaws.com or secretsmanager.<region>.amazonaws.com; remove any Deny that covers them."
    ),
    url="https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    config_schema=execution_role_schema(),
)
