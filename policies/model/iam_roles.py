"""A role's effective policies and trust policy, from the stack, AWS's managed-policy documents, or IAM.

Effective = inline policies (`aws:iam/rolePolicy:RolePolicy`, `Role.inlinePolicies`) +
attached policies (`RolePolicyAttachment`, `Role.managedPolicyArns`, `PolicyAttachment`),
each attached policy read from the stack (`aws:iam/policy:Policy`), from the current
AWS-managed documents (model/data, generated from moto's copy), or from IAM with read-only calls. Whatever cannot
be read becomes a policy whose document is UNKNOWN, named with the reason, so the
evaluator answers "inconclusive" rather than pretending it is empty.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from model.aws_types import (
    CLOUDWATCH_LOG_GROUP,
    ECR_REPOSITORY,
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    KMS_ALIAS,
    KMS_KEY,
    SECRETSMANAGER_SECRET,
    SSM_PARAMETER,
)
from model.iam_conditions import partly_known, six_character_token, unknown_token
from model.iam_eval import Policy
from model.live_aws import LiveAws
from model.stack_index import Ref, StackIndex
from model.values import UNKNOWN, Malformed, Resource, in_words, is_unknown, parse_json

ROLE_KEYS = ("name", "id", "arn")


@dataclass(frozen=True)
class Place:
    """Where a task runs: partition, region and account, each None when not known."""

    partition: str = "aws"
    region: str | None = None
    account: str | None = None

    def arn(self, service: str, resource: str, region: str | None | bool = True, account: str | None | bool = True) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>`; pass "" for a global part."""
        region_part = self.region if region is True else region
        account_part = self.account if account is True else account
        return partly_known(f"arn:{self.partition}:{service}:", region_part, ":", account_part, ":", resource)


