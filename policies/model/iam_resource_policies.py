"""The resource-based policies AWS evaluates beside a role's own: secret policies, ECR repository
policies and KMS key policies, from the stack or read from AWS.

- Secrets Manager: `aws.secretsmanager.SecretPolicy` (`secretArn`) and the Secret's own `policy`
  argument ("Resource-based policies", Secrets Manager User Guide).
- ECR: `aws.ecr.RepositoryPolicy` (`repository`), ("Private repository policies", ECR User Guide).
- KMS: `aws.kms.KeyPolicy` (`keyId`) or the Key's `policy`; a key created without one gets AWS's
  default key policy, whose only statement lets the account's IAM policies grant access ("Default
  key policy", KMS Developer Guide); each `aws.kms.Grant` of the stack on the key adds an Allow for
  its grantee ("Grants in AWS KMS").
A policy that cannot be read (a look-up that failed, or a value not known yet) is returned with an
UNKNOWN document, named with the reason, so the verdict is inconclusive, never a pass: a secret or
repository policy outside the stack can deny, and a key policy decides on its own.
"""

from __future__ import annotations

from typing import Any

from model.aws_types import ECR_REPOSITORY, IAM_ROLE, KMS_KEY, SECRETSMANAGER_SECRET
from model.iam_eval import Policy
from model.iam_roles import Place, arn_of
from model.live_aws import LiveAws
from model.stack_index import StackIndex
from model.values import UNKNOWN, Resource, is_unknown, parse_json

SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
KMS_GRANT = "aws:kms/grant:Grant"


def _document(value: Any) -> Any:
    return parse_json(value)


def _attached_to(index: StackIndex, holder_type: str, prop: str, target: Resource,
                 keys: tuple[str, ...]) -> list[Resource]:
    return index.referrers(target, holder_type, prop, keys=keys)


def secret_policies(index: StackIndex, secret: Resource | None, secret_arn: str, live: LiveAws) -> list[Policy]:
    """The policies attached to a secret: from the stack when it is there, else read from AWS."""
    if secret is None:
        answer = live.call("secretsmanager", "get_resource_policy", SecretId=secret_arn)
        if answer.error_code == "ResourceNotFoundException":
            return []  # a missing secret fails the read itself
        if not answer.ok:
            return [Policy(f"the resource policy of secret {secret_arn} (not read: {answer.reason})", UNKNOWN)]
        text = answer.data.get("ResourcePolicy")
        return [Policy(f"the resource policy of secret {secret_arn}", _document(text))] if text else []
    found = []
    own = secret.props.get("policy")
    if is_unknown(own) or (isinstance(own, str) and own):
        found.append(Policy(f"the policy of {secret.label}", _document(own)))
    for holder in _attached_to(index, SECRET_POLICY, "secretArn", secret, ("arn", "id")):
        found.append(Policy(holder.label, _document(holder.props.get("policy"))))
    found += _unresolved(index, SECRET_POLICY, "secretArn", SECRETSMANAGER_SECRET, ("arn", "id"))
    return found


def repository_policies(index: StackIndex, repository: Resource | None, name: str, registry: str | None,
                        live: LiveAws) -> list[Policy]:
    """The repository policy of an ECR repository (at most one), from the stack or read from AWS."""
    if repository is None:
        params = {"repositoryName": name, **({"registryId": registry} if registry else {})}
        answer = live.call("ecr", "get_repository_policy", **params)
        if answer.error_code in ("RepositoryPolicyNotFoundException", "RepositoryNotFoundException"):
            return []  # no policy (a missing repository fails the pull itself, which is not an IAM matter)
        if not answer.ok:
            return [Policy(f"the repository policy of {name} (not read: {answer.reason})", UNKNOWN)]
        return [Policy(f"the repository policy of {name}", _document(answer.data.get("policyText")))]
    found = []
    for holder in _attached_to(index, REPOSITORY_POLICY, "repository", repository, ("name", "id")):
        found.append(Policy(holder.label, _document(holder.props.get("policy"))))
    found += _unresolved(index, REPOSITORY_POLICY, "repository", ECR_REPOSITORY, ("name", "id"))
    return found


