"""Answers for look-ups of things that live outside the stack: who they are, nothing more.

A program that reads an existing role, key, secret, image or certificate gets an answer
that identifies it - the ID, ARN and name AWS would return, derived from the arguments
the same way every run - and no property that would be a fact about it (a role's trust
policy, a key's policy, a parameter's type, a certificate's status). Rules then see
something outside the stack and look it up live or say they cannot verify it, exactly as
they would for a name typed into the program: an invented fact never decides a verdict.
An --invokes answer replaces any of these when a rule needs the fact.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from .aws_outputs import ACCOUNT_ID, PARTITION
from .wire import SECRET_SIG, SIG_KEY

SECRET_VALUE_PLACEHOLDER = "[secret]"

# Elastic Load Balancing's account per region, for access-log bucket policies
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
ELB_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ca-central-1": "985666609251",
    "eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-south-1": "635631232127", "eu-west-3": "009996457667", "eu-north-1": "897822967062",
    "ap-east-1": "754344448648", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-south-1": "718504428378", "me-south-1": "076674570225", "sa-east-1": "507241528517",
}


def seeded_hex(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def seeded_uuid(seed: str) -> str:
    return str(uuid.UUID(seeded_hex(seed, 32)))


def _arn(service: str, region: str, resource: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _echo(args: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: args[key] for key in keys if args.get(key) is not None}


class OutsideAnswers:
    """Identity-only answers in `region` of the preflight account."""

    def __init__(self, region: str):
        self.default_region = region

    def _region(self, args: dict[str, Any]) -> str:
        return args.get("region") or self.default_region

    def ami(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        image_id = f"ami-{seeded_hex('ami' + region + repr(sorted(args.items(), key=str)), 17)}"
        return {"id": image_id, "imageId": image_id, "arn": f"arn:{PARTITION}:ec2:{region}::image/{image_id}",
                "region": region, **_echo(args, "owners", "filters", "mostRecent", "nameRegex", "executableUsers")}

    def ami_ids(self, args: dict[str, Any]) -> dict[str, Any]:
        image = self.ami(args)
        return {"id": image["region"], "ids": [image["id"]], "region": image["region"],
                **_echo(args, "owners", "filters", "nameRegex", "executableUsers", "sortAscending")}

    def role(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name")
        return {"id": name, "name": name, "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{name}",
                "uniqueId": f"AROA{seeded_hex('role' + str(name), 17).upper()}", **_echo(args, "tags")}

    def policy(self, args: dict[str, Any]) -> dict[str, Any]:
        arn = args.get("arn")
        name = args.get("name")
        if arn is None:
            prefix = args.get("pathPrefix") or "/"
            arn = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:policy{prefix}{name}"
        if name is None:
            name = str(arn).rsplit("/", 1)[-1]
        return {"id": arn, "arn": arn, "name": name,
                "policyId": f"ANPA{seeded_hex('policy' + str(arn), 17).upper()}", **_echo(args, "pathPrefix", "tags")}

    def session_context(self, args: dict[str, Any]) -> dict[str, Any]:
        arn = str(args.get("arn") or "")
        issuer_arn, issuer_name, session = arn, "", ""
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
            _, role_name, session = (parts[5].split("/", 2) + ["", ""])[:3]
            issuer_arn = f"arn:{parts[1]}:iam::{parts[4]}:role/{role_name}"
            issuer_name = role_name
        result = {"id": arn, "arn": arn, "issuerArn": issuer_arn}
        if issuer_name:
            result.update(issuerName=issuer_name, sessionName=session,
                          issuerId=f"AROA{seeded_hex('role' + issuer_name, 17).upper()}")
        return result

    def parameter(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name"))
        region = self._region(args)
        arn = name if name.startswith("arn:") else _arn("ssm", region, f"parameter/{name.lstrip('/')}")
        plain_name = name.split(":parameter", 1)[1] if name.startswith("arn:") else name
        return {"id": plain_name, "name": plain_name, "arn": arn, "region": region,
                "value": {SIG_KEY: SECRET_SIG, "value": SECRET_VALUE_PLACEHOLDER},
                **_echo(args, "withDecryption")}

    def secret(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        arn = args.get("arn")
        name = args.get("name")
        if arn is None:
            arn = _arn("secretsmanager", region, f"secret:{name}-{_secret_suffix(str(name))}")
        if name is None:
            name = secret_name_from_arn(str(arn))
        return {"id": arn, "arn": arn, "name": name, "region": region, **_echo(args, "tags")}

    def secret_version(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        secret_id = str(args.get("secretId"))
        arn = secret_id if secret_id.startswith("arn:") else self.secret({"name": secret_id, "region": region})["arn"]
        stage = args.get("versionStage") or ("" if args.get("versionId") else "AWSCURRENT")
        version_id = args.get("versionId") or seeded_uuid("version" + arn + stage)
        return {"id": f"{secret_id}|{args.get('versionId') or stage}", "arn": arn, "secretId": secret_id,
                "versionId": version_id, "versionStage": stage, "region": region,
                "secretString": {SIG_KEY: SECRET_SIG, "value": SECRET_VALUE_PLACEHOLDER}}

    def key(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        given = str(args.get("keyId"))
        if given.startswith("arn:") and ":key/" in given:
            key_id, arn = given.split(":key/", 1)[1], given
        elif given.startswith("arn:") or given.startswith("alias/"):
            key_id = seeded_uuid("key" + given)
            arn = _arn("kms", region, f"key/{key_id}")
        else:
            key_id, arn = given, _arn("kms", region, f"key/{given}")
        return {"id": key_id, "keyId": key_id, "arn": arn, "region": region}

    def alias(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        name = str(args.get("name"))
        target = seeded_uuid("key" + name)
        return {"id": _arn("kms", region, name), "arn": _arn("kms", region, name), "name": name,
                "targetKeyId": target, "targetKeyArn": _arn("kms", region, f"key/{target}"), "region": region}

    def repository(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        registry = args.get("registryId") or ACCOUNT_ID
        name = args.get("name")
        return {"id": name, "name": name, "arn": _arn("ecr", region, f"repository/{name}", registry),
                "registryId": registry, "region": region,
                "repositoryUrl": f"{registry}.dkr.ecr.{region}.amazonaws.com/{name}", **_echo(args, "tags")}

    def image(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        registry = args.get("registryId") or ACCOUNT_ID
        repository = args.get("repositoryName")
        tag = args.get("imageTag")
        digest = args.get("imageDigest") or (
            f"sha256:{seeded_hex('image' + registry + region + str(repository) + str(tag or 'latest'), 64)}")
        result = {"id": digest, "imageDigest": digest, "registryId": registry, "repositoryName": repository,
                  "region": region, "imageUri": f"{registry}.dkr.ecr.{region}.amazonaws.com/{repository}@{digest}"}
        if tag:
            result.update(imageTag=tag, imageTags=[tag])
        return {**result, **_echo(args, "mostRecent")}

    def certificate(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        domain = args.get("domain")
        arn = _arn("acm", region, f"certificate/{seeded_uuid('certificate' + region + str(domain))}")
        return {"id": arn, "arn": arn, "domain": domain, "region": region,
                **_echo(args, "statuses", "types", "keyTypes", "mostRecent", "tags")}

    def zone(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name")
        zone_id = args.get("zoneId") or f"Z{seeded_hex('zone' + str(name) + str(args.get('privateZone')), 20).upper()}"
        result = {"id": zone_id, "zoneId": zone_id, "arn": f"arn:{PARTITION}:route53:::hostedzone/{zone_id}"}
        if name:
            result["name"] = str(name).rstrip(".")
        return {**result, **_echo(args, "privateZone", "vpcId", "tags")}

    def elb_service_account(self, args: dict[str, Any]) -> dict[str, Any] | None:
        region = self._region(args)
        account = ELB_ACCOUNTS.get(region)
        if account is None:
            return None
        return {"id": account, "arn": f"arn:{PARTITION}:iam::{account}:root", "region": region}

    def vpc(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        vpc_id = args.get("id") or f"vpc-{seeded_hex('vpc' + region + repr(sorted(args.items(), key=str)), 17)}"
        return {"id": vpc_id, "arn": _arn("ec2", region, f"vpc/{vpc_id}"), "region": region,
                **_echo(args, "filters", "tags")}

    def subnet(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        subnet_id = args.get("id") or f"subnet-{seeded_hex('subnet' + region + repr(sorted(args.items(), key=str)), 17)}"
        return {"id": subnet_id, "arn": _arn("ec2", region, f"subnet/{subnet_id}"), "region": region,
                **_echo(args, "vpcId", "filters", "tags")}

    def subnet_ids(self, args: dict[str, Any], zones: list[str]) -> list[str]:
        """One subnet per zone of the built-in world, named by the query (its members are not known)."""
        seed = repr(sorted(args.items(), key=str))
        return [f"subnet-{seeded_hex('subnets' + seed + zone, 17)}" for zone in zones]

    def security_group(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        group_id = args.get("id") or f"sg-{seeded_hex('sg' + region + repr(sorted(args.items(), key=str)), 17)}"
        return {"id": group_id, "arn": _arn("ec2", region, f"security-group/{group_id}"), "region": region,
                **_echo(args, "name", "vpcId", "filters", "tags")}

    def security_groups(self, args: dict[str, Any]) -> dict[str, Any]:
        region = self._region(args)
        group = self.security_group({**args, "region": region})
        return {"id": region, "ids": [group["id"]], "arns": [group["arn"]], "region": region,
                **_echo(args, "filters", "tags")}


def _secret_suffix(name: str) -> str:
    # Secrets Manager appends a hyphen and six random characters to the name in the ARN.
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(letters[int(ch, 16) * 3 % len(letters)] for ch in seeded_hex("secret" + name, 6))


def secret_name_from_arn(arn: str) -> str:
    resource = arn.split(":secret:", 1)[-1]
    name, _, suffix = resource.rpartition("-")
    return name if name and len(suffix) == 6 else resource
