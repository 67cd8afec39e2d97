"""Container secrets: what each `valueFrom` names, and the KMS key that encrypts it.

ECS accepts, in `secrets[].valueFrom`:
- an SSM parameter name (`/library/db/url`, `db-url`) in the task's region, or its ARN
  (`arn:aws:ssm:<region>:<account>:parameter/library/db/url`);
- a Secrets Manager secret ARN, complete (`...:secret:db-AbCdEf`) or partial (`...:secret:db`),
  optionally followed by `:json-key:version-stage:version-id`.
The execution role needs `ssm:GetParameters` / `secretsmanager:GetSecretValue` on the
parameter or secret, and `kms:Decrypt` on the customer-managed key that encrypts it; the
default `aws/ssm` and `aws/secretsmanager` keys need no grant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from model.aws_types import KMS_ALIAS, KMS_KEY, SECRETSMANAGER_SECRET, SSM_PARAMETER
from model.iam_conditions import UNKNOWN_PART, partly_known
from model.iam_roles import Place, arn_of
from model.live_aws import LiveAws
from model.stack_index import StackIndex
from model.values import Resource, is_unknown

SSM = "ssm"
SECRETS_MANAGER = "secretsmanager"
ACTION = {SSM: "ssm:GetParameters", SECRETS_MANAGER: "secretsmanager:GetSecretValue"}
DEFAULT_KEY_ALIAS = {SSM: "alias/aws/ssm", SECRETS_MANAGER: "alias/aws/secretsmanager"}

# Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN.
_COMPLETE_SECRET = re.compile(r"-[A-Za-z0-9]{6}$")


@dataclass(frozen=True)
class SecretRef:
    """One parsed valueFrom. `arn` is what IAM authorizes (partly known for a partial secret ARN)."""

    value_from: str
    service: str
    name: str
    arn: str
    region: str | None
    account: str | None
    complete: bool = True
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""

    @property
    def action(self) -> str:
        return ACTION[self.service]


@dataclass(frozen=True)
class NotASecret:
    value_from: Any
    why: str


def parse_value_from(value: Any, place: Place) -> SecretRef | NotASecret:
    if not isinstance(value, str) or not value or is_unknown(value):
        return NotASecret(value, "valueFrom must be a parameter name or an SSM or Secrets Manager ARN")
    if not value.startswith("arn:"):
        name = value
        return SecretRef(value, SSM, name, place.arn("ssm", _parameter_resource(name)), place.region, place.account)
    parts = value.split(":", 5)
    if len(parts) != 6:
        return NotASecret(value, "the ARN has fewer than six ':'-separated parts")
    _, partition, service, region, account, resource = parts
    where = Place(partition, region or None, account or None)
    if service == SSM and resource.startswith("parameter/"):
        path = resource.removeprefix("parameter/")
        name = "/" + path if "/" in path else path
        return SecretRef(value, SSM, name, value, where.region, where.account)
    if service == SECRETS_MANAGER and resource.startswith("secret:"):
        name_part, *suffix = resource.removeprefix("secret:").split(":")
        if len(suffix) > 3:
            return NotASecret(value, "a Secrets Manager valueFrom has at most json-key:version-stage:version-id after the ARN")
        suffix += [""] * (3 - len(suffix))
        complete = bool(_COMPLETE_SECRET.search(name_part))
        base = f"arn:{partition}:{service}:{region}:{account}:secret:{name_part}"
        arn = base if complete else partly_known(base + "-", None)
        name = name_part[:-7] if complete else name_part
        return SecretRef(value, SECRETS_MANAGER, name, arn, where.region, where.account, complete, *suffix)
    return NotASecret(value, f"{service} ARNs are not secrets ECS can read; use an SSM parameter or a Secrets Manager secret")


def _parameter_resource(name: str) -> str:
    return "parameter" + (name if name.startswith("/") else "/" + name)


def ref_of_resource(resource: Resource, place: Place) -> SecretRef:
    """The reference a container makes to a parameter or secret of this stack whose ARN is not known
    yet (the program passed the resource's `arn` output as `valueFrom`)."""
    name = resource.props.get("name")
    name = name if isinstance(name, str) and not is_unknown(name) else resource.name
    service = SSM if resource.type == SSM_PARAMETER else SECRETS_MANAGER
    arn = arn_of(resource, place)
    return SecretRef(arn, service, name, arn, place.region, place.account)


# ---------------------------------------------------------------- the secret in the stack


def find_in_stack(index: StackIndex, ref: SecretRef, place: Place) -> Resource | None:
    if ref.service == SSM:
        for parameter in index.of_type(SSM_PARAMETER):
            name = parameter.props.get("name")
            if name == ref.name or (isinstance(name, str) and name.lstrip("/") == ref.name.lstrip("/")
                                     and "/" not in name.lstrip("/")):
                return parameter
            if parameter.props.get("arn") == ref.arn:
                return parameter
        return None
    base = ref.arn.split(UNKNOWN_PART)[0]
    for secret in index.of_type(SECRETSMANAGER_SECRET):
        arn = secret.props.get("arn")
        if secret.props.get("name") == ref.name:
            return secret
        if isinstance(arn, str) and (arn == ref.arn or (not ref.complete and _COMPLETE_SECRET.search(arn)
                                                        and arn[:-6] == base)):
            return secret
    return None


def request_arn(index: StackIndex, ref: SecretRef, place: Place) -> str:
    """The ARN IAM sees: the literal one, or the one of the parameter or secret in the stack
    (so a policy naming that resource's unknown ARN matches it)."""
    if UNKNOWN_PART not in ref.arn:
        return ref.arn
    holder = find_in_stack(index, ref, place)
    return arn_of(holder, Place(place.partition, ref.region, ref.account)) if holder is not None else ref.arn


# ---------------------------------------------------------------- keys


@dataclass(frozen=True)
class KeyUse:
    """The key that encrypts a secret.

    kind: "none" (plain String parameter), "default" (aws/ssm, aws/secretsmanager or another
    AWS-managed key: no grant needed), "customer" (kms:Decrypt on `arn` is needed), or
    "unknown" (`why` says what could not be read).
    """

    kind: str
    arn: str = ""
    label: str = ""
    why: str = ""
    resource: Resource | None = None  # the aws:kms/key:Key of this stack, when it is one


def key_of(index: StackIndex, ref: SecretRef, live: LiveAws, place: Place, holder: Resource | None = None) -> KeyUse:
    """`holder`: the parameter or secret of this stack the reference names, when already known."""
    holder = holder or find_in_stack(index, ref, place)
    where = Place(place.partition, ref.region or place.region, ref.account or place.account)
    if holder is not None:
        return _key_of_resource(index, holder, ref, live, where)
    if ref.service == SSM:
        answer = live.call("ssm", "describe_parameters",
                           ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [ref.name]}])
        if not answer.ok:
            return KeyUse("unknown", why=f"parameter {ref.name} is not in the stack and was not read: {answer.reason}")
        found = answer.data.get("Parameters", [])
        if not found:
            return KeyUse("unknown", why=f"parameter {ref.name} was not found by ssm DescribeParameters")
        if found[0].get("Type") != "SecureString":
            return KeyUse("none")
        return resolve_key(index, found[0].get("KeyId") or DEFAULT_KEY_ALIAS[SSM], live, where)
    answer = live.call("secretsmanager", "describe_secret", SecretId=ref.arn.split(UNKNOWN_PART)[0].rstrip("-"))
    if not answer.ok:
        return KeyUse("unknown", why=f"secret {ref.name} is not in the stack and was not read: {answer.reason}")
    return resolve_key(index, answer.data.get("KmsKeyId") or DEFAULT_KEY_ALIAS[SECRETS_MANAGER], live, where)