def key_policy(index: StackIndex, key: Resource | None, key_arn: str, account: str, partition: str,
               live: LiveAws, place: Place | None = None) -> Policy:
    """The key policy of a KMS key: a KeyPolicy resource, the Key's `policy`, AWS's default, or read."""
    if key is None:
        answer = live.call("kms", "get_key_policy", KeyId=key_arn, PolicyName="default")
        if not answer.ok:
            return Policy(f"the key policy of KMS key {key_arn} (not read: {answer.reason})", UNKNOWN)
        return Policy(f"the key policy of KMS key {key_arn}", _document(answer.data.get("Policy")))
    holders = _attached_to(index, KEY_POLICY, "keyId", key, ("keyId", "id", "arn"))
    if holders:
        return _with_grants(index, key, Policy(f"the key policy {holders[0].label} of {key.label}",
                                               _document(holders[0].props.get("policy"))), place)
    if _unresolved(index, KEY_POLICY, "keyId", KMS_KEY, ("keyId", "id", "arn")):
        return Policy(f"the key policy of {key.label} (a KeyPolicy whose keyId is not known yet may replace it)",
                      UNKNOWN)
    own = key.props.get("policy")
    if own is None or own == "":
        policy = Policy(f"the default key policy of {key.label}", default_key_policy(account, partition))
    else:
        policy = Policy(f"the key policy of {key.label}", _document(own))
    return _with_grants(index, key, policy, place)


def _with_grants(index: StackIndex, key: Resource, policy: Policy, place: Place | None) -> Policy:
    """KMS also authorizes an operation a grant allows ("Grants in AWS KMS"): each `aws.kms.Grant` of the
    stack on this key becomes an Allow for its grantee, conditioned on its encryption-context constraints."""
    grants = _attached_to(index, KMS_GRANT, "keyId", key, ("keyId", "id", "arn"))
    if not grants or not isinstance(policy.document, dict) or place is None:
        return policy
    statements = policy.document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else list(statements or [])
    for grant in grants:
        refs = index.refs(grant, "granteePrincipal", grant.props.get("granteePrincipal"), IAM_ROLE, ("arn",))
        grantee = (arn_of(refs[0].resource, place) if refs and refs[0].resource is not None
                   else refs[0].value if refs else None)
        operations = grant.props.get("operations")
        statement: dict[str, Any] = {
            "Sid": grant.label, "Effect": "Allow", "Resource": "*",
            "Principal": {"AWS": UNKNOWN if grantee is None or is_unknown(grantee) else grantee},
            "Action": UNKNOWN if is_unknown(operations) else [f"kms:{op}" for op in operations or []
                                                               if isinstance(op, str)],
        }
        condition = _grant_condition(grant.props.get("constraints"))
        if condition is not None:
            statement["Condition"] = condition
        statements.append(statement)
    names = ", ".join(g.label for g in grants)
    return Policy(f"{policy.source} (with {names})", {**policy.document, "Statement": statements})


def _grant_condition(constraints: Any) -> Any:
    """A grant's constraints as a condition on the request's encryption context; UNKNOWN when not known."""
    if constraints is None or constraints == []:
        return None
    if is_unknown(constraints) or not isinstance(constraints, list):
        return UNKNOWN
    equals: dict[str, Any] = {}
    for item in constraints:
        if not isinstance(item, dict):
            return UNKNOWN
        for prop in ("encryptionContextEquals", "encryptionContextSubset"):
            for name, value in (item.get(prop) or {}).items():
                equals[f"kms:EncryptionContext:{name}"] = value
        if item.get("encryptionContextEquals"):
            # "Equals" also forbids any other pair, which the request context does not list in full.
            return UNKNOWN
    return {"StringEquals": equals} if equals else None


def default_key_policy(account: str, partition: str = "aws") -> dict:
    """AWS's default key policy for a key created without one (KMS Developer Guide, "Default key policy")."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }],
    }


def _unresolved(index: StackIndex, holder_type: str, prop: str, target_type: str,
                keys: tuple[str, ...]) -> list[Policy]:
    """Policies of `holder_type` whose target is not known: they may be attached to any resource."""
    found = []
    for holder in index.of_type(holder_type):
        refs = index.refs(holder, prop, holder.props.get(prop), target_type, keys)
        if any(not ref.resolved for ref in refs):
            found.append(Policy(f"{holder.label}, whose {prop} is not known yet", UNKNOWN))
    return found


def in_stack_secret(index: StackIndex, arn: str) -> Resource | None:
    matches = index.match(arn, SECRETSMANAGER_SECRET, ("arn", "id"))
    return matches[0] if matches else None
