"""ContainerImage and the build-context hash: repository hardening, the build's inputs, pinned references."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
from pulumi.runtime import rpc

from components.build_context import context_files, context_hash
from components.image import ContainerImage, ContainerImageArgs
from components.naming import Account
from tests.components.harness import REPO_ROOT, run_pulumi

ACCOUNT = Account(partition="aws", region="eu-west-1", account_id="123456789012")
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def build(preview: bool = False, **changes):
    args = ContainerImageArgs(**{"account": ACCOUNT, "repository_name": "berth-dev-web", **changes})

    def body():
        image = ContainerImage("img", args)
        pulumi.export("imageRef", image.image_ref)
        pulumi.export("repositoryUrl", image.repository_url)
        pulumi.export("imageDigest", image.image_digest)
        pulumi.export("pull", list(image.pull_repository_arns))
        pulumi.export("push", list(image.repository_arns))

    run = run_pulumi(body, preview=preview)
    assert run.error is None, run.error
    return run


APP = {"context": Path("app"), "project_dir": REPO_ROOT}
EPOCH = {"SOURCE_DATE_EPOCH": "0"}


def make_context(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_repository_scans_on_push_has_immutable_tags_a_lifecycle_policy_and_is_deleted_with_its_images():
    run = build(**APP)
    repositories = {r.name: r.inputs for r in run.of_type("aws:ecr/repository:Repository")}
    policies = {r.name: r.inputs for r in run.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")}

    assert repositories["img-repository"] == {
        "name": "berth-dev-web", "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True}, "forceDelete": True}
    assert policies["img-lifecycle"]["repository"] == "berth-dev-web"
    assert json.loads(policies["img-lifecycle"]["policy"]) == {"rules": [
        {"rulePriority": 1, "description": "Expire untagged images after 7 days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": 7}, "action": {"type": "expire"}},
        {"rulePriority": 2, "description": "Keep the 30 most recent images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
         "action": {"type": "expire"}},
    ]}


def test_build_cache_lives_in_its_own_repository_where_only_the_cache_tag_moves():
    run = build(**APP)
    cache = run.one("aws:ecr/repository:Repository", "img-cache").inputs

    assert cache == {
        "name": "berth-dev-web-buildcache", "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        # `buildcache` (the latest build) and `buildcache-<tag>` (each image's own layers) move.
        "imageTagMutabilityExclusionFilters": [{"filter": "buildcache*", "filterType": "WILDCARD"}],
        "imageScanningConfiguration": {"scanOnPush": True}, "forceDelete": True}
    # One cache entry per image the image repository keeps (30), plus the latest.
    assert json.loads(run.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "img-cache-lifecycle").inputs["policy"])[
        "rules"][1]["selection"]["countNumber"] == 31


def test_image_is_built_on_preview_for_linux_amd64_pushed_with_the_content_hash_tag_and_a_registry_cache():
    context = REPO_ROOT / "app"
    tag = context_hash(context, context / "Dockerfile", EPOCH, "linux/amd64")
    run = build(**APP)
    image = run.one("docker-build:index:Image").inputs

    assert image == {
        "tags": [f"{REGISTRY}/berth-dev-web:{tag}"],
        "push": True,
        # Relative to the project directory, where the engine runs docker-build: the same from any checkout.
        "context": {"location": "app"},
        "dockerfile": {"location": "app/Dockerfile"},
        "platforms": ["linux/amd64"],
        # Fixed image timestamps: a rebuild of the same context gives the same digest.
        "buildArgs": {"SOURCE_DATE_EPOCH": "0"},
        "buildOnPreview": True,
        # The registry password is a secret, so the whole list is sent as one.
        "registries": {rpc._special_sig_key: rpc._special_secret_sig,
                       "value": [{"address": REGISTRY, "username": "AWS", "password": "token-password"}]},
        # The image's own cache first: a rebuild of an existing tag (a revert, an interrupted update)
        # takes every layer from it and gives the digest the IMMUTABLE tag already has.
        "cacheFrom": [{"registry": {"ref": f"{REGISTRY}/berth-dev-web-buildcache:buildcache-{tag}"}},
                      {"registry": {"ref": f"{REGISTRY}/berth-dev-web-buildcache:buildcache"}}],
        "cacheTo": [{"registry": {"ref": f"{REGISTRY}/berth-dev-web-buildcache:buildcache-{tag}",
                                  "imageManifest": True, "ociMediaTypes": True, "mode": "max"}},
                    {"registry": {"ref": f"{REGISTRY}/berth-dev-web-buildcache:buildcache", "imageManifest": True,
                                  "ociMediaTypes": True, "mode": "max"}}],
        "network": "default",
    }
    assert run.invokes[-1] == ("aws:ecr/getAuthorizationToken:getAuthorizationToken",
                               {"registryId": "123456789012"})
    assert run.outputs["imageRef"] == f"{REGISTRY}/berth-dev-web:{tag}"
    assert run.outputs["repositoryUrl"] == f"{REGISTRY}/berth-dev-web"
    assert run.outputs["imageDigest"] == "sha256:" + "ab" * 32
    assert run.outputs["pull"] == ["arn:aws:ecr:eu-west-1:123456789012:repository/berth-dev-web"]
    assert run.outputs["push"] == ["arn:aws:ecr:eu-west-1:123456789012:repository/berth-dev-web",
                                   "arn:aws:ecr:eu-west-1:123456789012:repository/berth-dev-web-buildcache"]


def test_build_args_platform_and_target_are_passed_to_the_build_and_change_the_tag():
    context = REPO_ROOT / "app"
    args = {"BASE_IMAGE": "registry.local/python:3.11"}
    run = build(**APP, build_args=args, platform="linux/arm64", target="runtime")
    image = run.one("docker-build:index:Image").inputs
    default_tag = context_hash(context, context / "Dockerfile", EPOCH, "linux/amd64")
    sent = {**args, **EPOCH}

    assert (image["buildArgs"], image["platforms"], image["target"]) == (sent, ["linux/arm64"], "runtime")
    assert image["tags"] == [f"{REGISTRY}/berth-dev-web:"
                             f"{context_hash(context, context / 'Dockerfile', sent, 'linux/arm64', 'runtime')}"]
    assert not image["tags"][0].endswith(default_tag)


def test_prebuilt_image_pinned_by_digest_creates_nothing_and_is_pulled_from_its_own_repository():
    ref = f"210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/web@{DIGEST}"
    run = build(ref=ref)

    assert run.counts() == {"berth:index:ContainerImage": 1}
    assert run.outputs["imageRef"] == ref
    assert run.outputs["repositoryUrl"] == "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/web"
    assert run.outputs["imageDigest"] == DIGEST
    assert run.outputs["pull"] == ["arn:aws:ecr:eu-west-1:210987654321:repository/shared/web"]
    assert run.outputs["push"] == []


def test_prebuilt_public_image_needs_no_ecr_grants():
    run = build(ref=f"public.example.com/library/nginx@{DIGEST}")

    assert run.outputs["pull"] == []


def test_context_files_honour_dockerignore_anchored_at_the_context_root(tmp_path):
    context = make_context(tmp_path, {
        ".dockerignore": "# build leftovers\n*.log\n**/__pycache__\nsecrets/\n!keep.log\n",
        "Dockerfile": "FROM scratch\n",
        "server.py": "print()\n",
        "debug.log": "x",
        "keep.log": "x",
        "pkg/trace.log": "x",
        "pkg/__pycache__/server.cpython-311.pyc": "x",
        "secrets/token": "x",
    })

    assert list(context_files(context)) == [".dockerignore", "Dockerfile", "keep.log", "server.py",
                                            "pkg/trace.log"]


def test_context_hash_changes_with_content_and_mode_but_not_with_ignored_files_or_timestamps(tmp_path):
    context = make_context(tmp_path, {".dockerignore": "**/*.pyc\n", "Dockerfile": "FROM scratch\n",
                                      "server.py": "print()\n"})
    dockerfile = context / "Dockerfile"
    before = context_hash(context, dockerfile, {}, "linux/amd64")

    (context / "server.cpython-311.pyc").write_text("compiled")
    (context / "server.py").touch()
    after_ignored = context_hash(context, dockerfile, {}, "linux/amd64")
    (context / "server.py").chmod(0o755)
    after_mode = context_hash(context, dockerfile, {}, "linux/amd64")
    (context / "server.py").write_text("print('changed')\n")
    after_content = context_hash(context, dockerfile, {}, "linux/amd64")

    assert len(before) == 20
    assert after_ignored == before
    assert len({before, after_mode, after_content}) == 3


def test_a_preview_builds_but_exports_no_cache_to_the_registry():
    """Defect 1: the first preview has no cache repository yet, and a preview must not move the shared tag."""
    image = build(preview=True, **APP).one("docker-build:index:Image").inputs

    assert image["buildOnPreview"] is True
    assert "cacheTo" not in image
    tag = image["tags"][0].rsplit(":", 1)[1]
    assert [entry["registry"]["ref"].rsplit(":", 1)[1] for entry in image["cacheFrom"]] == [
        f"buildcache-{tag}", "buildcache"]


def test_the_image_inputs_do_not_depend_on_where_the_project_is_checked_out(tmp_path):
    """Defect 2: an absolute context path made docker-build rebuild (and re-push the tag) from another checkout."""
    import shutil

    copy = tmp_path / "elsewhere" / "berth"
    shutil.copytree(REPO_ROOT / "app", copy / "app")
    here = build(**APP).one("docker-build:index:Image").inputs
    there = build(context=Path("app"), project_dir=copy).one("docker-build:index:Image").inputs

    assert there == here


def test_the_tag_changes_with_every_mode_change_docker_builds_own_context_hash_sees(tmp_path):
    """Defect 2: docker-build hashes the full file mode; a tag that saw only the owner's execute bit kept its
    value while docker-build rebuilt, and the push of a new digest to that IMMUTABLE tag failed."""
    context = make_context(tmp_path, {"Dockerfile": "FROM scratch\n", "server.py": "print('hi')\n"})
    (context / "server.py").chmod(0o644)
    before = context_hash(context, context / "Dockerfile", {}, "linux/amd64")
    (context / "server.py").chmod(0o664)
    group_writable = context_hash(context, context / "Dockerfile", {}, "linux/amd64")
    (context / "server.py").chmod(0o644)

    assert group_writable != before
    assert context_hash(context, context / "Dockerfile", {}, "linux/amd64") == before