def _key_of_resource(index: StackIndex, holder: Resource, ref: SecretRef, live: LiveAws, place: Place) -> KeyUse:
    prop = "keyId" if holder.type == SSM_PARAMETER else "kmsKeyId"
    if holder.type == SSM_PARAMETER:
        kind = holder.props.get("type")
        if is_unknown(kind):
            return KeyUse("unknown", why=f"{holder.label} type is not known yet")
        if kind != "SecureString":
            return KeyUse("none")
    value = holder.props.get(prop)
    if value is None or value == "":
        return KeyUse("default", label=DEFAULT_KEY_ALIAS[ref.service])
    if is_unknown(value):
        keys = index.dependencies_of_type(holder, prop, (KMS_KEY, KMS_ALIAS))
        if len(keys) == 1:
            return _key_resource(index, keys[0], live, place)
        return KeyUse("unknown", why=f"{holder.label} {prop} is not known yet")
    return resolve_key(index, value, live, place)


def resolve_key(index: StackIndex, value: Any, live: LiveAws, place: Place) -> KeyUse:
    """A key named by key ID, key ARN, alias name or alias ARN: in the stack, AWS-managed, or looked up."""
    if not isinstance(value, str):
        return KeyUse("unknown", why=f"the key reference {value!r} is not a string")
    alias = value if value.startswith("alias/") else (value.split(":", 5)[-1] if ":alias/" in value else None)
    if alias is not None and alias.startswith("alias/aws/"):
        return KeyUse("default", label=alias)
    for key in index.of_type(KMS_KEY):
        if value in (key.props.get("arn"), key.props.get("keyId"), key.props.get("id")):
            return _key_resource(index, key, live, place)
    if alias is not None:
        for resource in index.of_type(KMS_ALIAS):
            if alias == resource.props.get("name") or value == resource.props.get("arn"):
                return _key_resource(index, resource, live, place)
    key_id = value.split(":", 5)[-1].removeprefix("key/") if value.startswith("arn:") else value
    answer = live.call("kms", "describe_key", KeyId=value)
    if answer.ok:
        metadata = answer.data.get("KeyMetadata", {})
        if metadata.get("KeyManager") == "AWS":
            return KeyUse("default", label=value)
        return KeyUse("customer", arn=metadata.get("Arn", value), label=value)
    if alias is not None:
        return KeyUse("unknown", why=f"KMS alias {alias} is not in the stack and was not read: {answer.reason}")
    # A key named by ID or ARN that cannot be looked up is taken as customer-managed: programs
    # name AWS-managed keys by their aliases (or not at all), not by their random key IDs.
    arn = value if value.startswith("arn:") else place.arn("kms", f"key/{key_id}")
    return KeyUse("customer", arn=arn, label=value)


def _key_resource(index: StackIndex, resource: Resource, live: LiveAws, place: Place) -> KeyUse:
    if resource.type == KMS_KEY:
        return KeyUse("customer", arn=arn_of(resource, place), label=resource.label, resource=resource)
    target = resource.props.get("targetKeyId")
    if is_unknown(target):
        keys = index.dependencies_of_type(resource, "targetKeyId", KMS_KEY)
        if len(keys) == 1:
            return KeyUse("customer", arn=arn_of(keys[0], place), label=f"{keys[0].label} (through {resource.label})",
                          resource=keys[0])
        return KeyUse("unknown", why=f"{resource.label} targetKeyId is not known yet")
    found = resolve_key(index, target, live, place)
    return found
