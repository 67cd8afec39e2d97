"""What the docker, docker-build and random providers return at Create, derived deterministically.

Output names and meanings are the providers' own (the SDKs' docstrings):
- pulumi-docker 4 `Image`: `imageName` as given, `baseImageName` the same reference,
  `registryServer` the registry's server (or the name's host), `context`/`dockerfile`/
  `platform` from `build`, `repoDigest` `<repository>@sha256:...` once pushed (empty with
  `skipPush`);
- `RegistryImage`: `sha256Digest`; `RemoteImage`: `imageId` (the local image id) and
  `repoDigest`;
- docker-build `Image`: `digest` when exported, `ref` the first tag with the digest when
  pushed (`name:tag@digest`) (the tag alone when not exported), `contextHash`; `Index`: `ref` the tag with the
  pushed digest;
- random: `result` of the asked length and alphabet, RandomId's `hex`/`b64Std`/`b64Url`/`dec`.
A digest or a generated value is the provider's (or registry's) choice: here a hash of the
URN, the same every run, and unknown in a preview.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .aws_outputs import Context, known


def _repository_of(reference: str) -> str:
    """`host/name:tag` -> `host/name` (a digest suffix is dropped too)."""
    reference = reference.split("@", 1)[0]
    name, _, last = reference.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{name}/{last}" if name else last


def _tag_of(reference: str) -> str:
    last = reference.split("@", 1)[0].rpartition("/")[2]
    return last.split(":", 1)[1] if ":" in last else "latest"


def _registry_host(reference: str) -> str:
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def _digest(ctx: Context, salt: str = "digest") -> str:
    return f"sha256:{ctx.hex(64, salt)}"


def docker_image(i: dict, c: Context) -> dict:
    name = i.get("imageName")
    build = i.get("build") if isinstance(i.get("build"), dict) else {}
    registry = i.get("registry") if isinstance(i.get("registry"), dict) else {}
    context = build.get("context") or "."
    outputs: dict[str, Any] = {
        "imageName": name,
        "baseImageName": name,
        "context": context,
        "dockerfile": build.get("dockerfile") or f"{context.rstrip('/')}/Dockerfile",
    }
    if build.get("platform"):
        outputs["platform"] = build["platform"]
    if known(name) and isinstance(name, str):
        outputs["registryServer"] = registry.get("server") or _registry_host(name)
        outputs["repoDigest"] = "" if i.get("skipPush") is True else f"{_repository_of(name)}@{_digest(c)}"
    outputs["id"] = _digest(c, "image-id")
    return outputs


def registry_image(i: dict, c: Context) -> dict:
    digest = _digest(c)
    return {"id": f"{i.get('name')}@{digest}" if known(i.get("name")) else digest, "sha256Digest": digest}


def remote_image(i: dict, c: Context) -> dict:
    name = i.get("name")
    image_id = _digest(c, "image-id")
    outputs = {"id": f"{image_id}{name}", "imageId": image_id}
    if known(name) and isinstance(name, str):
        outputs["repoDigest"] = f"{_repository_of(name)}@{_digest(c)}"
    return outputs


def build_image(i: dict, c: Context) -> dict:
    tags = [tag for tag in (i.get("tags") or []) if isinstance(tag, str)]
    exports = i.get("exports") or []
    pushed = i.get("push") is True or any(isinstance(item, dict) and "registry" in item for item in exports)
    exported = pushed or bool(exports)
    digest = _digest(c) if exported else ""
    if pushed and tags:
        # addDigest (provider/internal/image.go): `<name>:<tag or latest>@<digest>`.
        ref = f"{_repository_of(tags[0])}:{_tag_of(tags[0])}@{digest}"
    elif tags:
        ref = tags[0]
    else:
        ref = digest
    return {"id": digest or _digest(c, "image-id"), "digest": digest, "ref": ref,
            "contextHash": c.hex(64, "context")}


def build_index(i: dict, c: Context) -> dict:
    tag = i.get("tag")
    pushed = i.get("push") is not False
    ref = f"{tag}@{_digest(c)}" if pushed and known(tag) else tag
    return {"id": tag, "ref": ref}


LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
NUMERIC = "0123456789"
SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


def _generated(i: dict, c: Context) -> str:
    """terraform-provider-random's alphabet rules: each enabled class, `min_*` of each first."""
    length = int(i.get("length") or 0)
    numeric = i.get("numeric", i.get("number", True)) is not False
    classes = [
        (LOWER, i.get("lower") is not False, int(i.get("minLower") or 0)),
        (UPPER, i.get("upper") is not False, int(i.get("minUpper") or 0)),
        (NUMERIC, numeric, int(i.get("minNumeric") or 0)),
        (i.get("overrideSpecial") or SPECIAL, i.get("special") is not False, int(i.get("minSpecial") or 0)),
    ]
    alphabet = "".join(chars for chars, enabled, _ in classes if enabled) or LOWER
    stream = c.hex(max(8, length * 4) + 64, "random")
    picks = [int(stream[index * 2:index * 2 + 2], 16) for index in range(len(stream) // 2)]
    result: list[str] = []
    for chars, enabled, minimum in classes:
        if enabled:
            result += [chars[picks[len(result)] % len(chars)] for _ in range(minimum)]
    while len(result) < length:
        result.append(alphabet[picks[len(result)] % len(alphabet)])
    return "".join(result[:length])


def random_string(i: dict, c: Context) -> dict:
    result = _generated(i, c)
    return {"id": result, "result": result}


def random_password(i: dict, c: Context) -> dict:
    result = _generated(i, c)
    return {"id": "none", "result": result, "bcryptHash": f"$2a$10${c.hex(53, 'bcrypt')}"}


def random_id(i: dict, c: Context) -> dict:
    length = int(i.get("byteLength") or 0)
    raw = bytes.fromhex(c.hex(length * 2, "random"))
    prefix = i.get("prefix") or ""
    b64_url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {"id": b64_url, "b64Url": prefix + b64_url, "b64Std": prefix + base64.b64encode(raw).decode(),
            "hex": prefix + raw.hex(), "dec": prefix + str(int.from_bytes(raw, "big"))}


COMPUTED: dict[str, Callable[[dict, Context], dict]] = {
    "docker:index/image:Image": docker_image,
    "docker:index/registryImage:RegistryImage": registry_image,
    "docker:index/remoteImage:RemoteImage": remote_image,
    "docker-build:index:Image": build_image,
    "docker-build:index:Index": build_index,
    "random:index/randomString:RandomString": random_string,
    "random:index/randomPassword:RandomPassword": random_password,
    "random:index/randomId:RandomId": random_id,
}