def partition_of(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _known_str(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_unknown(value) and value else None


def arn_of(resource: Resource, place: Place) -> str:
    """The resource's ARN: its own `arn` when known, else computed from its name, else partly known.

    The unknown part of an ARN is a token of the resource itself, so a policy whose Resource
    is the (equally unknown) ARN of the same resource matches it and no other.
    """
    known = _known_str(resource.props.get("arn"))
    if known:
        return known
    token = unknown_token(resource.urn)
    name = _known_str(resource.props.get("name"))
    if resource.type == SSM_PARAMETER and name:
        return place.arn("ssm", "parameter" + (name if name.startswith("/") else "/" + name))
    if resource.type == SECRETSMANAGER_SECRET and name:
        return place.arn("secretsmanager", f"secret:{name}-{six_character_token(resource.urn)}")
    if resource.type == CLOUDWATCH_LOG_GROUP and name:
        return place.arn("logs", f"log-group:{name}")
    if resource.type == ECR_REPOSITORY and name:
        return place.arn("ecr", f"repository/{name}")
    if resource.type == IAM_ROLE and name:
        return place.arn("iam", f"role{_path(resource)}{name}", region="")
    if resource.type == IAM_POLICY and name:
        return place.arn("iam", f"policy{_path(resource)}{name}", region="")
    if resource.type == KMS_KEY:
        key_id = _known_str(resource.props.get("keyId")) or _known_str(resource.props.get("id"))
        return place.arn("kms", f"key/{key_id or token}")
    service = resource.type.split(":")[1].split("/")[0]
    return place.arn(service, token)


def _path(resource: Resource) -> str:
    path = _known_str(resource.props.get("path")) or "/"
    return path if path.endswith("/") else path + "/"


# ---------------------------------------------------------------- AWS-managed policies


# Generated from the pinned moto release by scripts/generate_managed_policies.py; the pack
# does not need moto at run time.
MANAGED_POLICIES_FILE = Path(__file__).resolve().parent / "data" / "aws_managed_policies.json"


@lru_cache(maxsize=1)
def _aws_managed_data() -> dict[str, dict]:
    """The AWS-managed policies: documents of those a rule meets, every other one by name and path."""
    return json.loads(MANAGED_POLICIES_FILE.read_text())


def is_aws_managed_arn(arn: str) -> bool:
    return arn.split(":")[4:5] == ["aws"] and ":policy/" in arn and arn.startswith("arn:")


def aws_managed_policy(arn: str) -> dict | None:
    """The document of an AWS-managed policy named by ARN, or None when AWS has no such policy."""
    resource = arn.split(":", 5)[-1]
    path_and_name = resource.removeprefix("policy")
    name = path_and_name.rsplit("/", 1)[-1]
    entry = _aws_managed_data()["documents"].get(name)
    if entry is None or entry.get("Path", "/") + name != path_and_name:
        return None
    return entry["Document"]


def is_listed_aws_managed(arn: str) -> bool:
    """An AWS-managed policy that exists but whose document the data file does not carry."""
    path_and_name = arn.split(":", 5)[-1].removeprefix("policy")
    name = path_and_name.rsplit("/", 1)[-1]
    path = _aws_managed_data()["listed_only"].get(name)
    return path is not None and path + name == path_and_name


def aws_managed_name(arn: str) -> str | None:
    return arn.rsplit("/", 1)[-1] if is_aws_managed_arn(arn) else None


# ---------------------------------------------------------------- roles


@dataclass
class RoleView:
    """What a rule needs of one role. `exists` is True, False, or None (cannot tell: `why`)."""

    label: str
    arn: str
    name: str | None
    resource: Resource | None
    exists: bool | None
    trust: Policy
    policies: list[Policy] = field(default_factory=list)
    attached_arns: list[str] = field(default_factory=list)
    why: str = ""
    # The permissions boundary (None: the role has none); its document may be UNKNOWN.
    boundary: Policy | None = None
    # The role's tags (a dict), UNKNOWN, or None when the role has none.
    tags: Any = None


class RoleReader:
    """Builds RoleViews for one stack; look-ups and AWS-managed documents are shared and cached."""

    def __init__(self, index: StackIndex, live: LiveAws, place: Place):
        self.index = index
        self.live = live
        self.place = place

    # -- entry point
    def view(self, ref: Ref) -> RoleView:
        if ref.resource is not None:
            return self._in_stack(ref.resource)
        return self._outside(str(ref.value))

    # -- roles created in the stack
    def _in_stack(self, role: Resource) -> RoleView:
        view = RoleView(
            label=role.label,
            arn=arn_of(role, self.place),
            name=_known_str(role.props.get("name")),
            resource=role,
            exists=True,
            trust=Policy(f"the trust policy (assumeRolePolicy) of {role.label}",
                         self._document(role, "assumeRolePolicy", role.props.get("assumeRolePolicy"))),
        )
        view.policies += self._inline_policies(role)
        for ref, holder, prop in self._attachments(role):
            view.policies.append(self._attached(ref, holder, prop, view))
        view.boundary = self._boundary_in_stack(role)
        view.tags = role.props.get("tags")
        return view

    def _boundary_in_stack(self, role: Resource) -> Policy | None:
        """The role's `permissionsBoundary`: a policy of this stack, an AWS-managed one, or one read from IAM."""
        value = role.props.get("permissionsBoundary")
        if value is None or value == "":
            return None
        refs = self._policy_refs(role, "permissionsBoundary")
        ref = refs[0] if refs else None
        if ref is not None and ref.resource is not None:
            policy = ref.resource
            return Policy(f"the permissions boundary {policy.label}",
                          self._document(policy, "policy", policy.props.get("policy")))
        if ref is None or not ref.resolved:
            return Policy(f"the permissions boundary of {role.label} (permissionsBoundary is not known yet)", UNKNOWN)
        return self._named_boundary(str(ref.value))

    def _named_boundary(self, arn: str) -> Policy:
        found = self._policy_by_arn(arn)
        return Policy(f"the permissions boundary {found.source}", found.document)

    def _inline_policies(self, role: Resource) -> list[Policy]:
        found: list[Policy] = []
        inline = role.props.get("inlinePolicies")
        if is_unknown(inline):
            found.append(Policy(f"inlinePolicies of {role.label}", UNKNOWN))
        for number, item in enumerate(inline if isinstance(inline, list) else [], start=1):
            if is_unknown(item):
                found.append(Policy(f"inlinePolicies[{number - 1}] of {role.label}", UNKNOWN))
            elif isinstance(item, dict) and item.get("policy") is not None:
                name = item.get("name") if isinstance(item.get("name"), str) else str(number - 1)
                found.append(Policy(f"inline policy '{name}' of {role.label}",
                                    self._document(role, "inlinePolicies", item.get("policy"))))
        for holder in self.index.of_type(IAM_ROLE_POLICY):
            refs = self.index.refs(holder, "role", holder.props.get("role"), IAM_ROLE, ROLE_KEYS)
            if any(ref.resource is role for ref in refs):
                found.append(Policy(holder.label, self._document(holder, "policy", holder.props.get("policy"))))
            elif any(not ref.resolved for ref in refs):
                found.append(Policy(f"{holder.label}, whose role is not known yet", UNKNOWN))
        return found

    def _attachments(self, role: Resource) -> list[tuple[Ref | None, Resource, str]]:
        """(policy reference, resource that attaches it, property); a None reference means the
        attaching resource's role is not known, so it may attach anything to this role."""
        found: list[tuple[Ref | None, Resource, str]] = []
        for ref in self._policy_refs(role, "managedPolicyArns"):
            found.append((ref, role, "managedPolicyArns"))
        for holder in self.index.of_type(IAM_ROLE_POLICY_ATTACHMENT):
            refs = self.index.refs(holder, "role", holder.props.get("role"), IAM_ROLE, ROLE_KEYS)
            if any(ref.resource is role for ref in refs):
                found += [(ref, holder, "policyArn") for ref in self._policy_refs(holder, "policyArn")]
            elif any(not ref.resolved for ref in refs):
                found.append((None, holder, "role"))
        for holder in self.index.of_type(IAM_POLICY_ATTACHMENT):
            refs = self.index.refs(holder, "roles", holder.props.get("roles"), IAM_ROLE, ROLE_KEYS)
            if any(ref.resource is role for ref in refs):
                found += [(ref, holder, "policyArn") for ref in self._policy_refs(holder, "policyArn")]
            elif any(not ref.resolved for ref in refs):
                found.append((None, holder, "roles"))
        return found

    def _policy_refs(self, holder: Resource, prop: str) -> list[Ref]:
        value = holder.props.get(prop)
        refs = self.index.refs(holder, prop, value, IAM_POLICY, keys=("arn", "id"))
        # A policy created here with an explicit name has an ARN the program can compute
        # while the policy's own `arn` output is still unknown.
        return [self._policy_by_name(ref) for ref in refs]

    def _policy_by_name(self, ref: Ref) -> Ref:
        if ref.resource is not None or not isinstance(ref.value, str) or ":policy/" not in ref.value:
            return ref
        for policy in self.index.of_type(IAM_POLICY):
            name = _known_str(policy.props.get("name"))
            if name and ref.value.endswith(f":policy{_path(policy)}{name}"):
                return Ref(ref.value, policy)
        return ref

    def _attached(self, ref: Ref | None, holder: Resource, prop: str, view: RoleView) -> Policy:
        if ref is None:
            return Policy(f"{holder.label}, whose {prop} is not known yet", UNKNOWN)
        if isinstance(ref.value, str) and not is_unknown(ref.value):
            view.attached_arns.append(ref.value)
        if ref.resource is not None:
            policy = ref.resource
            return Policy(f"{policy.label} (attached by {holder.label})",
                          self._document(policy, "policy", policy.props.get("policy")))
        if not ref.resolved:
            return Policy(f"the policy attached by {holder.label} ({prop} is not known yet)", UNKNOWN)
        if not isinstance(ref.value, str) or not ref.value.startswith("arn:"):
            return Policy(f"{holder.label} {prop} {in_words(ref.value)}, which is not a policy ARN",
                          Malformed("not a policy ARN"))
        return self._policy_by_arn(ref.value)

    def _policy_by_arn(self, arn: str) -> Policy:
        if is_aws_managed_arn(arn):
            document = aws_managed_policy(arn)
            if document is not None:
                return Policy(f"AWS-managed policy {arn.rsplit('/', 1)[-1]}", document)
            if not is_listed_aws_managed(arn):
                return Policy(f"AWS-managed policy {arn}, which AWS does not publish", Malformed("no such policy"))
            # A managed policy no rule expects on a task's roles: read it from IAM like any other.
        answer = self.live.call("iam", "get_policy", PolicyArn=arn)
        if not answer.ok:
            return Policy(f"policy {arn} (not read: {answer.reason})", UNKNOWN)
        version = answer.data.get("Policy", {}).get("DefaultVersionId")
        answer = self.live.call("iam", "get_policy_version", PolicyArn=arn, VersionId=version)
        if not answer.ok:
            return Policy(f"policy {arn} (not read: {answer.reason})", UNKNOWN)
        return Policy(f"policy {arn}", _iam_document(answer.data.get("PolicyVersion", {}).get("Document")))

    def _document(self, holder: Resource, prop: str, value: Any) -> Any:
        document = parse_json(value)
        if isinstance(document, dict):
            document = self._resolve_unknown_resources(document, holder, prop)
        return document

    def _resolve_unknown_resources(self, document: dict, holder: Resource, prop: str) -> dict:
        """Replace unknown Resource entries of a structured document with the ARNs of the resources
        the property depends on, when the statement's actions say which ones they are."""
        statements = document.get("Statement")
        if not isinstance(statements, list | dict):
            return document
        candidates = [self.index.get(urn) for urn in holder.property_dependencies.get(prop, [])]
        candidates = [c for c in candidates if c is not None and c.type in _SERVICE_OF_TYPE]
        resolved = []
        for statement in statements if isinstance(statements, list) else [statements]:
            resolved.append(self._resolve_statement(statement, candidates))
        return {**document, "Statement": resolved}

    def _resolve_statement(self, statement: Any, candidates: list[Resource]) -> Any:
        if not isinstance(statement, dict):
            return statement
        statement = self._resolve_condition(statement, candidates)
        for element in ("Resource", "NotResource"):
            value = statement.get(element)
            items = value if isinstance(value, list) else [value]
            unknown_count = sum(1 for item in items if is_unknown(item))
            if not unknown_count:
                continue
            services = _statement_services(statement)
            if services is None:
                continue
            matching = [c for c in candidates if _SERVICE_OF_TYPE[c.type] in services]
            if len(matching) != unknown_count:
                continue
            known = [item for item in items if not is_unknown(item)]
            statement = {**statement, element: known + [arn_of(c, self.place) for c in matching]}
        return statement

    def _resolve_condition(self, statement: dict, candidates: list[Resource]) -> dict:
        """An unknown value under an encryption-context key that names a secret or parameter by ARN is
        the ARN of the one such resource the property depends on (the program passed its `arn`)."""
        block = statement.get("Condition")
        if not isinstance(block, dict):
            return statement
        resolved: dict = {}
        for operator, keys in block.items():
            if not isinstance(keys, dict):
                resolved[operator] = keys
                continue
            resolved[operator] = {}
            for key, values in keys.items():
                wanted = _ARN_CONTEXT_KEYS.get(str(key).lower())
                matching = [c for c in candidates if c.type == wanted]
                items = values if isinstance(values, list) else [values]
                if wanted and len(matching) == 1 and sum(1 for v in items if is_unknown(v)) == 1:
                    arn = arn_of(matching[0], self.place)
                    items = [arn if is_unknown(v) else v for v in items]
                    values = items if isinstance(values, list) else items[0]
                resolved[operator][key] = values
        return {**statement, "Condition": resolved}

    # -- roles outside the stack
    def _outside(self, value: str) -> RoleView:
        name = value.rsplit("/", 1)[-1] if ":role/" in value else value
        arn = value if value.startswith("arn:") else self.place.arn("iam", f"role/{name}", region="")
        label = arn
        answer = self.live.call("iam", "get_role", RoleName=name)
        if not answer.ok:
            exists = False if answer.error_code == "NoSuchEntity" else None
            why = answer.reason
            return RoleView(label, arn, name, None, exists,
                            Policy(f"the trust policy of role {label} (not read: {why})", UNKNOWN),
                            [Policy(f"the policies of role {label} (not read: {why})", UNKNOWN)], why=why,
                            tags=UNKNOWN)
        role = answer.data.get("Role", {})
        view = RoleView(label, role.get("Arn", arn), name, None, True,
                        Policy(f"the trust policy of role {label}", _iam_document(role.get("AssumeRolePolicyDocument"))))
        boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        view.boundary = self._named_boundary(boundary_arn) if boundary_arn else None
        view.tags = {t["Key"]: t["Value"] for t in role.get("Tags", []) if "Key" in t and "Value" in t}
        names = self.live.call("iam", "list_role_policies", RoleName=name)
        if not names.ok:
            view.policies.append(Policy(f"the inline policies of role {label} (not read: {names.reason})", UNKNOWN))
        for policy_name in names.data.get("PolicyNames", []):
            answer = self.live.call("iam", "get_role_policy", RoleName=name, PolicyName=policy_name)
            document = _iam_document(answer.data.get("PolicyDocument")) if answer.ok else UNKNOWN
            suffix = "" if answer.ok else f" (not read: {answer.reason})"
            view.policies.append(Policy(f"inline policy '{policy_name}' of role {label}{suffix}", document))
        attached = self.live.call("iam", "list_attached_role_policies", RoleName=name)
        if not attached.ok:
            view.policies.append(Policy(f"the attached policies of role {label} (not read: {attached.reason})", UNKNOWN))
        for item in attached.data.get("AttachedPolicies", []):
            view.attached_arns.append(item["PolicyArn"])
            view.policies.append(self._policy_by_arn(item["PolicyArn"]))
        return view


def _iam_document(value: Any) -> Any:
    """IAM returns documents URL-encoded JSON strings (boto3 usually decodes them already)."""
    if isinstance(value, str):
        return parse_json(urllib.parse.unquote(value))
    return value if value is not None else Malformed("no document")


# Which service's actions name resources of each type (to map unknown Resource entries).
_SERVICE_OF_TYPE = {
    KMS_KEY: "kms",
    KMS_ALIAS: "kms",
    SSM_PARAMETER: "ssm",
    SECRETSMANAGER_SECRET: "secretsmanager",
    CLOUDWATCH_LOG_GROUP: "logs",
    ECR_REPOSITORY: "ecr",
}


# Encryption-context keys whose value is the ARN of the secret or parameter being decrypted.
_ARN_CONTEXT_KEYS = {
    "kms:encryptioncontext:secretarn": SECRETSMANAGER_SECRET,
    "kms:encryptioncontext:parameter_arn": SSM_PARAMETER,
}


def _statement_services(statement: dict) -> set[str] | None:
    actions = statement.get("Action")
    if actions is None or is_unknown(actions):
        return None
    items = actions if isinstance(actions, list) else [actions]
    services = set()
    for item in items:
        if not isinstance(item, str) or is_unknown(item) or ":" not in item:
            return None
        services.add(item.split(":", 1)[0].lower())
    return services
