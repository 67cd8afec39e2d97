"""ContainerImage: an ECR repository and the image built from a context and pushed to it.

The tag is the content hash of the build context (components/build_context.py) and the
repository's tags are IMMUTABLE, so `image_ref` is a plain string known at preview that
always names the same bytes. The build runs on preview too, so a broken Dockerfile fails
the preview, but a preview writes nothing to a registry: no image (docker-build never
pushes on preview) and no build cache (`cache_to` is left out on a dry run).

Re-running `pulumi up` must never push a different image to an existing tag, which
IMMUTABLE rejects (docs/deploying.md has the whole design):
- docker-build rebuilds only when its Diff sees a change. The context and Dockerfile are
  passed relative to the project directory (where the engine and docker-build run), so
  another checkout path is no change; the tag hashes what docker-build's context hash
  hashes (contents and full modes), so whatever makes docker-build rebuild also changes
  the tag.
- A rebuild under an existing tag (sources reverted to an earlier tag, an update
  interrupted after its push) must give the same digest: image timestamps are fixed
  (SOURCE_DATE_EPOCH) and every layer comes from that tag's own registry cache
  (`buildcache-<tag>`, kept as long as the image), so the manifest is the same; a push
  of the digest the tag already has writes nothing (the registry client checks the
  tag's digest before it uploads a manifest), so it succeeds against IMMUTABLE.
A pre-built image is accepted instead when it is pinned by digest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from components.build_context import context_hash
from components.naming import Account

# A private ECR image reference: account, region, repository.
ECR_REFERENCE = re.compile(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^@:]+)[@:]")
CACHE_TAG = "buildcache"
# Fixed image timestamps: a rebuild of the same context gives the same image config, and
# so the same digest (https://docs.docker.com/build/ci/github-actions/reproducible-builds/).
SOURCE_DATE_EPOCH = "0"


def lifecycle_policy(keep_images: int) -> str:
    """Expire untagged images after a week and keep the newest `keep_images` for rollbacks."""
    return json.dumps({"rules": [
        {"rulePriority": 1, "description": "Expire untagged images after 7 days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": 7},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"Keep the {keep_images} most recent images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep_images},
         "action": {"type": "expire"}},
    ]}, sort_keys=True)


@dataclass(frozen=True)
class ContainerImageArgs:
    account: Account
    """Partition, region and account, from invokes."""
    repository_name: str
    """Name of the ECR repository to create (explicit, so the image reference is known at preview). Required."""
    context: Path | None = None
    """Build context directory relative to `project_dir`; exactly one of `context` and `ref`."""
    dockerfile: Path | None = None
    """Dockerfile path relative to `project_dir`; default `<context>/Dockerfile`."""
    project_dir: Path = Path(".")
    """Where the engine runs the program and docker-build: relative paths are resolved there. Default ".",
    the working directory."""
    platform: str = "linux/amd64"
    """Target platform of the build. Default linux/amd64 (Fargate's default architecture)."""
    build_args: dict[str, str] = field(default_factory=dict)
    """Docker build arguments (BASE_IMAGE among them when configured). Default {}."""
    target: str | None = None
    """Dockerfile stage to build; default the last stage."""
    ref: str | None = None
    """A pre-built image pinned by digest (`...@sha256:<64 hex>`); no repository is created."""
    keep_images: int = 30
    """Images the lifecycle policy keeps in the repository. Default 30."""


class ContainerImage(pulumi.ComponentResource):
    image_ref: str
    repository_url: str
    image_digest: pulumi.Output[str]
    pull_repository_arns: tuple[str, ...]
    repository_arns: tuple[str, ...]
    """Repositories this stack pushes to (the image and its build cache); empty for a pre-built image."""
    resources: list[pulumi.Resource]

    def __init__(self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("berth:index:ContainerImage", name, None, opts)
        self.resources = []
        if args.ref is not None:
            self._prebuilt(args)
        else:
            self._build(name, args)
        self.register_outputs({
            "imageRef": self.image_ref,
            "repositoryUrl": self.repository_url,
            "imageDigest": self.image_digest,
        })

    def _prebuilt(self, args: ContainerImageArgs) -> None:
        self.image_ref = args.ref
        self.repository_url, digest = args.ref.split("@", 1)
        self.image_digest = pulumi.Output.from_input(digest)
        self.repository_arns = ()
        match = ECR_REFERENCE.match(args.ref)
        if match:
            account, region, repository = match.groups()
            self.pull_repository_arns = (
                f"arn:{args.account.partition}:ecr:{region}:{account}:repository/{repository}",)
        else:
            self.pull_repository_arns = ()

    def _build(self, name: str, args: ContainerImageArgs) -> None:
        account = args.account
        child = pulumi.ResourceOptions(parent=self)
        dockerfile = args.dockerfile or args.context / "Dockerfile"
        build_args = {"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **args.build_args}  # a configured value wins
        # Every input that makes docker-build rebuild is in the tag, so a rebuild gets a new tag.
        tag = context_hash(args.project_dir / args.context, args.project_dir / dockerfile, build_args,
                           args.platform, args.target)
        cache_name = f"{args.repository_name}-{CACHE_TAG}"
        self.repository_url = f"{account.registry}/{args.repository_name}"
        self.image_ref = f"{self.repository_url}:{tag}"
        self.repository_arns = (account.arn("ecr", f"repository/{args.repository_name}"),
                                account.arn("ecr", f"repository/{cache_name}"))
        self.pull_repository_arns = self.repository_arns[:1]

        repository = aws.ecr.Repository(
            f"{name}-repository", name=args.repository_name, image_tag_mutability="IMMUTABLE",
            # `pulumi destroy` deletes the repository with every image in it (docs/deploying.md);
            # docker-build's own delete removes only the digest it pushed last.
            image_scanning_configuration={"scan_on_push": True}, force_delete=True, opts=child)
        aws.ecr.LifecyclePolicy(f"{name}-lifecycle", repository=repository.name,
                                policy=lifecycle_policy(args.keep_images), opts=child)
        # The registry cache has moving tags (`buildcache` for the latest build, `buildcache-<tag>`
        # per image); it lives in its own repository so the image repository stays IMMUTABLE
        # without exceptions. It keeps as many entries as the image repository keeps images, so
        # a rebuild of any image still there finds its layers. No task ever pulls from it.
        cache = aws.ecr.Repository(
            f"{name}-cache", name=cache_name, image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=[{"filter": f"{CACHE_TAG}*", "filter_type": "WILDCARD"}],
            image_scanning_configuration={"scan_on_push": True}, force_delete=True, opts=child)
        aws.ecr.LifecyclePolicy(f"{name}-cache-lifecycle", repository=cache.name,
                                policy=lifecycle_policy(args.keep_images + 1), opts=child)

        token = aws.ecr.get_authorization_token(registry_id=account.account_id)
        latest_cache = f"{account.registry}/{cache_name}:{CACHE_TAG}"
        image_cache = f"{account.registry}/{cache_name}:{CACHE_TAG}-{tag}"
        # A preview never writes the cache: on the first preview the cache repository does not
        # exist yet, a read-only preview role cannot push, and a branch must not move `buildcache`.
        cache_to = None if pulumi.runtime.is_dry_run() else [
            {"registry": {"ref": ref, "image_manifest": True, "oci_media_types": True, "mode": "max"}}
            for ref in (image_cache, latest_cache)]
        image = docker_build.Image(
            f"{name}-image",
            tags=[self.image_ref],
            push=True,
            context={"location": args.context.as_posix()},
            dockerfile={"location": dockerfile.as_posix()},
            platforms=[args.platform],
            build_args=build_args,
            target=args.target,
            build_on_preview=True,
            registries=[{
                "address": account.registry,
                "username": token.user_name,
                "password": pulumi.Output.secret(token.password),
            }],
            # This image's own layers first (a rebuild of an existing tag), then the latest build's.
            cache_from=[{"registry": {"ref": image_cache}}, {"registry": {"ref": latest_cache}}],
            cache_to=cache_to,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[repository, cache]),
        )
        self.image_digest = image.digest
        self.resources = [image]
